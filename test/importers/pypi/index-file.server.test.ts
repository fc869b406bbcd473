// Integration test: the Simple API client on an index on disk (`file:///.../simple/`), the fixture
// index written out as files (test/helpers/pypi-file-index.ts, which starts the fixture server to
// copy it), and an HTTP index of our own whose page links a local file.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, test } from 'node:test';
import { type ErrorCode, IntegrityError, isUserError } from '../../../src/errors/index.js';
import { simpleIndex, type DistFile, type IndexClient } from '../../../importers/pypi/index-client.js';
import { tempDir } from '../../helpers/cli.js';
import { closeServer, listenLoopback } from '../../helpers/loopback.js';
import { writeFileIndex, type FileIndex } from '../../helpers/pypi-file-index.js';

let t: { dir: string; cleanup: () => Promise<void> };
let rel: FileIndex;
let abs: FileIndex;
const clients: IndexClient[] = [];
const client = (url: string): IndexClient => {
  const c = simpleIndex(url);
  clients.push(c);
  return c;
};

before(async () => {
  t = await tempDir('pypi-file-index');
  rel = await writeFileIndex(path.join(t.dir, 'rel'));
  abs = await writeFileIndex(path.join(t.dir, 'abs'), { absolute: true });
});
after(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await t.cleanup();
});

const oneLine =
  (code: ErrorCode, ...says: string[]) =>
  (err: unknown) => {
    assert.ok(isUserError(err), String(err));
    assert.equal((err as { code?: string }).code, code, (err as Error).message);
    assert.doesNotMatch((err as Error).message, /\n/);
    for (const s of says) assert.ok((err as Error).message.includes(s), `"${s}" not in: ${(err as Error).message}`);
    return true;
  };

for (const [form, index] of [
  ['relative links', () => rel],
  ['absolute file:// links', () => abs],
] as const) {
  test(`${form}: every project's files, hashes, Requires-Python, yanked and metadata, as the catalogue says, at file:// URLs`, async () => {
    const idx = index();
    const c = client(idx.simpleUrl);
    for (const p of idx.dists.projects.values()) {
      const got = await c.project(p.normalized);
      const want = p.files.map((f) => ({
        filename: f.filename,
        url: idx.fileUrl(p.normalized, f.filename),
        sha256: p.wrongSha256 ? createHash('sha256').update(`bale-fixture-wrong-sha256:${f.filename}`).digest('hex') : f.sha256,
        ...(f.requiresPython === undefined ? {} : { requiresPython: f.requiresPython }),
        yanked: p.yanked[f.version] ?? false,
        coreMetadata: f.metadataSha256 === undefined ? false : { sha256: f.metadataSha256 },
      }));
      assert.deepEqual(got.files, want, p.normalized);
    }
  });
}

test('metadata files and distributions are read from disk and verified; a tampered one is refused', async () => {
  const c = client(rel.simpleUrl);
  const p = [...rel.dists.projects.values()].find((x) => !x.wrongSha256 && x.files.some((f) => f.metadataSha256 !== undefined))!;
  const files = (await c.project(p.normalized)).files;
  const wheel = files.find((f) => f.coreMetadata !== false)!;
  const meta = await c.coreMetadata(wheel);
  assert.match(meta ?? '', /^Metadata-Version: /);
  const data = await c.download(wheel);
  assert.equal(createHash('sha256').update(data).digest('hex'), wheel.sha256);

  const other = files.find((f) => f !== wheel)!;
  await writeFile(new URL(other.url), 'not the file the index lists');
  await assert.rejects(c.download(other), (err: unknown) => err instanceof IntegrityError && (err as Error).message.includes(other.url));
  await rm(new URL(other.url));
  await assert.rejects(c.download(other), oneLine('ESOURCE', other.url, 'is missing'));
});

test('a missing index directory, an index that is a file, a missing project: one line each', async () => {
  await assert.rejects(
    client(pathToFileURL(path.join(t.dir, 'nowhere/simple/')).href).project('fxp-app'),
    oneLine('EINDEX', 'nowhere/simple/', 'no such directory', '--index-url'),
  );
  const file = path.join(t.dir, 'plain-file');
  await writeFile(file, '');
  await assert.rejects(client(pathToFileURL(file).href).project('fxp-app'), oneLine('EINDEX', 'plain-file', 'not a directory'));
  await assert.rejects(client(rel.simpleUrl).project('fxp-no-such-project'), oneLine('ENOTFOUND', 'fxp-no-such-project', 'no such file'));
});

test('an index on the network never gets a local file read: its file:// link is refused', async () => {
  const secret = path.join(t.dir, 'secret.whl');
  await writeFile(secret, 'local bytes');
  const server = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end(`<!DOCTYPE html><html><body><a href="${pathToFileURL(secret).href}">fxp_app-1.0-py3-none-any.whl</a></body></html>`);
  });
  const base = await listenLoopback(server);
  try {
    const c = client(`${base}simple/`);
    const [f] = (await c.project('fxp-app')).files as [DistFile];
    assert.equal(f.url, pathToFileURL(secret).href);
    await assert.rejects(c.download(f), oneLine('EINDEX', 'refusing it'));
    await assert.rejects(c.coreMetadata({ ...f, coreMetadata: {} }), oneLine('EINDEX', 'refusing it'));
  } finally {
    await closeServer(server, new Set());
  }
});
