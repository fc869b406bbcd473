/**
 * Typed errors. A UserError is something the person running bale can fix: the CLI prints its
 * message as one line, without a stack, and exits non-zero (2 for a UsageError, 1 for the rest).
 * Anything else is a bug in bale. `name` is set explicitly so checks survive process boundaries
 * (queue workers).
 */
import type { ErrorCode } from './codes.js';
import { printable } from './printable.js';

export { ERROR_CODES, type ErrorCode } from './codes.js';
export { printable, redactUrls } from './printable.js';

export class BaleError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = 'BaleError';
  }
}

export class UserError extends BaleError {
  readonly isUserError = true;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.name = 'UserError';
  }
}

/** A bad flag, argument or environment variable: the command did nothing yet (exit 2). */
export class UsageError extends UserError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('EUSAGE', message, options);
    this.name = 'UsageError';
  }
}

/** Deterministic failures a retry cannot fix (the queue marks these unrecoverable). */
export class IntegrityError extends UserError {
  constructor(message: string) {
    super('EINTEGRITY', message);
    this.name = 'IntegrityError';
  }
}

/** Transient failures (network, 5xx): worth a retry with backoff. */
export class TransientError extends BaleError {
  /** How long the server asked us to wait (429/503 Retry-After), when it did. */
  readonly retryAfterMs: number | undefined;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown; retryAfterMs?: number | undefined }) {
    super(code, message, options);
    this.name = 'TransientError';
    this.retryAfterMs = options?.retryAfterMs;
  }
}

export function isUserError(err: unknown): err is UserError {
  return err instanceof UserError || (err instanceof Error && (err as { isUserError?: unknown }).isUserError === true);
}

/** By class or name, like isUserError: a UserError that merely carries code EUSAGE is not one. */
export function isUsageError(err: unknown): err is UsageError {
  return isUserError(err) && (err instanceof UsageError || err.name === 'UsageError');
}

/**
 * One line, never a stack: what the CLI prints for any error it can explain. Whatever the message
 * echoes (specs, URLs, file names) is printable: control characters escaped, passwords redacted.
 */
export function oneLine(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  return printable(msg.trim());
}
