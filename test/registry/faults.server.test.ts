/**
 * Faults the real registry cannot be made to produce, from a fake one on loopback: 5xx (once,
 * forever), a Bearer token service, Basic auth, refusals, wrong bytes, odd Location and Link
 * headers, answers that are not JSON.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { IntegrityError, TransientError, UserError } from '../../src/errors/index.js';
import { MediaType, sha256Digest } from '../../src/oci/index.js';
import { BlobMemo, credentialsFromEnv, parseRegistryUrl, RegistryClient, type RegistryClientOptions } from '../../src/registry/index.js';

interface Seen {
  method: string;
  url: string;
  authorization: string | undefined;
  body: Buffer;
}

type Handler = (req: IncomingMessage, res: ServerResponse, seen: Seen, count: (path: string) => number) => void;

/** A fake registry: every request is recorded (with its body) before the handler answers it. */
async function withFake(
  handler: Handler,
  run: (c: RegistryClient, log: Seen[], host: string) => Promise<void>,
  opts: RegistryClientOptions = {},
): Promise<void> {
  const log: Seen[] = [];
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const seen = { method: req.method ?? '', url: req.url ?? '', authorization: req.headers.authorization, body: Buffer.concat(chunks) };
    log.push(seen);
    handler(req, res, seen, (p) => log.filter((s) => s.url.split('?')[0] === p).length);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  const client = new RegistryClient(parseRegistryUrl(`oci://${host}/bale`).registry, {
    credentials: null,
    env: {},
    retryDelayMs: 1,
    maxRetryDelayMs: 5,
    ...opts,
  });
  try {
    await run(client, log, host);
  } finally {
    await client.close();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

const MANIFEST = Buffer.from(
  JSON.stringify({
    schemaVersion: 2,
    mediaType: MediaType.ociManifest,
    config: { mediaType: MediaType.ociConfig, digest: sha256Digest(Buffer.from('{}')), size: 2 },
    layers: [],
  }),
);
const BLOB = Buffer.from('the real blob bytes\n');
const BLOB_DIGEST = sha256Digest(BLOB);

function sendManifest(res: ServerResponse): void {
  res.writeHead(200, {
    'content-type': MediaType.ociManifest,
    'docker-content-digest': sha256Digest(MANIFEST),
    'content-length': MANIFEST.length,
  });
  res.end(MANIFEST);
}

function sendError(res: ServerResponse, status: number, code: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify({ errors: [{ code, message: code.toLowerCase().replace(/_/g, ' ') }] }));
}

test('a 500 then a 200 is retried and succeeds', async () => {
  await withFake(
    (_req, res, seen, count) => (count(seen.url) === 1 ? sendError(res, 500, 'UNKNOWN') : sendManifest(res)),
    async (c, log) => {
      const got = await c.getManifest('bale/app', '1');
      assert.deepEqual(got.bytes, MANIFEST);
      assert.equal(got.digest, sha256Digest(MANIFEST));
      assert.equal(log.length, 2);
    },
  );
});

test('a registry failing every time is a TransientError after the retries', async () => {
  await withFake(
    (_req, res) => sendError(res, 503, 'UNAVAILABLE'),
    async (c, log, host) => {
      await assert.rejects(c.pullBlob('bale/app', BLOB_DIGEST), (err: unknown) => {
        assert.ok(err instanceof TransientError);
        assert.equal(
          err.message,
          `registry ${host}: pull of blob ${BLOB_DIGEST} from bale/app: HTTP 503 (3 attempts): the registry or network is failing; try again later`,
        );
        return true;
      });
      assert.equal(log.length, 3);
    },
    { retries: 2 },
  );
});

test('wrong bytes for a blob or a manifest are an IntegrityError, not retried', async () => {
  const other = Buffer.from(JSON.stringify({ schemaVersion: 2, tampered: true }));
  await withFake(
    (req, res) => {
      res.writeHead(200, { 'content-type': MediaType.ociManifest, 'docker-content-digest': sha256Digest(MANIFEST) });
      res.end(req.url?.includes('/blobs/') ? Buffer.from('the wrong blob bytes\n') : other);
    },
    async (c, log) => {
      await assert.rejects(c.pullBlob('bale/app', BLOB_DIGEST), IntegrityError);
      assert.equal(log.length, 1);
      await assert.rejects(c.getManifest('bale/app', sha256Digest(MANIFEST)), /hashes to sha256:\w+, not sha256:/);
      // By tag the registry's Docker-Content-Digest is what the bytes must match.
      await assert.rejects(c.getManifest('bale/app', '1'), IntegrityError);
    },
  );
});

test('a Bearer challenge is answered with a token from the realm, fetched once per scope', async () => {
  let realm = '';
  const tokenRequests: URL[] = [];
  await withFake(
    (req, res, seen) => {
      if (seen.url.startsWith('/token')) {
        const url = new URL(seen.url, realm);
        tokenRequests.push(url);
        if (seen.authorization !== `Basic ${Buffer.from('alice:s3cret').toString('base64')}`) return sendError(res, 401, 'UNAUTHORIZED');
        res.writeHead(200, { 'content-type': 'application/json' });
        return res.end(JSON.stringify({ token: 'tok-1', expires_in: 300 }));
      }
      if (seen.authorization !== 'Bearer tok-1') {
        return sendError(res, 401, 'UNAUTHORIZED', {
          'www-authenticate': `Bearer realm="${realm}",service="fake registry",scope="repository:bale/app:pull"`,
        });
      }
      if (req.method === 'HEAD') {
        res.writeHead(404);
        return res.end();
      }
      sendManifest(res);
    },
    async (c, log, host) => {
      realm = `http://${host}/token`;
      assert.deepEqual((await c.getManifest('bale/app', '1')).bytes, MANIFEST);
      assert.deepEqual((await c.getManifest('bale/app', '2')).bytes, MANIFEST);
      assert.equal(await c.blobExists('bale/app', BLOB_DIGEST), false);
      assert.equal(tokenRequests.length, 1);
      assert.equal(tokenRequests[0]?.searchParams.get('service'), 'fake registry');
      assert.deepEqual(tokenRequests[0]?.searchParams.getAll('scope'), ['repository:bale/app:pull']);
      // One anonymous try, then everything with the token.
      assert.deepEqual(
        log.filter((s) => !s.url.startsWith('/token')).map((s) => s.authorization),
        [undefined, 'Bearer tok-1', 'Bearer tok-1', 'Bearer tok-1'],
      );
    },
    { credentials: { username: 'alice', password: 's3cret' } },
  );
});

test('an anonymous token is fetched without credentials (public pulls)', async () => {
  let realm = '';
  await withFake(
    (_req, res, seen) => {
      if (seen.url.startsWith('/token')) {
        assert.equal(seen.authorization, undefined);
        res.writeHead(200, { 'content-type': 'application/json' });
        return res.end(JSON.stringify({ access_token: 'anon' }));
      }
      if (seen.authorization !== 'Bearer anon')
        return sendError(res, 401, 'UNAUTHORIZED', { 'www-authenticate': `Bearer realm="${realm}"` });
      sendManifest(res);
    },
    async (c, _log, host) => {
      realm = `http://${host}/token`;
      assert.deepEqual((await c.getManifest('bale/app', '1')).bytes, MANIFEST);
    },
  );
});

test('a manifest refused for a blob that was pushed (a registry mid-write) is asked again; a lasting or other refusal is not', async () => {
  const puts = (log: Seen[]) => log.filter((s) => s.method === 'PUT').length;
  const created = (res: ServerResponse) => {
    res.writeHead(201, { 'docker-content-digest': sha256Digest(MANIFEST) });
    res.end();
  };
  await withFake(
    (_req, res, seen, count) => (count(seen.url) === 1 ? sendError(res, 400, 'DIGEST_INVALID') : created(res)),
    async (c, log) => {
      assert.equal(await c.putManifest('bale/app', '1', MANIFEST, MediaType.ociManifest), sha256Digest(MANIFEST));
      assert.equal(puts(log), 2);
    },
  );
  await withFake(
    (_req, res) => sendError(res, 400, 'MANIFEST_BLOB_UNKNOWN'),
    async (c, log, host) => {
      await assert.rejects(c.putManifest('bale/app', '1', MANIFEST, MediaType.ociManifest), (err: unknown) => {
        assert.ok(err instanceof UserError, String(err));
        assert.equal(
          err.message,
          `registry ${host} refused push of manifest bale/app:1: HTTP 400 MANIFEST_BLOB_UNKNOWN: manifest blob unknown: check the manifest and that every blob it names was pushed first`,
        );
        return true;
      });
      assert.equal(puts(log), 3, 'twice more, then the refusal');
    },
  );
  await withFake(
    (_req, res) => sendError(res, 400, 'MANIFEST_INVALID'),
    async (c, log) => {
      await assert.rejects(c.putManifest('bale/app', '1', MANIFEST, MediaType.ociManifest), /HTTP 400 MANIFEST_INVALID/);
      assert.equal(puts(log), 1, 'a bad manifest is not sent again');
    },
  );
  await withFake(
    (_req, res) => sendError(res, 400, 'DIGEST_INVALID'),
    async (c, log) => {
      await assert.rejects(c.putManifest('bale/app', '1', MANIFEST, MediaType.ociManifest), UserError);
      assert.equal(puts(log), 1, 'no more than the retries the client was given');
    },
    { retries: 0 },
  );
});

test('401 without credentials, or refused ones, is a UserError saying what to set', async () => {
  let realm = '';
  await withFake(
    (_req, res, seen) => {
      if (seen.url.startsWith('/token')) {
        res.writeHead(200, { 'content-type': 'application/json' });
        return res.end(JSON.stringify({ token: 'useless' }));
      }
      sendError(res, 401, 'UNAUTHORIZED', { 'www-authenticate': `Bearer realm="${realm}",service="fake"` });
    },
    async (c, log, host) => {
      realm = `http://${host}/token`;
      await assert.rejects(c.putManifest('bale/app', '1', MANIFEST, MediaType.ociManifest), (err: unknown) => {
        assert.ok(err instanceof UserError);
        assert.equal(
          err.message,
          `registry ${host} refused push on bale/app: 401 unauthorized: set BALE_REGISTRY_USER and BALE_REGISTRY_PASSWORD`,
        );
        return true;
      });
      assert.equal(log.filter((s) => !s.url.startsWith('/token')).length, 2, 'asked once anonymously, once with the token, then gave up');
    },
  );
  await withFake(
    (_req, res) => sendError(res, 401, 'UNAUTHORIZED', { 'www-authenticate': 'Basic realm="fake"' }),
    async (c, log, host) => {
      await assert.rejects(c.listTags('bale/app'), {
        message: `registry ${host} refused pull on bale/app: 401 unauthorized: set BALE_REGISTRY_USER and BALE_REGISTRY_PASSWORD`,
      });
      assert.equal(log.length, 1);
    },
  );
  await withFake(
    (_req, res) => sendError(res, 401, 'UNAUTHORIZED', { 'www-authenticate': 'Basic realm="fake"' }),
    async (c, log, host) => {
      await assert.rejects(c.catalog(), {
        message: `registry ${host} refused catalog listing for user bob: 401 unauthorized: check BALE_REGISTRY_USER, BALE_REGISTRY_PASSWORD and that user's permissions`,
      });
      assert.equal(log.length, 2);
    },
    { credentials: { username: 'bob', password: 'wrong' } },
  );
});

test('Basic auth sends the credentials from the environment once the registry asks for them', async () => {
  const env = { BALE_REGISTRY_USER: 'carol', BALE_REGISTRY_PASSWORD: 'pw' };
  await withFake(
    (_req, res, seen) => {
      if (seen.authorization !== `Basic ${Buffer.from('carol:pw').toString('base64')}`)
        return sendError(res, 401, 'UNAUTHORIZED', { 'www-authenticate': 'Basic realm="fake"' });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ name: 'bale/app', tags: ['b', 'a'] }));
    },
    async (c, log) => {
      assert.deepEqual(await c.listTags('bale/app'), ['a', 'b']);
      assert.deepEqual(await c.listTags('bale/app'), ['a', 'b']);
      assert.equal(log.length, 3);
    },
    { credentials: undefined, env },
  );
  assert.throws(
    () => credentialsFromEnv({ BALE_REGISTRY_USER: 'carol' }),
    /only one of BALE_REGISTRY_USER and BALE_REGISTRY_PASSWORD is set/,
  );
});

