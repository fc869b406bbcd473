import { lstatSync, readlinkSync, realpathSync } from 'node:fs';
import type { HostToolchain } from './types.js';

/** What compilers and interpreters need from the host: binaries, libraries, the dynamic loader's
 * cache, and the Debian alternatives that /usr/bin/cc and friends point through. */
const CANDIDATES = [
  '/usr',
  '/bin',
  '/sbin',
  '/lib',
  '/lib32',
  '/lib64',
  '/libx32',
  '/etc/alternatives',
  '/etc/ld.so.cache',
  '/etc/ld.so.conf',
  '/etc/ld.so.conf.d',
];

const isUnder = (p: string, dir: string): boolean => p === dir || p.startsWith(`${dir}/`);

/** Reads the host's filesystem (lstat/readlink) to decide what bwrap binds; the decision is in bwrapArgs. */
export function detectHostToolchain(candidates: string[] = CANDIDATES): HostToolchain {
  const roBinds: string[] = [];
  const symlinks: Array<{ path: string; target: string }> = [];
  for (const path of candidates) {
    let isLink: boolean;
    let real: string;
    try {
      isLink = lstatSync(path).isSymbolicLink();
      real = realpathSync(path); // also drops dangling links
    } catch {
      continue;
    }
    // /bin -> usr/bin: recreate the link (cheaper, and paths resolve exactly as on the host)
    // when its target is already bound; otherwise bind what it points to.
    if (isLink && roBinds.some((d) => isUnder(real, d))) symlinks.push({ path, target: readlinkSync(path) });
    else roBinds.push(path);
  }
  return { roBinds, symlinks };
}
