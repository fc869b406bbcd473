// Integration test: builds the fixture PyPI distributions with the real make_dists.py, proves them
// valid with a real pip and CPython 3.11 (install, import, run, build the C sdist), then checks the
// fixture index over real HTTP on 127.0.0.1: both Simple forms, the JSON API, files, faults.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { findCPython, fixtureFile, pypiFixtureDists, pypiFixturesDir, python3, type CPython, type FixtureDists } from './pypi-dists.js';
import { negotiate, SIMPLE_HTML, SIMPLE_JSON, startPypiIndex, type FixtureIndex } from './pypi-index.js';

const execFileP = promisify(execFile);

let dists: FixtureDists;
let idx: FixtureIndex;
let py311: CPython;
let tmp: string;

before(async () => {
  dists = await pypiFixtureDists();
  idx = await startPypiIndex();
  const found = await findCPython('3.11');
  assert.ok(found, 'CPython 3.11 (pyenv or /usr/bin/python3.11) is needed to prove the fixture wheels');
  py311 = found;
  tmp = await mkdtemp(path.join(tmpdir(), 'bale-pypi-index-'));
});

after(async () => {
  await idx.close();
  await rm(tmp, { recursive: true, force: true });
});

const sha256 = (b: Buffer | string): string => createHash('sha256').update(b).digest('hex');

/** pip, quietly, with no index: everything comes from the given files. */
async function pipInstall(target: string, files: string[]): Promise<void> {
  await execFileP(py311.exe, [
    '-m',
    'pip',
    'install',
    '--quiet',
    '--no-deps',
    '--no-index',
    '--no-cache-dir',
    '--disable-pip-version-check',
    '--target',
    target,
    ...files,
  ]);
}

async function python(target: string, code: string): Promise<string> {
  const { stdout } = await execFileP(py311.exe, ['-c', code], {
    env: { ...process.env, PYTHONPATH: target, PYTHONDONTWRITEBYTECODE: '1' },
  });
  return stdout.trim();
}

test('every project listed, with its README and files whose sha256 and size are right', async () => {
  const names = [...dists.projects.keys()];
  for (const want of [
    'fxp-app',
    'fxp-lib',
    'fxp-old',
    'fxp-socks',
    'fxp-extra-only',
    'fxp-binary',
    'fxp-zext',
    'fxp-ns-a',
    'fxp-ns-b',
    'setuptools',
    'wheel',
    'fxp-broken',
    'fxp-evil',
    'fxp-badhash',
  ]) {
    assert.ok(names.includes(want), `${want} is a fixture project`);
  }
  for (const p of dists.projects.values()) {
    assert.match(p.readme, /\S{10}/, `${p.normalized} says what it exercises`);
    assert.ok(p.files.length > 0, `${p.normalized} has files`);
    for (const f of p.files) {
      const bytes = await readFile(f.path);
      assert.equal(sha256(bytes), f.sha256, f.filename);
      assert.equal(bytes.length, f.size, f.filename);
      if (f.metadataFile) assert.equal(sha256(await readFile(`${f.path}.metadata`)), f.metadataSha256);
    }
  }
  assert.deepEqual(
    dists.projects.get('fxp-lib')?.files.map((f) => f.filename),
    [
      'fxp_lib-1.0.0-py3-none-any.whl',
      'fxp_lib-1.0.0.tar.gz',
      'fxp_lib-1.1.0-py3-none-any.whl',
      'fxp_lib-1.1.0.tar.gz',
      'fxp_lib-1.2.0rc1-py3-none-any.whl',
      'fxp_lib-1.2.0rc1.tar.gz',
      'fxp_lib-2.0.0-py3-none-any.whl',
      'fxp_lib-2.0.0.tar.gz',
    ],
  );
  assert.deepEqual(
    dists.projects.get('fxp-binary')?.files.map((f) => f.filename),
    ['fxp_binary-1.0.0-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl'],
  );
  assert.deepEqual(
    dists.projects.get('fxp-zext')?.files.map((f) => f.filename),
    ['fxp_zext-1.0.0.tar.gz'],
  );
  assert.equal(dists.projects.get('fxp-lib')?.yanked['2.0.0'], 'broken API, use fxp-lib 1.x');
  assert.equal(dists.projects.get('fxp-socks')?.name, 'FXP_Socks');
  assert.equal(dists.projects.get('fxp-old')?.files[0]?.requiresPython, '>=3.8, <3.11');
});

