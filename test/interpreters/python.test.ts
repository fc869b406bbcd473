import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, isAbsolute, join } from 'node:path';
import { after, before, test } from 'node:test';
import { execa } from 'execa';
import { isUserError } from '../../src/errors/index.js';
import {
  discoverPythons,
  missingPythonsError,
  parsePythonList,
  resolvePythons,
  type PythonInterpreter,
} from '../../src/interpreters/python.js';
import { parseGlibc, unusableReason, type PythonProbe } from '../../src/interpreters/python-probe.js';

const ALL = ['3.8', '3.9', '3.10', '3.11', '3.12', '3.13'];
const root = mkdtempSync(join(tmpdir(), 'bale-python-'));
after(() => rmSync(root, { recursive: true, force: true }));

// ---- parsePythonList

const lists: Array<[string, string[]]> = [
  ['3.9,3.10,3.11', ['3.9', '3.10', '3.11']],
  [' 3.11 ', ['3.11']],
  ['3.12,3.9,3.12', ['3.12', '3.9']],
  ['3.8-3.13', ALL],
  ['3.10-3.10', ['3.10']],
  ['3.13,3.8-3.10', ['3.13', '3.8', '3.9', '3.10']],
];
for (const [flag, want] of lists) {
  test(`parsePythonList ${JSON.stringify(flag)}`, () => assert.deepEqual(parsePythonList(flag), want));
}

// [flag, what the one-line message must say]
const badLists: Array<[string, string]> = [
  ['', 'empty item'],
  ['3.11,', 'empty item'],
  ['3', '"3" is not a minor'],
  ['3.11.7', '"3.11.7"'],
  ['py3.11', '"py3.11"'],
  ['311', '"311"'],
  ['3.09', '"3.09"'],
  ['3.7', '3.7 is not supported'],
  ['3.14', '3.14 is not supported'],
  ['2.7', '2.7'],
  ['3.13-3.8', 'runs backwards'],
  ['3.6-3.9', '3.6 is not supported'],
  ['3.8-', '"3.8-"'],
  ['3.11;3.12', '"3.11;3.12"'],
];
for (const [flag, says] of badLists) {
  test(`parsePythonList refuses ${JSON.stringify(flag)}`, () => {
    assert.throws(
      () => parsePythonList(flag),
      (err: Error & { code?: string }) =>
        isUserError(err) &&
        err.code === 'EUSAGE' &&
        err.message.includes(`--python ${JSON.stringify(flag)}`) &&
        err.message.includes(says) &&
        err.message.includes('3.8 to 3.13') &&
        !err.message.includes('\n'),
    );
  });
}

// ---- discovery on this host (real interpreters)

function hostGlibc(): [number, number] {
  const header = (process.report.getReport() as { header: { glibcVersionRuntime?: string } }).header;
  return (header.glibcVersionRuntime ?? '').split('.').map(Number) as [number, number];
}

let host: PythonInterpreter[] = [];
before(async () => {
  host = await discoverPythons();
});

test('discoverPythons finds CPython 3.8 to 3.13 here, each a working pyenv build with headers', async () => {
  assert.deepEqual(
    host.map((p) => p.version),
    ALL,
  );
  for (const p of host) {
    assert.equal(p.source, 'pyenv', p.bin);
    assert.ok(isAbsolute(p.bin) && p.bin.startsWith(`${p.prefix}/`), p.bin);
    assert.equal(basename(p.bin), `python${p.version}`);
    assert.equal(p.soabi, `cpython-${p.version.replace('.', '')}-x86_64-linux-gnu`);
    assert.deepEqual(p.glibc, hostGlibc());
    assert.notEqual(p.include, '');
    assert.ok(readFileSync(join(p.include, 'Python.h'), 'utf8').includes('Py_'), p.include);
    const r = await execa(p.bin, ['-c', 'import platform, sys; print(platform.python_version(), sys.prefix)'], {
      env: {},
      extendEnv: false,
    });
    assert.equal(r.stdout, `${p.fullVersion} ${p.prefix}`);
    assert.ok(p.fullVersion.startsWith(`${p.version}.`));
  }
});

