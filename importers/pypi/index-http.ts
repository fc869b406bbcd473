/**
 * HTTP for the index clients: one pooled keep-alive undici Agent per client, bounded concurrency,
 * redirects followed here (the caller needs the final URL: relative links on a Simple page resolve
 * against it), and our own retry loop with backoff, as src/fetch/http.ts does for sources and for
 * the same reasons (whole bodies from scratch on every attempt, our error types).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { gunzipSync } from 'node:zlib';
import pLimit, { type LimitFunction } from 'p-limit';
import { Agent, request, type Dispatcher } from 'undici';
import { TransientError, UserError } from '../../src/errors/index.js';
import { isTransientError, isTransientStatus, parseRetryAfter, retryDelayMs } from '../../src/fetch/retry.js';
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
}

const CONNECTIONS_PER_ORIGIN = 8;
const MAX_REDIRECTS = 10;
const REDIRECTS = new Set([301, 302, 303, 307, 308]);

type Attempt = { res: HttpResponse } | { fault: string; retryAfterMs?: number; cause?: unknown };

export function resolvedOptions(o: IndexClientOptions = {}): Required<IndexClientOptions> {
  return {
    concurrency: o.concurrency ?? 16,
    retries: o.retries ?? 3,
    retryBaseMs: o.retryBaseMs ?? 250,
    retryMaxMs: o.retryMaxMs ?? 10_000,
    timeoutMs: o.timeoutMs ?? 30_000,
    userAgent: o.userAgent ?? 'bale (PyPI importer)',
  };
}

export class IndexHttp {
  private readonly agent: Agent;
  private readonly limit: LimitFunction;

  constructor(private readonly opts: Required<IndexClientOptions>) {
    this.agent = new Agent({
      connections: CONNECTIONS_PER_ORIGIN,
      keepAliveTimeout: 10_000,
      connect: { timeout: opts.timeoutMs },
    });
    this.limit = pLimit(opts.concurrency);
  }

  /**
   * The final response after redirects, whatever its status, except transient ones (5xx, 429, 408,
   * network faults, timeouts): those are retried with backoff, then thrown as a TransientError.
   */
  async get(url: string, o: GetOptions = {}): Promise<HttpResponse> {
    for (let attempt = 1; ; attempt++) {
      const outcome = await this.follow(url, o);
      if ('res' in outcome) return outcome.res;
      if (attempt > this.opts.retries) {
        throw new TransientError(
          'EFETCH',
          `${url}: ${outcome.fault} (${attempt} attempts): the index or the network is failing; try again later`,
          { cause: outcome.cause, retryAfterMs: outcome.retryAfterMs },
        );
      }
      const backoff = { baseMs: this.opts.retryBaseMs, maxMs: this.opts.retryMaxMs };
      await sleep(retryDelayMs(attempt, backoff, outcome.retryAfterMs));
    }
  }

  close(): Promise<void> {
    return this.agent.close();
  }

  /** One attempt: every hop of the redirect chain, each in its own concurrency slot. */
  private async follow(url: string, o: GetOptions): Promise<Attempt> {
    let current = url;
    for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
      const outcome = await this.limit(() => this.once(current, o));
      if (!('res' in outcome) || !REDIRECTS.has(outcome.res.status) || outcome.location === undefined) return outcome;
      current = new URL(outcome.location, current).href;
    }
    throw new UserError('EINDEX', `${url}: more than ${MAX_REDIRECTS} redirects: fix the index URL`);
  }

  private async once(url: string, o: GetOptions): Promise<Attempt & { location?: string }> {
    let res: Dispatcher.ResponseData;
    try {
      res = await request(url, {
        dispatcher: this.agent,
        method: 'GET',
        headers: {
          'user-agent': this.opts.userAgent,
          'accept-encoding': o.compressed ? 'gzip' : 'identity',
          ...(o.accept === undefined ? {} : { accept: o.accept }),
        },
        headersTimeout: this.opts.timeoutMs,
        bodyTimeout: this.opts.timeoutMs,
      });
    } catch (err) {
      return networkFault(url, err);
    }
    const status = res.statusCode;
    if (isTransientStatus(status)) {
      await res.body.dump().catch(() => undefined); // drained, so the socket is reused
      return {
        fault: `HTTP ${status}`,
        retryAfterMs: status === 429 || status === 503 ? parseRetryAfter(res.headers['retry-after']) : undefined,
      };
    }
    const location = header(res.headers['location']);
    if (REDIRECTS.has(status) && location !== undefined) {
      await res.body.dump().catch(() => undefined);
      return { res: { url, status, contentType: '', body: Buffer.alloc(0) }, location };
    }
    let body: Buffer;
    try {
      body = await readAll(res);
    } catch (err) {
      return networkFault(url, err);
    }
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

function header(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

async function readAll(res: Dispatcher.ResponseData): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of res.body) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function networkFault(url: string, err: unknown): Attempt {
  if (isTransientError(err)) return { fault: describe(err), cause: err };
  const code = (err as { code?: unknown } | null)?.code;
  if (code === 'UND_ERR_INVALID_ARG' || code === 'ERR_INVALID_URL' || err instanceof TypeError) {
    throw new UserError('EINDEX', `${url}: cannot request it (${describe(err)}): fix the index URL`, { cause: err });
  }
  // TLS and protocol errors: another attempt a second later will not differ.
  throw new TransientError('EFETCH', `${url}: ${describe(err)}: check the index URL and the network, then try again`, { cause: err });
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
