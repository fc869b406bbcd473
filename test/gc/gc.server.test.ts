/**
 * `bale gc` through the real CLI on a signed local store built from the fixture npm registry:
 * a dry run lists exactly what the real run then removes; what the roots reach (recipes and
 * packages, with every sidecar), an image's packages and a recent build stay and still verify; the
 * rest goes with all of its files, none orphaned; a second run removes nothing. Bad roots, images
 * or flags are one line, and nothing is removed.
 */
import assert from 'node:assert/strict';
import { mkdir, readFile, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { bale, listFiles, oneErrorLine, tempDir, type BaleRun } from '../helpers/cli.js';
import { startNpmRegistry, type FixtureRegistry } from '../helpers/npm-registry.js';
import { assertWhole } from './whole.js';

interface GcJson {
  dryRun: boolean;
  files: string[];
  bytes: number;
  packages: string[];
  records: string[];
  treeRecipes: string[];
}
interface Line {
  name: string;
  file: string;
  purl: string;
  cached: boolean;
}

const TWO_DAYS_AGO = new Date(Date.now() - 2 * 24 * 3600_000);

/** Set every file under `dir` two days back (an old store, beyond the default grace period). */
async function age(dir: string): Promise<void> {
  for (const f of await listFiles(dir)) await utimes(path.join(dir, f), TWO_DAYS_AGO, TWO_DAYS_AGO);
}

describe('bale gc on a local store', () => {
  let t: { dir: string; cleanup: () => Promise<void> };
  let reg: FixtureRegistry;
  const dir = (x: string): string => path.join(t.dir, x);
  const run = (args: string[]): Promise<BaleRun> =>
    bale([...args, '--registry', reg.url, '--store', dir('store'), '--recipes', dir('recipes'), '--key', dir('k.key')]);
  const gc = async (args: string[]): Promise<GcJson> => {
    const r = await run(['gc', ...args, '--json']);
    assert.equal(r.code, 0, r.stderr);
    return JSON.parse(r.stdout) as GcJson;
  };
  let built: Line[];

  before(async () => {
    t = await tempDir('gc');
    reg = await startNpmRegistry();
    assert.equal((await bale(['keygen', '--out', dir('k')])).code, 0);
    // The tree: fx-app's closure and fx-scripted; the roots keep only fx-scripted.
    const imp = await run(['import', 'npm:fx-app@1.0.0', 'npm:fx-scripted@1.0.0', 'npm:fx-cycle-a@1.0.0']);
    assert.equal(imp.code, 0, imp.stderr);
    const b = await run(['build', '--all', '--json']);
    assert.equal(b.code, 0, b.stderr);
    built = (JSON.parse(b.stdout) as { packages: Line[] }).packages;
    await mkdir(dir('images'));
    const img = await run(['image', 'compose', 'node-fx-left@1.0.0', '--name', 'left', '--tag', '1', '-o', dir('images/left.image.toml')]);
    assert.equal(img.code, 0, img.stderr);
    await age(dir('store'));
    await age(dir('recipes'));
    // fx-right was built just now, as far as gc can tell: within the grace period.
    for (const l of built.filter((x) => x.name === 'node-fx-right')) await utimes(l.file, new Date(), new Date());
    await writeFile(dir('roots.txt'), '# what we ship\nnpm:fx-scripted@1.0.0\n');
  });
  after(async () => {
    await reg?.close();
    await t?.cleanup();
  });

  test('bad roots, images or flags: one line, exit 2, nothing removed', async () => {
    const before = [...(await listFiles(dir('store'))), ...(await listFiles(dir('recipes')))];
    await writeFile(dir('typo.txt'), 'npm:fx-scripted@1.0.0\nnpm:fx-scriptd@1.0.0\n');
    await writeFile(dir('empty.txt'), '# nothing\n');
    for (const [args, want] of [
      [[], /say what to keep: --keep-roots FILE/],
      [['--keep-roots', dir('typo.txt')], /typo\.txt: npm:fx-scriptd@1\.0\.0 is not in the recipes tree/],
      [['--keep-roots', dir('empty.txt')], /lists no specs/],
      [['--keep-roots', dir('nope.txt')], /--keep-roots/],
      [['--keep-images', dir('nowhere')], /--keep-images .*nowhere: does not exist/],
      [['--keep-images', dir('recipes')], /holds no \*\.image\.toml files/],
      [['--keep-nothing', '--keep-roots', dir('roots.txt')], /--keep-nothing keeps no roots/],
      [['--keep-roots', dir('roots.txt'), '--grace', 'soon'], /--grace soon/],
    ] as const) {
      const r = await run(['gc', ...args]);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(oneErrorLine(r.stderr), want);
    }
    assert.deepEqual([...(await listFiles(dir('store'))), ...(await listFiles(dir('recipes')))], before);
  });

  test('a dry run lists exactly what the real run removes; what is kept stays whole and verifies', async () => {
    const keep = ['--keep-roots', dir('roots.txt'), '--keep-images', dir('images')];
    const text = await run(['gc', ...keep, '--dry-run']);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /^bale gc: would remove \d+ package\(s\), \d+ build record\(s\), .* file\(s\), [\d.]+ (KiB|B|MiB)/m);
    const dry = await gc([...keep, '--dry-run']);
    assert.ok(dry.dryRun && dry.files.length > 0 && dry.bytes > 0);
    assert.ok(
      dry.files.every((f) => text.stdout.includes(`${f}\n`)),
      'the text dry run lists every file',
    );
    const storeBefore = await listFiles(dir('store'));
    assert.ok(
      dry.files.filter((f) => f.startsWith(dir('store'))).every((f) => storeBefore.includes(path.relative(dir('store'), f))),
      'a dry run removes nothing',
    );

    const real = await gc(keep);
    assert.equal(real.dryRun, false);
    assert.deepEqual(real.files, dry.files, 'the real run removes exactly what the dry run listed');
    assert.deepEqual(real.packages, dry.packages);
    const storeAfter = (await listFiles(dir('store'))).map((f) => path.join(dir('store'), f));
    for (const f of real.files) assert.ok(!storeAfter.includes(f), `${f} still there`);

    // Removed: fx-app and the rest of its closure, every file of each (signature, attestation, description).
    const stems = await assertWhole(dir('store'));
    assert.ok(real.packages.some((s) => s.startsWith('node-fx-app-1.0.0-')));
    assert.ok(real.files.some((f) => f.endsWith('.tar.gz.minisig')) && real.files.some((f) => f.endsWith('.build.json')));
    assert.ok(real.treeRecipes.some((f) => f.endsWith(path.join('npm', 'fx-app', '1.0.0.toml'))));
    // Kept: the root's packages, the image's, the recent one; each with its signature, which verifies.
    for (const want of [/^node\d+-fx-scripted-1\.0\.0-/, /^node-fx-left-1\.0\.0-/, /^node-fx-right-1\.0\.0-/]) {
      const stem = stems.find((s) => want.test(s));
      assert.ok(stem !== undefined, `${String(want)} was removed: ${stems.join(' ')}`);
      const file = path.join(dir('store'), 'packages', `${stem}.tar.gz`);
      const v = await bale(['verify', file, '--trust', dir('k.pub')]);
      assert.equal(v.code, 0, v.stderr);
    }
    assert.ok(!stems.some((s) => s.startsWith('node-fx-app-')));
    // The root still builds from the store alone, and its recipe stays in the tree.
    const b = await run(['build', 'npm:fx-scripted@1.0.0', '--json']);
    assert.equal(b.code, 0, b.stderr);
    assert.ok((JSON.parse(b.stdout) as { packages: Line[] }).packages.every((l) => l.cached));
    // Every record left names packages that are there.
    for (const rec of await listFiles(dir('store/builds'))) {
      const r = JSON.parse(await readFile(dir(`store/builds/${rec}`), 'utf8')) as { packages: { file: string }[] };
      for (const p of r.packages) assert.ok(storeAfter.includes(path.join(dir('store'), p.file)), `${rec} names a removed ${p.file}`);
    }

    const again = await gc(keep);
    assert.deepEqual(again.files, [], 'a second run removes nothing');
  });
});
