// Integration test: the RubyGems source clients against the fixture gem server (test/helpers/gem-server.ts)
// over real HTTP on 127.0.0.1: the compact index, the JSON API, and gemIndex() detecting which one a
// source speaks; faults, downloads and checksums; one hand-made server for what the fixture never does.
// The pure parsers are tested at the end.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { isUserError, TransientError } from '../../../src/errors/index.js';
import { parseInfo, parseInfoLine } from '../../../importers/rubygems/compact-index.js';
import { GemIndexFormatError, normalizeRequirement } from '../../../importers/rubygems/gem-release.js';
import {
  compactIndex,
  gemIndex,
  jsonApi,
  type GemIndex,
  type GemIndexOptions,
  type GemRelease,
} from '../../../importers/rubygems/gem-index.js';
import { parseVersionDetail, parseVersionList } from '../../../importers/rubygems/json-api.js';
import type { FixtureGem } from '../../helpers/gem-dists.js';
import { startGemServer, type GemServer } from '../../helpers/gem-server.js';

/** Fast retries: the faults are injected, waiting would only slow the suite. */
const FAST: GemIndexOptions = {
  retries: 3,
  retryBaseMs: 1,
  retryMaxMs: 5,
  timeouts: { connectMs: 5_000, headersMs: 5_000, idleMs: 5_000 },
};

let server: GemServer;
let jsonOnly: GemServer;
const clients: GemIndex[] = [];

before(async () => {
  server = await startGemServer();
  jsonOnly = await startGemServer({ jsonOnly: true });
});

after(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await server.close();
  await jsonOnly.close();
});

function track<C extends GemIndex>(c: C): C {
  clients.push(c);
  return c;
}

type Api = 'compact' | 'json' | 'auto' | 'auto-json-only';
const APIS: Api[] = ['compact', 'json', 'auto', 'auto-json-only'];

function clientFor(api: Api, source = server.url): GemIndex {
  if (api === 'compact') return track(compactIndex(source, FAST));
  if (api === 'json') return track(jsonApi(source, FAST));
  return track(gemIndex(api === 'auto' ? source : source.replace(server.url, jsonOnly.url), FAST));
}

/** The release a client must report, from the catalogue (what `gem build` wrote), written out independently. */
function expected(g: FixtureGem, source: string): GemRelease {
  const req = (list: string[]): string => [...list].sort().join(', ');
  const platformReq = (list: string[]): string | undefined => (req(list) === '>= 0' ? undefined : req(list));
  const ruby = platformReq(g.requiredRuby);
  const rubygems = platformReq(g.requiredRubygems);
  return {
    name: g.name,
    version: g.version,
    platform: g.platform,
    dependencies: g.runtime.map((d) => ({ name: d.name, requirement: req(d.requirement) })).sort((a, b) => (a.name < b.name ? -1 : 1)),
    sha256: g.advertisedSha256,
    ...(ruby === undefined ? {} : { requiredRuby: ruby }),
    ...(rubygems === undefined ? {} : { requiredRubygems: rubygems }),
    gemUrl: `${source}gems/${g.filename}`,
  };
}

const key = (r: GemRelease): string => `${r.version}-${r.platform}`;
const sorted = (rs: GemRelease[]): GemRelease[] => [...rs].sort((a, b) => (key(a) < key(b) ? -1 : 1));
const requestsFor = (s: GemServer, gem: string): string[] => s.requests.map((r) => r.path).filter((p) => p.includes(gem));

for (const api of APIS) {
  test(`${api}: every gem's releases, dependencies, checksums, Ruby requirements and platforms, as the catalogue says`, async () => {
    const client = clientFor(api);
    for (const g of server.dists.gems.values()) {
      const got = await client.releases(g.name);
      const source = api === 'auto-json-only' ? jsonOnly.url : server.url;
      assert.deepEqual(sorted(got), sorted(g.releases.map((r) => expected(r, source))), `${api} ${g.name}`);
    }
  });
}

