/**
 * The source fetcher: pinned artifacts by URL and hash. Every path out of here has verified the
 * bytes; nothing unverified is ever cached.
 */
import { fileURLToPath } from 'node:url';
import { IntegrityError, isUserError, redactUrls, UserError } from '../errors/index.js';
import { readBounded, READ_BOUNDS } from '../util/read-file.js';
import { SourceCache } from './cache.js';
import type { HttpClient, HttpOptions } from './http.js';
import { matchIntegrity, parseIntegrity, type PinnedDigest } from './integrity.js';
import { httpTimeouts, type HttpTimeouts } from '../http/timeouts.js';

export interface SourceRef {
  url: string;
  /** SRI string, sha256- or sha512- (the strongest present is checked). */
  integrity: string;
}

export interface FetcherOptions {
  /** Sources are cached content-addressed under `<cacheDir>/sources/`. */
  cacheDir: string;
  /**
   * Further attempts after a transient fault (5xx, 429, 408, connection reset, truncated body);
   * after a stall (a timeout) one more at most, and never past the deadline.
   * @defaultValue 3
   */
  retries?: number;
  /**
   * Connect, response-headers and body-idle timeouts, and the deadline of one download (all its
   * attempts). Unset fields come from BALE_HTTP_* in the environment, else the defaults.
   * @defaultValue DEFAULT_HTTP_TIMEOUTS.source (10 s, 30 s, 30 s, 10 min)
   */
  timeouts?: Partial<HttpTimeouts>;
  /** @defaultValue 'bale' */
  userAgent?: string;
  /**
   * Wait before the first retry; it doubles for each further retry (with jitter).
   * @defaultValue 500
   */
  retryDelayMs?: number;
  /**
   * Cap on any wait between attempts, including a server's Retry-After.
   * @defaultValue 30000
   */
  maxRetryDelayMs?: number;
}

export class SourceFetcher {
  private readonly cache: SourceCache;
  /** Created on the first download: undici costs ~100 ms to load, and a warm cache never needs it. */
  private http: Promise<HttpClient> | undefined;
  private readonly httpOptions: HttpOptions;
  /** One download per ref at a time: concurrent callers share the same promise. */
  private readonly inFlight = new Map<string, Promise<Buffer>>();
  private closed = false;

  constructor(opts: FetcherOptions) {
    this.cache = new SourceCache(opts.cacheDir);
    this.httpOptions = {
      retries: opts.retries ?? 3,
      timeouts: httpTimeouts('source', opts.timeouts),
      userAgent: opts.userAgent ?? 'bale',
      backoff: { baseMs: opts.retryDelayMs ?? 500, maxMs: opts.maxRetryDelayMs ?? 30_000 },
    };
  }

  private client(): Promise<HttpClient> {
    this.http ??= import('./http.js').then((m) => new m.HttpClient(this.httpOptions));
    return this.http;
  }

  /**
   * The verified bytes. Cached by integrity; a cache hit is re-verified and never touches the
   * network. Callers sharing a download share the Buffer: do not mutate it.
   */
  fetch(ref: SourceRef): Promise<Buffer> {
    if (this.closed) return Promise.reject(new Error('SourceFetcher: fetch() after close()'));
    const key = `${ref.integrity}\n${ref.url}`;
    const pending = this.inFlight.get(key);
    if (pending) return pending;
    const started = this.load(ref).finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, started);
    return started;
  }

  /**
   * `use` applied to the source's verified bytes. On a cache hit `use` starts on the cached bytes
   * and they are re-verified while it works (an unpack runs on the thread pool, the hash here):
   * its result counts only once they verify. If they do not, its result is dropped, the file too,
   * and `use` runs again on downloaded, verified bytes. So `use` must do nothing but compute.
   */
  async read<T>(ref: SourceRef, use: (data: Buffer) => Promise<T>): Promise<T> {
    if (this.closed) throw new Error('SourceFetcher: read() after close()');
    const pinned = parseIntegrity(ref.integrity, ref.url);
    parseUrl(ref.url);
    for (const digest of pinned) {
      const data = await this.cache.read(digest);
      if (!data) continue;
      let working: Promise<T>;
      try {
        working = use(data);
      } catch (err) {
        working = Promise.reject(err);
      }
      // Judged only after the bytes are: a corrupt file's unpack error is not the user's.
      working.catch(() => undefined);
      if (await this.intact(data, digest)) return working;
    }
    return use(await this.fetch(ref));
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.http !== undefined) await (await this.http).close();
  }

  private async load(ref: SourceRef): Promise<Buffer> {
    const pinned = parseIntegrity(ref.integrity, ref.url);
    // Validated even when the cache could answer, so a broken recipe fails on every machine alike.
    const url = parseUrl(ref.url);
    const cached = await this.fromCache(pinned);
    if (cached) return cached;

    if (url.protocol === 'file:') {
      // Local files are verified but not copied into the cache: they are already on this disk.
      const data = await readLocal(ref.url, url);
      matchIntegrity(data, pinned, ref.url);
      return data;
    }
    const data = await (await this.client()).get(ref.url);
    // Verified before anything is written: a mismatching body never reaches the cache.
    const matched = matchIntegrity(data, pinned, redactUrls(ref.url));
    await this.cache.write(matched, data);
    return data;
  }

  private async fromCache(pinned: PinnedDigest[]): Promise<Buffer | undefined> {
    for (const digest of pinned) {
      const data = await this.cache.read(digest);
      if (data && (await this.intact(data, digest))) return data;
    }
    return undefined;
  }

  /** Whether cached bytes still match their digest; a file that does not is removed. */
  private async intact(data: Buffer, digest: PinnedDigest): Promise<boolean> {
    try {
      matchIntegrity(data, [digest], this.cache.pathFor(digest));
      return true;
    } catch (err) {
      if (!(err instanceof IntegrityError)) throw err;
      // A corrupt cache file is a local accident, not the user's problem: drop it and download again.
      await this.cache.remove(digest);
      return false;
    }
  }
}

function parseUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UserError('ESOURCE', `${raw}: not a valid source URL: fix the recipe's source URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:' && url.protocol !== 'file:') {
    throw new UserError('ESOURCE', `${raw}: unsupported URL scheme ${url.protocol}: use https://, http:// or file://`);
  }
  return url;
}

async function readLocal(raw: string, url: URL): Promise<Buffer> {
  let path: string;
  try {
    path = fileURLToPath(url);
  } catch {
    throw new UserError('ESOURCE', `${raw}: not a local file URL: use file:///absolute/path`);
  }
  try {
    // A regular file only: a recipe naming file:///dev/urandom or a fifo is refused, not read forever.
    return await readBounded(path, {
      maxBytes: READ_BOUNDS.source,
      what: 'a source archive',
      code: 'ESOURCE',
      label: raw,
      hint: 'fix the path in the recipe',
    });
  } catch (err) {
    if (isUserError(err)) throw err;
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    throw new UserError('ESOURCE', `${raw}: cannot read the source file (${code}): fix the path in the recipe`, { cause: err });
  }
}
