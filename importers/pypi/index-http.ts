/**
 * HTTP for the index clients: pooled keep-alive sockets per client (index-transport.ts), bounded concurrency,
 * redirects followed here (the caller needs the final URL: relative links on a Simple page resolve
 * against it), and our own retry loop with backoff, as src/fetch/http.ts does for sources and for
 * the same reasons (whole bodies from scratch on every attempt, our error types).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { gunzipSync } from 'node:zlib';
import pLimit, { type LimitFunction } from 'p-limit';
import { redactUrls, TransientError, UserError } from '../../src/errors/index.js';
import { isTransientError, isTransientStatus, parseRetryAfter, retryDelayMs } from '../../src/fetch/retry.js';
import { Deadline, STALL_RETRIES, deadlineText, httpTimeouts, stallError, stallText, type HttpTimeouts, type HttpTraffic } from '../../src/http/timeouts.js';
import { BodyFault, Transport, TransportStall, type RawResponse } from './index-transport.js';
import { readFileUrl } from './index-file.js';
import type { IndexClientOptions } from './index-types.js';

export interface HttpResponse {
  /** After redirects. */
  url: string;
  status: number;
  /** The media type, lowercase, without parameters ('' when absent). */
  contentType: string;
  body: Buffer;
}

export interface GetOptions {
  accept?: string;
  /** Ask for gzip (index pages); downloads stay identity, their hash is over the file's own bytes. */
  compressed?: boolean;
  /** Which deadline bounds the request: distribution files are `source`. @defaultValue 'metadata' */
  traffic?: HttpTraffic;
}

const CONNECTIONS_PER_ORIGIN = 8;
const MAX_REDIRECTS = 10;
const REDIRECTS = new Set([301, 302, 303, 307, 308]);

type Attempt = { res: HttpResponse } | { fault: string; stalled?: boolean; retryAfterMs?: number; cause?: unknown };

export type ResolvedIndexOptions = Required<Omit<IndexClientOptions, 'timeouts'>> & { timeouts: Record<HttpTraffic, HttpTimeouts> };

export function resolvedOptions(o: IndexClientOptions = {}): ResolvedIndexOptions {
  return {
    concurrency: o.concurrency ?? 16,
    retries: o.retries ?? 3,
    retryBaseMs: o.retryBaseMs ?? 250,
    retryMaxMs: o.retryMaxMs ?? 10_000,
    timeouts: { metadata: httpTimeouts('metadata', o.timeouts), source: httpTimeouts('source', o.timeouts) },
    userAgent: o.userAgent ?? 'bale (PyPI importer)',
  };
}

export class IndexHttp {
  private readonly transport: Transport;
  private readonly limit: LimitFunction;

  /** @param files whether `file:` URLs are read from disk: for an index that is itself on disk, never for one over the network. */
  constructor(
    private readonly opts: ResolvedIndexOptions,
    private readonly files = false,
  ) {
    this.transport = new Transport({ connections: CONNECTIONS_PER_ORIGIN, keepAliveMs: 10_000 });
    this.limit = pLimit(opts.concurrency);
  }

  /**
   * The final response after redirects, whatever its status, except transient ones (5xx, 429, 408,
   * network faults, timeouts): those are retried with backoff (a stall once at most), all within
   * the request's deadline, then thrown as a TransientError.
   */
  async get(url: string, o: GetOptions = {}): Promise<HttpResponse> {
    if (url.startsWith('file:')) {
      if (!this.files) throw new UserError('EINDEX', `${url}: a local file named by an index on the network: refusing it; check the index URL`);
      return readFileUrl(url);
    }
    const t = this.opts.timeouts[o.traffic ?? 'metadata'];
    // Started by the first hop that gets a concurrency slot: time queued behind other requests is not the peer's.
    const deadline = new Deadline(t.deadlineMs, { lazy: true });
    try {
      for (let attempt = 1, stalls = 0; ; attempt++) {
        const outcome = await this.follow(url, o, t, deadline);
        if ('res' in outcome) return outcome.res;
        if (outcome.stalled === true) stalls++;
        const backoff = { baseMs: this.opts.retryBaseMs, maxMs: this.opts.retryMaxMs };
        const wait = retryDelayMs(attempt, backoff, outcome.retryAfterMs);
        if (attempt > this.opts.retries || stalls > STALL_RETRIES || !deadline.allows(wait)) {
          if (outcome.stalled === true) throw stallError('EFETCH', redactUrls(url), outcome.fault, attempt, outcome.cause);
          throw new TransientError(
            'EFETCH',
            `${redactUrls(url)}: ${outcome.fault} (${attempt} attempts): the index or the network is failing; try again later`,
            { cause: outcome.cause, retryAfterMs: outcome.retryAfterMs },
          );
        }
        await sleep(wait);
      }
    } finally {
      deadline.dispose();
    }
  }

