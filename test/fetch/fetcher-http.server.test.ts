/** SourceFetcher against a real node:http server: statuses, retries, truncation, redirects, timeouts. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SourceFetcher, sriOf, type FetcherOptions } from '../../src/fetch/index.js';
import { startServer, type Handler, type TestServer } from './server.js';

const BODY = Buffer.from('the pinned source artifact\n'.repeat(200));
const INTEGRITY = sriOf(BODY, 'sha512');

/** A fresh cache, a server and a fast-retrying fetcher; everything torn down afterwards. */
async function withFetcher(
  handler: Handler,
  run: (f: SourceFetcher, s: TestServer, cacheDir: string) => Promise<void>,
  opts: Partial<FetcherOptions> = {},
): Promise<void> {
  const cacheDir = await mkdtemp(join(tmpdir(), 'bale-fetch-'));
  const server = await startServer(handler);
  const fetcher = new SourceFetcher({ cacheDir, retryDelayMs: 1, maxRetryDelayMs: 50, ...opts });
  try {
    await run(fetcher, server, cacheDir);
  } finally {
    await fetcher.close();
    await server.close();
  }
}

async function cacheFiles(cacheDir: string): Promise<string[]> {
  try {
    const all = await readdir(join(cacheDir, 'sources'), { recursive: true, withFileTypes: true });
    return all.filter((d) => d.isFile()).map((d) => d.name);
  } catch {
    return [];
  }
}

const serveBody: Handler = (_req, res) => {
  res.writeHead(200, { 'content-length': BODY.length });
  res.end(BODY);
};

test('downloads, verifies and caches; a cache hit never touches the network', async () => {
  await withFetcher(serveBody, async (f, s, cacheDir) => {
    const ref = { url: s.url('/a.tgz'), integrity: INTEGRITY };
    assert.deepEqual(await f.fetch(ref), BODY);
    await s.close(); // the server is gone: only the cache can answer now
    assert.deepEqual(await f.fetch(ref), BODY);
    assert.equal(s.hits('/a.tgz'), 1);
    const files = await cacheFiles(cacheDir);
    assert.equal(files.length, 1);
    assert.equal(files[0], Buffer.from(INTEGRITY.slice('sha512-'.length), 'base64').toString('hex'));
    // A second fetcher on the same cache dir (another process, later) hits it too.
    const again = new SourceFetcher({ cacheDir });
    assert.deepEqual(await again.fetch(ref), BODY);
    await again.close();
  });
});

test('404 and 403 are a UserError ESOURCE naming the URL, not retried', async () => {
  for (const status of [404, 403]) {
    await withFetcher(
      (_req, res) => {
        res.writeHead(status);
        res.end('no');
      },
      async (f, s) => {
        const url = s.url('/gone.tgz');
        await assert.rejects(f.fetch({ url, integrity: INTEGRITY }), (err: Error & { code?: string }) => {
          assert.equal(err.name, 'UserError');
          assert.equal(err.code, 'ESOURCE');
          assert.ok(err.message.includes(url), err.message);
          assert.match(err.message, new RegExp(`HTTP ${status}`));
          return true;
        });
        assert.equal(s.hits('/gone.tgz'), 1);
      },
    );
  }
});

test('a 500 followed by a 200 is retried and succeeds', async () => {
  const handler: Handler = (req, res, hit) => (hit === 1 ? res.writeHead(500).end() : serveBody(req, res, hit));
  await withFetcher(handler, async (f, s) => {
    assert.deepEqual(await f.fetch({ url: s.url('/flaky.tgz'), integrity: INTEGRITY }), BODY);
    assert.equal(s.hits('/flaky.tgz'), 2);
  });
});

test('always 500: TransientError after 1 + retries attempts, nothing cached', async () => {
  for (const retries of [0, 2, 3]) {
    await withFetcher(
      (_req, res) => {
        res.writeHead(500);
        res.end('down');
      },
      async (f, s, cacheDir) => {
        await assert.rejects(f.fetch({ url: s.url('/down.tgz'), integrity: INTEGRITY }), (err: Error & { code?: string }) => {
          assert.equal(err.name, 'TransientError');
          assert.match(err.message, /HTTP 500/);
          assert.ok(err.message.includes(s.url('/down.tgz')));
          return true;
        });
        assert.equal(s.hits('/down.tgz'), retries + 1);
        assert.deepEqual(await cacheFiles(cacheDir), []);
      },
      { retries },
    );
  }
});

test('the default is 3 retries (4 attempts)', async () => {
  await withFetcher(
    (_req, res) => {
      res.writeHead(503);
      res.end();
    },
    async (f, s) => {
      await assert.rejects(f.fetch({ url: s.url('/x'), integrity: INTEGRITY }), { name: 'TransientError' });
      assert.equal(s.hits('/x'), 4);
    },
  );
});

test('429 with Retry-After: 0 is retried at once, overriding a long backoff', async () => {
  const handler: Handler = (req, res, hit) => (hit < 3 ? res.writeHead(429, { 'retry-after': '0' }).end() : serveBody(req, res, hit));
  await withFetcher(
    handler,
    async (f, s) => {
      const started = Date.now();
      assert.deepEqual(await f.fetch({ url: s.url('/rate.tgz'), integrity: INTEGRITY }), BODY);
      assert.equal(s.hits('/rate.tgz'), 3);
      assert.ok(Date.now() - started < 5_000, 'waited for the backoff instead of Retry-After');
    },
    { retryDelayMs: 20_000, maxRetryDelayMs: 60_000 },
  );
});

