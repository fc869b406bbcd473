/**
 * `bale gc` against the real distribution registry. `--keep-images oci://HOST/NS` keeps the packages
 * of the images pushed there (read from the layers' annotations and digests, with the other packages
 * of their builds) and removes the rest older than the grace period; a namespace without images, or a
 * registry that does not answer, is one line and removes nothing. `--store oci://…` (a registry
 * store) deletes the manifests of what no root keeps, the dry run listing the same.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { bale, listFiles, oneErrorLine, tempDir, type BaleRun } from '../helpers/cli.js';
import { startNpmRegistry, type FixtureRegistry } from '../helpers/npm-registry.js';
import { startOciRegistry, type OciRegistry } from '../helpers/oci-registry.js';
import { freePort } from '../helpers/redis.js';
import { assertWhole } from './whole.js';

describe('bale gc --keep-images oci://', () => {
  let t: { dir: string; cleanup: () => Promise<void> };
  let reg: FixtureRegistry;
  let oci: OciRegistry;
  const dir = (x: string): string => path.join(t.dir, x);
  const run = (args: string[]): Promise<BaleRun> => bale([...args, '--registry', reg.url, '--store', dir('s'), '--recipes', dir('r')]);

  before(async () => {
    t = await tempDir('gc-oci');
    reg = await startNpmRegistry();
    oci = await startOciRegistry();
    assert.equal((await bale(['keygen', '--out', dir('k')])).code, 0);
    const b = await run(['request', 'npm:fx-app@1.0.0', 'npm:fx-scripted@1.0.0', '--key', dir('k.key')]);
    assert.equal(b.code, 0, b.stderr);
    const c = await run([
      'image',
      'compose',
      'node-fx-left@1.0.0',
      '--name',
      'left',
      '--tag',
      '1',
      '-o',
      dir('left.image.toml'),
      '--key',
      dir('k.key'),
    ]);
    assert.equal(c.code, 0, c.stderr);
    const p = await bale(['push', dir('left.image.toml'), '--to', `${oci.url}/bale`, '--store', dir('s'), '--trust', dir('k.pub')]);
    assert.equal(p.code, 0, p.stderr);
  });
  after(async () => {
    await oci?.stop();
    await reg?.close();
    await t?.cleanup();
  });

  test('a namespace without images, or a registry that does not answer: one line, nothing removed', async () => {
    const before = await listFiles(dir('s'));
    const empty = await run(['gc', '--keep-images', `${oci.url}/nothing-here`, '--grace', '0']);
    assert.equal(empty.code, 2, empty.stderr);
    assert.match(oneErrorLine(empty.stderr), /holds no bale images/);
    const down = await run(['gc', '--keep-images', `oci://127.0.0.1:${await freePort()}/bale`, '--grace', '0']);
    assert.notEqual(down.code, 0);
    oneErrorLine(down.stderr);
    assert.deepEqual(await listFiles(dir('s')), before);
  });

  test('a registry store: the default grace keeps fresh builds; a dry run lists what the real run deletes; the root still builds from it', async () => {
    const store = `${oci.url}/fleet`;
    const env = { XDG_CACHE_HOME: dir('cache-a') };
    const reg2 = (args: string[], cache = env): Promise<BaleRun> =>
      bale([...args, '--registry', reg.url, '--store', store, '--recipes', dir('r2'), '--key', dir('k.key')], { env: cache });
    const b = await reg2(['request', 'npm:fx-app@1.0.0', 'npm:fx-scripted@1.0.0']);
    assert.equal(b.code, 0, b.stderr);
    await writeFile(dir('roots2.txt'), 'npm:fx-scripted@1.0.0\n');
    // Build records say when they were pushed: with the default grace, builds of the last day all stay.
    const graced = await reg2(['gc', '--keep-roots', dir('roots2.txt'), '--json']);
    assert.equal(graced.code, 0, graced.stderr);
    assert.deepEqual((JSON.parse(graced.stdout) as { files: string[] }).files, []);
    const dry = await reg2(['gc', '--keep-roots', dir('roots2.txt'), '--grace', '0', '--dry-run', '--json']);
    assert.equal(dry.code, 0, dry.stderr);
    const real = await reg2(['gc', '--keep-roots', dir('roots2.txt'), '--grace', '0', '--json']);
    assert.equal(real.code, 0, real.stderr);
    const [d, r] = [dry, real].map((x) => JSON.parse(x.stdout) as { files: string[]; packages: string[]; records: string[] });
    assert.deepEqual(r!.files, d!.files);
    assert.ok(r!.packages.some((p) => p.startsWith('node-fx-app-1.0.0-')));
    assert.ok(!r!.packages.some((p) => /fx-scripted/.test(p)));
    const { RegistryClient, parseRegistryUrl } = await import('../../src/registry/index.js');
    const client = new RegistryClient(parseRegistryUrl(store).registry);
    try {
      const tags = await client.listTags('fleet/packages');
      assert.ok(!tags.some((t) => t.startsWith('node-fx-app-')), tags.join(' '));
      assert.ok(
        tags.some((t) => /fx-scripted/.test(t)),
        tags.join(' '),
      );
      const builds = await client.listTags('fleet/builds');
      for (const k of r!.records) assert.ok(!builds.includes(k), `record ${k} still tagged`);
    } finally {
      await client.close();
    }
    // A machine with an empty cache builds the root from the registry alone: every package a hit.
    const again = await reg2(['build', 'npm:fx-scripted@1.0.0', '--json'], { XDG_CACHE_HOME: dir('cache-b') });
    assert.equal(again.code, 0, again.stderr);
    assert.ok((JSON.parse(again.stdout) as { packages: { cached: boolean }[] }).packages.every((p) => p.cached));
    const second = await reg2(['gc', '--keep-roots', dir('roots2.txt'), '--grace', '0', '--json']);
    assert.deepEqual((JSON.parse(second.stdout) as { files: string[] }).files, []);
  });

  test('through the cached registry index, a re-tagged image keeps its new packages, not its old ones', async () => {
    const ns = `${oci.url}/moved`;
    const gc = async (): Promise<string[]> => {
      const g = await bale(['gc', '--keep-images', ns, '--grace', '0', '--dry-run', '--json', '--store', dir('s'), '--recipes', dir('r')], {
        env: { XDG_CACHE_HOME: dir('cache-gc') },
      });
      assert.equal(g.code, 0, g.stderr);
      return (JSON.parse(g.stdout) as { packages: string[] }).packages;
    };
    const push = async (file: string): Promise<void> => {
      const p = await bale(['push', file, '--to', ns, '--store', dir('s'), '--trust', dir('k.pub')]);
      assert.equal(p.code, 0, p.stderr);
    };
    await push(dir('left.image.toml'));
    const first = await gc(); // reads every manifest, and caches them
    assert.ok(!first.some((p) => p.startsWith('node-fx-left-1.0.0-')), first.join(' '));
    // Built for the running Node (its prefix names it): not in the image, so not kept.
    const scripted = first.map((p) => /^(node\d*-fx-scripted)-1\.0\.0-/.exec(p)?.[1]).find((n) => n !== undefined);
    assert.ok(scripted !== undefined, first.join(' '));
    const c = await run([
      'image',
      'compose',
      `${scripted}@1.0.0`,
      '--name',
      'left',
      '--tag',
      '1',
      '-o',
      dir('moved.image.toml'),
      '--key',
      dir('k.key'),
    ]);
    assert.equal(c.code, 0, c.stderr);
    await push(dir('moved.image.toml')); // the same tag, another image
    const second = await gc();
    assert.ok(
      second.some((p) => p.startsWith('node-fx-left-1.0.0-')),
      second.join(' '),
    );
    assert.ok(!second.some((p) => p.startsWith(`${scripted}-1.0.0-`)), second.join(' '));
  });

  test("the images' packages stay, the rest goes", async () => {
    const image = await import('../../src/image/image-file.js');
    const { image: left } = await image.readImageFile(dir('left.image.toml'));
    const want = left.packages.map((p) => `${p.name}-${p.version}-${p.sha256.slice(0, 12)}`).sort();
    const g = await run(['gc', '--keep-images', `${oci.url}/bale`, '--grace', '0', '--json']);
    assert.equal(g.code, 0, g.stderr);
    assert.ok((JSON.parse(g.stdout) as { packages: string[] }).packages.length > 0);
    const kept = await assertWhole(dir('s'));
    for (const w of want) assert.ok(kept.includes(w), `${w} of the image was removed`);
    // Besides: only the -bin packages of the same builds (one build's packages go together).
    const names = new Set(left.packages.map((p) => p.name));
    for (const k of kept.filter((x) => !want.includes(x))) assert.ok(names.has(k.replace(/-bin-1\.0\.0-.*$/, '')), `${k} was kept`);
    assert.ok(!kept.some((k) => k.startsWith('node-fx-app-')));
  });
});
