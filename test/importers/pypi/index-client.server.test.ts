// Integration test: the PyPI index clients against the fixture index (test/helpers/pypi-index.ts)
// over real HTTP on 127.0.0.1, in all three forms (Simple JSON, Simple HTML, JSON API), plus a few
// hand-made servers for what the fixture index never does. The pure parsers are tested at the end.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { isUserError, TransientError } from '../../../src/errors/index.js';
import {
  jsonApi,
  parseJsonApi,
  parseSimpleHtml,
  parseSimpleJson,
  SIMPLE_ACCEPT,
  simpleIndex,
  type DistFile,
  type IndexClient,
  type IndexClientOptions,
} from '../../../importers/pypi/index-client.js';
import { normalizePypiName } from '../../../src/purl/purl.js';
import { fixtureFile, type FixtureProject } from '../../helpers/pypi-dists.js';
import { startPypiIndex, type FixtureIndex } from '../../helpers/pypi-index.js';

/** Fast retries: the faults are injected, waiting would only slow the suite. */
const FAST: IndexClientOptions = {
  retries: 3,
  retryBaseMs: 1,
  retryMaxMs: 5,
  timeouts: { connectMs: 5_000, headersMs: 5_000, idleMs: 5_000 },
};

let idx: FixtureIndex;
let old: FixtureIndex; // HTML only, like an old mirror
const clients: IndexClient[] = [];

before(async () => {
  idx = await startPypiIndex();
  old = await startPypiIndex({ htmlOnly: true });
});

after(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await idx.close();
  await old.close();
});

function track<C extends IndexClient>(c: C): C {
  clients.push(c);
  return c;
}

type Form = 'simple-json' | 'simple-html' | 'json-api';
const FORMS: Form[] = ['simple-json', 'simple-html', 'json-api'];

function clientFor(form: Form, opts: IndexClientOptions = FAST): { client: IndexClient; index: FixtureIndex } {
  if (form === 'simple-json') return { client: track(simpleIndex(idx.simpleUrl, opts)), index: idx };
  if (form === 'simple-html') return { client: track(simpleIndex(old.simpleUrl, opts)), index: old };
  return { client: track(jsonApi(idx.jsonUrl.replace(/\/$/, ''), opts)), index: idx };
}

/** What every form must agree on, from the fixture catalogue. */
function expected(index: FixtureIndex, p: FixtureProject): Partial<DistFile>[] {
  return p.files.map((f) => ({
    filename: f.filename,
    url: index.fileUrl(f.filename),
    sha256: index.advertisedSha256(f.filename),
    ...(f.requiresPython === undefined ? {} : { requiresPython: f.requiresPython }),
    yanked: p.yanked[f.version] ?? false,
    coreMetadata: f.metadataSha256 === undefined ? false : { sha256: f.metadataSha256 },
  }));
}

const common = (f: DistFile): Partial<DistFile> => {
  const { size: _s, uploadTime: _u, ...rest } = f;
  return rest;
};