test('compact index and JSON API agree exactly, and on what matters: runtime deps only, normalised requirements, no prerelease filtering', async () => {
  const compact = clientFor('compact');
  const json = clientFor('json');
  for (const g of server.dists.gems.keys()) assert.deepEqual(sorted(await json.releases(g)), sorted(await compact.releases(g)), g);
  const [app] = await compact.releases('fxg-app');
  assert.deepEqual(app?.dependencies, [
    { name: 'fxg-chain', requirement: '< 3, >= 1.0' },
    { name: 'fxg-lib', requirement: '~> 1.2' },
  ]);
  assert.equal(app?.requiredRuby, '< 4, >= 2.7');
  assert.equal(app?.requiredRubygems, '>= 3.0');
  const lib = await json.releases('fxg-lib');
  assert.deepEqual(lib.map((r) => r.version).sort(), ['1.2.0', '1.3.0', '1.4.0.rc1', '2.0.0'], 'the client lists; the resolver chooses');
  assert.equal(lib.find((r) => r.version === '1.4.0.rc1')?.requiredRubygems, '> 1.3.1');
  assert.equal(lib.find((r) => r.version === '1.3.0')?.requiredRubygems, undefined, '>= 0 is no requirement');
  const plat = sorted(await json.releases('fxg-plat'));
  assert.deepEqual(
    plat.map((r) => [r.platform, r.gemUrl]),
    [
      ['ruby', `${server.url}gems/fxg-plat-1.0.0.gem`],
      ['x86_64-linux', `${server.url}gems/fxg-plat-1.0.0-x86_64-linux.gem`],
    ],
  );
  assert.equal((await compact.releases('fxg-newruby'))[0]?.requiredRuby, '>= 9.0');
});

test('a source with a path prefix (a mirror), with or without its trailing slash', async () => {
  for (const source of [server.mirrorUrl, server.mirrorUrl.replace(/\/$/, '')]) {
    for (const api of ['compact', 'json'] as const) {
      const client = clientFor(api, source);
      assert.equal(client.source, server.mirrorUrl);
      const [leaf] = sorted(await client.releases('fxg-leaf'));
      assert.equal(leaf?.gemUrl, `${server.mirrorUrl}gems/fxg-leaf-0.1.0.gem`);
      assert.equal(
        createHash('sha256')
          .update(await client.download(leaf as GemRelease))
          .digest('hex'),
        leaf?.sha256,
      );
    }
  }
  assert.ok(server.requests.some((r) => r.path === '/mirror/info/fxg-leaf'));
  assert.ok(server.requests.some((r) => r.path === '/mirror/api/v2/rubygems/fxg-leaf/versions/0.1.5.json?platform=ruby'));
});

test('one request per gem on the compact index, 1 + one per release on the JSON API, none repeated', async () => {
  const compact = clientFor('compact');
  const before = requestsFor(server, 'fxg-lib').length;
  const [a, b] = await Promise.all([compact.releases('fxg-lib'), compact.releases('fxg-lib')]);
  assert.equal(a, b);
  await compact.releases('fxg-lib');
  assert.deepEqual(requestsFor(server, 'fxg-lib').slice(before), ['/info/fxg-lib']);
  const json = clientFor('json');
  const mark = requestsFor(server, 'fxg-lib').length;
  await json.releases('fxg-lib');
  await json.releases('fxg-lib');
  const made = requestsFor(server, 'fxg-lib').slice(mark);
  assert.equal(made[0], '/api/v1/versions/fxg-lib.json');
  assert.deepEqual(
    made.slice(1).sort(),
    ['1.2.0', '1.3.0', '1.4.0.rc1', '2.0.0'].map((v) => `/api/v2/rubygems/fxg-lib/versions/${v}.json?platform=ruby`),
  );
});

test('gemIndex detects the API: compact index for free; without one, a single /info 404 and then the JSON API only', async () => {
  const auto = track(gemIndex(server.url, FAST));
  const mark = server.requests.length;
  await auto.releases('fxg-chain');
  assert.equal(auto.detected, 'compact');
  await assert.rejects(auto.releases('fxg-nope'), (err: Error) => isUserError(err) && err.code === 'ENOTFOUND');
  assert.deepEqual(
    server.requests.slice(mark).map((r) => r.path),
    ['/info/fxg-chain', '/info/fxg-nope'],
  );
  const old = track(gemIndex(jsonOnly.url, FAST));
  const start = jsonOnly.requests.length;
  await old.releases('fxg-chain');
  assert.equal(old.detected, 'json');
  await old.releases('fxg-leaf');
  const paths = jsonOnly.requests.slice(start).map((r) => r.path);
  assert.deepEqual(
    paths.filter((p) => p.startsWith('/info/')),
    ['/info/fxg-chain'],
  );
  assert.ok(paths.includes('/api/v1/versions/fxg-leaf.json'));
  const [chain] = await old.releases('fxg-chain');
  assert.equal((await old.download(chain as GemRelease)).length, server.dists.byFile.get('fxg-chain-1.0.0.gem')?.size);
});

