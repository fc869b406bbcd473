/** SourceFetcher's integrity and cache guarantees, against a real node:http server and real files. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { SourceFetcher, sriOf } from '../../src/fetch/index.js';
import { startServer, type Handler } from './server.js';

const BODY = Buffer.from('package contents '.repeat(1000));
const SHA512 = sriOf(BODY, 'sha512');
const SHA256 = sriOf(BODY, 'sha256');

async function tempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'bale-fetch-'));
}

async function cacheEntries(cacheDir: string): Promise<string[]> {
  try {
    const all = await readdir(join(cacheDir, 'sources'), { recursive: true, withFileTypes: true });
    return all.filter((d) => d.isFile()).map((d) => join(d.parentPath ?? d.path, d.name));
  } catch {
    return [];
  }
}

function cachePath(cacheDir: string, sri: string): string {
  const [algorithm, b64] = sri.split('-') as [string, string];
  const hex = Buffer.from(b64, 'base64').toString('hex');
  return join(cacheDir, 'sources', algorithm, hex.slice(0, 2), hex);
}

/** Serves BODY after a short delay, so concurrent requests really overlap. */
const slowBody: Handler = (_req, res) => {
  setTimeout(() => {
    res.writeHead(200, { 'content-length': BODY.length });
    res.end(BODY);
  }, 150);
};

test('a body that does not match is an IntegrityError naming URL, expected and actual; nothing cached', async () => {
  const cacheDir = await tempDir();
  const tampered = Buffer.concat([BODY, Buffer.from('x')]);
  const server = await startServer((_req, res) => res.end(tampered));
  const fetcher = new SourceFetcher({ cacheDir, retryDelayMs: 1 });
  try {
    const url = server.url('/evil.tgz');
    await assert.rejects(fetcher.fetch({ url, integrity: SHA512 }), (err: Error & { code?: string }) => {
      assert.equal(err.name, 'IntegrityError');
      assert.equal(err.code, 'EINTEGRITY');
      assert.ok(err.message.includes(url));
      assert.ok(err.message.includes(SHA512), 'expected hash named');
      assert.ok(err.message.includes(sriOf(tampered, 'sha512')), 'actual hash named');
      return true;
    });
    assert.equal(server.hits('/evil.tgz'), 1, 'a mismatch is deterministic: not retried');
    assert.deepEqual(await cacheEntries(cacheDir), []);
  } finally {
    await fetcher.close();
    await server.close();
  }
});

test('a garbage or weak SRI string is a UserError, and no request is made', async () => {
  const cacheDir = await tempDir();
  const server = await startServer((_req, res) => res.end(BODY));
  const fetcher = new SourceFetcher({ cacheDir });
  const sha1 = `sha1-${Buffer.alloc(20).toString('base64')}`;
  const shortSha512 = `sha512-${Buffer.alloc(32).toString('base64')}`;
  try {
    for (const integrity of ['not-a-hash', '', 'sha512-', sha1, shortSha512, 'md5-abc']) {
      await assert.rejects(fetcher.fetch({ url: server.url('/a'), integrity }), (err: Error & { code?: string }) => {
        assert.equal(err.name, 'UserError', integrity);
        assert.equal(err.code, 'EBADINTEGRITY');
        assert.ok(err.message.includes(server.url('/a')));
        return true;
      });
    }
    assert.equal(server.hits('/a'), 0);
  } finally {
    await fetcher.close();
    await server.close();
  }
});

test('sha256 pins work, and the strongest algorithm of several is the one checked', async () => {
  const cacheDir = await tempDir();
  const server = await startServer((_req, res) => res.end(BODY));
  const fetcher = new SourceFetcher({ cacheDir });
  try {
    assert.deepEqual(await fetcher.fetch({ url: server.url('/a'), integrity: SHA256 }), BODY);
    assert.deepEqual(await cacheEntries(cacheDir), [cachePath(cacheDir, SHA256)]);
    // A wrong sha256 beside a right sha512: sha512 wins, as in SRI.
    const wrong256 = sriOf(Buffer.from('other'), 'sha256');
    assert.deepEqual(await fetcher.fetch({ url: server.url('/b'), integrity: `${wrong256} ${SHA512}` }), BODY);
    // A right sha256 beside a wrong sha512 fails.
    const wrong512 = sriOf(Buffer.from('other'), 'sha512');
    await assert.rejects(fetcher.fetch({ url: server.url('/c'), integrity: `${SHA256} ${wrong512}` }), { name: 'IntegrityError' });
  } finally {
    await fetcher.close();
    await server.close();
  }
});

test('concurrent fetches of the same ref in one process share one request', async () => {
  const cacheDir = await tempDir();
  const server = await startServer(slowBody);
  const fetcher = new SourceFetcher({ cacheDir });
  try {
    const ref = { url: server.url('/shared.tgz'), integrity: SHA512 };
    const results = await Promise.all(Array.from({ length: 8 }, () => fetcher.fetch(ref)));
    for (const r of results) assert.deepEqual(r, BODY);
    assert.equal(server.hits('/shared.tgz'), 1);
  } finally {
    await fetcher.close();
    await server.close();
  }
});

