/**
 * One registry's HTTP: a pooled keep-alive undici Agent, authentication on 401, and a retry loop
 * for 5xx/429/408 and network faults (the policy of src/fetch/retry.ts). Every request answers
 * with its status, headers and whole body; callers decide what a status means for them.
 */
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import type { IncomingHttpHeaders } from 'node:http';
import { Agent, interceptors, request, type Dispatcher } from 'undici';
import { redactUrls, TransientError, UserError } from '../errors/index.js';
import { isTransientError, isTransientStatus, parseRetryAfter, retryDelayMs, type BackoffOptions } from '../fetch/retry.js';
import { Deadline, STALL_RETRIES, stallError, undiciStall, type HttpTimeouts } from '../http/timeouts.js';
import { RegistryAuth, refusedMessage, type Credentials } from './auth.js';

export type RequestBody = Buffer | { size: number; open: () => NodeJS.ReadableStream };

export interface Call {
  method: 'GET' | 'HEAD' | 'POST' | 'PUT' | 'DELETE';
  /** A path under the registry (`/v2/…`) or an absolute URL it handed out (Location, Link). */
  url: string;
  headers?: Record<string, string>;
  body?: RequestBody;
  /** Token scopes, e.g. `repository:bale/app:pull,push`. */
  scopes: string[];
  /** What a refusal names: `push on bale/app`. */
  subject: string;
  /** What a failure names: `push of manifest bale/app:1`. */
  what: string;
}

export interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
  url: string;
}

export interface TransportOptions {
  origin: string;
  host: string;
  credentials: Credentials | undefined;
  /** Attempts after the first for transient faults. */
  retries: number;
  backoff: BackoffOptions;
  /** Blobs are artifacts: the `source` deadline covers every call (the headers and idle bounds catch a stalled manifest). */
  timeouts: HttpTimeouts;
  userAgent: string;
}

/** An attempt that failed in a way another attempt may not: thrown inside `retrying`. `stalled`: a timeout. */
export class RetryableFault extends Error {
  constructor(
    message: string,
    readonly retryAfterMs?: number,
    options?: { cause?: unknown; stalled?: { url: string } },
  ) {
    super(message, options);
    this.stalled = options?.stalled;
  }
  /** Set when a timeout (or the deadline) ended the attempt: the URL that stalled. */
  readonly stalled: { url: string } | undefined;
}

export class Transport {
  readonly auth: RegistryAuth;
  private readonly agent: Agent;
  private readonly dispatcher: Dispatcher;

  constructor(readonly opts: TransportOptions) {
    this.agent = new Agent({ connections: 8, keepAliveTimeout: 10_000, connect: { timeout: opts.timeouts.connectMs } });
    // Blob GETs may redirect to storage (S3 and the like); undici drops Authorization across origins.
    this.dispatcher = this.agent.compose(interceptors.redirect({ maxRedirections: 5 }));
    this.auth = new RegistryAuth(opts.host, opts.credentials, (url, headers) =>
      this.retrying(`token request for ${opts.host}`, (deadline) => this.raw({ method: 'GET', url, headers, scopes: [], subject: '', what: '' }, deadline)),
    );
  }

  /** One request with retries; 401 answered by authenticating, then a refusal is a UserError. */
  send(call: Call): Promise<Reply> {
    return this.retrying(call.what, (deadline) => this.once(call, deadline));
  }

  /**
   * One request without retries (throws RetryableFault): for sequences retried as a whole.
   * `deadline`: the enclosing `retrying`'s, so the sequence shares one.
   */
  async once(call: Call, deadline: Deadline): Promise<Reply> {
    let authorization = await this.auth.header(call.scopes, call.subject);
    for (let round = 0; ; round++) {
      const headers = authorization === undefined ? call.headers : { ...call.headers, authorization };
      const reply = await this.raw({ ...call, headers }, deadline);
      if (reply.status !== 401 && reply.status !== 403) return reply;
      if (reply.status === 401 && round === 0 && this.auth.challenged(reply.headers['www-authenticate'], call.scopes)) {
        authorization = await this.auth.header(call.scopes, call.subject);
        if (authorization !== undefined) continue;
      }
      throw new UserError('EREGISTRYAUTH', refusedMessage(this.opts.host, call.subject, reply.status, this.opts.credentials));
    }
  }

  /**
   * Run `fn` until it does not throw RetryableFault, with backoff, all within one deadline; then a
   * TransientError. A stall is tried once more at most.
   */
  async retrying<T>(what: string, fn: (deadline: Deadline) => Promise<T>): Promise<T> {
    const deadline = new Deadline(this.opts.timeouts.deadlineMs);
    try {
      for (let attempt = 1, stalls = 0; ; attempt++) {
        try {
          return await fn(deadline);
        } catch (err) {
          if (!(err instanceof RetryableFault)) throw err;
          if (err.stalled !== undefined) stalls++;
          const wait = retryDelayMs(attempt, this.opts.backoff, err.retryAfterMs);
          if (attempt > this.opts.retries || stalls > STALL_RETRIES || !deadline.allows(wait)) {
            if (err.stalled !== undefined) throw stallError('EREGISTRY', `registry ${this.opts.host}: ${what} (${redactUrls(err.stalled.url)})`, err.message, attempt, err.cause);
            throw new TransientError(
              'EREGISTRY',
              `registry ${this.opts.host}: ${what}: ${err.message} (${attempt} attempts): the registry or network is failing; try again later`,
              { cause: err.cause, retryAfterMs: err.retryAfterMs },
            );
          }
          await sleep(wait);
        }
      }
    } finally {
      deadline.dispose();
    }
  }