test('an upload follows a relative Location that already has a query, and a refused mount falls back to it', async () => {
  await withFake(
    (_req, res, seen) => {
      const path = seen.url.split('?')[0];
      if (seen.method === 'HEAD') {
        res.writeHead(404);
        return res.end();
      }
      if (seen.method === 'POST' && path === '/v2/bale/app/blobs/uploads/') {
        res.writeHead(202, { location: '/v2/bale/app/blobs/uploads/u1?_state=a%2Bb%3D' });
        return res.end();
      }
      if (seen.method === 'PUT' && path === '/v2/bale/app/blobs/uploads/u1') {
        res.writeHead(201, { 'docker-content-digest': BLOB_DIGEST });
        return res.end();
      }
      sendError(res, 400, 'UNSUPPORTED');
    },
    async (c, log) => {
      assert.equal(await c.pushBlob('bale/app', BLOB_DIGEST, BLOB, { from: 'bale/base' }), 'uploaded');
      assert.deepEqual(
        log.map((s) => `${s.method} ${s.url}`),
        [
          `HEAD /v2/bale/app/blobs/${BLOB_DIGEST}`,
          `POST /v2/bale/app/blobs/uploads/?mount=${encodeURIComponent(BLOB_DIGEST)}&from=bale%2Fbase`,
          `PUT /v2/bale/app/blobs/uploads/u1?_state=a%2Bb%3D&digest=${encodeURIComponent(BLOB_DIGEST)}`,
        ],
      );
      assert.deepEqual(log[2]?.body, BLOB);
    },
  );
});

