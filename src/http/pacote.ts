/**
 * The shared HTTP timeouts (timeouts.ts) applied to pacote, and pacote's errors read back: what
 * stalled, and hash mismatches (any algorithm an old registry pins, md5 and sha1 included) as the
 * IntegrityError they are rather than a network fault.
 *
 * pacote hands `timeout` to npm-registry-fetch and minipass-fetch, where it bounds the time from
 * the request's socket to the response headers (connect included), and a JSON body as a whole; its
 * default is 5 minutes. The deadline's signal aborts whatever is left at the deadline, retries included.
 *
 * It lives in the HTTP core, not in importers/npm, because src/interpreters (node-dist.ts) calls
 * pacote too and src cannot import from importers. Imports only core and timeouts.ts; it never loads
 * pacote itself (its callers do, lazily).
 */
import { type ErrorCode, IntegrityError, redactUrls } from '../errors/index.js';
import { formatDuration } from '../limits/index.js';
import { Deadline, deadlineText, stallError, stallText, type HttpTimeouts } from './timeouts.js';

/** Spread into pacote's options for one call. */
export function pacoteTimeouts(t: HttpTimeouts, deadline: Deadline): { timeout: number; signal: AbortSignal } {
  return { timeout: t.headersMs, signal: deadline.signal };
}

/** The code a socket idle for too long is destroyed with (npm's own agent uses the same one). */
export const IDLE_TIMEOUT_CODE = 'EIDLETIMEOUT';

/** What stalled, when `err` from pacote is a timeout (minipass-fetch's, npm's agent's, ours) or the deadline's abort. */
export function pacoteStall(err: unknown, t: HttpTimeouts, deadline: Deadline): string | undefined {
  if (deadline.expired) return deadlineText(deadline);
  const e = (err ?? {}) as { code?: unknown; type?: unknown };
  if (e.type === 'request-timeout' || e.code === 'ERESPONSETIMEOUT') return stallText('headers', t);
  // minipass-fetch's `timeout` (headersMs here) also bounds a JSON body as a whole: pacote's own wording.
  if (e.type === 'body-timeout') return `body not complete after ${formatDuration(t.headersMs)}`;
  if (e.code === 'ECONNECTIONTIMEOUT') return stallText('connect', t);
  if (e.code === IDLE_TIMEOUT_CODE || e.code === 'ETRANSFERTIMEOUT') return stallText('idle', t);
  return undefined;
}

/**
 * pacote's EINTEGRITY (ssri: the bytes do not hash to what the packument pins) as an IntegrityError
 * naming `what`, the URL, expected and actual; undefined for any other error.
 */
function pacoteIntegrityError(err: unknown, what: string, url: string | undefined): IntegrityError | undefined {
  const e = (err ?? {}) as { code?: unknown; expected?: unknown; found?: unknown; sri?: unknown };
  if (e.code !== 'EINTEGRITY') return undefined;
  const list = (v: unknown): string => (Array.isArray(v) ? v.map(String).join(' ') : String(v ?? '?'));
  const expected = list(e.expected ?? e.sri);
  const from = url === undefined ? '' : ` from ${redactUrls(url)}`;
  return new IntegrityError(
    `${what}${from}: integrity mismatch: expected ${expected}, got ${list(e.found)}: the registry serves a tarball that is not the one its metadata pins; do not use it, and tell the registry's maintainers`,
  );
}

/** One pacote call as `withPacoteBounds` runs it. */
export interface PacoteCall {
  /** The shared timeouts of its traffic (`httpTimeouts('source')` for a tarball). */
  timeouts: HttpTimeouts;
  /** What is fetched, named by a hash mismatch: `npm package a@1.0.0`. */
  what: string;
  /** Where the bytes come from, when known: a hash mismatch names it. @defaultValue none */
  url?: string;
  /** What a stall names first: the (redacted) URL or registry, and `what`. */
  subject: string;
  /** The code a stall's TransientError carries: `EREGISTRY`, `ENETWORK`. */
  code: ErrorCode;
}

/**
 * `call` with pacote's options bounded by one deadline of `c.timeouts` (spread `bounds` into them),
 * and its failure read back: a hash mismatch as an IntegrityError, a stall as one TransientError
 * line; any other error as it came.
 */
export async function withPacoteBounds<T>(
  c: PacoteCall,
  call: (bounds: { timeout: number; signal: AbortSignal }) => Promise<T>,
): Promise<T> {
  const deadline = new Deadline(c.timeouts.deadlineMs);
  try {
    return await call(pacoteTimeouts(c.timeouts, deadline));
  } catch (err) {
    const mismatch = pacoteIntegrityError(err, c.what, c.url);
    if (mismatch !== undefined) throw mismatch;
    const stall = pacoteStall(err, c.timeouts, deadline);
    if (stall !== undefined) throw stallError(c.code, c.subject, stall, undefined, err);
    throw err;
  } finally {
    deadline.dispose();
  }
}
