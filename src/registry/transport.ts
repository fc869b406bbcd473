/**
 * One registry's HTTP: the undici transport of the HTTP core (src/http), authentication on 401,
 * the one retry loop (5xx/429/408 and network faults, as src/http/faults.ts sorts them), and this
 * client's own wording of failures. Every request answers with its status, headers and whole body;
 * callers decide what a status means for them.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { Readable } from 'node:stream';
import { redactUrls, TransientError, UserError } from '../errors/index.js';
import { describe, isBadUrl, RetryableFault } from '../http/faults.js';
import { gaveUp, retrying, type BackoffOptions } from '../http/retry.js';
import type { Deadline, HttpTimeouts } from '../http/timeouts.js';
import { UndiciTransport } from '../http/undici-transport.js';
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

export class Transport {
  readonly auth: RegistryAuth;
  private readonly transport: UndiciTransport;

  constructor(readonly opts: TransportOptions) {
    // Blob GETs may redirect to storage (S3 and the like).
    this.transport = new UndiciTransport({ connections: 8, keepAliveMs: 10_000, connectMs: opts.timeouts.connectMs, maxRedirections: 5 });
    this.auth = new RegistryAuth(opts.host, opts.credentials, (url, headers) =>
      this.retrying(`token request for ${opts.host}`, (deadline) =>
        this.raw({ method: 'GET', url, headers, scopes: [], subject: '', what: '' }, deadline),
      ),
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
  retrying<T>(what: string, fn: (deadline: Deadline) => Promise<T>): Promise<T> {
    const subject = `registry ${this.opts.host}: ${what}`;
    return retrying(
      { retries: this.opts.retries, backoff: this.opts.backoff, deadlineMs: this.opts.timeouts.deadlineMs },
      fn,
      (fault, attempts) =>
        gaveUp(
          'EREGISTRY',
          fault.stalled ? `${subject} (${redactUrls(fault.url ?? '')})` : subject,
          fault,
          attempts,
          'the registry or network is failing',
        ),
    );
  }

  /** A 4xx the caller did not expect, as one line naming the registry and the registry's own error code. */
  unexpected(reply: Reply, call: Pick<Call, 'what'>, hint = 'check the registry URL and that the registry supports OCI images'): UserError {
    return new UserError(
      'EREGISTRY',
      `registry ${this.opts.host} refused ${call.what}: HTTP ${reply.status}${registryError(reply)}: ${hint}`,
    );
  }

  close(): Promise<void> {
    return this.transport.close();
  }

  private async raw(call: Call, deadline: Deadline): Promise<Reply> {
    const url = call.url.startsWith('/') ? `${this.opts.origin}${call.url}` : call.url;
    const headers: Record<string, string> = { 'user-agent': this.opts.userAgent, 'accept-encoding': 'identity', ...call.headers };
    let body: Buffer | Readable | undefined;
    if (Buffer.isBuffer(call.body)) body = call.body;
    else if (call.body !== undefined) {
      const stream = call.body.open();
      body = stream instanceof Readable ? stream : Readable.from(stream as AsyncIterable<Buffer>);
      headers['content-length'] = String(call.body.size);
    }
    try {
      const res = await this.transport.request(url, { method: call.method, headers, body, timeouts: this.opts.timeouts, deadline });
      return { ...res, url };
    } catch (err) {
      throw err instanceof RetryableFault ? err : this.permanent(url, err);
    }
  }

  /** A network failure that another attempt would not mend, in this client's words. */
  private permanent(url: string, err: unknown): Error {
    if (isBadUrl(err)) {
      return new UserError(
        'EREGISTRY',
        `registry ${this.opts.host}: cannot request ${redactUrls(url)} (${describe(err)}): check the registry URL`,
        { cause: err },
      );
    }
    if ((err as { code?: unknown } | null)?.code === 'UND_ERR_REQ_CONTENT_LENGTH_MISMATCH') {
      return new UserError(
        'EREGISTRY',
        `registry ${this.opts.host}: upload to ${redactUrls(url)} sent a different number of bytes than its declared size: the local file changed while it was pushed; push again`,
        { cause: err },
      );
    }
    // TLS and protocol errors: no point retrying at once; the message says where to look.
    return new TransientError(
      'EREGISTRY',
      `registry ${this.opts.host}: ${redactUrls(url)}: ${describe(err)}: check the network, and BALE_REGISTRY_INSECURE=1 for a registry without TLS`,
      { cause: err },
    );
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