test('discoverPythons reads ~/.pyenv from HOME when PYENV_ROOT is unset', async () => {
  const home = join(root, 'home');
  mkdirSync(home);
  symlinkSync(dirname(dirname(dirname(dirname(host[0]!.bin)))), join(home, '.pyenv'));
  const found = await discoverPythons({ env: { HOME: home } });
  assert.deepEqual(
    found.map((p) => [p.version, p.fullVersion, p.source]),
    host.map((p) => [p.version, p.fullVersion, p.source]),
  );
  for (const p of found) assert.ok(p.bin.startsWith(join(home, '.pyenv/versions/')), p.bin);
});

test('without pyenv the Debian /usr/bin/python3.11 serves 3.11 (pyenv wins over system otherwise)', async () => {
  const empty = join(root, 'no-pyenv');
  mkdirSync(empty);
  const found = await discoverPythons({ env: { PYENV_ROOT: empty } });
  const p311 = found.find((p) => p.version === '3.11');
  assert.equal(p311?.source, 'system');
  assert.equal(p311?.bin, '/usr/bin/python3.11');
  assert.equal(p311?.prefix, '/usr');
  assert.equal(host.find((p) => p.version === '3.11')?.source, 'pyenv');
});

test('configured interpreters win: search paths first, then BALE_PYTHONS (files or directories)', async () => {
  const p312 = host.find((p) => p.version === '3.12')!;
  const found = await discoverPythons({
    search: ['/usr/bin/python3.11'],
    env: { ...process.env, BALE_PYTHONS: `:${p312.prefix}:/usr/bin` },
  });
  assert.deepEqual(
    found.map((p) => p.version),
    ALL,
  );
  const by = (v: string) => found.find((p) => p.version === v)!;
  assert.deepEqual([by('3.11').source, by('3.11').bin, by('3.11').prefix], ['configured', '/usr/bin/python3.11', '/usr']);
  assert.deepEqual([by('3.12').source, by('3.12').bin], ['configured', join(p312.prefix, 'bin/python3.12')]);
  assert.equal(by('3.13').source, 'pyenv');
});

/** A stand-in interpreter: a script printing what the probe would print (and counting its runs). */
function fakePython(path: string, over: Partial<PythonProbe> = {}, exitCode = 0): void {
  const minor = over.minor ?? Number(/python3\.(\d+)$/.exec(path)?.[1] ?? 12);
  const prefix = dirname(dirname(path));
  const probe: PythonProbe = {
    implementation: 'cpython',
    fullVersion: `3.${minor}.0`,
    major: 3,
    minor,
    prefix,
    basePrefix: prefix,
    soabi: `cpython-3${minor}-x86_64-linux-gnu`,
    includePy: join(prefix, 'include'),
    libc: 'glibc 2.36',
    ...over,
  };
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `#!/bin/sh\necho run >> '${path}.runs'\nprintf '%s\\n' '${JSON.stringify(probe)}'\nexit ${exitCode}\n`);
  chmodSync(path, 0o755);
}

test('pyenv: newest patch release by PEP 440, unusable builds skipped, headers optional', async () => {
  const pyenv = join(root, 'fake-pyenv');
  const v = (dir: string, name: string) => join(pyenv, 'versions', dir, 'bin', name);
  fakePython(v('3.12.9', 'python3.12'), { fullVersion: '3.12.9' });
  fakePython(v('3.12.10', 'python3.12'), { fullVersion: '3.12.10' });
  mkdirSync(join(pyenv, 'versions/3.12.10/include'), { recursive: true });
  writeFileSync(join(pyenv, 'versions/3.12.10/include/Python.h'), '');
  fakePython(v('3.12.8', 'python3.12'), { fullVersion: '3.12.8' });
  fakePython(v('3.12-dev', 'python3.12'), { fullVersion: '3.12.11+' }); // a snapshot: any release beats it
  fakePython(v('pypy3.10', 'python3.10'), { implementation: 'pypy' });
  fakePython(v('venv', 'python3.13'), { basePrefix: '/elsewhere' });
  fakePython(v('3.9-debug', 'python3.9'), { soabi: 'cpython-39d-x86_64-linux-gnu' });
  fakePython(v('3.13t', 'python3.13'), { soabi: 'cpython-313t-x86_64-linux-gnu' });
  fakePython(v('musl', 'python3.8'), { libc: '' });
  fakePython(v('broken', 'python3.8'), {}, 1);
  fakePython(v('3.7.16', 'python3.8'), { minor: 7, fullVersion: '3.7.16' });
  const found = await discoverPythons({ env: { PYENV_ROOT: pyenv } });
  const fromPyenv = found.filter((p) => p.source === 'pyenv');
  assert.deepEqual(
    fromPyenv.map((p) => [p.version, p.fullVersion, p.include]),
    [['3.12', '3.12.10', join(pyenv, 'versions/3.12.10/include')]],
  );
  // Headers missing: '' (3.12.8 is configured, so it wins, and has no include/Python.h).
  const configured = await discoverPythons({ search: [v('3.12.8', 'python3.12')], env: { PYENV_ROOT: pyenv } });
  assert.deepEqual(
    configured.filter((p) => p.version === '3.12').map((p) => [p.fullVersion, p.include, p.source]),
    [['3.12.8', '', 'configured']],
  );
});

