/**
 * `bale request pypi:...` end to end against the fixture index (a real HTTP Simple API): the closure
 * resolved per interpreter (markers, extras, yanked, Requires-Python), wheels installed, an sdist with
 * a C extension built by PEP 517 in the sandbox against its pinned build requirements, and each
 * interpreter's packages, untarred into a root, importable by that interpreter alone.
 */
import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { execa } from 'execa';
import { discoverPythons } from '../../src/interpreters/python.js';
import type { PythonInterpreter } from '../../src/interpreters/python.js';
import { bale, listFiles, tempDir } from '../helpers/cli.js';
import { startPypiIndex } from '../helpers/pypi-index.js';
import type { FixtureIndex } from '../helpers/pypi-index.js';

interface JsonPackage {
  name: string;
  version: string;
  file: string;
  sha256: string;
  interpreter: string | null;
}

export const ZEXT_OVERRIDE =
  '[[package]]\nname = "fxp-zext"\nbuild = ["zlib1g-dev"]\nruntime = ["zlib1g"]\nnote = "the C extension links zlib"\n';

describe('bale request pypi:fxp-app pypi:fxp-zext (fixture index, every CPython here)', () => {
  let index: FixtureIndex;
  let t: { dir: string; cleanup: () => Promise<void> };
  let pythons: PythonInterpreter[];
  let packages: JsonPackage[];
  let overrides: string;

  before(async () => {
    index = await startPypiIndex();
    t = await tempDir('pypi');
    pythons = await discoverPythons();
    overrides = path.join(t.dir, 'overrides');
    await mkdir(overrides);
    await writeFile(path.join(overrides, 'pypi.toml'), ZEXT_OVERRIDE);
    const r = await bale(
      [
        'request',
        'pypi:fxp-app[socks]',
        'pypi:fxp-zext',
        '--index-url',
        index.simpleUrl,
        '--overrides',
        overrides,
        '--recipes',
        path.join(t.dir, 'r'),
        '--store',
        path.join(t.dir, 's'),
        '--json',
      ],
      { timeoutMs: 900_000 },
    );
    assert.equal(r.code, 0, r.stderr);
    packages = (JSON.parse(r.stdout) as { packages: JsonPackage[] }).packages;
  });
  after(async () => {
    await index.close();
    await t.cleanup();
  });

  test('CPython 3.8 to 3.13 are all here, and each got its own packages', () => {
    assert.deepEqual(
      pythons.map((p) => p.version),
      ['3.8', '3.9', '3.10', '3.11', '3.12', '3.13'],
    );
    for (const p of pythons) {
      const names = packages
        .filter((x) => x.name.startsWith(`py${p.version}-`))
        .map((x) => x.name.slice(`py${p.version}-`.length))
        .sort();
      const old = Number(p.version.split('.')[1]) < 11 ? ['fxp-old'] : [];
      assert.deepEqual(
        names,
        ['fxp-app', 'fxp-app-bin', 'fxp-extra-only', 'fxp-lib', ...old, 'fxp-socks', 'fxp-zext', 'setuptools', 'wheel', 'wheel-bin'].sort(),
        p.version,
      );
    }
    // ^1 of fxp-lib: 2.0.0 is yanked and 1.2.0rc1 a prerelease, so 1.1.0.
    assert.ok(packages.filter((x) => x.name.endsWith('-fxp-lib')).every((x) => x.version === '1.1.0'));
  });

  test('each interpreter imports the closure from its unpacked root, C extension included, and runs the script', async () => {
    for (const p of pythons) {
      const root = path.join(t.dir, `root${p.version}`);
      await mkdir(root);
      for (const x of packages.filter((y) => y.name.startsWith(`py${p.version}-`))) await execa('tar', ['-xzf', x.file, '-C', root]);
      const site = path.join(root, 'usr/lib', `python${p.version}`, 'site-packages');
      // -s -I: nothing from the host's site-packages or environment.
      const code =
        'import sys, fxp_app, fxp_lib, fxp_socks, fxp_zext, zlib; assert all(m.__file__.startswith(sys.argv[1]) for m in (fxp_app, fxp_lib, fxp_zext)); ' +
        "assert fxp_zext.crc32(b'bale') == zlib.crc32(b'bale'); print('ok')";
      const r = await execa(p.bin, ['-I', '-c', `import sys; sys.path.insert(0, sys.argv[1]); ${code}`, site]);
      assert.equal(r.stdout.trim(), 'ok', p.version);
      const script = path.join(root, 'usr/bin/fxp-app');
      assert.equal((await readFile(script, 'utf8')).split('\n')[0], `#!/usr/bin/python${p.version}`);
      // -S: no host site-packages; PYTHONPATH is the unpacked root's alone.
      const s = await execa(p.bin, ['-S', script], { env: { PYTHONPATH: site }, extendEnv: false, reject: false });
      assert.equal(s.exitCode, 0, `${p.version}: ${s.stderr}`);
    }
  });

  test('no INSTALLER, REQUESTED or direct_url.json; RECORD lists every installed file', async () => {
    for (const x of packages.filter((y) => /^py3\.11-fxp-(app|zext)$/.test(y.name))) {
      const m = JSON.parse(await readFile(x.file.replace(/\.tar\.gz$/, '.manifest.json'), 'utf8')) as {
        files: { path: string; type: string }[];
      };
      const files = m.files.filter((f) => f.type === 'file').map((f) => f.path);
      assert.ok(!files.some((f) => /\/(INSTALLER|REQUESTED|direct_url\.json)$/.test(f)), files.join(' '));
      const record = files.find((f) => f.endsWith('.dist-info/RECORD'))!;
      const root = path.join(t.dir, 'root3.11');
      const rows = (await readFile(path.join(root, record), 'utf8'))
        .trim()
        .split('\n')
        .map((l) => l.split(',')[0]!);
      const site = 'usr/lib/python3.11/site-packages/';
      for (const f of files.filter((f) => f.startsWith(site))) assert.ok(rows.includes(f.slice(site.length)), `${f} missing from RECORD`);
    }
  });

  test('recipes record per-interpreter dependencies and the sdist build requirements', async () => {
    const app = await readFile(path.join(t.dir, 'r/pypi/fxp-app/1.0.0.toml'), 'utf8');
    assert.match(app, /name = "fxp-old"\npurl = "pkg:pypi\/fxp-old@1\.0\.0"\nkind = "runtime"\ninterpreters = \["3\.8", "3\.9", "3\.10"\]/);
    assert.match(app, /interpreters = \["3\.8", "3\.9", "3\.10", "3\.11", "3\.12", "3\.13"\]/);
    const zext = await readFile(path.join(t.dir, 'r/pypi/fxp-zext/1.0.0.toml'), 'utf8');
    assert.match(zext, /kind = "sdist"/);
    assert.match(zext, /requires = \["pkg:pypi\/setuptools@[^"]+", "pkg:pypi\/wheel@[^"]+"\]/);
    assert.match(zext, /\[native\]\nbuild = \["zlib1g-dev"\]\nruntime = \["zlib1g"\]/);
    assert.ok(
      (await listFiles(path.join(t.dir, 'r/pypi'))).includes('setuptools/67.6.1.toml') ||
        (await listFiles(path.join(t.dir, 'r/pypi'))).some((f) => f.startsWith('setuptools/')),
    );
  });
});