test('a failed upload starts over with a new session', async () => {
  let session = 0;
  await withFake(
    (_req, res, seen) => {
      if (seen.method === 'HEAD') {
        res.writeHead(404);
        return res.end();
      }
      if (seen.method === 'POST') {
        session++;
        res.writeHead(202, { location: `http://${_req.headers.host}/v2/bale/app/blobs/uploads/s${session}` });
        return res.end();
      }
      if (seen.url.startsWith('/v2/bale/app/blobs/uploads/s1')) return sendError(res, 500, 'UNKNOWN');
      res.writeHead(201);
      res.end();
    },
    async (c, log) => {
      assert.equal(await c.pushBlob('bale/app', BLOB_DIGEST, BLOB), 'uploaded');
      assert.deepEqual(
        log.map((s) => s.method),
        ['HEAD', 'POST', 'PUT', 'POST', 'PUT'],
      );
      assert.match(log[4]?.url ?? '', /^\/v2\/bale\/app\/blobs\/uploads\/s2\?digest=/);
    },
  );
});

test('tags are followed across Link pages; answers that are not JSON name the registry', async () => {
  await withFake(
    (_req, res, seen) => {
      const url = new URL(seen.url, 'http://x');
      if (url.pathname === '/v2/bale/app/tags/list') {
        const last = url.searchParams.get('last');
        const page = last === null ? ['a', 'b'] : last === 'b' ? ['c', 'd'] : ['e'];
        const headers: Record<string, string> = { 'content-type': 'application/json' };
        if (page.length === 2) headers.link = `</v2/bale/app/tags/list?n=2&last=${page[1]}>; rel="next"`;
        res.writeHead(200, headers);
        return res.end(JSON.stringify({ name: 'bale/app', tags: page }));
      }
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<html>a login page</html>');
    },
    async (c, log, host) => {
      assert.deepEqual(await c.listTags('bale/app', { pageSize: 2 }), ['a', 'b', 'c', 'd', 'e']);
      assert.deepEqual(
        log.map((s) => s.url),
        ['/v2/bale/app/tags/list?n=2', '/v2/bale/app/tags/list?n=2&last=b', '/v2/bale/app/tags/list?n=2&last=d'],
      );
      await assert.rejects(c.catalog(), (err: unknown) => {
        assert.ok(err instanceof UserError);
        assert.equal(
          err.message,
          `registry ${host}: catalog: answered with something that is not JSON where a repository list was expected: check the registry URL points at an OCI registry`,
        );
        return true;
      });
      await assert.rejects(
        c.referrers('bale/app', BLOB_DIGEST),
        /registry 127\.0\.0\.1:\d+: referrers of bale\/app@sha256:\w+: answered with something that is not JSON where an image index was expected/,
      );
    },
  );
});

