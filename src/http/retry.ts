/**
 * The one retry loop of every HTTP client (sources, OCI registries, package indexes): attempts with
 * exponential backoff and jitter, a server's Retry-After (capped), a stall retried once at most, all
 * within one deadline; then the client's own one-line TransientError. What counts as transient is
 * faults.ts: an attempt throws RetryableFault to be tried again, anything else ends the loop as is.
 * Part of the HTTP core (src/http): imports only core, faults.ts and timeouts.ts; any HTTP client may import it.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { type ErrorCode, TransientError } from '../errors/index.js';
import { RetryableFault } from './faults.js';
import { Deadline, STALL_RETRIES, stallError } from './timeouts.js';

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
export function retryDelayMs(retry: number, opts: BackoffOptions, retryAfterMs?: number, random: () => number = Math.random): number {
  if (retryAfterMs !== undefined) return Math.min(Math.max(0, retryAfterMs), opts.maxMs);
  const full = Math.min(opts.baseMs * 2 ** Math.max(0, retry - 1), opts.maxMs);
  return Math.round(full / 2 + (random() * full) / 2);
}

export interface RetryPolicy {
  /** Attempts after the first, for transient faults; after a stall, STALL_RETRIES more at most. */
  retries: number;
  backoff: BackoffOptions;
  /** Every attempt and every wait between them; an attempt gets what is left. */
  deadlineMs: number;
  /** The deadline starts at `deadline.start()`, e.g. once the request has its concurrency slot. */
  lazy?: boolean;
}

/**
 * `attempt` until it does not throw RetryableFault, with backoff, all within one deadline (handed
 * to each attempt); then `giveUp(last fault, attempts)` is thrown. Any other error ends it at once.
 */
export async function retrying<T>(
  policy: RetryPolicy,
  attempt: (deadline: Deadline) => Promise<T>,
  giveUp: (fault: RetryableFault, attempts: number) => Error,
): Promise<T> {
  const deadline = new Deadline(policy.deadlineMs, { lazy: policy.lazy === true });
  try {
    for (let attempts = 1, stalls = 0; ; attempts++) {
      try {
        return await attempt(deadline);
      } catch (err) {
        if (!(err instanceof RetryableFault)) throw err;
        if (err.stalled) stalls++;
        const wait = retryDelayMs(attempts, policy.backoff, err.retryAfterMs);
        if (attempts > policy.retries || stalls > STALL_RETRIES || !deadline.allows(wait)) throw giveUp(err, attempts);
        await sleep(wait);
      }
    }
  } finally {
    deadline.dispose();
  }
}

/**
 * The line a client gives up with: a stall as timeouts.ts words it, any other fault as
 * `<subject>: HTTP 503 (4 attempts): <failing>; try again later`. `subject` names the request
 * (its redacted URL, or the registry call); `failing` is the client's own words for who is failing.
 */
export function gaveUp(code: ErrorCode, subject: string, fault: RetryableFault, attempts: number, failing: string): TransientError {
  if (fault.stalled) return stallError(code, subject, fault.message, attempts, fault.cause);
  return new TransientError(code, `${subject}: ${fault.message} (${attempts} attempts): ${failing}; try again later`, {
    cause: fault.cause,
    retryAfterMs: fault.retryAfterMs,
  });
}