describe('two distributions sharing a namespace package', () => {
  let index: FixtureIndex;
  let t: { dir: string; cleanup: () => Promise<void> };
  before(async () => {
    index = await startPypiIndex();
    t = await tempDir('pypi-ns');
  });
  after(async () => {
    await index.close();
    await t.cleanup();
  });

  test("the override table's drop takes the shared __init__.py out; both halves import from one root", async () => {
    const overrides = path.join(t.dir, 'ov');
    await mkdir(overrides);
    await writeFile(
      path.join(overrides, 'pypi.toml'),
      '[[package]]\nname = "fxp-ns-a"\ndrop = ["fxpns/__init__.py"]\nnote = "PEP 420: the namespace needs no __init__.py"\n',
    );
    const r = await bale([
      'request',
      'pypi:fxp-ns-a',
      'pypi:fxp-ns-b',
      '--python',
      '3.11',
      '--overrides',
      overrides,
      '--index-url',
      index.simpleUrl,
      '--recipes',
      path.join(t.dir, 'r'),
      '--store',
      path.join(t.dir, 's'),
      '--json',
    ]);
    assert.equal(r.code, 0, r.stderr);
    const pkgs = (JSON.parse(r.stdout) as { packages: JsonPackage[] }).packages;
    const root = path.join(t.dir, 'root');
    await mkdir(root);
    const owned: string[] = [];
    for (const p of pkgs) {
      await execa('tar', ['-xzf', p.file, '-C', root]);
      owned.push(...(await execa('tar', ['-tzf', p.file])).stdout.split('\n').filter((f) => !f.endsWith('/')));
    }
    assert.ok(!owned.some((f) => f.endsWith('fxpns/__init__.py')), owned.join(' '));
    assert.equal(new Set(owned).size, owned.length, 'no file owned twice');
    assert.match(await readFile(path.join(t.dir, 'r/pypi/fxp-ns-a/1.0.0.toml'), 'utf8'), /drop = \["fxpns\/__init__\.py"\]/);
    const py = (await discoverPythons()).find((p) => p.version === '3.11')!;
    const out = await execa(py.bin, ['-S', '-c', 'import fxpns.a, fxpns.b; print("ok")'], {
      env: { PYTHONPATH: path.join(root, 'usr/lib/python3.11/site-packages') },
      extendEnv: false,
    });
    assert.equal(out.stdout.trim(), 'ok');
  });
});

