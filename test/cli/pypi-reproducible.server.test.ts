/**
 * PyPI reproducibility, proven: wheels installed and an sdist's C extension compiled by PEP 517,
 * built twice under another clock, TZ, locale, umask, working directory, --jobs and source cache.
 */
import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { bale, listFiles, SHARED_XDG_CACHE, tempDir } from '../helpers/cli.js';
import { startPypiIndex } from '../helpers/pypi-index.js';
import type { FixtureIndex } from '../helpers/pypi-index.js';
import { ZEXT_OVERRIDE } from './pypi-request.server.test.js';

interface JsonPackage {
  name: string;
  version: string;
  sha256: string;
}

describe('reproducible PyPI builds', () => {
  let index: FixtureIndex;
  let t: { dir: string; cleanup: () => Promise<void> };
  before(async () => {
    index = await startPypiIndex();
    t = await tempDir('pypi-repro');
    await mkdir(path.join(t.dir, 'ov'));
    await writeFile(path.join(t.dir, 'ov', 'pypi.toml'), ZEXT_OVERRIDE);
  });
  after(async () => {
    await index.close();
    await t.cleanup();
  });

  test('two builds under different clock, TZ, locale, umask, cwd and --jobs give identical packages', async () => {
    const run = async (n: number, o: { tz: string; lc: string; umask: string; jobs: string; prefix: string[] }): Promise<JsonPackage[]> => {
      const cwd = path.join(t.dir, `cwd${n}`, 'x');
      await mkdir(cwd, { recursive: true });
      const r = await bale(
        [
          'request',
          'pypi:fxp-app[socks]',
          'pypi:fxp-zext',
          '--python',
          '3.8,3.11,3.13',
          '--overrides',
          path.join(t.dir, 'ov'),
          '--index-url',
          index.simpleUrl,
          '--recipes',
          path.join(t.dir, `r${n}`),
          '--store',
          path.join(t.dir, `s${n}`),
          '--jobs',
          o.jobs,
          '--json',
        ],
        {
          cwd,
          umask: o.umask,
          prefix: o.prefix,
          env: { TZ: o.tz, LC_ALL: o.lc, LANG: o.lc, XDG_CACHE_HOME: n === 1 ? SHARED_XDG_CACHE : path.join(t.dir, 'cache2') },
        },
      );
      assert.equal(r.code, 0, r.stderr);
      return (JSON.parse(r.stdout) as { packages: JsonPackage[] }).packages;
    };
    const a = await run(1, { tz: 'UTC', lc: 'C.UTF-8', umask: '022', jobs: '2', prefix: [] });
    const b = await run(2, { tz: 'America/Sao_Paulo', lc: 'C', umask: '077', jobs: '1', prefix: ['faketime', '-f', '+777d'] });
    const sums = (ps: JsonPackage[]): string[] => ps.map((p) => `${p.name}@${p.version} ${p.sha256}`).sort();
    assert.ok(
      a.some((p) => p.name === 'py3.13-fxp-zext'),
      'the sdist build is part of the comparison',
    );
    assert.deepEqual(sums(b), sums(a));
    const files = await listFiles(path.join(t.dir, 'r1'));
    assert.deepEqual(await listFiles(path.join(t.dir, 'r2')), files);
    for (const f of files) assert.deepEqual(await readFile(path.join(t.dir, 'r2', f)), await readFile(path.join(t.dir, 'r1', f)), f);
  });
});