for (const api of APIS) {
  test(`${api}: an unknown gem is a UserError naming the gem and the source; a bad name never reaches the network`, async () => {
    const client = clientFor(api);
    await assert.rejects(client.releases('fxg-nope'), (err: Error) => {
      assert.ok(isUserError(err) && err.code === 'ENOTFOUND', String(err));
      assert.match(err.message, /fxg-nope/);
      assert.ok(err.message.includes(client.source), err.message);
      return true;
    });
    const mark = server.requests.length + jsonOnly.requests.length;
    await assert.rejects(client.releases('../etc/passwd'), (err: Error) => isUserError(err) && err.code === 'ENAME');
    assert.equal(server.requests.length + jsonOnly.requests.length, mark);
  });
}

for (const api of ['compact', 'json'] as const) {
  test(`${api}: 5xx then 200 is retried; 5xx forever is a TransientError; garbage is a UserError naming the URL`, async () => {
    const client = clientFor(api);
    server.fault('fxg-leaf', { kind: 'status', status: 503, times: 2 });
    assert.equal((await client.releases('fxg-leaf')).length, 2);
    server.fault('fxg-chain', { kind: 'status', status: 502 });
    await assert.rejects(
      client.releases('fxg-chain'),
      (err: Error) => err instanceof TransientError && /fxg-chain/.test(err.message) && /4 attempts/.test(err.message),
    );
    server.fault('fxg-chain', { kind: 'reset', times: 1 });
    assert.equal((await client.releases('fxg-chain')).length, 1, 'a failure is not remembered; a reset is retried');
    server.fault('fxg-app', { kind: 'garbage' });
    await assert.rejects(clientFor(api).releases('fxg-app'), (err: Error) => {
      assert.ok(isUserError(err) && err.code === 'EINDEX', String(err));
      assert.match(err.message, new RegExp(`${server.url}(info/fxg-app|api/v1/versions/fxg-app\\.json)`));
      return true;
    });
    server.fault('fxg-app', null);
    server.fault('fxg-chain', null);
  });
}

test('download: verified bytes; a wrong checksum, a tampered or missing .gem are clear errors; 5xx is retried', async () => {
  const client = clientFor('compact');
  const [leaf] = sorted(await client.releases('fxg-leaf'));
  const release = leaf as GemRelease;
  assert.deepEqual(await client.download(release), await readFile(server.dists.byFile.get('fxg-leaf-0.1.0.gem')?.path ?? ''));
  const [badsum] = await client.releases('fxg-badsum');
  for (const c of [client, clientFor('json')]) {
    await assert.rejects(
      c.download(badsum as GemRelease),
      (err: Error) => err.name === 'IntegrityError' && /fxg-badsum/.test(err.message) && err.message.includes(badsum?.gemUrl ?? '?'),
    );
  }
  server.fault('fxg-leaf', { kind: 'garbage', on: 'gem' });
  await assert.rejects(client.download(release), (err: Error) => err.name === 'IntegrityError');
  server.fault('fxg-leaf', { kind: 'status', status: 404, on: 'gem' });
  await assert.rejects(
    client.download(release),
    (err: Error) => isUserError(err) && err.code === 'ESOURCE' && /fxg-leaf 0\.1\.0/.test(err.message),
  );
  server.fault('fxg-leaf', { kind: 'status', status: 503, times: 1, on: 'gem' });
  assert.equal((await client.download(release)).length, server.dists.byFile.get('fxg-leaf-0.1.0.gem')?.size);
  server.fault('fxg-leaf', null);
  // fxg-corrupt's index checksum matches its junk: the download passes, opening the archive must not.
  const [corrupt] = await client.releases('fxg-corrupt');
  assert.equal((await client.download(corrupt as GemRelease)).subarray(512, 523).toString(), 'fxg-corrupt');
  const noSum = { ...release, sha256: undefined };
  delete noSum.sha256;
  assert.equal(
    (await client.download(noSum)).length,
    server.dists.byFile.get('fxg-leaf-0.1.0.gem')?.size,
    'no checksum known: nothing to verify',
  );
});

