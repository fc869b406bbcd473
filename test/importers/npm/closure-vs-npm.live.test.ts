/**
 * Talks to the live npm registry: bale's closure of real packages with peers (webpack's plugins,
 * babel presets, an eslint plugin, react libraries) against what `npm install --package-lock-only`
 * writes for the same package on the same Node, both computed here. They must hold the same set
 * of name@version; optional packages for other platforms (and what only they bring) aside, since
 * bale leaves them out.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { NpmImporter } from '../../../importers/npm/index.js';
import { platformFits } from '../../../importers/npm/closure.js';
import { parsePurl } from '../../../src/purl/purl.js';

const run = promisify(execFile);

const PACKAGES = [
  'webpack@5.112.2',
  'babel-preset-current-node-syntax@1.2.0',
  'eslint-plugin-react@7.37.5',
  '@testing-library/react@16.3.0',
  'react-dom@19.1.0',
];

interface LockEntry {
  name?: string;
  version?: string;
  optional?: boolean;
  os?: string[];
  cpu?: string[];
  libc?: string[];
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
}

/** What a lockfile installs here: its packages reached from the project, skipping optional ones for other platforms. */
function npmSet(lock: { packages: Record<string, LockEntry> }): Set<string> {
  const pkgs = lock.packages;
  const find = (from: string, name: string): string | undefined => {
    for (let dir = from; ; ) {
      const at = `${dir === '' ? '' : `${dir}/`}node_modules/${name}`;
      if (pkgs[at] !== undefined) return at;
      if (dir === '') return undefined;
      const i = dir.lastIndexOf('/node_modules/');
      dir = i < 0 ? '' : dir.slice(0, i);
    }
  };
  const out = new Set<string>();
  const seen = new Set<string>(['']);
  const queue = [''];
  while (queue.length > 0) {
    const from = queue.shift()!;
    const e = pkgs[from]!;
    for (const name of Object.keys({ ...e.dependencies, ...e.optionalDependencies, ...e.peerDependencies })) {
      const at = find(from, name);
      if (at === undefined || seen.has(at)) continue;
      const dep = pkgs[at]!;
      if (dep.optional === true && !platformFits(dep)) continue;
      seen.add(at);
      queue.push(at);
      out.add(`${dep.name ?? at.slice(at.lastIndexOf('node_modules/') + 13)}@${dep.version}`);
    }
  }
  return out;
}

async function npmClosure(dir: string, spec: string): Promise<Set<string>> {
  const at = spec.lastIndexOf('@');
  await writeFile(
    join(dir, 'package.json'),
    JSON.stringify({ name: 'closure-check', version: '1.0.0', dependencies: { [spec.slice(0, at)]: spec.slice(at + 1) } }),
  );
  await run(
    'npm',
    [
      'install',
      '--package-lock-only',
      '--ignore-scripts',
      '--no-audit',
      '--no-fund',
      '--registry',
      'https://registry.npmjs.org/',
      '--cache',
      join(dir, '.npm'),
    ],
    { cwd: dir, timeout: 300_000 },
  );
  return npmSet(JSON.parse(await readFile(join(dir, 'package-lock.json'), 'utf8')));
}

async function baleClosure(cacheDir: string, spec: string): Promise<Set<string>> {
  const at = spec.lastIndexOf('@');
  const res = await new NpmImporter().resolveClosure([{ type: 'npm', name: spec.slice(0, at), range: spec.slice(at + 1) }], {
    cacheDir,
    registry: 'https://registry.npmjs.org/',
  });
  return new Set(
    res.recipes.map((r) => {
      const p = parsePurl(r.purl);
      return `${p.name}@${p.version}`;
    }),
  );
}

describe('npm closures against npm install --package-lock-only (live registry)', () => {
  let dir: string;
  const results = new Map<string, Promise<{ bale: Set<string>; npm: Set<string> }>>();
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bale-npm-closure-'));
    // Both sides of every package at once: npm's resolutions take tens of seconds each.
    for (const [i, spec] of PACKAGES.entries()) {
      const work = join(dir, String(i));
      results.set(
        spec,
        (async () => {
          await mkdir(work, { recursive: true });
          const [bale, npm] = await Promise.all([baleClosure(join(work, '.bale'), spec), npmClosure(work, spec)]);
          return { bale, npm };
        })(),
      );
    }
    for (const r of results.values()) r.catch(() => undefined);
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  for (const spec of PACKAGES) {
    it(`${spec}: the same name@version set as npm`, { timeout: 600_000 }, async (t) => {
      const { bale, npm } = await results.get(spec)!;
      t.diagnostic(`bale ${bale.size} packages, npm ${npm.size}`);
      const onlyBale = [...bale].filter((x) => !npm.has(x)).sort();
      const onlyNpm = [...npm].filter((x) => !bale.has(x)).sort();
      assert.deepEqual({ onlyBale, onlyNpm }, { onlyBale: [], onlyNpm: [] }, `bale ${bale.size} packages, npm ${npm.size}`);
      assert.ok(npm.size > 0);
    });
  }
});