for (const form of FORMS) {
  test(`${form}: every project's files, hashes, Requires-Python, yanked and metadata, as the catalogue says`, async () => {
    const { client, index } = clientFor(form);
    for (const p of index.dists.projects.values()) {
      const got = await client.project(p.normalized);
      assert.equal(got.name, form === 'json-api' ? p.name : p.normalized);
      assert.deepEqual(got.files.map(common), expected(index, p), `${form} ${p.normalized}`);
      if (form !== 'simple-html') {
        for (const f of got.files) {
          const fx = p.files.find((x) => x.filename === f.filename);
          assert.equal(f.size, fx?.size);
          assert.equal(f.uploadTime?.replace('.000000', ''), p.uploadTime(fx?.version ?? ''));
        }
      }
    }
  });

  test(`${form}: one request per project per client, whatever the spelling`, async () => {
    const { client, index } = clientFor(form);
    const before = index.requests.length;
    const [a, b, c] = await Promise.all([client.project('fxp-app'), client.project('FXP_App'), client.project('fxp.app')]);
    assert.equal(a, b);
    assert.equal(a, c);
    await client.project('Fxp-App');
    const seen = index.requests.slice(before).map((r) => r.path);
    assert.deepEqual(seen, [form === 'json-api' ? '/pypi/fxp-app/json' : '/simple/fxp-app/']);
    if (form === 'simple-json') assert.equal(index.requests[before]?.accept, SIMPLE_ACCEPT);
  });

  test(`${form}: 404 is a UserError naming the project and the index`, async () => {
    const { client, index } = clientFor(form);
    await assert.rejects(client.project('fxp-does-not-exist'), (err: Error & { code?: string }) => {
      assert.ok(isUserError(err));
      assert.equal(err.code, 'ENOTFOUND');
      assert.match(err.message, /"fxp-does-not-exist"/);
      assert.ok(err.message.includes(form === 'json-api' ? index.jsonUrl : index.simpleUrl), err.message);
      assert.match(err.message, /check the name/);
      return true;
    });
  });

  test(`${form}: HTTP 503 twice then 200 is retried; a dropped connection too`, async () => {
    const { client, index } = clientFor(form);
    try {
      index.fault('fxp-lib', { kind: 'status', status: 503, times: 2 });
      const before = index.requests.length;
      assert.equal((await client.project('fxp-lib')).files.length, 8);
      assert.equal(index.requests.slice(before).length, 3);
      index.fault('fxp-old', { kind: 'reset', times: 1 });
      assert.equal((await client.project('fxp-old')).files.length, 1);
    } finally {
      index.fault('fxp-lib', null);
      index.fault('fxp-old', null);
    }
  });

  test(`${form}: garbage is a UserError naming the project, the URL and what to check`, async () => {
    const { client, index } = clientFor(form);
    index.fault('fxp-ns-a', { kind: 'garbage' });
    try {
      await assert.rejects(client.project('fxp-ns-a'), (err: Error & { code?: string }) => {
        assert.ok(isUserError(err), String(err));
        assert.equal(err.code, 'EINDEX');
        assert.match(err.message, /"fxp-ns-a"/);
        assert.ok(err.message.includes(`${index.url}${form === 'json-api' ? 'pypi/fxp-ns-a/json' : 'simple/fxp-ns-a/'}`), err.message);
        assert.match(err.message, form === 'json-api' ? /JSON API URL/ : /--index-url/);
        return true;
      });
    } finally {
      index.fault('fxp-ns-a', null);
    }
  });

  test(`${form}: PEP 658 metadata files are fetched and verified; downloads are verified`, async () => {
    const { client, index } = clientFor(form);
    const files = (await client.project('fxp-app')).files;
    const wheel = files.find((f) => f.filename.endsWith('.whl')) ?? assert.fail('wheel');
    const fx = await fixtureFile(wheel.filename);
    assert.equal(await client.coreMetadata(wheel), await readFile(`${fx.path}.metadata`, 'utf8'));
    const sdist = files.find((f) => f.filename.endsWith('.tar.gz')) ?? assert.fail('sdist');
    const before = index.requests.length;
    assert.equal(await client.coreMetadata(sdist), undefined);
    assert.equal(index.requests.length, before, 'nothing asked for a file without metadata');
    assert.deepEqual(await client.download(sdist), await readFile((await fixtureFile(sdist.filename)).path));

    index.fault('fxp-app', { kind: 'garbage', on: 'all' });
    try {
      await assert.rejects(client.coreMetadata(wheel), { name: 'IntegrityError', code: 'EINTEGRITY' });
      await assert.rejects(
        client.download(wheel),
        (err: Error) => err.name === 'IntegrityError' && err.message.includes(wheel.filename) && err.message.includes(wheel.url),
      );
    } finally {
      index.fault('fxp-app', null);
    }
    const bad = (await client.project('fxp-badhash')).files[0] ?? assert.fail('fxp-badhash');
    await assert.rejects(client.download(bad), /sha256 is [0-9a-f]{64}, the index says [0-9a-f]{64}/);
  });
}

test('relative links resolve against the page after redirects (a mirror that moved)', async () => {
  const client = track(simpleIndex(idx.movedSimpleUrl, FAST));
  const files = (await client.project('fxp-lib')).files;
  assert.equal(files[0]?.url, idx.fileUrl('fxp_lib-1.0.0-py3-none-any.whl'));
  const got = await client.download(files[0] ?? assert.fail('file'));
  assert.equal(createHash('sha256').update(got).digest('hex'), files[0]?.sha256);
});

test("the JSON API follows the redirect to the project's own spelling, and reads one release", async () => {
  const client = track(jsonApi(idx.jsonUrl, FAST));
  const before = idx.requests.length;
  assert.equal((await client.project('fxp_socks')).name, 'FXP_Socks');
  assert.deepEqual(
    idx.requests.slice(before).map((r) => r.path),
    ['/pypi/fxp-socks/json', '/pypi/FXP_Socks/json'],
  );
  const one = await client.release('fxp-lib', '1.1.0');
  assert.deepEqual(
    one.files.map((f) => f.filename),
    ['fxp_lib-1.1.0-py3-none-any.whl', 'fxp_lib-1.1.0.tar.gz'],
  );
  await assert.rejects(client.release('fxp-lib', '9.9.9'), { code: 'ENOTFOUND' });
});

