/**
 * Downloads over HTTP(S) with one pooled undici Agent, redirects followed by undici's redirect
 * interceptor, and our own retry loop.
 *
 * Why not undici's retry interceptor: when a body breaks off mid-way it resumes with a Range
 * request and splices the parts; against a server that ignores Range it fails after one retry
 * ("server does not support the range header") instead of starting over. We need every attempt
 * to fetch the whole body from scratch (it is verified by hash afterwards), truncated bodies
 * retried like any other transient fault, and our own error types, so the loop is ours.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import pLimit, { type LimitFunction } from 'p-limit';
import { Agent, interceptors, request, type Dispatcher } from 'undici';
import { redactUrls, TransientError, UserError } from '../errors/index.js';
import { isTransientError, isTransientStatus, parseRetryAfter, retryDelayMs, type BackoffOptions } from './retry.js';
import { Deadline, STALL_RETRIES, stallError, undiciStall, type HttpTimeouts } from '../http/timeouts.js';

export interface HttpOptions {
  retries: number;
  timeouts: HttpTimeouts;
  userAgent: string;
  backoff: BackoffOptions;
}

/** Bounded so a build with hundreds of sources does not open hundreds of sockets to one registry. */
const CONNECTIONS_PER_ORIGIN = 8;
const MAX_REDIRECTIONS = 10;

/** One attempt either yields the body, or says why another attempt may succeed (`stalled`: a timeout). */
type Attempt = { data: Buffer } | { fault: string; stalled?: boolean; retryAfterMs?: number; cause?: unknown };

export class HttpClient {
  private readonly agent: Agent;
  private readonly dispatcher: Dispatcher;
  /** One slot per pooled connection and origin: a download's deadline starts with its slot, not while queued. */
  private readonly slots = new Map<string, LimitFunction>();

  constructor(private readonly opts: HttpOptions) {
    this.agent = new Agent({
      connections: CONNECTIONS_PER_ORIGIN,
      keepAliveTimeout: 10_000,
      connect: { timeout: opts.timeouts.connectMs },
    });
    this.dispatcher = this.agent.compose(interceptors.redirect({ maxRedirections: MAX_REDIRECTIONS }));
  }

  /** The whole body of a 2xx response; transient faults are retried with backoff, then a TransientError. */
  async get(url: string): Promise<Buffer> {
    const deadline = new Deadline(this.opts.timeouts.deadlineMs, { lazy: true });
    try {
      for (let attempt = 1, stalls = 0; ; attempt++) {
        const outcome = await this.slot(url)(() => {
          deadline.start();
          return this.attempt(url, deadline);
        });
        if ('data' in outcome) return outcome.data;
        if (outcome.stalled === true) stalls++;
        const wait = retryDelayMs(attempt, this.opts.backoff, outcome.retryAfterMs);
        if (attempt > this.opts.retries || stalls > STALL_RETRIES || !deadline.allows(wait)) {
          if (outcome.stalled === true) throw stallError('EFETCH', redactUrls(url), outcome.fault, attempt, outcome.cause);
          throw new TransientError(
            'EFETCH',
            `${redactUrls(url)}: ${outcome.fault} (${attempt} attempts): the server or network is failing; try again later`,
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
    return this.agent.close();
  }

  private slot(url: string): LimitFunction {
    let origin: string;
    try {
      origin = new URL(url).origin;
    } catch {
      origin = '';
    }
    let limit = this.slots.get(origin);
    if (limit === undefined) {
      limit = pLimit(CONNECTIONS_PER_ORIGIN);
      this.slots.set(origin, limit);
    }
    return limit;
  }

  private async attempt(url: string, deadline: Deadline): Promise<Attempt> {
    const t = this.opts.timeouts;
    let res: Dispatcher.ResponseData;
    try {
      res = await request(url, {
        dispatcher: this.dispatcher,
        method: 'GET',
        // identity: the pinned hash is over the artifact's bytes, not a transfer encoding of them.
        headers: { 'user-agent': this.opts.userAgent, 'accept-encoding': 'identity' },
        headersTimeout: t.headersMs,
        bodyTimeout: t.idleMs,
        signal: deadline.signal,
      });
    } catch (err) {
      return networkFault(url, err, undiciStall(err, t, deadline));
    }

    const status = res.statusCode;
    if (status >= 200 && status < 300) return readBody(url, res, t, deadline);

    // Drain so the keep-alive connection can be reused.
    await res.body.dump().catch(() => undefined);
    if (isTransientStatus(status)) {
      const honoursRetryAfter = status === 429 || status === 503;
      return {
        fault: `HTTP ${status}`,
        retryAfterMs: honoursRetryAfter ? parseRetryAfter(res.headers['retry-after']) : undefined,
      };
    }
    if (status === 404 || status === 403 || status === 410) {
      throw new UserError('ESOURCE', `${redactUrls(url)}: HTTP ${status}: the recipe's source URL is gone: re-import or fix the URL`);
    }
    if (status >= 300 && status < 400) {
      throw new UserError('ESOURCE', `${redactUrls(url)}: HTTP ${status}: redirect without a usable Location, or more than ${MAX_REDIRECTIONS} redirects: fix the recipe's source URL`);
    }
    throw new UserError('ESOURCE', `${redactUrls(url)}: HTTP ${status}: the server refused the download: fix the recipe's source URL`);
  }
}

async function readBody(url: string, res: Dispatcher.ResponseData, t: HttpTimeouts, deadline: Deadline): Promise<Attempt> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of res.body) {
      chunks.push(chunk as Buffer);
      size += (chunk as Buffer).length;
    }
  } catch (err) {
    return networkFault(url, err, undiciStall(err, t, deadline, size));
  }
  // undici checks this too; kept so a short body can never reach the hash check as "complete".
  const declared = Number(res.headers['content-length']);
  if (res.headers['content-length'] !== undefined && size !== declared) {
    return { fault: `truncated body (${size} of ${declared} bytes)` };
  }
  return { data: Buffer.concat(chunks, size) };
}

/** `stall` says what timed out, when one of the timeouts (or the deadline) ended the attempt. */
function networkFault(url: string, err: unknown, stall: string | undefined): Attempt {
  if (stall !== undefined) return { fault: stall, stalled: true, cause: err };
  if (isTransientError(err)) {
    return { fault: describe(err), cause: err };
  }
  const code = (err as { code?: unknown } | null)?.code;
  if (code === 'UND_ERR_INVALID_ARG' || code === 'ERR_INVALID_URL') {
    // undici reports bad URLs and redirect loops this way.
    throw new UserError('ESOURCE', `${redactUrls(url)}: cannot download (${describe(err)}): fix the recipe's source URL`, { cause: err });
  }
  // Anything else (TLS failures, protocol errors) is not retried here; the queue may retry the job later.
  throw new TransientError('EFETCH', `${redactUrls(url)}: ${describe(err)}: the download failed; check the network and try again`, { cause: err });
}

function describe(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    return typeof code === 'string' ? `${code}: ${err.message}` : err.message;
  }
  return String(err);
}
