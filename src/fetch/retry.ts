/**
 * The retry policy, as pure functions: which faults are worth another attempt, and how long to
 * wait before it. The loop that applies them lives in http.ts.
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

export interface BackoffOptions {
  /** Delay before the first retry; each further retry doubles it. */
  baseMs: number;
  /** No wait is ever longer, whatever the server's Retry-After says. */
  maxMs: number;
}

/**
 * How long to wait before retry number `retry` (1-based). A server's Retry-After wins (capped);
 * otherwise exponential backoff with jitter, so a fleet of workers does not retry in lockstep.
 */
export function retryDelayMs(
  retry: number,
  opts: BackoffOptions,
  retryAfterMs?: number,
  random: () => number = Math.random,
): number {
  if (retryAfterMs !== undefined) return Math.min(Math.max(0, retryAfterMs), opts.maxMs);
  const full = Math.min(opts.baseMs * 2 ** Math.max(0, retry - 1), opts.maxMs);
  return Math.round(full / 2 + (random() * full) / 2);
}
