/**
 * A value from a flag or an environment variable, checked: a bad one is a UsageError (one line,
 * exit 2) naming where it came from (`--store`, `BALE_STORE=`), the value, and what would do.
 * Here, below the CLI, so what else reads such values (the queue's Redis URL) words them alike.
 */
import { UsageError } from '../errors/index.js';

/** Where a value came from: a flag (`--store`) or an environment variable (`BALE_STORE`). */
export type Source = string;

const isEnv = (source: Source): boolean => !source.startsWith('-') && /^[A-Z_][A-Z0-9_]*$/.test(source);

/** `--store /x` or `BALE_STORE=/x`: how a message names the value (quoted when blank or spaced). */
export function named(source: Source, value: string): string {
  const shown = value === '' || /\s/.test(value) ? JSON.stringify(value) : value;
  return isEnv(source) ? `${source}=${shown}` : `${source} ${shown}`;
}

export function usage(source: Source, value: string, why: string): UsageError {
  return new UsageError(`${named(source, value)}: ${why}`);
}

export const CONTROL = /[\u0000-\u001f\u007f]/;

/** What a URL of these schemes looks like, for messages: `an http(s) URL`, `a redis:// or rediss:// URL`. */
function kindOf(schemes: readonly string[]): string {
  if (schemes.join() === 'http,https') return 'an http(s) URL';
  if (schemes.join() === 'http,https,file') return 'an http(s) or file:// URL';
  return `a ${schemes.map((s) => `${s}://`).join(' or ')} URL`;
}

/** A URL of one of `schemes` with a host (a `file:` one with none), e.g. `example`; anything else is a usage error about `source`. */
export function checkedUrl(source: Source, value: string, schemes: readonly string[], example: string): URL {
  const want = `must be ${kindOf(schemes)}, e.g. ${example}`;
  if (CONTROL.test(value)) throw usage(source, value, `holds a control character; ${want}`);
  let u: URL;
  try {
    u = new URL(value);
  } catch {
    throw usage(source, value, `not a URL; ${want}`);
  }
  if (!schemes.includes(u.protocol.slice(0, -1))) throw usage(source, value, want);
  if (u.protocol === 'file:') {
    // file://HOST/... is a share on another machine, which nothing here reads.
    if (u.hostname !== '')
      throw usage(source, value, `names the host ${u.hostname}; a file:// URL is a path on this machine, e.g. file:///srv/pypi/simple/`);
    return u;
  }
  if (u.hostname === '') throw usage(source, value, `names no host; ${want}`);
  return u;
}
