/**
 * The real PEP 503 index of real PyPI wheels this kind of machine carries (found the way the
 * acceptance checks find it: pip's configured extra index), served over loopback. numpy for 3.11
 * is a manylinux wheel that vendors OpenBLAS (numpy.libs/): it is requested with the shipped
 * override table, whose numpy row names libopenblas-dev for the sdist, and imports and computes
 * from the unpacked packages alone. gmsh 4.15.2's RECORD gives hex digests, which pip accepts.
 * No index is a failure, not a skip: .ci machines have one.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { execa, type ResultPromise } from 'execa';
import { discoverPythons } from '../../src/interpreters/python.js';
import { bale, tempDir } from '../helpers/cli.js';

/** The index directory (holding simple/numpy) named by `pip config get global.extra-index-url`. */
async function realIndexDir(): Promise<string> {
  const r = await execa('pip', ['config', 'get', 'global.extra-index-url'], { reject: false });
  const urls = String(r.stdout)
    .split(/\s+/)
    .filter((u) => u !== '');
  for (const u of urls) {
    const dir = u.replace(/^file:\/\//, '').replace(/\/simple\/?$/, '');
    if (existsSync(path.join(dir, 'simple', 'numpy'))) return dir;
  }
  assert.fail(
    `no real PEP 503 index with numpy: pip config get global.extra-index-url gives ${urls.length > 0 ? urls.join(' ') : 'nothing'}; this test needs the machine's local mirror of real PyPI wheels (/opt/pypi on .ci machines)`,
  );
}

/** python3 -m http.server on a free loopback port; resolves with the server and its URL. */
async function serve(dir: string): Promise<{ url: string; server: ResultPromise }> {
  const server = execa('python3', ['-u', '-m', 'http.server', '--bind', '127.0.0.1', '0', '--directory', dir], { reject: false });
  const port = await new Promise<string>((resolve, reject) => {
    let seen = '';
    server.stdout!.on('data', (b: Buffer) => {
      seen += b.toString();
      const m = /port (\d+)/.exec(seen);
      if (m) resolve(m[1]!);
    });
    void server.then((r) => reject(new Error(`http.server exited: ${String(r.stderr)}`)));
  });
  return { url: `http://127.0.0.1:${port}/simple/`, server };
}

interface JsonPackage {
  name: string;
  file: string;
}

describe('the real index: numpy for 3.11 (a manylinux wheel with numpy.libs/)', () => {
  let t: { dir: string; cleanup: () => Promise<void> };
  let index: { url: string; server: ResultPromise };

  before(async () => {
    t = await tempDir('pypi-real');
    index = await serve(await realIndexDir());
  });
  after(async () => {
    index?.server.kill();
    await t?.cleanup();
  });

  const request = (spec: string, dir: string) =>
    bale(
      [
        'request',
        spec,
        '--python',
        '3.11',
        '--index-url',
        index.url,
        '--recipes',
        path.join(t.dir, dir, 'r'),
        '--store',
        path.join(t.dir, dir, 's'),
        '--json',
      ],
      {
        env: { XDG_CACHE_HOME: path.join(t.dir, dir, 'cache') },
        timeoutMs: 900_000,
      },
    );

  test('numpy 2.4.6: no OpenBLAS or compiler needed, the recipe says the row is for the sdist, it imports and computes', async () => {
    const r = await request('pypi:numpy@2.4.6', 'np');
    assert.equal(r.code, 0, r.stderr);
    const recipe = await readFile(path.join(t.dir, 'np/r/pypi/numpy/2.4.6.toml'), 'utf8');
    assert.match(recipe, /filename = "numpy-2\.4\.6-cp311-cp311-manylinux[^"]*\.whl"/);
    assert.match(recipe, /\[native\]\nbuild = \[[^\]]*"libopenblas-dev"[^\]]*\]\nruntime = \["libopenblas0"\]\nsources = \["sdist"\]\n/);

    const root = path.join(t.dir, 'np/root');
    await mkdir(root);
    for (const p of (JSON.parse(r.stdout) as { packages: JsonPackage[] }).packages) await execa('tar', ['-xzf', p.file, '-C', root]);
    const site = path.join(root, 'usr/lib/python3.11/site-packages');
    const py = (await discoverPythons()).find((p) => p.version === '3.11');
    assert.ok(py, 'CPython 3.11 is on this machine');
    const code = `import sys; sys.path.insert(0, ${JSON.stringify(site)}); import numpy; a = numpy.arange(6.0).reshape(2, 3); print(numpy.__version__, (a @ a.T).tolist(), numpy.__file__.startswith(${JSON.stringify(site)}))`;
    const run = await execa(py.bin, ['-S', '-c', code]);
    assert.equal(run.stdout.trim(), '2.4.6 [[5.0, 14.0], [14.0, 50.0]] True');
  });

  test('gmsh 4.15.2, whose RECORD gives hex digests, is requested (pip installs it too)', async () => {
    const r = await request('pypi:gmsh@4.15.2', 'gm');
    assert.equal(r.code, 0, r.stderr);
    const names = (JSON.parse(r.stdout) as { packages: JsonPackage[] }).packages.map((p) => p.name);
    assert.ok(names.includes('py3.11-gmsh'), names.join(' '));
  });

  test('psycopg (pure Python, loads libpq with ctypes): its runtime row applies to the wheel too', async () => {
    const r = await request('pypi:psycopg', 'pg');
    assert.equal(r.code, 0, r.stderr);
    const dir = path.join(t.dir, 'pg/r/pypi/psycopg');
    const [file] = (await readdir(dir)).filter((f) => f.endsWith('.toml'));
    const recipe = await readFile(path.join(dir, file!), 'utf8');
    assert.match(recipe, /kind = "wheel"/);
    assert.match(recipe, /\[native\]\nbuild = \[\]\nruntime = \["libpq5"\]\n$/);
  });
});
