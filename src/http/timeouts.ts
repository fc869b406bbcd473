/**
 * How long bale waits for a peer, on every HTTP path (sources, package indexes, npm registries,
 * OCI registries): one set of timeouts with documented defaults, overridable by environment, and
 * the one-line TransientError a stall becomes. The HTTP clients share it; none has its own numbers.
 * Part of the HTTP core (src/http): imports only core (errors, limits); any module may import it.
 */
import { type ErrorCode, TransientError, UserError } from '../errors/index.js';
import { formatDuration, formatSize, parseDuration } from '../limits/index.js';

export interface HttpTimeouts {
  /** To establish the TCP (and TLS) connection. @defaultValue 10 s */
  connectMs: number;
  /** From the request sent to the response's status line and headers. @defaultValue 30 s */
  headersMs: number;
  /** Longest silence between two chunks of a body: an idle bound, so a slow but live link completes. @defaultValue 30 s */
  idleMs: number;
  /**
   * One request from start to last byte: every attempt and every wait between them; an attempt
   * gets what is left. The bound on a peer that trickles a byte now and then.
   * @defaultValue 10 min for sources, 2 min for metadata
   */
  deadlineMs: number;
}

/**
 * `source`: artifacts (tarballs, wheels, gems, debs, OCI blobs), large on slow links;
 * `metadata`: packuments, index pages, API answers, small and asked for by the hundred.
 */
export type HttpTraffic = 'source' | 'metadata';

const S = 1000;
const MIN = 60 * S;

/**
 * Connect 10 s: a healthy peer answers a SYN in milliseconds, and the kernel's SYN retries
 * (1 s, 3 s, 7 s) fit inside. Headers and idle 30 s: busy registries answer big packuments and
 * cold mirrors in seconds, 30 s of silence is a stall. Deadlines: 10 min lets a 1 GiB wheel through
 * at ~2 MB/s; 2 min is far beyond any index page or packument, yet bounds a trickling server.
 */
export const DEFAULT_HTTP_TIMEOUTS: Readonly<Record<HttpTraffic, Readonly<HttpTimeouts>>> = {
  source: { connectMs: 10 * S, headersMs: 30 * S, idleMs: 30 * S, deadlineMs: 10 * MIN },
  metadata: { connectMs: 10 * S, headersMs: 30 * S, idleMs: 30 * S, deadlineMs: 2 * MIN },
};

/** The environment variables operators (and tests) set: durations like `30s`, `500ms`, `2m`, or seconds. */
const HTTP_TIMEOUT_ENV = {
  connectMs: 'BALE_HTTP_CONNECT_TIMEOUT',
  headersMs: 'BALE_HTTP_HEADERS_TIMEOUT',
  idleMs: 'BALE_HTTP_IDLE_TIMEOUT',
} as const;
const HTTP_DEADLINE_ENV: Readonly<Record<HttpTraffic, string>> = {
  source: 'BALE_HTTP_SOURCE_DEADLINE',
  metadata: 'BALE_HTTP_METADATA_DEADLINE',
};

/**
 * After a stall, one more attempt at most: each stall already cost a full timeout, and a peer that
 * stalls twice in a row is stalling. Other transient faults keep their client's retry count.
 */
export const STALL_RETRIES = 1;

/** The timeouts of one client: `given` (code, tests) over the environment over the defaults. */
export function httpTimeouts(traffic: HttpTraffic, given: Partial<HttpTimeouts> = {}, env: NodeJS.ProcessEnv = process.env): HttpTimeouts {
  const out: HttpTimeouts = { ...DEFAULT_HTTP_TIMEOUTS[traffic] };
  const vars: [keyof HttpTimeouts, string][] = [
    ...(Object.entries(HTTP_TIMEOUT_ENV) as [keyof HttpTimeouts, string][]),
    ['deadlineMs', HTTP_DEADLINE_ENV[traffic]],
  ];
  for (const [field, name] of vars) {
    const raw = env[name];
    if (raw === undefined || raw === '') continue;
    const ms = parseDuration(raw);
    if (ms === undefined) {
      throw new UserError('EBADENV', `${name}=${JSON.stringify(raw.slice(0, 40))}: expected a duration such as 30s, 500ms or 2m`);
    }
    out[field] = ms;
  }
  for (const [field, ms] of Object.entries(given) as [keyof HttpTimeouts, number | undefined][]) {
    if (ms !== undefined) out[field] = ms;
  }
  return out;
}