  close(): Promise<void> {
    this.transport.close();
    return Promise.resolve();
  }

  /** One attempt: every hop of the redirect chain, each in its own concurrency slot. */
  private async follow(url: string, o: GetOptions, t: HttpTimeouts, deadline: Deadline): Promise<Attempt> {
    let current = url;
    for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
      const outcome = await this.limit(() => this.once(current, o, t, deadline));
      if (!('res' in outcome) || !REDIRECTS.has(outcome.res.status) || outcome.location === undefined) return outcome;
      current = new URL(outcome.location, current).href;
    }
    throw new UserError('EINDEX', `${redactUrls(url)}: more than ${MAX_REDIRECTS} redirects: fix the index URL`);
  }

  private async once(url: string, o: GetOptions, t: HttpTimeouts, deadline: Deadline): Promise<Attempt & { location?: string }> {
    deadline.start();
    let res: RawResponse;
    try {
      res = await this.transport.get(
        url,
        {
          'user-agent': this.opts.userAgent,
          'accept-encoding': o.compressed ? 'gzip' : 'identity',
          ...(o.accept === undefined ? {} : { accept: o.accept }),
        },
        t,
        deadline.signal,
      );
    } catch (err) {
      const received = err instanceof BodyFault || err instanceof TransportStall ? err.received : undefined;
      return networkFault(url, err instanceof BodyFault ? err.original : err, stallOf(err, t, deadline, received));
    }
    const status = res.status;
    if (isTransientStatus(status)) {
      return {
        fault: `HTTP ${status}`,
        retryAfterMs: status === 429 || status === 503 ? parseRetryAfter(res.headers['retry-after']) : undefined,
      };
    }
    const location = header(res.headers['location']);
    if (REDIRECTS.has(status) && location !== undefined) {
      return { res: { url, status, contentType: '', body: Buffer.alloc(0) }, location };
    }
    let body = res.body;
    const declared = header(res.headers['content-length']);
    if (declared !== undefined && Number(declared) !== body.length) {
      return { fault: `truncated body (${body.length} of ${declared} bytes)` };
    }
    if (o.compressed && header(res.headers['content-encoding'])?.toLowerCase() === 'gzip') {
      try {
        body = gunzipSync(body);
      } catch (err) {
        return { fault: `a gzip body that does not decompress (${(err as Error).message})`, cause: err };
      }
    }
    const contentType = (header(res.headers['content-type']) ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
    return { res: { url, status, contentType, body } };
  }
}

/** What stalled, when a timeout or the deadline ended the attempt; undefined for any other fault. */
function stallOf(err: unknown, t: HttpTimeouts, deadline: Deadline, received: number | undefined): string | undefined {
  if (deadline.expired) return deadlineText(deadline, received);
  return err instanceof TransportStall ? stallText(err.phase, t, err.received) : undefined;
}

function header(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

/** `stall` says what timed out, when one of the timeouts (or the deadline) ended the attempt. */
function networkFault(url: string, err: unknown, stall: string | undefined): Attempt {
  if (stall !== undefined) return { fault: stall, stalled: true, cause: err };
  if (isTransientError(err)) return { fault: describe(err), cause: err };
  const code = (err as { code?: unknown } | null)?.code;
  if (code === 'UND_ERR_INVALID_ARG' || code === 'ERR_INVALID_URL' || err instanceof TypeError) {
    throw new UserError('EINDEX', `${redactUrls(url)}: cannot request it (${describe(err)}): fix the index URL`, { cause: err });
  }
  // TLS and protocol errors: another attempt a second later will not differ.
  throw new TransientError('EFETCH', `${redactUrls(url)}: ${describe(err)}: check the index URL and the network, then try again`, { cause: err });
}

function describe(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' ? `${code}: ${err.message}` : err.message;
}

/**
 * A response's JSON through `parse`. A body that is not JSON, or one `parse` refuses with a
 * format error (`isFormatError`), becomes the caller's one-line `garbage` error; other errors pass.
 */
export function readJson<T>(res: HttpResponse, parse: (doc: unknown) => T, isFormatError: (err: unknown) => boolean, garbage: (why: string, cause: unknown) => Error): T {
  let doc: unknown;
  try {
    doc = JSON.parse(res.body.toString('utf8'));
  } catch (err) {
    throw garbage(`not JSON (content-type ${res.contentType || '(none)'})`, err);
  }
  try {
    return parse(doc);
  } catch (err) {
    if (isFormatError(err)) throw garbage((err as Error).message, err);
    throw err;
  }
}
