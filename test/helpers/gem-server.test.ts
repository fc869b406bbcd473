// Integration test: builds the fixture gems with the real `gem build`, proves them real with the real
// `gem install` and Bundler (resolving from the fixture server's compact index over real HTTP on
// 127.0.0.1, verifying its checksums, compiling the zlib extension), then checks what the server says.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { crc32, gunzipSync } from 'node:zlib';
import { buildGem, gemFixtureDists, gemFixturesDir, type GemDists } from './gem-dists.js';
import { infoLine, startGemServer, type GemServer } from './gem-server.js';

const execFileP = promisify(execFile);

let dists: GemDists;
let server: GemServer;
let jsonOnly: GemServer;
let tmp: string;

before(async () => {
  dists = await gemFixtureDists();
  server = await startGemServer();
  jsonOnly = await startGemServer({ jsonOnly: true });
  tmp = await mkdtemp(path.join(tmpdir(), 'bale-gem-server-'));
});

after(async () => {
  await server.close();
  await jsonOnly.close();
  await rm(tmp, { recursive: true, force: true });
});

const sha256 = (b: Buffer | string): string => createHash('sha256').update(b).digest('hex');
const gemPath = (file: string): string => dists.byFile.get(file)?.path ?? assert.fail(`no fixture ${file}`);

/** A clean environment: no user gems or config, nothing from the host but the tools. */
function env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: path.join(tmp, 'home'), LC_ALL: 'C.UTF-8', ...extra };
}

async function gemInstall(dir: string, args: string[], cwd = tmp): Promise<{ stdout: string; stderr: string }> {
  return execFileP('gem', ['install', '--norc', '--local', '--install-dir', dir, '--no-document', ...args], { cwd, env: env() });
}

async function ruby(dir: string, args: string[]): Promise<string> {
  const { stdout } = await execFileP('ruby', args, { env: env({ GEM_PATH: dir, GEM_HOME: dir }) });
  return stdout.trim();
}

/** Bundler's environment for a project in `dir`: its own Gemfile, install path and user home. */
function bundlerEnv(dir: string): NodeJS.ProcessEnv {
  return env({
    BUNDLE_GEMFILE: path.join(dir, 'Gemfile'),
    BUNDLE_PATH: path.join(dir, 'vendor'),
    BUNDLE_USER_HOME: path.join(dir, '.bundle-home'),
  });
}

/** Bundler's CLI from the library Ruby ships (Debian installs no `bundle` executable without the bundler package). */
async function bundle(dir: string, gems: string[], args: string[]): Promise<string> {
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, 'Gemfile'), `source "${server.url}"\n${gems.map((g) => `gem "${g}"\n`).join('')}`);
  const cli =
    'require "bundler"; require "bundler/cli"; require "bundler/friendly_errors"; Bundler.with_friendly_errors { Bundler::CLI.start(ARGV, debug: true) }';
  return (await execFileP('ruby', ['-e', cli, ...args], { cwd: dir, env: bundlerEnv(dir) })).stdout;
}

/** Ruby code run with the bundle in `dir` set up (what `bundle exec ruby -e` does). */
async function bundled(dir: string, code: string): Promise<string> {
  return (await execFileP('ruby', ['-rbundler/setup', '-e', code], { cwd: dir, env: bundlerEnv(dir) })).stdout.trim();
}

test('every fixture gem is built, with its README, and its served bytes have the stated size and sha256', async () => {
  assert.deepEqual(
    [...dists.gems.keys()],
    [
      'fxg-app',
      'fxg-badsum',
      'fxg-bump',
      'fxg-chain',
      'fxg-corrupt',
      'fxg-evil',
      'fxg-extdep',
      'fxg-leaf',
      'fxg-lib',
      'fxg-newruby',
      'fxg-plat',
      'fxg-zext',
    ],
  );
  assert.deepEqual(
    dists.gems.get('fxg-lib')?.releases.map((r) => r.filename),
    ['fxg-lib-1.2.0.gem', 'fxg-lib-1.3.0.gem', 'fxg-lib-1.4.0.rc1.gem', 'fxg-lib-2.0.0.gem'],
  );
  assert.deepEqual(
    dists.gems.get('fxg-plat')?.releases.map((r) => r.platform),
    ['ruby', 'x86_64-linux'],
  );
  for (const g of dists.gems.values()) {
    assert.ok(g.readme.length > 40, `${g.name} says what it exercises`);
    for (const r of g.releases) {
      const bytes = await readFile(r.path);
      assert.equal(sha256(bytes), r.sha256, r.filename);
      assert.equal(bytes.length, r.size, r.filename);
      assert.equal(r.advertisedSha256 === r.sha256, g.name !== 'fxg-badsum', r.filename);
    }
  }
  const app = dists.byFile.get('fxg-app-1.0.0.gem');
  assert.deepEqual(app?.runtime, [
    { name: 'fxg-lib', requirement: ['~> 1.2'] },
    { name: 'fxg-chain', requirement: ['>= 1.0', '< 3'] },
  ]);
  assert.deepEqual(
    app?.development.map((d) => d.name),
    ['fxg-devonly'],
  );
  assert.deepEqual(app?.executables, ['fxg-app']);
  assert.equal(dists.byFile.get('fxg-lib-1.4.0.rc1.gem')?.prerelease, true);
  assert.deepEqual(dists.byFile.get('fxg-lib-1.4.0.rc1.gem')?.requiredRubygems, ['> 1.3.1']);
  assert.deepEqual(dists.byFile.get('fxg-newruby-1.0.0.gem')?.requiredRuby, ['>= 9.0']);
  assert.equal(dists.byFile.get('fxg-app-1.0.0.gem')?.date, '2020-01-01T00:00:00.000Z');
});

