/**
 * Who may change what through the dashboard. Reading is open to whoever reaches the address (it
 * binds loopback unless told otherwise). Anything else is refused with 405 unless the dashboard
 * was started with --allow-retry, and then only retrying a failed job (Bull Board's other actions
 * — clean, remove, pause, add — stay refused). With a token, a retry needs it too: as a
 * `Authorization: Bearer` header, the cookie `/?token=…` sets, or the retry form's field.
 */
import { createHash, timingSafeEqual } from 'node:crypto';

export interface AccessPolicy {
  allowRetry: boolean;
  token?: string;
}

export const TOKEN_COOKIE = 'bale_dashboard_token';

/** The paths of a retry: bale's form, and Bull Board's retry of one job or of a queue's failed jobs. */
export function isRetry(method: string, path: string, boardPath: string): boolean {
  if (method === 'POST' && path === '/retry') return true;
  if (method !== 'PUT' || !path.startsWith(`${boardPath}/api/queues/`)) return false;
  const rest = path.slice(`${boardPath}/api/queues/`.length).split('/');
  return rest.length === 3 && ((rest[1] !== 'retry' && rest[2] === 'retry') || (rest[1] === 'retry' && rest[2] === 'failed'));
}

/** Why a request is refused before it runs: [status, message], or undefined when it may go on. */
export function refusal(method: string, path: string, boardPath: string, policy: AccessPolicy): [number, string] | undefined {
  if (method === 'GET' || method === 'HEAD') return undefined;
  if (!policy.allowRetry) return [405, 'this dashboard is read-only: start bale dashboard with --allow-retry to retry failed jobs'];
  if (!isRetry(method, path, boardPath))
    return [405, 'this dashboard only retries failed jobs: clean, remove and pause are for bale queue'];
  return undefined;
}

const digest = (s: string): Buffer => createHash('sha256').update(s).digest();

/** Compares in constant time (of the token's length, through its digest). */
export function tokenMatches(given: string | undefined, token: string): boolean {
  return given !== undefined && timingSafeEqual(digest(given), digest(token));
}

/** The token a request carries in its Authorization header or cookie. */
export function carriedToken(headers: Record<string, string | string[] | undefined>): string | undefined {
  const auth = headers['authorization'];
  if (typeof auth === 'string' && auth.startsWith('Bearer ')) return auth.slice('Bearer '.length);
  const cookie = headers['cookie'];
  if (typeof cookie !== 'string') return undefined;
  for (const part of cookie.split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === TOKEN_COOKIE) return decodeURIComponent(v.join('='));
  }
  return undefined;
}