test('each distinct binary runs once, however many paths name it', async () => {
  const bin = join(root, 'once/bin/python3.13');
  fakePython(bin);
  symlinkSync(bin, join(root, 'once/python3.13'));
  const found = await discoverPythons({
    search: [bin, join(root, 'once'), join(root, 'once/python3.13')],
    env: { PYENV_ROOT: join(root, 'no-pyenv') },
  });
  assert.equal(found.find((p) => p.version === '3.13')?.bin, bin);
  assert.equal(readFileSync(`${bin}.runs`, 'utf8'), 'run\n');
});

test('a configured interpreter that does not qualify is an error naming it', async () => {
  const cases: Array<[string, string]> = [];
  const add = (name: string, over: Partial<PythonProbe>, says: string, exitCode = 0) => {
    const path = join(root, 'bad', name, 'bin/python3.11');
    fakePython(path, over, exitCode);
    cases.push([path, says]);
  };
  add('pypy', { implementation: 'pypy' }, 'is pypy, not CPython');
  add('old', { minor: 7, fullVersion: '3.7.16' }, 'is Python 3.7.16');
  add('venv', { basePrefix: '/opt/base' }, 'virtual environment: use its base interpreter in /opt/base');
  add('musl', { libc: '' }, 'not linked against glibc');
  add('broken', {}, 'does not run', 3);
  cases.push([join(root, 'bad/nowhere/python3.11'), 'does not exist']);
  mkdirSync(join(root, 'bad/emptydir'));
  cases.push([join(root, 'bad/emptydir'), 'holds no python3.8..python3.13']);
  for (const [path, says] of cases) {
    for (const opts of [{ search: [path] }, { env: { BALE_PYTHONS: path } }]) {
      await assert.rejects(
        discoverPythons(opts),
        (err: Error & { code?: string }) =>
          isUserError(err) &&
          err.code === 'EPYTHON' &&
          err.message.includes(path) &&
          err.message.includes(says) &&
          err.message.includes('BALE_PYTHONS') &&
          !err.message.includes('\n'),
      );
    }
  }
});

test('minors: only host interpreters named for them run; configured ones always do', async () => {
  const pyenv = join(root, 'minors-pyenv');
  const v = (dir: string, name: string) => join(pyenv, 'versions', dir, 'bin', name);
  fakePython(v('3.11.2', 'python3.11'));
  fakePython(v('3.12.3', 'python3.12'));
  const configured = join(root, 'minors-configured/bin/python3.9');
  fakePython(configured);
  const found = await discoverPythons({ minors: ['3.12'], search: [configured], env: { PYENV_ROOT: pyenv } });
  assert.deepEqual(
    found.map((p) => [p.version, p.source]),
    [
      ['3.9', 'configured'],
      ['3.12', 'pyenv'],
    ],
  );
  assert.throws(() => readFileSync(`${v('3.11.2', 'python3.11')}.runs`), /ENOENT/);
});