describe('every index protocol pins the same closure', () => {
  test('Simple API (PEP 691 JSON), the JSON API, and an old HTML-only mirror without PEP 658 files', async () => {
    const modern = await startPypiIndex();
    const old = await startPypiIndex({ htmlOnly: true, noMetadataFiles: true });
    const t = await tempDir('pypi-protocols');
    try {
      const run = async (url: string, dir: string): Promise<Map<string, string>> => {
        const r = await bale([
          'import',
          'pypi:fxp-app[socks]',
          'pypi:fxp-zext',
          '--python',
          '3.10,3.11',
          '--index-url',
          url,
          '--recipes',
          path.join(t.dir, dir),
        ]);
        assert.equal(r.code, 0, r.stderr);
        const files = await listFiles(path.join(t.dir, dir));
        return new Map(await Promise.all(files.map(async (f) => [f, await readFile(path.join(t.dir, dir, f), 'utf8')] as const)));
      };
      const simple = await run(modern.simpleUrl, 'simple');
      const json = await run(modern.jsonUrl, 'json');
      const html = await run(old.simpleUrl, 'html');
      assert.ok(simple.size >= 8);
      assert.deepEqual(json, simple, 'the JSON API gives byte-identical recipes');
      // An HTML page carries no upload time (the fallback epoch) and the files sit on another port.
      const comparable = (m: Map<string, string>, base: string): Map<string, string> =>
        new Map([...m].map(([f, s]) => [f, s.replaceAll(base, 'INDEX/').replace(/^source_date_epoch = \d+$/m, 'source_date_epoch = X')]));
      assert.deepEqual(comparable(html, old.url), comparable(simple, modern.url));
      assert.ok([...html.values()].every((s) => s.includes('source_date_epoch = 315532800')));
      assert.ok(!old.requests.some((r) => r.path.endsWith('.metadata')), 'no PEP 658 files asked of a mirror that has none');
    } finally {
      await modern.close();
      await old.close();
      await t.cleanup();
    }
  });
});
