// Integration test: the Marshal index client and gemIndex()'s detection against a real
// `gem generate_index` directory of the fixture gems served over HTTP on 127.0.0.1
// (test/helpers/gem-marshal-source.ts), compared with the compact index of the same gems
// (test/helpers/gem-server.ts); faults by replacing the served files.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import { after, before, test } from 'node:test';
import { deflateSync, gzipSync } from 'node:zlib';
import { isUserError } from '../../../src/errors/index.js';
import {
  compactIndex,
  gemIndex,
  marshalIndex,
  type GemIndex,
  type GemIndexOptions,
  type GemRelease,
} from '../../../importers/rubygems/gem-index.js';
import { startGemServer, type GemServer } from '../../helpers/gem-server.js';
import { startMarshalSource, type MarshalSource } from '../../helpers/gem-marshal-source.js';
import { closeServer, listenLoopback } from '../../helpers/loopback.js';

const FAST: GemIndexOptions = {
  retries: 1,
  retryBaseMs: 1,
  retryMaxMs: 5,
  timeouts: { connectMs: 5_000, headersMs: 5_000, idleMs: 5_000 },
};

let compactServer: GemServer;
let source: MarshalSource;
const clients: GemIndex[] = [];

before(async () => {
  [compactServer, source] = await Promise.all([startGemServer(), startMarshalSource()]);
});

after(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await compactServer.close();
  await source.close();
});

function track<C extends GemIndex>(c: C): C {
  clients.push(c);
  return c;
}

const key = (r: GemRelease): string => `${r.version}-${r.platform}`;
const sorted = (rs: GemRelease[]): GemRelease[] => [...rs].sort((a, b) => (key(a) < key(b) ? -1 : 1));
/** What the compact index says, as the Marshal index must say it: at its URL, with no checksum (that index has none). */
function asMarshal(r: GemRelease): GemRelease {
  const { sha256: _, ...rest } = r;
  return { ...rest, gemUrl: r.gemUrl.replace(compactServer.url, source.url) };
}

test('every gem gem generate_index indexed: the same releases, dependencies, Ruby requirements and platforms as the compact index', async () => {
  const marshal = track(marshalIndex(source.url, FAST));
  const compact = track(compactIndex(compactServer.url, FAST));
  const names = [...compactServer.dists.gems.keys()].filter((n) => n !== 'fxg-corrupt');
  for (const name of names) {
    assert.deepEqual(sorted(await marshal.releases(name)), sorted(await compact.releases(name)).map(asMarshal), name);
  }
  assert.ok(names.length >= 10);
  const lib = await marshal.releases('fxg-lib');
  assert.ok(
    lib.some((r) => r.version === '1.4.0.rc1'),
    'prereleases come from prerelease_specs.4.8.gz',
  );
  await assert.rejects(
    marshal.releases('fxg-corrupt'),
    (err: Error) => isUserError(err) && err.code === 'ENOTFOUND',
    'gem generate_index skipped the junk .gem',
  );
  const [plat] = sorted(await marshal.releases('fxg-plat')).filter((r) => r.platform !== 'ruby');
  const bytes = await marshal.download(plat as GemRelease);
  assert.deepEqual(bytes, await readFile(compactServer.dists.byFile.get('fxg-plat-1.0.0-x86_64-linux.gem')?.path ?? ''));
  const specs = source.requests.filter((p) => p.endsWith('specs.4.8.gz'));
  assert.deepEqual(specs.sort(), ['/prerelease_specs.4.8.gz', '/specs.4.8.gz'], 'the specs files are read once per client');
});

test('gemIndex on a Marshal-only source: info, JSON API, the status of /versions, then specs.4.8.gz once; later gems ask quick specs only', async () => {
  const auto = track(gemIndex(source.url, FAST));
  const mark = source.requests.length;
  const [chain] = await auto.releases('fxg-chain');
  assert.equal(auto.detected, 'marshal');
  assert.deepEqual(chain?.dependencies, [{ name: 'fxg-leaf', requirement: '~> 0.1' }]);
  assert.deepEqual(source.requests.slice(mark, mark + 3), ['/info/fxg-chain', '/api/v1/versions/fxg-chain.json', '/versions']);
  const next = source.requests.length;
  await auto.releases('fxg-leaf');
  assert.deepEqual(source.requests.slice(next).sort(), [
    '/quick/Marshal.4.8/fxg-leaf-0.1.0.gemspec.rz',
    '/quick/Marshal.4.8/fxg-leaf-0.1.5.gemspec.rz',
  ]);
  await assert.rejects(
    auto.releases('fxg-nope'),
    (err: Error) =>
      isUserError(err) && err.code === 'ENOTFOUND' && err.message.includes('Marshal index') && err.message.includes(source.url),
  );
  assert.equal(source.requests.length, next + 2, 'an unknown gem costs nothing once the index is read');
});

