/**
 * `bale dashboard --images`: the images an operator runs, listed from image files or from a real
 * registry namespace (docker-registry, images pushed by bale), and who uses a package, asked on the
 * page (a GET form, so read-only holds). A directory that does not exist is refused at start.
 */
import assert from 'node:assert/strict';
import { mkdir, rename } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { bale, oneErrorLine, tempDir, composeArgs } from '../helpers/cli.js';
import { startDashboardProcess } from '../helpers/dashboard.js';
import { startNpmRegistry, type FixtureRegistry } from '../helpers/npm-registry.js';
import { startOciRegistry, type OciRegistry } from '../helpers/oci-registry.js';
import { startRedis, type RedisServer } from '../helpers/redis.js';

describe('bale dashboard --images (image files, a real registry)', () => {
  let t: { dir: string; cleanup: () => Promise<void> };
  let npm: FixtureRegistry;
  let oci: OciRegistry;
  let redis: RedisServer;
  const dir = (...x: string[]): string => path.join(t.dir, ...x);
  const run = (args: string[]) => bale(args, { env: { BALE_SIGNING_KEY: dir('me.key'), XDG_CONFIG_HOME: dir('config') } });
  const ns = (): string => `${oci.url}/bale`;

  before(async () => {
    t = await tempDir('dash-images');
    [npm, oci, redis] = await Promise.all([startNpmRegistry(), startOciRegistry(), startRedis(dir('redis'))]);
    assert.equal((await bale(['keygen', '--out', dir('me')])).code, 0);
    await mkdir(dir('images', 'team'), { recursive: true });
    for (const [name, specs] of [
      ['app', ['npm:fx-app@1.0.0']],
      ['tool', ['npm:fx-bin@1.0.0', 'npm:fx-left@1.0.0']],
    ] as const) {
      const file = dir(`${name}.image.toml`);
      const c = await run(composeArgs({ specs, name, tag: '1', out: file, registry: npm.url, store: dir('s'), recipes: dir('r') }));
      assert.equal(c.code, 0, c.stderr);
      const p = await run(['push', file, '--to', ns(), '--store', dir('s')]);
      assert.equal(p.code, 0, p.stderr);
      await rename(file, dir('images', 'team', `${name}.image.toml`));
    }
  });
  after(async () => {
    await Promise.all([npm?.close(), oci?.stop(), redis?.stop()]);
    await t?.cleanup();
  });

  const page = async (url: string): Promise<string> => {
    const r = await fetch(url);
    assert.equal(r.status, 200);
    return r.text();
  };
  /** The rows of one table of the page, as text. */
  const rows = (html: string, id: string): string[] => {
    const table = new RegExp(`<table id="${id}">(.*?)</table>`, 's').exec(html)?.[1] ?? '';
    return [...table.matchAll(/<tr><td>(.*?)<\/td><td[^>]*>(.*?)<\/td><\/tr>/g)].map((m) => `${m[1]} | ${m[2]}`);
  };

  for (const from of ['files', 'registry'] as const) {
    test(`from ${from}: every image with its package count; who-uses by purl, by purl and version, by name; no match said`, async () => {
      const where = from === 'files' ? dir('images') : ns();
      const d = await startDashboardProcess(['--redis', redis.url, '--store', dir('s'), '--images', where]);
      try {
        const name = (image: string): string =>
          from === 'files' ? `team/${image}.image.toml` : `${oci.url.replace('oci://', '')}/bale/${image}:1`;
        const home = await page(d.url);
        const list = rows(home, 'images-list');
        assert.equal(list.length, 2, list.join('\n'));
        assert.ok(
          list.some((r) => r.startsWith(`${name('app')} | `)) && list.some((r) => r.startsWith(`${name('tool')} | `)),
          list.join('\n'),
        );
        for (const r of list) assert.match(r, / \| [1-9]\d*$/, 'a package count');
        // fx-left comes into app through fx-app's dependencies, and is asked for in tool.
        const byPurl = rows(await page(`${d.url}?uses=${encodeURIComponent('pkg:npm/fx-left')}`), 'uses');
        assert.deepEqual(byPurl.map((r) => r.split(' | ')[0]).sort(), [name('app'), name('tool')]);
        assert.ok(
          byPurl.every((r) => r.includes('node-fx-left 1.0.0')),
          byPurl.join('\n'),
        );
        const exact = rows(await page(`${d.url}?uses=${encodeURIComponent('pkg:npm/fx-app@1.0.0')}`), 'uses');
        assert.deepEqual(
          exact.map((r) => r.split(' | ')[0]),
          [name('app')],
        );
        // A -bin package only for what was asked for: fx-bin's is in tool alone.
        const byName = rows(await page(`${d.url}?uses=node-fx-bin-bin`), 'uses');
        assert.deepEqual(
          byName.map((r) => r.split(' | ')[0]),
          [name('tool')],
        );
        const none = await page(`${d.url}?uses=${encodeURIComponent('pkg:npm/fx-left@9.9.9')}`);
        assert.match(none, /id="uses-none">No image holds pkg:npm\/fx-left@9\.9\.9\./);
        // Ranges, as `bale who-uses` reads them: fx-shared 1.0.0 (through fx-left) is below 2, in both images.
        const below = rows(await page(`${d.url}?uses=${encodeURIComponent('pkg:npm/fx-shared@<2.0.0')}`), 'uses');
        assert.deepEqual(below.map((r) => r.split(' | ')[0]).sort(), [name('app'), name('tool')]);
        const above = await page(`${d.url}?uses=${encodeURIComponent('pkg:npm/fx-shared@>=9.0.0')}`);
        assert.match(above, /id="uses-none">No image holds pkg:npm\/fx-shared@&#62;=9\.0\.0\./);
        const bad = await page(`${d.url}?uses=${encodeURIComponent('pkg:npm/fx-shared@^1')}`);
        assert.match(bad, /id="uses-error">[^<]*is not a version range bale reads here/);
      } finally {
        await d.stop();
      }
    });
  }

  test('a directory that does not exist is a usage error at start', async () => {
    const r = await bale(['dashboard', '--redis', redis.url, '--store', dir('s'), '--images', dir('nope'), '--port', '0']);
    assert.equal(r.code, 2, r.stderr);
    assert.match(oneErrorLine(r.stderr), /--images .*nope: no such directory: give the directory your \*\.image\.toml files are in/);
  });
});
