/**
 * The HTTP client of the package indexes the importers read (PyPI's Simple and JSON APIs, a
 * RubyGems source's compact index, JSON API and Marshal index): the keep-alive node:http transport
 * of the HTTP core (src/http/node-transport.ts), bounded concurrency, redirects followed here (the
 * caller needs the final URL: relative links on a Simple page resolve against it), the one retry
 * loop (src/http/retry.ts), and this client's own wording of failures ("the index").
 * Who may import it: the importers (pypi/, rubygems/); it imports only core and src/http.
 */
import { gunzipSync } from 'node:zlib';
import pLimit, { type LimitFunction } from 'p-limit';
import { redactUrls, TransientError, UserError } from '../src/errors/index.js';
import { describe, isBadUrl, RetryableFault, truncation } from '../src/http/faults.js';
import { NodeTransport, type RawResponse } from '../src/http/node-transport.js';
import { gaveUp, retrying } from '../src/http/retry.js';
import { httpTimeouts, type Deadline, type HttpTimeouts, type HttpTraffic } from '../src/http/timeouts.js';

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

/** How an index client talks HTTP (PyPI's and RubyGems' alike). */
export interface IndexClientOptions {
  /** Requests in flight at once, per client. @defaultValue 16 */
  concurrency?: number;
  /** Further attempts after a 5xx, 429, 408, timeout or network fault. @defaultValue 3 */
  retries?: number;
  /** Wait before the first retry, doubled for each further one (with jitter). @defaultValue 250 */
  retryBaseMs?: number;
  /** No wait is longer, whatever the server's Retry-After says. @defaultValue 10000 */
  retryMaxMs?: number;
  /**
   * Connect, headers, body-idle timeouts and the deadline of one request (all its attempts; pages
   * and metadata files get the `metadata` deadline, downloads the `source` one). Unset fields come
   * from BALE_HTTP_* in the environment, else the defaults.
   * @defaultValue DEFAULT_HTTP_TIMEOUTS (10 s, 30 s, 30 s; 2 min, 10 min for downloads)
   */
  timeouts?: Partial<HttpTimeouts>;
  /** @defaultValue the importer's own (resolvedOptions' `userAgent`) */
  userAgent?: string;
}

/** Base URLs always end with `/`, so relative resolution appends rather than replaces the last segment. */
export function withSlash(url: string): string {
  return url.endsWith('/') ? url : `${url}/`;
}

const CONNECTIONS_PER_ORIGIN = 8;
const MAX_REDIRECTS = 10;
const REDIRECTS = new Set([301, 302, 303, 307, 308]);

export type ResolvedIndexOptions = Required<Omit<IndexClientOptions, 'timeouts'>> & { timeouts: Record<HttpTraffic, HttpTimeouts> };

/** The options with their defaults; `userAgent` names the importer asking, unless `o` gives one. */
export function resolvedOptions(o: IndexClientOptions, userAgent: string): ResolvedIndexOptions {
  return {
    concurrency: o.concurrency ?? 16,
    retries: o.retries ?? 3,
    retryBaseMs: o.retryBaseMs ?? 250,
    retryMaxMs: o.retryMaxMs ?? 10_000,
    timeouts: { metadata: httpTimeouts('metadata', o.timeouts), source: httpTimeouts('source', o.timeouts) },
    userAgent: o.userAgent ?? userAgent,
  };
}

/** Reads a `file:` URL as a response (pypi/index-file.ts), for an index that is itself on disk. */
export type FileReader = (url: string) => Promise<HttpResponse>;

export class IndexHttp {
  private readonly transport: NodeTransport;
  private readonly limit: LimitFunction;

  /** @param files how `file:` URLs are read: given for an index that is itself on disk, never for one over the network. */
  constructor(
    private readonly opts: ResolvedIndexOptions,
    private readonly files?: FileReader,
  ) {
    this.transport = new NodeTransport({ connections: CONNECTIONS_PER_ORIGIN, keepAliveMs: 10_000 });
    this.limit = pLimit(opts.concurrency);
  }