test('a compact-index source whose first gem is unknown: /versions answers by its status, specs.4.8.gz is never read', async () => {
  const auto = track(gemIndex(compactServer.url, FAST));
  const mark = compactServer.requests.length;
  await assert.rejects(
    auto.releases('fxg-nope'),
    (err: Error) => isUserError(err) && err.code === 'ENOTFOUND' && /no gem "fxg-nope"/.test(err.message),
  );
  assert.equal(auto.detected, 'compact');
  assert.deepEqual(
    compactServer.requests.slice(mark).map((r) => r.path),
    ['/info/fxg-nope', '/api/v1/versions/fxg-nope.json', '/versions'],
  );
  await auto.releases('fxg-leaf');
  assert.deepEqual(
    compactServer.requests.slice(mark + 3).map((r) => r.path),
    ['/info/fxg-leaf'],
    'settled: the compact index only',
  );
});

test('a source that speaks none of the three: one line saying so, naming the gem, the source and what was asked', async () => {
  const empty = http.createServer((_req, res) => res.writeHead(404).end('Not Found\n'));
  const url = await listenLoopback(empty);
  try {
    const auto = track(gemIndex(`${url}gems-here/`, FAST));
    await assert.rejects(auto.releases('rack'), (err: Error) => {
      assert.ok(isUserError(err) && err.code === 'ENOTFOUND', String(err));
      assert.equal(err.message.split('\n').length, 1);
      assert.match(
        err.message,
        /^no gem "rack" on http:\/\/127\.0\.0\.1:\d+\/gems-here\/, which answers none of the RubyGems index kinds for it \(compact index info\/rack, JSON API api\/v1\/versions\/rack\.json, Marshal index specs\.4\.8\.gz: all HTTP 404\): check the name/,
      );
      return true;
    });
    assert.equal(auto.detected, undefined);
  } finally {
    await closeServer(empty, new Set());
  }
});

test('faults: a truncated or junk specs file, a missing or mismatched quick spec, a decompression bomb: EINDEX naming the URL', async () => {
  const specs = await readFile(`${source.dir}/specs.4.8.gz`);
  const cases: [string, Buffer | number, string, RegExp][] = [
    [
      'specs.4.8.gz',
      specs.subarray(0, specs.length - 20),
      'fxg-leaf',
      /specs\.4\.8\.gz is not a valid answer of the Marshal index \(not gzip data/,
    ],
    ['specs.4.8.gz', gzipSync(Buffer.from([4, 8, 0x5b, 0x07, 0x30])), 'fxg-leaf', /not valid Marshal data: truncated/],
    ['specs.4.8.gz', Buffer.from('<html>maintenance</html>'), 'fxg-leaf', /not gzip data/],
    ['specs.4.8.gz', 403, 'fxg-leaf', /specs\.4\.8\.gz answered HTTP 403 from the Marshal index/],
    [
      'quick/Marshal.4.8/fxg-leaf-0.1.5.gemspec.rz',
      404,
      'fxg-leaf',
      /fxg-leaf" 0\.1\.5 \(ruby\).*specs\.4\.8\.gz lists it, its quick spec is not found/,
    ],
    [
      'quick/Marshal.4.8/fxg-leaf-0.1.5.gemspec.rz',
      await readFile(`${source.dir}/quick/Marshal.4.8/fxg-leaf-0.1.0.gemspec.rz`),
      'fxg-leaf',
      /it describes fxg-leaf 0\.1\.0 \(ruby\)/,
    ],
    [
      'quick/Marshal.4.8/fxg-leaf-0.1.5.gemspec.rz',
      deflateSync(Buffer.alloc(9 * 1024 * 1024)),
      'fxg-leaf',
      /more than 8 MiB once decompressed/,
    ],
  ];
  for (const [file, with_, gem, why] of cases) {
    source.replace(file, with_);
    try {
      const client = track(marshalIndex(source.url, FAST));
      await assert.rejects(client.releases(gem), (err: Error) => {
        assert.ok(isUserError(err) && err.code === 'EINDEX', `${file}: ${String(err)}`);
        assert.match(err.message, why, file);
        assert.ok(err.message.includes(source.url), err.message);
        return true;
      });
    } finally {
      source.replace(file, null);
    }
  }
  const healed = track(marshalIndex(source.url, FAST));
  assert.equal((await healed.releases('fxg-leaf')).length, 2);
  const leaf = sorted(await healed.releases('fxg-leaf'))[0] as GemRelease;
  assert.equal(
    createHash('sha256')
      .update(await healed.download(leaf))
      .digest('hex'),
    compactServer.dists.byFile.get('fxg-leaf-0.1.0.gem')?.sha256,
  );
});