test('a long Retry-After is capped by maxRetryDelayMs', async () => {
  const handler: Handler = (req, res, hit) => (hit === 1 ? res.writeHead(503, { 'retry-after': '3600' }).end() : serveBody(req, res, hit));
  await withFetcher(handler, async (f, s) => {
    const started = Date.now();
    assert.deepEqual(await f.fetch({ url: s.url('/busy.tgz'), integrity: INTEGRITY }), BODY);
    assert.ok(Date.now() - started < 5_000);
    assert.equal(s.hits('/busy.tgz'), 2);
  });
});

/** Declares the full length, sends half, then drops the connection. */
const truncate: Handler = (_req, res) => {
  res.writeHead(200, { 'content-length': BODY.length });
  res.write(BODY.subarray(0, BODY.length / 2));
  setTimeout(() => res.destroy(), 10);
};

test('a truncated body is retried and can succeed', async () => {
  const handler: Handler = (req, res, hit) => (hit === 1 ? truncate(req, res, hit) : serveBody(req, res, hit));
  await withFetcher(handler, async (f, s) => {
    assert.deepEqual(await f.fetch({ url: s.url('/cut.tgz'), integrity: INTEGRITY }), BODY);
    assert.equal(s.hits('/cut.tgz'), 2);
  });
});

test('an always-truncated body ends in TransientError with nothing cached', async () => {
  await withFetcher(
    truncate,
    async (f, s, cacheDir) => {
      await assert.rejects(f.fetch({ url: s.url('/cut.tgz'), integrity: INTEGRITY }), { name: 'TransientError' });
      assert.equal(s.hits('/cut.tgz'), 3);
      assert.deepEqual(await cacheFiles(cacheDir), []);
    },
    { retries: 2 },
  );
});

test('redirects are followed (relative and absolute Location)', async () => {
  let base = '';
  const handler: Handler = (req, res, hit) => {
    if (req.url === '/old') {
      res.writeHead(301, { location: '/middle' });
      res.end();
      return;
    }
    if (req.url === '/middle') {
      res.writeHead(302, { location: `${base}/new.tgz` });
      res.end();
      return;
    }
    serveBody(req, res, hit);
  };
  await withFetcher(handler, async (f, s) => {
    base = s.url('');
    assert.deepEqual(await f.fetch({ url: s.url('/old'), integrity: INTEGRITY }), BODY);
    assert.deepEqual([s.hits('/old'), s.hits('/middle'), s.hits('/new.tgz')], [1, 1, 1]);
  });
});

test('redirects are bounded: a loop or an endless chain is a UserError', async () => {
  const handler: Handler = (req, res) => {
    const hop = Number(/^\/hop\/(\d+)$/.exec(req.url ?? '')?.[1] ?? -1);
    res.writeHead(302, { location: hop >= 0 ? `/hop/${hop + 1}` : '/loop' });
    res.end();
  };
  await withFetcher(handler, async (f, s) => {
    await assert.rejects(f.fetch({ url: s.url('/loop'), integrity: INTEGRITY }), { name: 'UserError', code: 'ESOURCE' });
    await assert.rejects(f.fetch({ url: s.url('/hop/0'), integrity: INTEGRITY }), (err: Error & { code?: string }) => {
      assert.equal(err.code, 'ESOURCE');
      assert.match(err.message, /HTTP 302/);
      return true;
    });
    // The first request plus 10 redirects, then the last 302 is reported.
    assert.equal(s.hits('/hop/10'), 1);
    assert.equal(s.hits('/hop/11'), 0);
  });
});

test('a server that never answers times out, is retried, then TransientError', async () => {
  await withFetcher(
    () => {
      /* never respond */
    },
    async (f, s) => {
      await assert.rejects(f.fetch({ url: s.url('/hang'), integrity: INTEGRITY }), (err: Error) => {
        assert.equal(err.name, 'TransientError');
        assert.match(err.message, /timed out: no response headers after 0\.2s \(2 attempts\)/);
        return true;
      });
      assert.equal(s.hits('/hang'), 2);
    },
    { timeouts: { headersMs: 200 }, retries: 1 },
  );
});

test('a refused connection is transient', async () => {
  await withFetcher(
    serveBody,
    async (f, s) => {
      const url = s.url('/a.tgz');
      await s.close();
      await assert.rejects(f.fetch({ url, integrity: INTEGRITY }), { name: 'TransientError' });
    },
    { retries: 1 },
  );
});

test('the cached bytes are exactly the served bytes', async () => {
  await withFetcher(serveBody, async (f, s, cacheDir) => {
    await f.fetch({ url: s.url('/a.tgz'), integrity: INTEGRITY });
    const hex = Buffer.from(INTEGRITY.slice(7), 'base64').toString('hex');
    assert.deepEqual(await readFile(join(cacheDir, 'sources', 'sha512', hex.slice(0, 2), hex)), BODY);
  });
});
