/**
 * Reproducibility, proven: the same requests built twice, the second time under another clock
 * (faketime), time zone, locale, umask, working directory and --jobs, into a fresh store with a fresh
 * source cache. Every package (pure and native) must have the same sha256, and the recipes the same bytes.
 */
import assert from 'node:assert/strict';
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { bale, listFiles, SHARED_XDG_CACHE, tempDir } from '../helpers/cli.js';
import { startNpmRegistry } from '../helpers/npm-registry.js';
import type { FixtureRegistry } from '../helpers/npm-registry.js';

interface JsonPackage {
  name: string;
  version: string;
  sha256: string;
  file: string;
}

const SPECS = ['npm:fx-app@1.0.0', 'npm:fx-native@1.0.0', 'npm:fx-scripted@1.0.0'];

describe('reproducible builds', () => {
  let reg: FixtureRegistry;
  let t: { dir: string; cleanup: () => Promise<void> };

  before(async () => {
    reg = await startNpmRegistry();
    t = await tempDir('repro');
  });
  after(async () => {
    await reg.close();
    await t.cleanup();
  });

  test('two builds under different clock, TZ, locale, umask, cwd and --jobs give identical packages', async () => {
    const run = async (
      n: number,
      opts: { tz: string; lc: string; umask: string; jobs: string; prefix: string[] },
    ): Promise<JsonPackage[]> => {
      const cwd = path.join(t.dir, `cwd${n}`, 'deeper');
      await mkdir(cwd, { recursive: true });
      const r = await bale(
        [
          'request',
          ...SPECS,
          '--node',
          '20',
          '--registry',
          reg.url,
          '--recipes',
          path.join(t.dir, `r${n}`),
          '--store',
          path.join(t.dir, `s${n}`),
          '--jobs',
          opts.jobs,
          '--json',
        ],
        {
          cwd,
          umask: opts.umask,
          prefix: opts.prefix,
          // A fresh source cache for the second run: nothing carried over but Node binaries.
          env: { TZ: opts.tz, LC_ALL: opts.lc, LANG: opts.lc, XDG_CACHE_HOME: n === 1 ? SHARED_XDG_CACHE : path.join(t.dir, 'cache2') },
        },
      );
      assert.equal(r.code, 0, r.stderr);
      return (JSON.parse(r.stdout) as { packages: JsonPackage[] }).packages;
    };
    const a = await run(1, { tz: 'UTC', lc: 'C.UTF-8', umask: '022', jobs: '2', prefix: [] });
    const b = await run(2, { tz: 'Asia/Tokyo', lc: 'C', umask: '077', jobs: '1', prefix: ['faketime', '-f', '+1234d'] });
    const sums = (ps: JsonPackage[]): string[] => ps.map((p) => `${p.name}@${p.version} ${p.sha256}`).sort();
    assert.ok(
      a.some((p) => p.name === 'node20-fx-native'),
      'the native addon is part of the comparison',
    );
    assert.ok(a.length >= 28);
    assert.deepEqual(sums(b), sums(a));
    const ra = await listFiles(path.join(t.dir, 'r1'));
    assert.deepEqual(await listFiles(path.join(t.dir, 'r2')), ra);
    for (const f of ra) {
      assert.deepEqual(await readFile(path.join(t.dir, 'r2', f)), await readFile(path.join(t.dir, 'r1', f)), f);
    }
  });
});