test('a registry that rewrites a pushed manifest is caught by its Docker-Content-Digest', async () => {
  await withFake(
    (_req, res) => {
      res.writeHead(201, { 'docker-content-digest': sha256Digest(Buffer.from('something else')) });
      res.end();
    },
    async (c) => {
      await assert.rejects(c.putManifest('bale/app', '1', MANIFEST, MediaType.ociManifest), IntegrityError);
    },
  );
});

test('a registry with the referrers API keeps the list itself: no fallback tag, and its answer is filtered by type', async () => {
  const subject = { mediaType: MediaType.ociManifest, digest: sha256Digest(MANIFEST), size: MANIFEST.length };
  const listed = [
    { mediaType: MediaType.ociManifest, digest: sha256Digest(Buffer.from('a')), size: 1, artifactType: 'application/vnd.bale.package.v1' },
    { mediaType: MediaType.ociManifest, digest: sha256Digest(Buffer.from('b')), size: 1, artifactType: 'application/vnd.other' },
  ];
  await withFake(
    (_req, res, seen) => {
      if (seen.method === 'HEAD') {
        res.writeHead(200);
        return res.end();
      }
      if (seen.method === 'PUT') {
        res.writeHead(201, { 'docker-content-digest': sha256Digest(seen.body), 'oci-subject': subject.digest });
        return res.end();
      }
      if (seen.url.startsWith(`/v2/bale/app/referrers/${subject.digest}`)) {
        res.writeHead(200, { 'content-type': MediaType.ociIndex });
        return res.end(JSON.stringify({ schemaVersion: 2, mediaType: MediaType.ociIndex, manifests: listed }));
      }
      sendError(res, 404, 'MANIFEST_UNKNOWN');
    },
    async (c, log) => {
      const attached = await c.attachArtifact('bale/app', subject, { artifactType: 'application/vnd.bale.package.v1' });
      assert.deepEqual(
        log.map((s) => s.method),
        ['HEAD', 'PUT'],
        'the empty config was there; no fallback index was read or written',
      );
      assert.equal(log[1]?.url, `/v2/bale/app/manifests/${attached.digest}`);
      assert.equal(JSON.parse(log[1]?.body.toString() ?? '{}').subject.digest, subject.digest);
      assert.deepEqual(await c.referrers('bale/app', subject.digest, 'application/vnd.bale.package.v1'), [listed[0]]);
      assert.equal(
        log[2]?.url,
        `/v2/bale/app/referrers/${subject.digest}?artifactType=${encodeURIComponent('application/vnd.bale.package.v1')}`,
      );
      assert.equal(c.noReferrersApi.size, 0);
    },
  );
});

test('BlobMemo: one pull per blob however often it is asked, at once or later; a failed pull is asked again', async () => {
  const blob = Buffer.from('purl = "pkg:npm/x@1"\n');
  const digest = sha256Digest(blob);
  let n = 0;
  await withFake(
    (_req, res) => {
      // The first request is refused (404), every later one served.
      if (++n === 1) res.writeHead(404).end();
      else res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(blob);
    },
    async (client, log) => {
      const memo = new BlobMemo(client);
      await assert.rejects(memo.pull('bale/packages', digest), /no blob/);
      const together = await Promise.all([1, 2, 3].map(() => memo.pull('bale/packages', digest)));
      for (const b of together) assert.deepEqual(b, blob);
      assert.deepEqual(await memo.pull('bale/packages', digest), blob);
      assert.equal(log.length, 2, log.map((s) => s.url).join());
      // Another repository is another pull: access to a blob is granted per repository.
      await memo.pull('bale/other', digest);
      assert.equal(log.length, 3);
    },
  );
});