test('two processes fetching the same source leave one complete cache file and no temp files', async () => {
  const cacheDir = await tempDir();
  // Hold the first response until the second request arrives, so both processes really write at once.
  const waiting: Array<() => void> = [];
  const server = await startServer((_req, res) => {
    waiting.push(() => {
      res.writeHead(200, { 'content-length': BODY.length });
      res.end(BODY);
    });
    if (waiting.length === 2) for (const send of waiting) send();
  });
  const moduleUrl = new URL('../../src/fetch/index.js', import.meta.url).href;
  const script = `
    const { SourceFetcher } = await import(${JSON.stringify(moduleUrl)});
    const f = new SourceFetcher({ cacheDir: process.argv[1] });
    const data = await f.fetch({ url: process.argv[2], integrity: process.argv[3] });
    await f.close();
    process.stdout.write(String(data.length));`;
  const run = promisify(execFile);
  try {
    const args = ['--input-type=module', '-e', script, cacheDir, server.url('/both.tgz'), SHA512];
    const outs = await Promise.all([run(process.execPath, args), run(process.execPath, args)]);
    for (const out of outs) assert.equal(out.stdout, String(BODY.length));
    assert.equal(server.hits('/both.tgz'), 2, 'both processes downloaded at the same time');
    const files = await cacheEntries(cacheDir);
    assert.deepEqual(files, [cachePath(cacheDir, SHA512)]);
    assert.deepEqual(await readFile(files[0]!), BODY);
  } finally {
    await server.close();
  }
});

test('a corrupt cache file is detected, dropped and downloaded again', async () => {
  const cacheDir = await tempDir();
  const path = cachePath(cacheDir, SHA512);
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, 'bit rot');
  const server = await startServer((_req, res) => res.end(BODY));
  const fetcher = new SourceFetcher({ cacheDir });
  try {
    assert.deepEqual(await fetcher.fetch({ url: server.url('/a'), integrity: SHA512 }), BODY);
    assert.equal(server.hits('/a'), 1);
    assert.deepEqual(await readFile(path), BODY);
  } finally {
    await fetcher.close();
    await server.close();
  }
});

test('read(): a cache hit is used while it is verified; a corrupt one is used again on downloaded bytes, its failure unheard', async () => {
  const cacheDir = await tempDir();
  const path = cachePath(cacheDir, SHA512);
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, 'bit rot');
  const server = await startServer((_req, res) => res.end(BODY));
  const fetcher = new SourceFetcher({ cacheDir });
  const seen: string[] = [];
  // Fails on anything but the real bytes, as an unpack of a corrupt file would.
  const use = async (data: Buffer): Promise<number> => {
    seen.push(data.subarray(0, 7).toString());
    if (!data.equals(BODY)) throw new Error('not an archive');
    return data.length;
  };
  try {
    const ref = { url: server.url('/a'), integrity: SHA512 };
    assert.equal(await fetcher.read(ref, use), BODY.length);
    assert.deepEqual(seen, ['bit rot', 'package'], 'used on the cached bytes first, then on the download');
    assert.equal(server.hits('/a'), 1);
    assert.deepEqual(await readFile(path), BODY, 'the corrupt file was replaced');
    // A good cache hit: used once, nothing downloaded.
    assert.equal(await fetcher.read(ref, use), BODY.length);
    assert.equal(seen.length, 3);
    assert.equal(server.hits('/a'), 1);
    // A use that fails on verified bytes fails the read.
    await assert.rejects(
      fetcher.read(ref, async () => {
        throw new Error('bad package');
      }),
      /bad package/,
    );
  } finally {
    await fetcher.close();
    await server.close();
  }
});

test('file:// URLs are read and verified', async () => {
  const dir = await tempDir();
  const file = join(dir, 'local.tgz');
  await writeFile(file, BODY);
  const fetcher = new SourceFetcher({ cacheDir: join(dir, 'cache') });
  try {
    const url = pathToFileURL(file).href;
    assert.deepEqual(await fetcher.fetch({ url, integrity: SHA512 }), BODY);
    assert.equal(fileURLToPath(url), file);
    await writeFile(file, 'changed');
    await assert.rejects(fetcher.fetch({ url, integrity: SHA512 }), { name: 'IntegrityError' });
    const missing = pathToFileURL(join(dir, 'missing.tgz')).href;
    await assert.rejects(fetcher.fetch({ url: missing, integrity: SHA512 }), (err: Error & { code?: string }) => {
      assert.equal(err.code, 'ESOURCE');
      assert.ok(err.message.includes(missing));
      return true;
    });
  } finally {
    await fetcher.close();
  }
});

test('file:// URLs naming a device or a fifo are refused at once, not read forever', { timeout: 10_000 }, async () => {
  const dir = await tempDir();
  const fifo = join(dir, 'pipe.tgz');
  await promisify(execFile)('mkfifo', [fifo]);
  const fetcher = new SourceFetcher({ cacheDir: join(dir, 'cache') });
  try {
    for (const [file, kind] of [
      ['/dev/urandom', 'a character device'],
      [fifo, 'a fifo'],
    ] as const) {
      const url = pathToFileURL(file).href;
      await assert.rejects(fetcher.fetch({ url, integrity: SHA512 }), (err: Error & { code?: string }) => {
        assert.equal(err.code, 'ESOURCE');
        assert.equal(
          err.message,
          `${url}: is ${kind}, not a regular file; bale reads a source archive only from a regular file: fix the path in the recipe`,
        );
        return true;
      });
    }
  } finally {
    await fetcher.close();
  }
});

test('unsupported schemes and unparsable URLs are UserErrors', async () => {
  const fetcher = new SourceFetcher({ cacheDir: await tempDir() });
  try {
    for (const url of ['ftp://example.com/a.tgz', 'not a url']) {
      await assert.rejects(fetcher.fetch({ url, integrity: SHA512 }), { name: 'UserError', code: 'ESOURCE' });
    }
  } finally {
    await fetcher.close();
  }
});
