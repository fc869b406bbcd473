// End to end: `bale request gem:...` against a `gem generate_index` directory of the fixture gems
// served as plain files (test/helpers/gem-marshal-source.ts) and against the compact index of the
// same gems (test/helpers/gem-server.ts): the closure (a ~> choice, a skipped prerelease, the
// platform gem, a C extension) gives the same recipes, the source URL aside, and the same packages;
// the unpacked root loads.
import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { execa } from 'execa';
import { bale, listFiles, tempDir } from '../../helpers/cli.js';
import { startMarshalSource, type MarshalSource } from '../../helpers/gem-marshal-source.js';
import { startGemServer, type GemServer } from '../../helpers/gem-server.js';

interface JsonPackage {
  name: string;
  version: string;
  file: string;
  sha256: string;
}

const SPECS = ['gem:fxg-app', 'gem:fxg-plat', 'gem:fxg-zext'];

let compact: GemServer;
let marshal: MarshalSource;
let t: { dir: string; cleanup: () => Promise<void> };

before(async () => {
  [compact, marshal, t] = await Promise.all([startGemServer(), startMarshalSource(), tempDir('gem-marshal')]);
  await mkdir(path.join(t.dir, 'ov'));
  await writeFile(path.join(t.dir, 'ov/rubygems.toml'), '[[package]]\nname = "fxg-zext"\nbuild = ["zlib1g-dev"]\nruntime = ["zlib1g"]\n');
});
after(async () => {
  await compact.close();
  await marshal.close();
  await t.cleanup();
});

async function request(name: string, source: string): Promise<JsonPackage[]> {
  const r = await bale(
    [
      'request',
      ...SPECS,
      '--ruby',
      '3.1',
      '--source',
      source,
      '--overrides',
      path.join(t.dir, 'ov'),
      '--recipes',
      path.join(t.dir, `${name}-recipes`),
      '--store',
      path.join(t.dir, `${name}-store`),
      '--json',
    ],
    {
      env: { XDG_CACHE_HOME: path.join(t.dir, `${name}-cache`) },
    },
  );
  assert.equal(r.code, 0, r.stderr);
  return (JSON.parse(r.stdout) as { packages: JsonPackage[] }).packages;
}

test('a gem generate_index source gives the recipes and packages the compact index gives, and they load', async () => {
  const fromMarshal = await request('marshal', marshal.url);
  const fromCompact = await request('compact', compact.url);
  const files = await listFiles(path.join(t.dir, 'marshal-recipes'));
  assert.deepEqual(files, await listFiles(path.join(t.dir, 'compact-recipes')));
  assert.deepEqual(files.filter((f) => f.endsWith('.toml')).sort(), [
    'gem/fxg-app/1.0.0.toml',
    'gem/fxg-chain/1.0.0.toml',
    'gem/fxg-leaf/0.1.5.toml',
    'gem/fxg-lib/1.3.0.toml',
    'gem/fxg-plat/1.0.0.toml',
    'gem/fxg-zext/1.0.0.toml',
  ]);
  for (const f of files) {
    const m = await readFile(path.join(t.dir, 'marshal-recipes', f), 'utf8');
    const c = await readFile(path.join(t.dir, 'compact-recipes', f), 'utf8');
    assert.ok(m.includes(marshal.url), `${f} names the source it came from`);
    assert.equal(m.replaceAll(marshal.url, compact.url), c, f);
  }
  assert.match(
    await readFile(path.join(t.dir, 'marshal-recipes/gem/fxg-plat/1.0.0.toml'), 'utf8'),
    /filename = "fxg-plat-1\.0\.0-x86_64-linux\.gem"/,
  );
  const sums = (ps: JsonPackage[]): string[] => ps.map((p) => `${p.name}@${p.version} ${p.sha256}`).sort();
  assert.deepEqual(sums(fromMarshal), sums(fromCompact));
  const root = path.join(t.dir, 'root');
  await mkdir(root);
  for (const p of fromMarshal) await execa('tar', ['-xzf', p.file, '-C', root]);
  const gems = path.join(root, 'usr/lib/ruby/gems/3.1.0');
  const code =
    'require "fxg_app"; require "fxg_plat"; require "fxg_zext"; require "zlib"; ' +
    'abort "crc" unless FxgZext.crc32("bale") == Zlib.crc32("bale"); ' +
    'puts Gem.loaded_specs.keys.grep(/^fxg/).sort.map { |k| "#{k}-#{Gem.loaded_specs[k].version}" }.join(" ")';
  const out = await execa('ruby', ['-e', code], { env: { GEM_PATH: gems, GEM_HOME: gems, PATH: '/usr/bin:/bin' }, extendEnv: false });
  assert.equal(out.stdout.trim(), 'fxg-app-1.0.0 fxg-chain-1.0.0 fxg-leaf-0.1.5 fxg-lib-1.3.0 fxg-plat-1.0.0 fxg-zext-1.0.0');
});