test('gem build honours SOURCE_DATE_EPOCH: a rebuild gives the same bytes, another epoch other bytes', async () => {
  const dir = path.join(gemFixturesDir(), 'fxg-app', '1.0.0');
  await buildGem(dir, path.join(tmp, 'same.gem'), path.join(tmp, 'w1'));
  await buildGem(dir, path.join(tmp, 'later.gem'), path.join(tmp, 'w2'), 1700000000);
  assert.equal(sha256(await readFile(path.join(tmp, 'same.gem'))), dists.byFile.get('fxg-app-1.0.0.gem')?.sha256);
  assert.notEqual(sha256(await readFile(path.join(tmp, 'later.gem'))), dists.byFile.get('fxg-app-1.0.0.gem')?.sha256);
});

/** A folder holding copies of these fixture gems: `gem install --local` resolves dependencies from the working directory. */
async function gemFolder(name: string, files: string[]): Promise<string> {
  const dir = path.join(tmp, name);
  await mkdir(dir, { recursive: true });
  for (const f of files) await writeFile(path.join(dir, f), await readFile(gemPath(f)));
  return dir;
}

test('gem install --local of fxg-app resolves its dependencies from the fixtures: require works, the executable runs', async () => {
  const dir = path.join(tmp, 'app');
  const candidates = [
    'fxg-app-1.0.0.gem',
    'fxg-chain-1.0.0.gem',
    'fxg-leaf-0.1.0.gem',
    'fxg-leaf-0.1.5.gem',
    'fxg-lib-1.2.0.gem',
    'fxg-lib-1.3.0.gem',
    'fxg-lib-1.4.0.rc1.gem',
    'fxg-lib-2.0.0.gem',
  ];
  await gemInstall(dir, ['fxg-app-1.0.0.gem'], await gemFolder('app-src', candidates));
  // ~> 1.2 takes 1.3.0: not the prerelease, not 2.0.0; ~> 0.1 takes 0.1.5.
  assert.deepEqual(await readdir(path.join(dir, 'gems')), ['fxg-app-1.0.0', 'fxg-chain-1.0.0', 'fxg-leaf-0.1.5', 'fxg-lib-1.3.0']);
  assert.equal(
    await ruby(dir, ['-e', 'require "fxg_app"; puts FxgApp.describe']),
    'fxg-app 1.0.0 (fxg-lib 1.3.0, fxg-chain 1.0.0, fxg-leaf 0.1.5)',
  );
  assert.equal(await ruby(dir, [path.join(dir, 'bin', 'fxg-app')]), 'fxg-app ok');
  // Without its dependencies at hand, RubyGems refuses: the requirements in the gem are real.
  await assert.rejects(
    gemInstall(path.join(tmp, 'app-alone'), ['fxg-app-1.0.0.gem'], await gemFolder('app-alone-src', ['fxg-app-1.0.0.gem'])),
    /fxg-lib|fxg-chain/,
  );
});

test('gem install --local of the x86_64-linux fxg-plat works on this host, and says which variant it is', async () => {
  const dir = path.join(tmp, 'plat');
  await gemInstall(dir, [gemPath('fxg-plat-1.0.0-x86_64-linux.gem')]);
  assert.equal(await ruby(dir, ['-e', 'require "fxg_plat"; puts FxgPlat::VARIANT, Gem::Platform.local']), 'x86_64-linux\nx86_64-linux');
});