  /**
   * The final response after redirects, whatever its status, except transient ones (5xx, 429, 408,
   * network faults, timeouts): those are retried with backoff (a stall once at most), all within
   * the request's deadline, then thrown as a TransientError.
   */
  get(url: string, o: GetOptions = {}): Promise<HttpResponse> {
    if (url.startsWith('file:')) {
      if (this.files === undefined)
        return Promise.reject(
          new UserError('EINDEX', `${url}: a local file named by an index on the network: refusing it; check the index URL`),
        );
      return this.files(url);
    }
    const t = this.opts.timeouts[o.traffic ?? 'metadata'];
    const backoff = { baseMs: this.opts.retryBaseMs, maxMs: this.opts.retryMaxMs };
    // Lazy: started by the first hop that gets a concurrency slot; time queued behind other requests is not the peer's.
    return retrying(
      { retries: this.opts.retries, backoff, deadlineMs: t.deadlineMs, lazy: true },
      (deadline) => this.follow(url, o, t, deadline),
      (fault, attempts) => gaveUp('EFETCH', redactUrls(url), fault, attempts, 'the index or the network is failing'),
    );
  }

  close(): Promise<void> {
    this.transport.close();
    return Promise.resolve();
  }

  /** One attempt: every hop of the redirect chain, each in its own concurrency slot. */
  private async follow(url: string, o: GetOptions, t: HttpTimeouts, deadline: Deadline): Promise<HttpResponse> {
    let current = url;
    for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
      const { res, location } = await this.limit(() => this.once(current, o, t, deadline));
      if (!REDIRECTS.has(res.status) || location === undefined) return res;
      current = new URL(location, current).href;
    }
    throw new UserError('EINDEX', `${redactUrls(url)}: more than ${MAX_REDIRECTS} redirects: fix the index URL`);
  }

  /** One hop; throws RetryableFault for what another attempt may mend. */
  private async once(url: string, o: GetOptions, t: HttpTimeouts, deadline: Deadline): Promise<{ res: HttpResponse; location?: string }> {
    deadline.start();
    let res: RawResponse;
    try {
      const headers = {
        'user-agent': this.opts.userAgent,
        'accept-encoding': o.compressed ? 'gzip' : 'identity',
        ...(o.accept === undefined ? {} : { accept: o.accept }),
      };
      res = await this.transport.get(url, { headers, timeouts: t, deadline });
    } catch (err) {
      throw err instanceof RetryableFault ? err : permanent(url, err);
    }
    const status = res.status;
    const location = header(res.headers['location']);
    if (REDIRECTS.has(status) && location !== undefined) {
      return { res: { url, status, contentType: '', body: Buffer.alloc(0) }, location };
    }
    let body = res.body;
    const short = truncation(body.length, header(res.headers['content-length']));
    if (short !== undefined) throw short;
    if (o.compressed && header(res.headers['content-encoding'])?.toLowerCase() === 'gzip') {
      try {
        body = gunzipSync(body);
      } catch (err) {
        throw new RetryableFault(`a gzip body that does not decompress (${(err as Error).message})`, { cause: err });
      }
    }
    const contentType = (header(res.headers['content-type']) ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
    return { res: { url, status, contentType, body } };
  }
}

function header(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

/** A network failure that another attempt would not mend, in this client's words. */
function permanent(url: string, err: unknown): Error {
  if (isBadUrl(err) || err instanceof TypeError) {
    return new UserError('EINDEX', `${redactUrls(url)}: cannot request it (${describe(err)}): fix the index URL`, { cause: err });
  }
  // TLS and protocol errors: another attempt a second later will not differ.
  return new TransientError('EFETCH', `${redactUrls(url)}: ${describe(err)}: check the index URL and the network, then try again`, {
    cause: err,
  });
}

/**
 * A response's JSON through `parse`. A body that is not JSON, or one `parse` refuses with a
 * format error (`isFormatError`), becomes the caller's one-line `garbage` error; other errors pass.
 */
export function readJson<T>(
  res: HttpResponse,
  parse: (doc: unknown) => T,
  isFormatError: (err: unknown) => boolean,
  garbage: (why: string, cause: unknown) => Error,
): T {
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