test('make_dists.py is deterministic: a second build elsewhere gives the same bytes', async () => {
  const out = path.join(tmp, 'rebuild');
  const include = py311.include ?? assert.fail('CPython 3.11 headers');
  await execFileP(
    python3(),
    [
      path.join(pypiFixturesDir(), 'make_dists.py'),
      '--projects',
      path.join(pypiFixturesDir(), 'projects'),
      '--out',
      out,
      '--python-include',
      `3.11=${include}`,
    ],
    { cwd: tmp },
  );
  for (const p of dists.projects.values()) {
    const again = (await readdir(path.join(out, 'files', p.normalized))).sort();
    const first = (await readdir(path.join(dists.dir, 'files', p.normalized))).sort();
    assert.deepEqual(again, first, p.normalized);
    for (const f of p.files) assert.equal(sha256(await readFile(path.join(out, 'files', p.normalized, f.filename))), f.sha256, f.filename);
  }
});

test('wheel RECORDs list every entry with its real hash and size', async () => {
  const wheels = [...dists.projects.values()].flatMap((p) => p.files).filter((f) => f.kind === 'wheel' && f.path.includes('fxp'));
  const check = `
import base64, hashlib, sys, zipfile
bad = []
for path in sys.argv[1:]:
    with zipfile.ZipFile(path) as z:
        names = z.namelist()
        record = [n for n in names if n.endswith('.dist-info/RECORD')][0]
        rows = {}
        for line in z.read(record).decode().splitlines():
            p, h, s = line.rsplit(',', 2)
            rows[p] = (h, s)
        for n in names:
            if n == record: continue
            data = z.read(n)
            want = 'sha256=' + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b'=').decode()
            if rows.get(n) != (want, str(len(data))): bad.append(path + ':' + n)
        if set(rows) != set(names): bad.append(path + ': RECORD lists other entries')
print('\\n'.join(bad))`;
  const { stdout } = await execFileP(python3(), ['-c', check, ...wheels.map((w) => w.path)]);
  assert.equal(stdout.trim(), '');
});

test('fxp-app installs with a real pip (python3.11 --no-index), imports, and its scripts run', async () => {
  const target = path.join(tmp, 'app');
  const app = await fixtureFile('fxp_app-1.0.0-py3-none-any.whl');
  const lib = await fixtureFile('fxp_lib-1.1.0-py3-none-any.whl');
  await pipInstall(target, [app.path, lib.path]);
  assert.equal(await python(target, 'import fxp_app; print(fxp_app.__version__)'), '1.0.0');
  const { stdout } = await execFileP(path.join(target, 'bin', 'fxp-app'), [], { env: { ...process.env, PYTHONPATH: target } });
  assert.equal(stdout.trim(), 'fxp-app 1.0.0 with fxp-lib 1.1.0');
  assert.match(await readFile(path.join(target, 'bin', 'fxp-app-gui'), 'utf8'), /fxp_app\.gui/);
  const meta = await readFile(path.join(target, 'fxp_app-1.0.0.dist-info', 'METADATA'), 'utf8');
  assert.match(meta, /^Requires-Dist: fxp-old; python_version < "3\.11"$/m);
  assert.match(meta, /^Requires-Dist: fxp-extra-only; extra == "socks"$/m);
});

