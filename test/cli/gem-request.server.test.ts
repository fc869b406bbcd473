/**
 * `bale request gem:...` end to end against the fixture gem server (a real compact index over HTTP):
 * the closure resolved (~> requirements, a prerelease skipped, the platform gem preferred), each gem
 * installed by `gem install --local` in the sandbox, a native extension linking zlib through the
 * override table; the unpacked root loads with nothing from the host's gems.
 */
import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { execa } from 'execa';
import { bale, listFiles, oneErrorLine, SHARED_XDG_CACHE, tempDir } from '../helpers/cli.js';
import { startGemServer } from '../helpers/gem-server.js';
import type { GemServer } from '../helpers/gem-server.js';

interface JsonPackage {
  name: string;
  version: string;
  file: string;
  sha256: string;
}

const ZEXT_ROW = '[[package]]\nname = "fxg-zext"\nbuild = ["zlib1g-dev"]\nruntime = ["zlib1g"]\nnote = "the extension links zlib"\n';
const SPECS = ['gem:fxg-app', 'gem:fxg-plat', 'gem:fxg-zext'];

describe('bale request gem:... (fixture gem server, Ruby 3.1)', () => {
  let server: GemServer;
  let t: { dir: string; cleanup: () => Promise<void> };
  let overrides: string;

  before(async () => {
    server = await startGemServer();
    t = await tempDir('gems');
    overrides = path.join(t.dir, 'ov');
    await mkdir(overrides);
    await writeFile(path.join(overrides, 'rubygems.toml'), ZEXT_ROW);
  });
  after(async () => {
    await server.close();
    await t.cleanup();
  });

  const request = async (
    n: number,
    o: { env?: Record<string, string>; umask?: string; prefix?: string[]; cwd?: string; jobs?: string } = {},
  ): Promise<JsonPackage[]> => {
    const r = await bale(
      [
        'request',
        ...SPECS,
        '--ruby',
        '3.1',
        '--source',
        server.url,
        '--overrides',
        overrides,
        '--recipes',
        path.join(t.dir, `r${n}`),
        '--store',
        path.join(t.dir, `s${n}`),
        '--jobs',
        o.jobs ?? '2',
        '--json',
      ],
      {
        ...(o.env ? { env: o.env } : {}),
        ...(o.umask ? { umask: o.umask } : {}),
        ...(o.prefix ? { prefix: o.prefix } : {}),
        ...(o.cwd ? { cwd: o.cwd } : {}),
      },
    );
    assert.equal(r.code, 0, r.stderr);
    return (JSON.parse(r.stdout) as { packages: JsonPackage[] }).packages;
  };

  test('the closure loads from the unpacked root alone, the executable runs, the extension computes', async () => {
    const packages = await request(1);
    const names = packages.map((p) => `${p.name}@${p.version}`).sort();
    assert.deepEqual(names, [
      'ruby3.1-fxg-app-bin@1.0.0',
      'ruby3.1-fxg-app@1.0.0',
      'ruby3.1-fxg-chain@1.0.0',
      'ruby3.1-fxg-leaf@0.1.5',
      'ruby3.1-fxg-lib@1.3.0',
      'ruby3.1-fxg-plat@1.0.0',
      'ruby3.1-fxg-zext@1.0.0',
    ]);
    const root = path.join(t.dir, 'root');
    await mkdir(root);
    for (const p of packages) await execa('tar', ['-xzf', p.file, '-C', root]);
    const gems = path.join(root, 'usr/lib/ruby/gems/3.1.0');
    const env = { GEM_PATH: gems, GEM_HOME: gems, PATH: '/usr/bin:/bin' };
    const code =
      'require "fxg_app"; require "fxg_plat"; require "fxg_zext"; require "zlib"; ' +
      'fxg = Gem.loaded_specs.select { |k, _| k.start_with?("fxg") }; abort "missing" unless fxg.size == 6; ' +
      'abort "host gem" unless fxg.values.all? { |s| s.full_gem_path.start_with?(ENV["GEM_PATH"]) }; ' +
      'abort "crc" unless FxgZext.crc32("bale") == Zlib.crc32("bale"); puts Gem.loaded_specs["fxg-plat"].platform';
    const r = await execa('ruby', ['-e', code], { env, extendEnv: false });
    assert.equal(r.stdout.trim(), 'x86_64-linux', 'the platform gem was preferred');
    const bin = path.join(root, 'usr/bin/fxg-app');
    assert.equal((await readFile(bin, 'utf8')).split('\n')[0], '#!/usr/bin/ruby3.1');
    assert.equal((await execa('ruby', [bin], { env, extendEnv: false })).stdout.trim(), 'fxg-app ok');
    const files = (await Promise.all(packages.map(async (p) => (await execa('tar', ['-tzf', p.file])).stdout.split('\n')))).flat();
    assert.ok(!files.some((f) => /mkmf\.log|gem_make\.out|\.o$|\/Makefile$|\/cache\/.*\.gem$/.test(f)), 'no build leftovers');
    const zext = await readFile(path.join(t.dir, 'r1/gem/fxg-zext/1.0.0.toml'), 'utf8');
    assert.match(zext, /\[native\]\nbuild = \["zlib1g-dev"\]\nruntime = \["zlib1g"\]/);
  });

  test('a second build under another clock, TZ, locale, umask, cwd and --jobs is identical', async () => {
    const a = await listFiles(path.join(t.dir, 's1'));
    assert.ok(a.length > 0, 'first build exists');
    const cwd = path.join(t.dir, 'elsewhere');
    await mkdir(cwd);
    const b = await request(2, {
      env: { TZ: 'Pacific/Auckland', LC_ALL: 'C', XDG_CACHE_HOME: path.join(t.dir, 'cache2') },
      umask: '077',
      prefix: ['faketime', '-f', '+321d'],
      cwd,
      jobs: '1',
    });
    const first = JSON.parse(
      (
        await bale(['build', ...SPECS, '--ruby', '3.1', '--recipes', path.join(t.dir, 'r1'), '--store', path.join(t.dir, 's1'), '--json'], {
          env: { XDG_CACHE_HOME: SHARED_XDG_CACHE },
        })
      ).stdout,
    ) as { packages: JsonPackage[] };
    const sums = (ps: JsonPackage[]): string[] => ps.map((p) => `${p.name}@${p.version} ${p.sha256}`).sort();
    assert.deepEqual(sums(b), sums(first.packages));
  });

  const bad: { name: string; specs: string[]; says: RegExp }[] = [
    { name: 'a corrupt .gem', specs: ['gem:fxg-corrupt'], says: /fxg-corrupt/ },
    {
      name: 'a checksum mismatch',
      specs: ['gem:fxg-badsum'],
      says: /fxg-badsum-1\.0\.0\.gem: sha256 is [0-9a-f]{64}, http:\/\/127\.0\.0\.1:\d+\/ says [0-9a-f]{64}: the file or the index is corrupt/,
    },
    { name: 'a .gem with ../ in its data', specs: ['gem:fxg-evil'], says: /fxg-evil/ },
    {
      name: 'no Ruby satisfies required_ruby_version',
      specs: ['gem:fxg-newruby'],
      says: /cannot resolve gem fxg-newruby for Ruby 3\.1: .*needs another Ruby/,
    },
    {
      name: 'an unsatisfiable closure names both sides',
      specs: ['gem:fxg-app', 'gem:fxg-lib@2.0.0'],
      says: /cannot resolve gem fxg-lib for Ruby 3\.1: .*fxg-lib \(= 2\.0\.0\) asked for.*fxg-lib \(~> 1\.2\) from fxg-app 1\.0\.0|cannot resolve gem fxg-lib for Ruby 3\.1: .*~> 1\.2.*= 2\.0\.0/,
    },
    { name: 'an unknown gem', specs: ['gem:fxg-nope'], says: /fxg-nope/ },
  ];
  for (const [i, c] of bad.entries()) {
    test(`bad input: ${c.name}: one line, exit 1, nothing written`, async () => {
      const r = await bale(
        [
          'request',
          ...c.specs,
          '--ruby',
          '3.1',
          '--source',
          server.url,
          '--recipes',
          path.join(t.dir, `rb${i}`),
          '--store',
          path.join(t.dir, `sb${i}`),
        ],
        {
          env: { XDG_CACHE_HOME: path.join(t.dir, `cb${i}`) },
        },
      );
      assert.equal(r.code, 1, r.stderr);
      assert.match(oneErrorLine(r.stderr), c.says);
      assert.deepEqual(await listFiles(path.join(t.dir, `rb${i}`)), []);
      assert.deepEqual(await listFiles(path.join(t.dir, `sb${i}`)), []);
    });
  }

  test('a gem the override table builds against system libraries takes its source (ruby platform) gem', async () => {
    const ov = path.join(t.dir, 'ov-source');
    await mkdir(ov);
    await writeFile(
      path.join(ov, 'rubygems.toml'),
      '[[package]]\nname = "fxg-plat"\nbuild = ["zlib1g-dev"]\nnote = "as nokogiri: link the system library, not a bundled copy"\n',
    );
    const r = await bale([
      'import',
      'gem:fxg-plat',
      '--ruby',
      '3.1',
      '--source',
      server.url,
      '--overrides',
      ov,
      '--recipes',
      path.join(t.dir, 'rsrc'),
    ]);
    assert.equal(r.code, 0, r.stderr);
    const recipe = await readFile(path.join(t.dir, 'rsrc/gem/fxg-plat/1.0.0.toml'), 'utf8');
    assert.match(recipe, /filename = "fxg-plat-1\.0\.0\.gem"/);
    const plain = await readFile(path.join(t.dir, 'r1/gem/fxg-plat/1.0.0.toml'), 'utf8');
    assert.match(plain, /filename = "fxg-plat-1\.0\.0-x86_64-linux\.gem"/);
  });

  test("an extension whose extconf.rb requires the gem's own dependency builds with it on GEM_PATH, with no override row", async () => {
    const ov = path.join(t.dir, 'ov-extdep');
    await mkdir(ov);
    await writeFile(path.join(ov, 'rubygems.toml'), '');
    const r = await bale([
      'request',
      'gem:fxg-extdep',
      '--ruby',
      '3.1',
      '--source',
      server.url,
      '--overrides',
      ov,
      '--recipes',
      path.join(t.dir, 'rx'),
      '--store',
      path.join(t.dir, 'sx'),
      '--json',
    ]);
    assert.equal(r.code, 0, r.stderr);
    // What the importer read from the .gem: it compiles, and its spec's date is the recipe's epoch.
    const recipe = await readFile(path.join(t.dir, 'rx/gem/fxg-extdep/1.0.0.toml'), 'utf8');
    assert.match(recipe, /reasons = \["extension", "gem-install"\]/);
    assert.match(recipe, /source_date_epoch = 1577836800/);
    assert.match(await readFile(path.join(t.dir, 'rx/gem/fxg-leaf/0.1.5.toml'), 'utf8'), /reasons = \["gem-install"\]/);
    const packages = (JSON.parse(r.stdout) as { packages: JsonPackage[] }).packages;
    assert.deepEqual(packages.map((p) => p.name).sort(), ['ruby3.1-fxg-extdep', 'ruby3.1-fxg-leaf']);
    const root = path.join(t.dir, 'rootx');
    await mkdir(root);
    for (const p of packages) await execa('tar', ['-xzf', p.file, '-C', root]);
    const files = (await execa('tar', ['-tzf', packages.find((p) => p.name === 'ruby3.1-fxg-extdep')!.file])).stdout;
    assert.doesNotMatch(files, /fxg-leaf/, 'the dependency was only visible to the build, not packaged with it');
    const gems = path.join(root, 'usr/lib/ruby/gems/3.1.0');
    const out = await execa('ruby', ['-e', 'require "fxg_extdep"; puts FxgExtdep.answer'], {
      env: { GEM_PATH: gems, GEM_HOME: gems, PATH: '/usr/bin:/bin' },
      extendEnv: false,
    });
    assert.equal(out.stdout.trim(), '42');
  });

  test('a missing native build library is named before any build', async () => {
    const ov = path.join(t.dir, 'ov-missing');
    await mkdir(ov);
    await writeFile(path.join(ov, 'rubygems.toml'), '[[package]]\nname = "fxg-zext"\nbuild = ["libbale-test-missing-dev"]\n');
    const r = await bale([
      'request',
      'gem:fxg-zext',
      '--ruby',
      '3.1',
      '--source',
      server.url,
      '--overrides',
      ov,
      '--recipes',
      path.join(t.dir, 'rm'),
      '--store',
      path.join(t.dir, 'sm'),
    ]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(
      oneErrorLine(r.stderr),
      /pkg:gem\/fxg-zext@1\.0\.0 needs native libraries missing on this build host: libbale-test-missing-dev/,
    );
    assert.deepEqual(await listFiles(path.join(t.dir, 'sm')), []);
  });
});
