import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Recipe } from '../../src/recipe/index.js';

/** The repo's fixtures/recipes, found from the compiled test's location or the working directory. */
function findFixtures(): string {
  const starts = [path.dirname(fileURLToPath(import.meta.url)), process.cwd()];
  for (const start of starts) {
    for (let dir = start; ; dir = path.dirname(dir)) {
      const candidate = path.join(dir, 'fixtures', 'recipes');
      if (existsSync(candidate)) return candidate;
      if (path.dirname(dir) === dir) break;
    }
  }
  throw new Error('fixtures/recipes not found: run the tests from the repository root');
}

export const FIXTURES = findFixtures();

export function fixturePath(name: string): string {
  return path.join(FIXTURES, name);
}

export function fixture(name: string): string {
  return readFileSync(fixturePath(name), 'utf8');
}

/** A valid SRI string of the right length, distinct per `seed`. */
export function sri(seed: number, alg: 'sha256' | 'sha384' | 'sha512' = 'sha512'): string {
  const bytes = { sha256: 32, sha384: 48, sha512: 64 }[alg];
  return `${alg}-${Buffer.alloc(bytes, seed).toString('base64')}`;
}

/** An in-memory npm recipe, deliberately not in canonical order. */
export function sampleRecipe(): Recipe {
  return {
    format: 1,
    purl: 'pkg:npm/better-sqlite3@12.4.1',
    source_date_epoch: 1733507728,
    source: [{ url: 'https://registry.npmjs.org/better-sqlite3/-/better-sqlite3-12.4.1.tgz', integrity: sri(1), kind: 'npm-tarball' }],
    dependency: [
      { name: 'prebuild-install', purl: 'pkg:npm/prebuild-install@7.1.3', kind: 'runtime' },
      { name: 'bindings', purl: 'pkg:npm/bindings@1.5.0', kind: 'runtime' },
      { name: '@types/node', purl: 'pkg:npm/%40types/node@20.11.0', kind: 'peer' },
    ],
    build: {
      native: true,
      reasons: ['install-script', 'binding.gyp'],
      requires: ['pkg:npm/node-gyp@12.4.0'],
      interpreters: ['22', '20'],
      engines: '20.x || 22.x',
    },
    native: { build: ['libsqlite3-dev'], runtime: ['libsqlite3-0'] },
  };
}