test('fxp-binary is a real CPython 3.11 extension, and the namespace halves import together', async () => {
  const target = path.join(tmp, 'binary');
  const files = await Promise.all(
    [
      'fxp_binary-1.0.0-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl',
      'fxp_ns_a-1.0.0-py3-none-any.whl',
      'fxp_ns_b-1.0.0-py3-none-any.whl',
    ].map(fixtureFile),
  );
  await pipInstall(
    target,
    files.map((f) => f.path),
  );
  assert.equal(await python(target, 'import fxp_binary; print(fxp_binary.answer(), fxp_binary.__file__.endswith(".so"))'), '42 True');
  assert.equal(await python(target, 'import fxpns.a, fxpns.b; print(fxpns.a.NAME + fxpns.b.NAME)'), 'ab');
});

test('fxp-zext builds from its sdist with the served setuptools and wheel, and links zlib', async () => {
  const wheels = path.join(tmp, 'zext-wheels');
  const sdist = await fixtureFile('fxp_zext-1.0.0.tar.gz');
  await execFileP(py311.exe, [
    '-m',
    'pip',
    'wheel',
    '--quiet',
    '--no-deps',
    '--no-index',
    '--no-cache-dir',
    '--disable-pip-version-check',
    '--find-links',
    path.join(dists.dir, 'files', 'setuptools'),
    '--find-links',
    path.join(dists.dir, 'files', 'wheel'),
    '--wheel-dir',
    wheels,
    sdist.path,
  ]);
  const built = (await readdir(wheels)).filter((f) => f.endsWith('.whl'));
  assert.deepEqual(built, ['fxp_zext-1.0.0-cp311-cp311-linux_x86_64.whl']);
  const target = path.join(tmp, 'zext');
  await pipInstall(target, [path.join(wheels, built[0] ?? '')]);
  assert.equal(await python(target, 'import fxp_zext; print(fxp_zext.crc32(b"hello"))'), '907060870');
});

test('the hostile and broken fixtures are hostile and broken in the intended way only', async () => {
  const list = `import sys, zipfile; print('\\n'.join(zipfile.ZipFile(sys.argv[1]).namelist()))`;
  const evil = await fixtureFile('fxp_evil-1.0.0-py3-none-any.whl');
  const { stdout } = await execFileP(python3(), ['-c', list, evil.path]);
  assert.ok(stdout.split('\n').includes('../evil.txt'));
  const broken = await fixtureFile('fxp_broken-1.0.0-py3-none-any.whl');
  const meta = await readFile(`${broken.path}.metadata`, 'utf8');
  assert.match(meta, /^Name: fxp-broken$/m);
  assert.doesNotMatch(meta, /^Version:/m);
  const bad = await fixtureFile('fxp_badhash-1.0.0-py3-none-any.whl');
  const page = (await (await fetch(`${idx.simpleUrl}fxp-badhash/`, { headers: { accept: SIMPLE_JSON } })).json()) as {
    files: { hashes: { sha256: string } }[];
  };
  assert.notEqual(page.files[0]?.hashes.sha256, bad.sha256, 'the index lies about the sha256');
  assert.equal(sha256(Buffer.from(await (await fetch(idx.fileUrl(bad.filename))).arrayBuffer())), bad.sha256, 'the file itself is sound');
});

test('negotiate() picks by q-value, the most specific range, HTML for */*; nothing acceptable is 406', () => {
  assert.equal(negotiate(undefined), 'text/html');
  assert.equal(negotiate('*/*'), 'text/html');
  assert.equal(negotiate(`${SIMPLE_JSON}, ${SIMPLE_HTML};q=0.2, text/html;q=0.01`), SIMPLE_JSON);
  assert.equal(negotiate(`${SIMPLE_JSON};q=0.1, ${SIMPLE_HTML}`), SIMPLE_HTML);
  assert.equal(negotiate('text/html'), 'text/html');
  assert.equal(negotiate(`application/*;q=0.5, text/html;q=0.4`), SIMPLE_HTML);
  assert.equal(negotiate('application/json'), undefined);
  assert.equal(negotiate(`${SIMPLE_JSON};q=0`), undefined);
});