test('cacheDir: a binary runs once while it stays the same file; changed, it runs again', async () => {
  const bin = join(root, 'cached/bin/python3.10');
  fakePython(bin);
  const cacheDir = join(root, 'cache');
  const opts = { search: [bin], env: { PYENV_ROOT: join(root, 'no-pyenv') }, minors: ['3.10'], cacheDir };
  const first = await discoverPythons(opts);
  const second = await discoverPythons(opts);
  assert.deepEqual(second, first);
  assert.equal(readFileSync(`${bin}.runs`, 'utf8'), 'run\n');
  fakePython(bin, { fullVersion: '3.10.9' }); // rewritten: another size, mtime and ctime
  const third = await discoverPythons(opts);
  assert.equal(third.find((p) => p.version === '3.10')?.fullVersion, '3.10.9');
  assert.equal(readFileSync(`${bin}.runs`, 'utf8'), 'run\nrun\n');
});

// ---- resolve and the missing-interpreter error

test('resolvePythons: found ones in request order, the rest missing', async () => {
  const { ok, missing } = await resolvePythons(['3.13', '3.9', '3.7', '3.14'], host);
  assert.deepEqual(
    ok.map((p) => p.version),
    ['3.13', '3.9'],
  );
  assert.deepEqual(missing, ['3.7', '3.14']);
  assert.deepEqual(await resolvePythons([], host), { ok: [], missing: [] });
});

test('resolvePythons: an interpreter deleted since discovery is missing', async () => {
  const bin = join(root, 'gone/bin/python3.10');
  fakePython(bin);
  const found = await discoverPythons({ search: [bin], env: { PYENV_ROOT: join(root, 'no-pyenv') } });
  assert.equal((await resolvePythons(['3.10'], found)).ok.length, 1);
  rmSync(bin);
  assert.deepEqual(await resolvePythons(['3.10'], found), { ok: [], missing: ['3.10'] });
});

test('missingPythonsError: one line with what is missing, what exists and how to add one', () => {
  const found = host.filter((p) => p.version === '3.11' || p.version === '3.12');
  const err = missingPythonsError(['3.9', '3.10'], found);
  assert.ok(isUserError(err));
  assert.equal(err.code, 'EPYTHON');
  assert.ok(!err.message.includes('\n'));
  for (const part of [
    'CPython 3.9, 3.10 not found',
    `3.11 (${found[0]!.bin})`,
    `3.12 (${found[1]!.bin})`,
    'pyenv install 3.9',
    'BALE_PYTHONS=',
  ]) {
    assert.ok(err.message.includes(part), `${JSON.stringify(part)} in ${err.message}`);
  }
  assert.match(
    missingPythonsError(['3.13'], []).message,
    /CPython 3\.13 not found on this host \(found none\): install with `pyenv install 3\.13`/,
  );
});

// ---- the pure parts of probing

test('parseGlibc', () => {
  assert.deepEqual(parseGlibc('glibc 2.36'), [2, 36]);
  assert.deepEqual(parseGlibc('glibc 2.17-2014.11'), [2, 17]);
  assert.equal(parseGlibc(''), undefined);
  assert.equal(parseGlibc('musl 1.2.4'), undefined);
});

test('unusableReason accepts exactly CPython 3.8-3.13, default ABI, glibc, no venv', () => {
  const good: PythonProbe = {
    implementation: 'cpython',
    fullVersion: '3.8.18',
    major: 3,
    minor: 8,
    prefix: '/p',
    basePrefix: '/p',
    soabi: 'cpython-38-x86_64-linux-gnu',
    includePy: '/p/include/python3.8',
    libc: 'glibc 2.36',
  };
  assert.equal(unusableReason(good), undefined);
  assert.equal(unusableReason({ ...good, minor: 13, fullVersion: '3.13.0', soabi: 'cpython-313-x86_64-linux-gnu' }), undefined);
  assert.match(unusableReason({ ...good, minor: 14, fullVersion: '3.14.0', soabi: 'cpython-314-x86_64-linux-gnu' })!, /3\.14\.0/);
  assert.match(unusableReason({ ...good, major: 2, minor: 7, fullVersion: '2.7.18' })!, /2\.7\.18/);
  assert.match(unusableReason({ ...good, soabi: 'cpython-38d-x86_64-linux-gnu' })!, /cpython-38d/);
  assert.match(unusableReason({ ...good, soabi: '' })!, /\(none\)/);
});