test('a JSON API that ignores ?platform= is caught, not trusted', async () => {
  const sha = 'a'.repeat(64);
  const srv = http.createServer((req, res) => {
    const body = req.url?.startsWith('/api/v1/versions/')
      ? [
          { number: '1.0.0', platform: 'ruby', sha },
          { number: '1.0.0', platform: 'java', sha },
        ]
      : { number: '1.0.0', platform: 'ruby', sha, dependencies: { runtime: [], development: [] } };
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  });
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  try {
    const client = track(jsonApi(`http://127.0.0.1:${(srv.address() as AddressInfo).port}`, FAST));
    await assert.rejects(client.releases('x'), (err: Error) => isUserError(err) && /ignores \?platform=/.test(err.message));
  } finally {
    srv.closeAllConnections();
    await new Promise((resolve) => srv.close(resolve));
  }
});

test('parseInfo: header lines, platforms with dashes, no deps, several constraints, no checksum; malformed lines refused', () => {
  const sha = 'B'.repeat(64);
  const got = parseInfo(
    `created_at: x\n---\n1.0.0 |checksum:${sha}\n1.1.0-x86_64-linux-gnu a:< 2&>= 1,b:~>0.1|checksum:${sha},ruby:>= 2.7&< 3.4.dev,rubygems:> 1.3.1\n2.0 c:= 1|\n`,
    'g',
    'https://gems.example/mirror',
  );
  assert.deepEqual(
    got.map((r) => [r.version, r.platform, r.sha256?.[0], r.requiredRuby, r.requiredRubygems]),
    [
      ['1.0.0', 'ruby', 'b', undefined, undefined],
      ['1.1.0', 'x86_64-linux-gnu', 'b', '< 3.4.dev, >= 2.7', '> 1.3.1'],
      ['2.0', 'ruby', undefined, undefined, undefined],
    ],
  );
  assert.deepEqual(got[1]?.dependencies, [
    { name: 'a', requirement: '< 2, >= 1' },
    { name: 'b', requirement: '~> 0.1' },
  ]);
  assert.equal(got[1]?.gemUrl, 'https://gems.example/mirror/gems/g-1.1.0-x86_64-linux-gnu.gem');
  for (const bad of ['1.0.0', 'x.y |checksum:1', `1.0 a|checksum:${sha}`, `1.0 a:maybe|checksum:${sha}`, '1.0 |checksum:abc']) {
    assert.throws(() => parseInfoLine(bad, 'g', 'https://gems.example/'), GemIndexFormatError, bad);
  }
  assert.throws(() => parseInfo('<html></html>', 'g', 'https://gems.example/'), GemIndexFormatError);
  assert.deepEqual(normalizeRequirement(['1.0', ' >=2 ', '~>3.1']), ['= 1.0', '>= 2', '~> 3.1'].sort().join(', '));
});

test('parseVersionList / parseVersionDetail: nulls as rubygems.org sends them for old gems; malformed documents refused', () => {
  assert.deepEqual(parseVersionList([{ number: '0.1', platform: 'ruby', sha: null, ruby_version: null, rubygems_version: '>= 0' }]), [
    { version: '0.1', platform: 'ruby' },
  ]);
  assert.throws(() => parseVersionList({ number: '1' }), GemIndexFormatError);
  assert.throws(() => parseVersionList([{ number: '1.0', platform: 'a/b' }]), GemIndexFormatError);
  const d = parseVersionDetail({
    number: '1.0',
    platform: 'java',
    dependencies: {
      runtime: [
        { name: 'z', requirements: '< 3, >= 1' },
        { name: 'a', requirements: '= 1' },
      ],
      development: [{ name: 'dev', requirements: '>= 0' }],
    },
  });
  assert.deepEqual(d.dependencies, [
    { name: 'a', requirement: '= 1' },
    { name: 'z', requirement: '< 3, >= 1' },
  ]);
  assert.throws(() => parseVersionDetail({ number: '1.0' }), GemIndexFormatError);
});