test('the Simple API answers in the negotiated form, logs requests and redirects like PyPI', async () => {
  const before = idx.requests.length;
  const json = await fetch(`${idx.simpleUrl}fxp-old/`, { headers: { accept: SIMPLE_JSON } });
  assert.equal(json.headers.get('content-type'), SIMPLE_JSON);
  const doc = (await json.json()) as { meta: { 'api-version': string }; name: string; files: Record<string, unknown>[] };
  assert.equal(doc.meta['api-version'], '1.1');
  assert.equal(doc.name, 'fxp-old');
  assert.equal(doc.files[0]?.['requires-python'], '>=3.8, <3.11');
  const html = await fetch(`${idx.simpleUrl}fxp-old/`);
  assert.equal(html.headers.get('content-type'), 'text/html');
  const text = await html.text();
  assert.match(text, /data-requires-python="&gt;=3\.8, &lt;3\.11"/, 'HTML-escaped as PEP 503 says');
  assert.match(text, /data-core-metadata="sha256=[0-9a-f]{64}" data-dist-info-metadata="sha256=/);
  assert.match(text, /<meta name="pypi:repository-version" content="1\.1">/);
  assert.equal((await fetch(`${idx.simpleUrl}fxp-old/`, { headers: { accept: 'application/json' } })).status, 406);
  assert.deepEqual(
    idx.requests.slice(before).map((r) => r.path),
    ['/simple/fxp-old/', '/simple/fxp-old/', '/simple/fxp-old/'],
  );
  assert.equal(idx.requests[before]?.accept, SIMPLE_JSON);

  for (const [from, to] of [
    ['simple/FXP_Old/', '/simple/fxp-old/'],
    ['simple/fxp-old', '/simple/fxp-old/'],
    ['moved/simple/fxp-old/', '/simple/fxp-old/'],
    ['pypi/fxp-socks/json', '/pypi/FXP_Socks/json'],
  ] as const) {
    const res = await fetch(idx.url + from, { redirect: 'manual' });
    assert.ok(res.status === 301 || res.status === 302, from);
    assert.equal(res.headers.get('location'), to, from);
  }
  assert.equal((await fetch(`${idx.simpleUrl}fxp-nope/`)).status, 404);
  const lib = (await (await fetch(`${idx.simpleUrl}fxp-lib/`, { headers: { accept: SIMPLE_JSON } })).json()) as {
    versions: string[];
    files: Record<string, unknown>[];
  };
  assert.deepEqual(lib.versions, ['1.0.0', '1.1.0', '1.2.0rc1', '2.0.0']);
  assert.deepEqual(
    lib.files.filter((f) => f['yanked'] !== undefined).map((f) => [f['filename'], f['yanked']]),
    [
      ['fxp_lib-2.0.0-py3-none-any.whl', 'broken API, use fxp-lib 1.x'],
      ['fxp_lib-2.0.0.tar.gz', 'broken API, use fxp-lib 1.x'],
    ],
  );
});

test('the JSON API serves every release, the newest stable one as info, and one release alone', async () => {
  const doc = (await (await fetch(`${idx.jsonUrl}fxp-lib/json`)).json()) as {
    info: Record<string, unknown>;
    releases: Record<string, Record<string, unknown>[]>;
  };
  assert.equal(doc.info['name'], 'fxp-lib');
  assert.equal(doc.info['version'], '1.1.0', 'neither the prerelease nor the yanked 2.0.0');
  assert.deepEqual(Object.keys(doc.releases), ['1.0.0', '1.1.0', '1.2.0rc1', '2.0.0']);
  const yanked = doc.releases['2.0.0']?.[0];
  assert.equal(yanked?.['yanked'], true);
  assert.equal(yanked?.['yanked_reason'], 'broken API, use fxp-lib 1.x');
  assert.equal(yanked?.['upload_time_iso_8601'], '2022-03-15T09:45:00.000000Z');
  const one = (await (await fetch(`${idx.jsonUrl}fxp-lib/1.0.0/json`)).json()) as Record<string, unknown>;
  assert.equal(one['releases'], undefined);
  assert.deepEqual(
    (one['urls'] as { filename: string }[]).map((u) => u.filename),
    ['fxp_lib-1.0.0-py3-none-any.whl', 'fxp_lib-1.0.0.tar.gz'],
  );
  const app = (await (await fetch(`${idx.jsonUrl}fxp-app/json`)).json()) as { info: { requires_dist: string[] } };
  assert.ok(app.info.requires_dist.includes('fxp-extra-only; extra == "socks"'));
  assert.equal((await fetch(`${idx.jsonUrl}fxp-lib/9.9.9/json`)).status, 404);
});

test('faults: a status for k requests, garbage, a dropped connection, then healthy again', async () => {
  idx.fault('FXP_Lib', { kind: 'status', status: 503, times: 2 });
  assert.equal((await fetch(`${idx.simpleUrl}fxp-lib/`)).status, 503);
  assert.equal((await fetch(`${idx.jsonUrl}fxp-lib/json`)).status, 503);
  assert.equal((await fetch(`${idx.simpleUrl}fxp-lib/`)).status, 200);

  idx.fault('fxp-lib', { kind: 'garbage' });
  const g = await fetch(`${idx.simpleUrl}fxp-lib/`, { headers: { accept: SIMPLE_JSON } });
  assert.equal(g.status, 200);
  await assert.rejects(g.json() as Promise<unknown>, SyntaxError);
  idx.fault('fxp-lib', { kind: 'garbage', on: 'file' });
  assert.equal((await fetch(`${idx.simpleUrl}fxp-lib/`)).status, 200, 'pages are healthy when only files are hit');
  const wheel = await fixtureFile('fxp_lib-1.0.0-py3-none-any.whl');
  assert.notEqual(sha256(Buffer.from(await (await fetch(idx.fileUrl(wheel.filename))).arrayBuffer())), wheel.sha256);

  idx.fault('fxp-lib', { kind: 'reset', times: 1 });
  await assert.rejects(fetch(`${idx.simpleUrl}fxp-lib/`), TypeError);
  assert.equal((await fetch(`${idx.simpleUrl}fxp-lib/`)).status, 200);
  idx.fault('fxp-lib', null);
  assert.equal(sha256(Buffer.from(await (await fetch(idx.fileUrl(wheel.filename))).arrayBuffer())), wheel.sha256);
});

test('htmlOnly ignores Accept and uses only legacy attributes; noMetadataFiles serves and advertises none', async () => {
  const old = await startPypiIndex({ htmlOnly: true, noMetadataFiles: true });
  const plain = await startPypiIndex({ htmlOnly: true });
  try {
    const res = await fetch(`${old.simpleUrl}fxp-app/`, { headers: { accept: SIMPLE_JSON } });
    assert.equal(res.headers.get('content-type'), 'text/html');
    const text = await res.text();
    assert.doesNotMatch(text, /metadata|repository-version/);
    const wheel = old.fileUrl('fxp_app-1.0.0-py3-none-any.whl');
    assert.equal((await fetch(`${wheel}.metadata`)).status, 404);
    const legacy = await (await fetch(`${plain.simpleUrl}fxp-app/`)).text();
    assert.match(legacy, /data-dist-info-metadata="sha256=/);
    assert.doesNotMatch(legacy, /data-core-metadata/);
    assert.equal((await fetch(`${plain.fileUrl('fxp_app-1.0.0-py3-none-any.whl')}.metadata`)).status, 200);
  } finally {
    await old.close();
    await plain.close();
  }
});
