import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let cached: string | undefined;

/** bale's own install directory (holds package.json, overrides/, node_modules/), from src or dist. */
export function packageRoot(): string {
  if (cached !== undefined) return cached;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pj = join(dir, 'package.json');
    if (existsSync(pj) && (JSON.parse(readFileSync(pj, 'utf8')) as { name?: string }).name === 'bale') return (cached = dir);
    const up = dirname(dir);
    if (up === dir) throw new Error('cannot find bale package root');
    dir = up;
  }
}

/** bale's version, recorded in every manifest and part of every build key. */
export function baleVersion(): string {
  return (JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string }).version;
}