test('no metadata files: nothing advertised, coreMetadata is undefined without a request', async () => {
  const bare = await startPypiIndex({ noMetadataFiles: true });
  try {
    const client = track(simpleIndex(bare.simpleUrl, FAST));
    const wheel = (await client.project('fxp-app')).files.find((f) => f.filename.endsWith('.whl')) ?? assert.fail('wheel');
    assert.equal(wheel.coreMetadata, false);
    const before = bare.requests.length;
    assert.equal(await client.coreMetadata(wheel), undefined);
    assert.equal(bare.requests.length, before);
  } finally {
    await bare.close();
  }
});

test('5xx forever is a TransientError after the retries; a slow index times out the same way', async () => {
  const client = track(simpleIndex(idx.simpleUrl, { ...FAST, retries: 2 }));
  idx.fault('fxp-extra-only', { kind: 'status', status: 502 });
  const before = idx.requests.length;
  try {
    await assert.rejects(
      client.project('fxp-extra-only'),
      (err: Error) => err instanceof TransientError && /HTTP 502 \(3 attempts\)/.test(err.message),
    );
    assert.equal(idx.requests.length - before, 3);
    // undici checks its timeouts on a ~1 s tick: the delay must outlast that.
    idx.fault('fxp-extra-only', { kind: 'delay', ms: 2500 });
    const slow = track(simpleIndex(idx.simpleUrl, { ...FAST, retries: 0, timeouts: { headersMs: 100 } }));
    await assert.rejects(
      slow.project('fxp-extra-only'),
      (err: Error) => err instanceof TransientError && /timed out: no response headers after 0\.1s/.test(err.message),
    );
  } finally {
    idx.fault('fxp-extra-only', null);
  }
  assert.equal((await client.project('fxp-extra-only')).files.length, 1, 'a failure is not memoised');
});

test('names that are not project names are refused before any request', async () => {
  const client = track(simpleIndex(idx.simpleUrl, FAST));
  const before = idx.requests.length;
  await assert.rejects(client.project('../etc/passwd'), { code: 'ENAME' });
  await assert.rejects(client.project('a b'), { code: 'ENAME' });
  assert.equal(idx.requests.length, before);
  assert.equal(normalizePypiName('Foo__Bar.-baz'), 'foo-bar-baz');
});