test('gem install compiles fxg-zext against the system zlib: it links libz and computes crc32', async () => {
  const dir = path.join(tmp, 'zext');
  await gemInstall(dir, [gemPath('fxg-zext-1.0.0.gem')]);
  const out = await ruby(dir, ['-e', 'require "fxg_zext"; puts FxgZext.crc32("hello bale"); puts FxgZext::ZLIB_VERSION']);
  const [crc, zlibVersion] = out.split('\n');
  assert.equal(crc, String(crc32('hello bale')));
  assert.match(zlibVersion ?? '', /^1\.\d+/, 'zlibVersion() of the linked library');
  const sos = (await execFileP('find', [dir, '-name', 'fxg_zext.so'])).stdout.split('\n').filter(Boolean);
  assert.ok(sos.length > 0, 'the extension was compiled');
  const { stdout } = await execFileP('readelf', ['-d', sos[0] ?? '']);
  assert.match(stdout, /NEEDED.*libz\.so/);
});

test('the bad gems are really bad: gem install refuses fxg-evil, fxg-corrupt and fxg-newruby', async () => {
  const dir = path.join(tmp, 'bad');
  await assert.rejects(gemInstall(dir, [gemPath('fxg-evil-1.0.0.gem')]), (err: { stderr?: string }) =>
    /PathError|parent path/.test(err.stderr ?? ''),
  );
  assert.equal(existsSync(path.join(dir, 'gems', 'evil.rb')), false);
  const inner = (await execFileP('tar', ['-xOf', gemPath('fxg-evil-1.0.0.gem'), 'data.tar.gz'], { encoding: 'buffer' })).stdout;
  assert.match(gunzipSync(inner).toString('latin1'), /\.\.\/evil\.rb/);
  await assert.rejects(gemInstall(dir, [gemPath('fxg-corrupt-1.0.0.gem')]));
  await assert.rejects(gemInstall(dir, [gemPath('fxg-newruby-1.0.0.gem')]), (err: { stderr?: string }) =>
    /requires Ruby version >= 9\.0/.test(err.stderr ?? ''),
  );
  // fxg-badsum itself is a sound gem: only the index lies about it.
  await gemInstall(dir, [gemPath('fxg-badsum-1.0.0.gem')]);
});

test('Bundler resolves from the compact index: ~> 1.2 skips the prerelease, the platform gem wins, fxg-zext compiles', async () => {
  const dir = path.join(tmp, 'bundle-app');
  await bundle(dir, ['fxg-app', 'fxg-plat', 'fxg-zext'], ['install']);
  const lock = await readFile(path.join(dir, 'Gemfile.lock'), 'utf8');
  for (const line of ['fxg-lib (1.3.0)', 'fxg-leaf (0.1.5)', 'fxg-chain (1.0.0)', 'fxg-plat (1.0.0-x86_64-linux)', 'fxg-zext (1.0.0)'])
    assert.ok(lock.includes(line), `${line} in\n${lock}`);
  const out = await bundled(
    dir,
    'require "fxg_app"; require "fxg_plat"; require "fxg_zext"; puts FxgApp.describe, FxgPlat::VARIANT, FxgZext.crc32("x")',
  );
  assert.deepEqual(out.split('\n'), ['fxg-app 1.0.0 (fxg-lib 1.3.0, fxg-chain 1.0.0, fxg-leaf 0.1.5)', 'x86_64-linux', String(crc32('x'))]);
  assert.ok(
    server.requests.some((r) => r.path === '/versions') && server.requests.some((r) => r.path === '/info/fxg-app'),
    'Bundler used the compact index',
  );
});

test('Bundler refuses fxg-badsum: the checksum the compact index states is checked against the download', async () => {
  await assert.rejects(bundle(path.join(tmp, 'bundle-badsum'), ['fxg-badsum'], ['install']), (err: { stdout?: string; stderr?: string }) =>
    /checksum/i.test(`${err.stdout ?? ''}${err.stderr ?? ''}`),
  );
});

test('compact index: /versions names every gem with the md5 of its /info, /info lists runtime deps and checksums, /names', async () => {
  const versions = await (await fetch(`${server.url}versions`)).text();
  const [header, sep, ...lines] = versions.trimEnd().split('\n');
  assert.match(header ?? '', /^created_at: \d{4}-/);
  assert.equal(sep, '---');
  assert.equal(lines.length, dists.gems.size);
  for (const line of lines) {
    const [name = '', list, md5] = line.split(' ');
    const info = await (await fetch(`${server.url}info/${name}`)).text();
    assert.equal(createHash('md5').update(info).digest('hex'), md5, name);
    assert.equal(
      list,
      dists.gems
        .get(name)
        ?.releases.map((r) => (r.platform === 'ruby' ? r.version : `${r.version}-${r.platform}`))
        .join(','),
    );
  }
  assert.equal(
    await (await fetch(`${server.url}info/fxg-app`)).text(),
    `---\n1.0.0 fxg-chain:< 3&>= 1.0,fxg-lib:~> 1.2|checksum:${dists.byFile.get('fxg-app-1.0.0.gem')?.sha256},ruby:< 4&>= 2.7,rubygems:>= 3.0\n`,
  );
  assert.equal(
    infoLine(dists.byFile.get('fxg-leaf-0.1.0.gem') ?? assert.fail()),
    `0.1.0 |checksum:${dists.byFile.get('fxg-leaf-0.1.0.gem')?.sha256},ruby:>= 0,rubygems:>= 0`,
  );
  assert.match(
    server.infoLines('fxg-badsum')[0] ?? '',
    new RegExp(`checksum:${dists.byFile.get('fxg-badsum-1.0.0.gem')?.advertisedSha256}`),
  );
  assert.equal((await fetch(`${server.url}names`)).status, 200);
  assert.equal((await fetch(`${server.url}info/fxg-nope`)).status, 404);
});

