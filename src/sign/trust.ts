/**
 * The trust list: the public keys whose signatures bale accepts. Every `*.pub` in
 * $XDG_CONFIG_HOME/bale/trusted/ (default ~/.config/bale/trusted/), plus files or directories
 * given explicitly. A malformed key is an error rather than skipped: silently dropping a key
 * would turn into a confusing "not trusted" later.
 */
import { readdir, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { READ_BOUNDS } from '../util/read-file.js';
import { fsUserError, isMissing, readFileOr } from './fs-util.js';
import type { PublicKey } from './keys.js';
import { parsePublicKey } from './public-key.js';

/** The default trust directory; a relative $XDG_CONFIG_HOME is ignored, as the XDG spec says. */
export function trustDir(env: NodeJS.ProcessEnv = process.env): string {
  const xdg = env.XDG_CONFIG_HOME;
  const config = xdg !== undefined && isAbsolute(xdg) ? xdg : join(env.HOME || homedir(), '.config');
  return join(config, 'bale', 'trusted');
}

async function loadKeyFile(file: string): Promise<PublicKey> {
  const text = await readFileOr(file, 'cannot read the trusted key', {
    maxBytes: READ_BOUNDS.key,
    what: 'a public key',
    code: 'EKEY',
    hint: 'give a minisign public key (.pub)',
  });
  return parsePublicKey(text, file);
}

/** Every *.pub in `dir`, in name order; a missing directory is empty unless `required`. */
async function loadKeyDir(dir: string, required: boolean): Promise<PublicKey[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    if (!required && isMissing(err)) return [];
    throw fsUserError(err, dir, 'EKEY', 'cannot read the trusted keys directory', 'fix the path or its permissions');
  }
  const keys: PublicKey[] = [];
  for (const name of names.filter((n) => n.endsWith('.pub')).sort()) keys.push(await loadKeyFile(join(dir, name)));
  return keys;
}

export async function loadTrustList(opts: { trustFiles?: string[]; env?: NodeJS.ProcessEnv } = {}): Promise<PublicKey[]> {
  const keys = await loadKeyDir(trustDir(opts.env), false);
  for (const file of opts.trustFiles ?? []) {
    let isDir = false;
    try {
      isDir = (await stat(file)).isDirectory();
    } catch (err) {
      throw fsUserError(err, file, 'EKEY', 'cannot read the trusted key', 'fix the path or its permissions');
    }
    keys.push(...(isDir ? await loadKeyDir(file, true) : [await loadKeyFile(file)]));
  }
  return keys;
}