  /** A 4xx the caller did not expect, as one line naming the registry and the registry's own error code. */
  unexpected(reply: Reply, call: Pick<Call, 'what'>, hint = 'check the registry URL and that the registry supports OCI images'): UserError {
    return new UserError('EREGISTRY', `registry ${this.opts.host} refused ${call.what}: HTTP ${reply.status}${registryError(reply)}: ${hint}`);
  }

  close(): Promise<void> {
    return this.agent.close();
  }

  private async raw(call: Call, deadline: Deadline): Promise<Reply> {
    const t = this.opts.timeouts;
    const url = call.url.startsWith('/') ? `${this.opts.origin}${call.url}` : call.url;
    const headers: Record<string, string> = { 'user-agent': this.opts.userAgent, 'accept-encoding': 'identity', ...call.headers };
    let body: Buffer | Readable | undefined;
    if (Buffer.isBuffer(call.body)) body = call.body;
    else if (call.body !== undefined) {
      const stream = call.body.open();
      body = stream instanceof Readable ? stream : Readable.from(stream as AsyncIterable<Buffer>);
      headers['content-length'] = String(call.body.size);
    }
    let res: Dispatcher.ResponseData;
    try {
      res = await request(url, {
        dispatcher: this.dispatcher,
        method: call.method,
        headers,
        body,
        headersTimeout: t.headersMs,
        bodyTimeout: t.idleMs,
        signal: deadline.signal,
      });
    } catch (err) {
      if (body instanceof Readable) body.destroy();
      throw this.networkFault(url, err, undiciStall(err, t, deadline));
    }
    if (isTransientStatus(res.statusCode)) {
      await res.body.dump().catch(() => undefined);
      const honoursRetryAfter = res.statusCode === 429 || res.statusCode === 503;
      throw new RetryableFault(`HTTP ${res.statusCode}`, honoursRetryAfter ? parseRetryAfter(res.headers['retry-after']) : undefined);
    }
    const chunks: Buffer[] = [];
    let received = 0;
    try {
      for await (const chunk of res.body) {
        chunks.push(chunk as Buffer);
        received += (chunk as Buffer).length;
      }
    } catch (err) {
      throw this.networkFault(url, err, undiciStall(err, t, deadline, received));
    }
    const data = Buffer.concat(chunks);
    const declared = res.headers['content-length'];
    if (call.method !== 'HEAD' && declared !== undefined && Number(declared) !== data.length) {
      throw new RetryableFault(`truncated body (${data.length} of ${String(declared)} bytes)`);
    }
    return { status: res.statusCode, headers: res.headers, body: data, url };
  }

  /** `stall` says what timed out, when one of the timeouts (or the deadline) ended the attempt. */
  private networkFault(url: string, err: unknown, stall: string | undefined): Error {
    if (stall !== undefined) return new RetryableFault(stall, undefined, { cause: err, stalled: { url } });
    if (isTransientError(err)) return new RetryableFault(describe(err), undefined, { cause: err });
    const code = (err as { code?: unknown } | null)?.code;
    if (code === 'UND_ERR_INVALID_ARG' || code === 'ERR_INVALID_URL') {
      return new UserError('EREGISTRY', `registry ${this.opts.host}: cannot request ${redactUrls(url)} (${describe(err)}): check the registry URL`, { cause: err });
    }
    if (code === 'UND_ERR_REQ_CONTENT_LENGTH_MISMATCH') {
      return new UserError('EREGISTRY', `registry ${this.opts.host}: upload to ${redactUrls(url)} sent a different number of bytes than its declared size: the local file changed while it was pushed; push again`, { cause: err });
    }
    // TLS and protocol errors: no point retrying at once; the message says where to look.
    return new TransientError('EREGISTRY', `registry ${this.opts.host}: ${redactUrls(url)}: ${describe(err)}: check the network, and BALE_REGISTRY_INSECURE=1 for a registry without TLS`, { cause: err });
  }
}

/** ` MANIFEST_INVALID: manifest invalid` from the registry's error body, when it has one. */
export function registryError(reply: Reply): string {
  try {
    const parsed = JSON.parse(reply.body.toString('utf8')) as { errors?: Array<{ code?: unknown; message?: unknown }> };
    const first = parsed.errors?.[0];
    if (first === undefined) return '';
    const code = typeof first.code === 'string' ? first.code : '';
    const message = typeof first.message === 'string' ? first.message.replace(/\s+/g, ' ').slice(0, 200) : '';
    return ` ${[code, message].filter((s) => s !== '').join(': ')}`;
  } catch {
    return '';
  }
}

export function header(reply: Reply, name: string): string | undefined {
  const v = reply.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function describe(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    return typeof code === 'string' ? `${code}: ${err.message}` : err.message;
  }
  return String(err);
}