test('JSON API: gems, versions (newest first), v2 per platform; jsonOnly hides the compact index; the mirror prefix', async () => {
  const gem = (await (await fetch(`${server.url}api/v1/gems/fxg-lib.json`)).json()) as Record<string, unknown>;
  assert.equal(gem['version'], '2.0.0');
  const list = (await (await fetch(`${server.url}api/v1/versions/fxg-lib.json`)).json()) as Record<string, unknown>[];
  assert.deepEqual(
    list.map((v) => [v['number'], v['prerelease']]),
    [
      ['2.0.0', false],
      ['1.4.0.rc1', true],
      ['1.3.0', false],
      ['1.2.0', false],
    ],
  );
  const app = (await (await fetch(`${server.url}api/v2/rubygems/fxg-app/versions/1.0.0.json?platform=ruby`)).json()) as {
    dependencies: unknown;
    ruby_version: unknown;
  };
  assert.deepEqual(app.dependencies, {
    development: [{ name: 'fxg-devonly', requirements: '~> 1.0' }],
    runtime: [
      { name: 'fxg-lib', requirements: '~> 1.2' },
      { name: 'fxg-chain', requirements: '>= 1.0, < 3' },
    ],
  });
  assert.equal(app.ruby_version, '>= 2.7, < 4');
  const plat = (await (await fetch(`${server.url}api/v2/rubygems/fxg-plat/versions/1.0.0.json?platform=x86_64-linux`)).json()) as Record<
    string,
    unknown
  >;
  assert.deepEqual([plat['platform'], plat['sha']], ['x86_64-linux', dists.byFile.get('fxg-plat-1.0.0-x86_64-linux.gem')?.sha256]);
  assert.equal((await fetch(`${server.url}api/v2/rubygems/fxg-plat/versions/1.0.0.json?platform=java`)).status, 404);
  for (const p of ['versions', 'info/fxg-app', 'names']) assert.equal((await fetch(`${jsonOnly.url}${p}`)).status, 404, p);
  assert.equal((await fetch(`${jsonOnly.url}api/v1/versions/fxg-app.json`)).status, 200);
  const bytes = Buffer.from(await (await fetch(`${server.mirrorUrl}gems/fxg-app-1.0.0.gem`)).arrayBuffer());
  assert.equal(sha256(bytes), dists.byFile.get('fxg-app-1.0.0.gem')?.sha256);
  assert.equal((await fetch(`${server.mirrorUrl}info/fxg-app`)).status, 200);
});

test('faults: a status for k requests then healthy, garbage, a reset, per target; every request logged', async () => {
  server.fault('fxg-leaf', { kind: 'status', status: 503, times: 2 });
  assert.deepEqual(
    [(await fetch(`${server.url}info/fxg-leaf`)).status, (await fetch(`${server.url}api/v1/versions/fxg-leaf.json`)).status],
    [503, 503],
  );
  assert.equal((await fetch(`${server.url}info/fxg-leaf`)).status, 200);
  server.fault('fxg-leaf', { kind: 'garbage' });
  assert.doesNotMatch(await (await fetch(`${server.url}info/fxg-leaf`)).text(), /^---/);
  await assert.rejects(async () => JSON.parse(await (await fetch(`${server.url}api/v1/versions/fxg-leaf.json`)).text()));
  assert.equal((await fetch(`${server.url}gems/fxg-leaf-0.1.5.gem`)).status, 200, 'the default target is the index pages, not the .gem');
  server.fault('fxg-leaf', { kind: 'status', status: 404, on: 'gem' });
  assert.equal((await fetch(`${server.url}gems/fxg-leaf-0.1.5.gem`)).status, 404);
  assert.equal((await fetch(`${server.url}info/fxg-leaf`)).status, 200);
  server.fault('fxg-leaf', { kind: 'reset', times: 1, on: 'all' });
  await assert.rejects(fetch(`${server.url}info/fxg-leaf`));
  assert.equal((await fetch(`${server.url}info/fxg-leaf`)).status, 200);
  server.fault('fxg-leaf', null);
  assert.ok(server.requests.filter((r) => r.path === '/info/fxg-leaf').length >= 5);
});
