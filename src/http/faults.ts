/**
 * Which HTTP failures are transient (another attempt may pass) and which are permanent, for every
 * client alike (sources, OCI registries, package indexes): statuses, network error codes (undici's
 * and the OS's), Retry-After, a body cut short. A transient failure becomes a RetryableFault, which
 * the one retry loop (retry.ts) retries; a permanent one is left to the client, which words it.
 * Part of the HTTP core (src/http): imports only core; any HTTP client may import it.
 */

/** Error codes of network faults that another attempt may not hit (undici's and the OS's). */
const TRANSIENT_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'ENETDOWN',
  'ENETUNREACH',
  'EHOSTDOWN',
  'EHOSTUNREACH',
  'EAI_AGAIN',
  // DNS failures are usually blips on a busy fleet; a real typo fails all attempts anyway.
  'ENOTFOUND',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_RES_CONTENT_LENGTH_MISMATCH',
]);

export function isTransientError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && TRANSIENT_CODES.has(code);
}

/** 5xx, 429 (rate limited) and 408 (request timeout) may succeed later; other statuses will not. */
export function isTransientStatus(status: number): boolean {
  return status >= 500 || status === 429 || status === 408;
}

/** Retry-After is either delta-seconds or an HTTP date; returns milliseconds, or undefined if absent or unreadable. */
export function parseRetryAfter(value: string | string[] | undefined, now: number = Date.now()): number | undefined {
  const raw = Array.isArray(value) ? value[0] : value;
  if (raw === undefined) return undefined;
  const text = raw.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/**
 * One attempt failed in a way another attempt may not: thrown by a transport or client, caught by
 * `retrying`. The message is what failed (`HTTP 503`, `ECONNRESET: ...`, what stalled).
 */
export class RetryableFault extends Error {
  /** The server's Retry-After, when it gave one with a 429 or 503. */
  readonly retryAfterMs: number | undefined;
  /** A timeout (or the deadline) ended the attempt: a stall is retried once at most. */
  readonly stalled: boolean;
  /** The URL that failed, when the client names it apart from its subject (a redirect, a registry call). */
  readonly url: string | undefined;

  constructor(message: string, o: { retryAfterMs?: number; cause?: unknown; stalled?: boolean; url?: string } = {}) {
    super(message, o.cause === undefined ? undefined : { cause: o.cause });
    this.name = 'RetryableFault';
    this.retryAfterMs = o.retryAfterMs;
    this.stalled = o.stalled === true;
    this.url = o.url;
  }
}

/** A transient status (see isTransientStatus) as a fault; Retry-After is honoured on 429 and 503 only. */
export function statusFault(status: number, retryAfter: string | string[] | undefined): RetryableFault {
  const honoursRetryAfter = status === 429 || status === 503;
  return new RetryableFault(`HTTP ${status}`, { retryAfterMs: honoursRetryAfter ? parseRetryAfter(retryAfter) : undefined });
}

/**
 * A network error as a fault when another attempt may pass: `stall` (what timed out, from the
 * transport) or a transient error code. Undefined when it is permanent: the client words that one.
 */
export function networkFault(err: unknown, stall: string | undefined, url?: string): RetryableFault | undefined {
  if (stall !== undefined) return new RetryableFault(stall, { stalled: true, cause: err, url });
  if (isTransientError(err)) return new RetryableFault(describe(err), { cause: err, url });
  return undefined;
}

/** A body shorter (or longer) than its Content-Length: never handed on as complete. */
export function truncation(received: number, declared: string | undefined): RetryableFault | undefined {
  if (declared === undefined || Number(declared) === received) return undefined;
  return new RetryableFault(`truncated body (${received} of ${declared} bytes)`);
}

/** How undici and Node report a URL they cannot request (a bad URL, a redirect loop). */
export function isBadUrl(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === 'UND_ERR_INVALID_ARG' || code === 'ERR_INVALID_URL';
}

/** An error in a message: `ECONNRESET: socket hang up`. */
export function describe(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' ? `${code}: ${err.message}` : err.message;
}