/** A one-route server for what the fixture index never does. */
async function tinyServer(handler: http.RequestListener): Promise<{ url: string; close: () => Promise<void> }> {
  const server = http.createServer(handler);
  await new Promise<void>((resolve) => server.listen({ port: 0, host: '127.0.0.1' }, resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/simple/`;
  return {
    url,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

test('gzip pages are read; API version 2 and redirect loops are refused with a clear error', async () => {
  const srv = await tinyServer((req, res) => {
    if (req.url === '/simple/zipped/') {
      const body = gzipSync(
        JSON.stringify({
          meta: { 'api-version': '1.0' },
          name: 'zipped',
          files: [{ filename: 'zipped-1.0.tar.gz', url: '/f/zipped-1.0.tar.gz', hashes: {} }],
        }),
      );
      res.writeHead(200, {
        'content-type': 'application/vnd.pypi.simple.v1+json',
        'content-encoding': 'gzip',
        'content-length': body.length,
      });
      return res.end(body);
    }
    if (req.url === '/simple/future/') {
      res.writeHead(200, { 'content-type': 'application/vnd.pypi.simple.v1+json' });
      return res.end(JSON.stringify({ meta: { 'api-version': '2.0' }, name: 'future', files: [] }));
    }
    res.writeHead(302, { location: req.url ?? '/' });
    res.end();
  });
  try {
    const client = track(simpleIndex(srv.url, FAST));
    const z = await client.project('zipped');
    assert.deepEqual(z.files, [
      { filename: 'zipped-1.0.tar.gz', url: srv.url.replace('simple/', 'f/zipped-1.0.tar.gz'), yanked: false, coreMetadata: false },
    ]);
    await assert.rejects(client.project('future'), /Simple API version 2\.0; bale reads 1\.x/);
    await assert.rejects(client.project('loop'), { code: 'EINDEX', message: /more than 10 redirects/ });
  } finally {
    await srv.close();
  }
});

test('parseSimpleHtml: quoting, entities, comments, <base>, PEP 592/658/714 attributes', () => {
  const html = `<!DOCTYPE html><html><head><base href="https://files.example/pkgs/"><title>Links for Demo.Pkg</title>
  <meta name="pypi:repository-version" content="1.0"></head><body>
  <!-- <a href="hidden-1.0.tar.gz">hidden-1.0.tar.gz</a> -->
  <a href='demo-1.0.tar.gz#md5=0123' data-requires-python='>=3.8'>demo-1.0.tar.gz</a>
  <A HREF="sub/demo-1.1-py3-none-any.whl#SHA256=ABCDEF" data-requires-python="&gt;=3.8,&lt;4" data-yanked data-core-metadata="true">
    demo-1.1-py3-none-any.whl</A>
  <a href="demo-1.2.tar.gz?x=1&amp;y=2" data-yanked="bad &amp; sad" data-dist-info-metadata=true data-core-metadata="sha256=ee">demo-1.2.tar.gz</a>
  <a href="/abs/demo%2B1.3.zip"></a><a name="anchor-without-href">x</a>
  </body></html>`;
  const page = parseSimpleHtml(html, 'https://index.example/simple/demo-pkg/');
  assert.equal(page.name, 'Demo.Pkg');
  assert.equal(page.apiVersion, '1.0');
  assert.deepEqual(page.files, [
    { filename: 'demo+1.3.zip', url: 'https://files.example/abs/demo%2B1.3.zip', yanked: false, coreMetadata: false },
    {
      filename: 'demo-1.0.tar.gz',
      url: 'https://files.example/pkgs/demo-1.0.tar.gz',
      requiresPython: '>=3.8',
      yanked: false,
      coreMetadata: false,
    },
    {
      filename: 'demo-1.1-py3-none-any.whl',
      url: 'https://files.example/pkgs/sub/demo-1.1-py3-none-any.whl',
      sha256: 'abcdef',
      requiresPython: '>=3.8,<4',
      yanked: '',
      coreMetadata: {},
    },
    {
      filename: 'demo-1.2.tar.gz',
      url: 'https://files.example/pkgs/demo-1.2.tar.gz?x=1&y=2',
      yanked: 'bad & sad',
      coreMetadata: { sha256: 'ee' },
    },
  ]);
  assert.throws(() => parseSimpleHtml('{"not": "html"}', 'https://x/'), /not an HTML page/);
});

test('parseSimpleJson and parseJsonApi: yanked forms, legacy metadata keys, relative URLs, malformed input', () => {
  const page = parseSimpleJson(
    {
      meta: { 'api-version': '1.1' },
      name: 'demo',
      files: [
        { filename: 'b.whl', url: 'b.whl', hashes: { sha256: 'AA' }, yanked: true, 'dist-info-metadata': { sha256: 'BB' } },
        {
          filename: 'a.tar.gz',
          url: 'https://cdn.example/a.tar.gz#sha256=zz',
          hashes: {},
          yanked: 'reason',
          'data-dist-info-metadata': true,
          'requires-python': '',
        },
        { filename: 'c.whl', url: '../c.whl', hashes: {}, yanked: false, 'core-metadata': false, 'dist-info-metadata': true },
      ],
    },
    'https://i.example/simple/demo/',
  );
  assert.deepEqual(page.files, [
    { filename: 'a.tar.gz', url: 'https://cdn.example/a.tar.gz', yanked: 'reason', coreMetadata: {} },
    { filename: 'b.whl', url: 'https://i.example/simple/demo/b.whl', sha256: 'aa', yanked: '', coreMetadata: { sha256: 'bb' } },
    { filename: 'c.whl', url: 'https://i.example/simple/c.whl', yanked: false, coreMetadata: false },
  ]);
  assert.throws(() => parseSimpleJson({ meta: {} }, 'https://x/'), /no "files"/);
  assert.throws(() => parseSimpleJson({ files: [{ url: 'x' }] }, 'https://x/'), /files\[0\]/);

  const api = parseJsonApi(
    {
      info: { name: 'Demo' },
      urls: [
        {
          filename: 'd-1.whl',
          url: 'https://f/d-1.whl',
          digests: { sha256: 'CC' },
          requires_python: null,
          yanked: true,
          yanked_reason: null,
          upload_time: '2020-01-01T00:00:00',
          core_metadata: { sha256: 'DD' },
        },
      ],
    },
    'https://pypi.example/pypi/demo/1/json',
  );
  assert.deepEqual(api, {
    name: 'Demo',
    files: [
      {
        filename: 'd-1.whl',
        url: 'https://f/d-1.whl',
        sha256: 'cc',
        yanked: '',
        coreMetadata: { sha256: 'dd' },
        uploadTime: '2020-01-01T00:00:00',
      },
    ],
  });
  assert.throws(() => parseJsonApi({ info: { name: 'x' }, releases: { '1': 'nope' } }, 'https://x/'), /releases\["1"\]/);
  assert.throws(() => parseJsonApi([], 'https://x/'), /info\.name/);
});