/** One request's overall clock: an AbortSignal that fires at the deadline, and what is left of it. */
export class Deadline {
  private readonly controller = new AbortController();
  private timer: NodeJS.Timeout | undefined;
  private startedAt: number | undefined;

  /** `lazy`: the clock starts at `start()`, e.g. once the request has its concurrency slot. */
  constructor(
    readonly ms: number,
    opts: { lazy?: boolean } = {},
  ) {
    if (opts.lazy !== true) this.start();
  }

  /** Starts the clock; later calls do nothing. */
  start(): void {
    if (this.startedAt !== undefined) return;
    this.startedAt = Date.now();
    this.timer = setTimeout(() => this.controller.abort(new Error(`deadline of ${formatDuration(this.ms)} passed`)), this.ms);
    // The request itself keeps the process alive; the clock must not keep it alive alone.
    this.timer.unref();
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  get expired(): boolean {
    return this.controller.signal.aborted;
  }

  remainingMs(): number {
    return this.startedAt === undefined ? this.ms : Math.max(0, this.ms - (Date.now() - this.startedAt));
  }

  /** Whether a wait of `ms` before the next attempt still leaves time for it. */
  allows(ms: number): boolean {
    return !this.expired && ms < this.remainingMs();
  }

  dispose(): void {
    clearTimeout(this.timer);
  }
}

/** Which wait ran out: for the connection, for the response headers, or between two chunks of a body. */
export type StallPhase = 'connect' | 'headers' | 'idle';

/**
 * What stalled, e.g. `no response headers after 30s`: every client words a stall with this.
 * An idle body says how much had arrived, when the client knows.
 */
export function stallText(phase: StallPhase, t: HttpTimeouts, received?: number): string {
  switch (phase) {
    case 'connect':
      return `no connection after ${formatDuration(t.connectMs)}`;
    case 'headers':
      return `no response headers after ${formatDuration(t.headersMs)}`;
    case 'idle':
      return received === undefined
        ? `no data for ${formatDuration(t.idleMs)}`
        : `body stalled for ${formatDuration(t.idleMs)} after ${formatSize(received)}`;
  }
}

/** What ran out when the deadline passed, e.g. `not finished within the 2m deadline (1 KiB received)`. */
export function deadlineText(deadline: Deadline, received?: number): string {
  return `not finished within the ${formatDuration(deadline.ms)} deadline${received === undefined ? '' : ` (${formatSize(received)} received)`}`;
}

/**
 * What stalled, when `err` is one of undici's timeouts or the deadline's abort; undefined for any
 * other fault. `received` is how much of the body had arrived.
 */
export function undiciStall(err: unknown, t: HttpTimeouts, deadline: Deadline, received?: number): string | undefined {
  if (deadline.expired) return deadlineText(deadline, received);
  switch ((err as { code?: unknown } | null)?.code) {
    case 'UND_ERR_CONNECT_TIMEOUT':
      return stallText('connect', t);
    case 'UND_ERR_HEADERS_TIMEOUT':
      return stallText('headers', t);
    case 'UND_ERR_BODY_TIMEOUT':
      return stallText('idle', t, received ?? 0);
    default:
      return undefined;
  }
}

/**
 * The one line a stall ends in: the URL (password redacted), what stalled, how many attempts,
 * and that a later try may pass. Exit 75 in the CLI; the queue retries the job with backoff.
 */
export function stallError(code: ErrorCode, subject: string, stall: string, attempts: number | undefined, cause?: unknown): TransientError {
  const tries = attempts === undefined ? '' : attempts === 1 ? ' (1 attempt)' : ` (${attempts} attempts)`;
  return new TransientError(code, `${subject}: timed out: ${stall}${tries}: the server or network is stalling; try again later`, { cause });
}
