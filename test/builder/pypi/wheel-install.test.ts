/**
 * installWheel on wheels written by Python's zipfile: the layout, modes, shebangs and RECORD of a
 * wheel using every part of the format, then the installed tree run by a real CPython 3.11; and
 * the wheels it must refuse.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import { readZip, writeEntries } from '../../../src/archive/index.js';
import { installWheel, type InstalledWheel, type WheelInstallOptions } from '../../../src/builder/pypi/wheel-install.js';
import type { ErrorCode } from '../../../src/errors/index.js';
import type { PackEntry } from '../../../src/packer/entry.js';
import { makeWheel, makeZip, type WheelSpec } from './make-wheel.js';

const SOURCE = 'https://files.example/Demo_Pkg-1.0-py3-none-any.whl';
const OPTS: WheelInstallOptions = { pythonVersion: '3.11', distribution: 'demo.pkg', version: '1.0' };
const SITE = 'usr/lib/python3.11/site-packages';
const INFO = 'Demo_Pkg-1.0.dist-info';
const DATA = 'Demo_Pkg-1.0.data';

const ENTRY_POINTS = `# scripts and a plugin group
[console_scripts]
demo = demo:main
demo-cli = demo.cli : run [extra1]

[gui_scripts]
Demo-GUI = demo.gui:App.start

[demo.plugins]
thing = demo.plugin
`;

function demoSpec(overrides: Partial<WheelSpec> = {}): WheelSpec {
  const stem = overrides.distInfoStem ?? `Demo_Pkg-${overrides.version ?? '1.0'}`;
  const data = `${stem}.data`;
  const info = `${stem}.dist-info`;
  const files: WheelSpec['files'] = [
    { name: 'demo/', mode: 0o40755 },
    { name: 'demo/__init__.py', data: 'VALUE = 42\n\ndef main():\n    print("demo says", VALUE)\n    return 0\n' },
    { name: 'demo/cli.py', data: 'import sys\n\ndef run():\n    print("cli", sys.argv[1:])\n    return 3\n' },
    { name: 'demo/gui.py', data: 'class App:\n    @staticmethod\n    def start():\n        print("gui started")\n' },
    { name: 'demo/helper.sh', data: '#!/bin/sh\n', mode: 0o100755 },
    { name: `${data}/purelib/demo_extra/__init__.py`, data: 'EXTRA = "purelib"\n' },
    { name: `${data}/platlib/demo_plat.py`, data: 'PLAT = "platlib"\n' },
    { name: `${data}/scripts/demo-tool`, data: '#!python\nimport demo\nprint("tool", demo.VALUE)\n', mode: 0o100644 },
    { name: `${data}/scripts/shell-tool`, data: '#!/bin/sh\necho shell\n', mode: 0o100644 },
    { name: `${data}/headers/demo.h`, data: '#define DEMO 1\n' },
    { name: `${data}/data/share/demo/data.txt`, data: 'data file\n' },
    { name: `${data}/data/share/man/man1/demo.1`, data: '.TH DEMO 1\n' },
    { name: `${info}/licenses/LICENSE`, data: 'MIT\n' },
    { name: `${info}/INSTALLER`, data: 'pip\n' },
    { name: `${info}/direct_url.json`, data: '{"url": "file:///home/someone/demo"}' },
  ];
  return {
    name: 'Demo-Pkg',
    version: '1.0',
    entryPoints: ENTRY_POINTS,
    ...overrides,
    files: [...files, ...(overrides.files ?? [])],
  };
}

async function install(spec: WheelSpec, opts: WheelInstallOptions = OPTS): Promise<InstalledWheel> {
  return installWheel(await readZip(makeWheel(spec), { source: SOURCE }), opts, SOURCE);
}

const byPath = (entries: PackEntry[]) => new Map(entries.map((e) => [e.path, e]));
const text = (e: PackEntry | undefined) => e?.data?.toString('utf8') ?? '<missing>';

test('a wheel with every part: the site-packages, include, data and bin layout', async () => {
  const { main, bin, distInfo } = await install(demoSpec());
  assert.equal(distInfo, INFO);
  assert.deepEqual(main.map((e) => e.path).sort(), [
    'usr/include/python3.11/demo.pkg/demo.h',
    `${SITE}/${INFO}/METADATA`,
    `${SITE}/${INFO}/RECORD`,
    `${SITE}/${INFO}/WHEEL`,
    `${SITE}/${INFO}/entry_points.txt`,
    `${SITE}/${INFO}/licenses/LICENSE`,
    `${SITE}/demo/__init__.py`,
    `${SITE}/demo/cli.py`,
    `${SITE}/demo/gui.py`,
    `${SITE}/demo/helper.sh`,
    `${SITE}/demo_extra/__init__.py`,
    `${SITE}/demo_plat.py`,
    'usr/share/demo/data.txt',
    'usr/share/man/man1/demo.1',
  ]);
  assert.deepEqual(bin.map((e) => e.path).sort(), [
    'usr/bin/Demo-GUI',
    'usr/bin/demo',
    'usr/bin/demo-cli',
    'usr/bin/demo-tool',
    'usr/bin/shell-tool',
  ]);
  for (const e of [...main, ...bin]) assert.equal(e.type, 'file', e.path);
});

test('modes: scripts and launchers executable, the wheel exec bit kept, everything else 0644', async () => {
  const { main, bin } = await install(demoSpec());
  for (const e of bin) assert.equal(e.mode, 0o755, e.path);
  const m = byPath(main);
  assert.equal(m.get(`${SITE}/demo/helper.sh`)?.mode, 0o755);
  for (const e of main) if (!e.path.endsWith('helper.sh')) assert.equal(e.mode, 0o644, e.path);
});

test('shebangs: #!python rewritten to the target interpreter, others kept; launchers are fixed text', async () => {
  const b = byPath((await install(demoSpec())).bin);
  assert.equal(text(b.get('usr/bin/demo-tool')), '#!/usr/bin/python3.11\nimport demo\nprint("tool", demo.VALUE)\n');
  assert.equal(text(b.get('usr/bin/shell-tool')), '#!/bin/sh\necho shell\n');
  const cli = text(b.get('usr/bin/demo-cli'));
  assert.ok(cli.startsWith('#!/usr/bin/python3.11\n'), cli);
  assert.match(cli, /^from demo\.cli import run$/m);
  assert.match(cli, /^ {4}sys\.exit\(run\(\)\)$/m);
  assert.match(text(b.get('usr/bin/Demo-GUI')), /^from demo\.gui import App$/m);
  assert.match(text(b.get('usr/bin/Demo-GUI')), /sys\.exit\(App\.start\(\)\)/);
  const again = byPath((await install(demoSpec())).bin);
  for (const [path, e] of b) assert.ok(e.data!.equals(again.get(path)!.data!), `${path} is deterministic`);
  const py312 = byPath((await install(demoSpec(), { ...OPTS, pythonVersion: '3.12' })).bin);
  assert.ok(text(py312.get('usr/bin/demo')).startsWith('#!/usr/bin/python3.12\n'));
});

test('RECORD: every installed file with its sha256 and size, scripts as ../../../bin, sorted, no pip leftovers', async () => {
  const { main, bin } = await install(demoSpec());
  const record = text(byPath(main).get(`${SITE}/${INFO}/RECORD`));
  const lines = record.split('\n');
  assert.equal(lines.pop(), '', 'ends with a newline');
  const sorted = [...lines].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  assert.deepEqual(lines, sorted);
  assert.ok(lines.includes(`${INFO}/RECORD,,`));
  const tool = Buffer.from('#!/usr/bin/python3.11\nimport demo\nprint("tool", demo.VALUE)\n');
  assert.ok(lines.includes(`../../../bin/demo-tool,sha256=${createHash('sha256').update(tool).digest('base64url')},${tool.length}`));
  const listed = new Map(lines.map((l) => l.split(',') as [string, string, string]).map(([p, h, s]) => [p, { h, s }]));
  const installed = [...main, ...bin];
  assert.equal(listed.size, installed.length);
  for (const e of installed) {
    const rel = posix.relative(SITE, e.path);
    const row = listed.get(rel);
    assert.ok(row, `${rel} missing from RECORD`);
    if (rel === `${INFO}/RECORD`) continue;
    assert.equal(row.h, `sha256=${createHash('sha256').update(e.data!).digest('base64url')}`, rel);
    assert.equal(row.s, String(e.data!.length), rel);
  }
  assert.ok(listed.has('../../../include/python3.11/demo.pkg/demo.h'));
  assert.ok(listed.has('../../../share/man/man1/demo.1'));
  for (const leftover of ['INSTALLER', 'REQUESTED', 'direct_url.json']) {
    assert.ok(!main.some((e) => e.path.endsWith(`/${leftover}`)), leftover);
    assert.ok(!record.includes(leftover), leftover);
  }
});

/** pyenv's CPython 3.11, or python3.11 on the PATH. */
function findPython311(): string | undefined {
  const root = '/root/.pyenv/versions';
  if (existsSync(root)) {
    for (const v of readdirSync(root).sort()) {
      const exe = join(root, v, 'bin', 'python3.11');
      if (v.startsWith('3.11.') && existsSync(exe)) return exe;
    }
  }
  return spawnSync('python3.11', ['--version']).status === 0 ? 'python3.11' : undefined;
}

test('the installed tree really works: imports, console and gui scripts, importlib.metadata RECORD check', async (t) => {
  const python = findPython311();
  // The suite runs where CPython 3.11 is (pyenv or Debian's): its absence is a failure, not a skip.
  assert.ok(python, 'no CPython 3.11 on this machine');
  const { main, bin } = await install(demoSpec());
  const root = await mkdtemp(join(tmpdir(), 'bale-wheel-'));
  t.after(() => rm(root, { recursive: true, force: true }));
  await writeEntries([...main, ...bin], root);
  const env = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    PYTHONPATH: join(root, SITE),
    PYTHONNOUSERSITE: '1',
    PYTHONDONTWRITEBYTECODE: '1',
  };
  const run = (args: string[]) => spawnSync(python, args, { env, encoding: 'utf8' });

  const imported = run(['-c', 'import demo, demo_extra, demo_plat; print(demo.VALUE, demo_extra.EXTRA, demo_plat.PLAT, demo.__file__)']);
  assert.equal(imported.status, 0, imported.stderr);
  assert.equal(imported.stdout, `42 purelib platlib ${join(root, SITE, 'demo', '__init__.py')}\n`);

  const demo = run([join(root, 'usr/bin/demo')]);
  assert.deepEqual([demo.status, demo.stdout, demo.stderr], [0, 'demo says 42\n', '']);
  const cli = run([join(root, 'usr/bin/demo-cli'), 'a', 'b']);
  assert.deepEqual([cli.status, cli.stdout], [3, "cli ['a', 'b']\n"], cli.stderr);
  const gui = run([join(root, 'usr/bin/Demo-GUI')]);
  assert.deepEqual([gui.status, gui.stdout], [0, 'gui started\n'], gui.stderr);
  const tool = run([join(root, 'usr/bin/demo-tool')]);
  assert.deepEqual([tool.status, tool.stdout], [0, 'tool 42\n'], tool.stderr);

  // Python's own reading of the dist-info: name, version, scripts, and every RECORD hash and size.
  const check = `
import base64, hashlib, importlib.metadata as md
d = md.distribution('demo.pkg')
assert d.version == '1.0', d.version
assert sorted(e.name for e in d.entry_points if e.group.endswith('_scripts')) == ['Demo-GUI', 'demo', 'demo-cli']
n = 0
for f in d.files:
    p = f.locate()
    data = open(p, 'rb').read()
    if f.hash:
        assert f.hash.mode == 'sha256', f
        assert base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b'=').decode() == f.hash.value, f
        assert f.size == len(data), f
        n += 1
print(n, len(d.files))
`;
  const meta = run(['-c', check]);
  assert.equal(meta.status, 0, meta.stderr);
  assert.equal(meta.stdout, `${main.length + bin.length - 1} ${main.length + bin.length}\n`);
});

function rejectsWith(code: ErrorCode, mentions: string[]) {
  return (err: Error & { code?: string }) => {
    assert.equal(err.code, code, err.message);
    assert.ok((err as { isUserError?: boolean }).isUserError, 'a UserError');
    assert.ok(err.message.startsWith(`${SOURCE}: `), err.message);
    for (const m of mentions) assert.ok(err.message.includes(m), `"${m}" missing from: ${err.message}`);
    return true;
  };
}

const WRONG = `sha256=${createHash('sha256').update('something else').digest('base64url')}`;

const REFUSED: Array<[scenario: string, spec: WheelSpec, code: ErrorCode, mentions: string[], opts?: WheelInstallOptions]> = [
  ['a RECORD hash mismatch', demoSpec({ record: { hashes: { 'demo/cli.py': WRONG } } }), 'EINTEGRITY', ['"demo/cli.py"', 'RECORD hash']],
  ['a mismatch in .data', demoSpec({ record: { hashes: { [`${DATA}/scripts/demo-tool`]: WRONG } } }), 'EINTEGRITY', ['demo-tool']],
  ['a file missing from RECORD', demoSpec({ record: { omit: ['demo/gui.py'] } }), 'EINTEGRITY', ['"demo/gui.py"', 'not listed']],
  [
    'a RECORD row with no file',
    demoSpec({ record: { extra: [['demo/ghost.py', WRONG, '3']] } }),
    'EINTEGRITY',
    ['"demo/ghost.py"', 'not in the wheel'],
  ],
  [
    'an md5 hash',
    demoSpec({ record: { hashes: { 'demo/cli.py': 'md5=1B2M2Y8AsgTpgAmY7PhCfg' } } }),
    'EINTEGRITY',
    ['demo/cli.py', 'sha256 or better'],
  ],
  ['a file with no hash', demoSpec({ record: { hashes: { 'demo/cli.py': '' } } }), 'EINTEGRITY', ['demo/cli.py', 'no hash']],
  ['a dist-info of another distribution', demoSpec({ distInfoStem: 'other-1.0' }), 'EWHEEL', ['other-1.0.dist-info', 'demo.pkg 1.0']],
  ['a dist-info of another version', demoSpec(), 'EWHEEL', ['Demo_Pkg-1.0.dist-info', 'demo.pkg 2.0'], { ...OPTS, version: '2.0' }],
  [
    'a METADATA naming another distribution',
    demoSpec({ name: 'evil-pkg', distInfoStem: 'Demo_Pkg-1.0' }),
    'EWHEEL',
    [`${INFO}/METADATA names "evil-pkg" 1.0`, 'not demo.pkg 1.0'],
  ],
  [
    'a METADATA naming another version',
    demoSpec({ version: '6.6.6', distInfoStem: 'Demo_Pkg-1.0' }),
    'EWHEEL',
    [`${INFO}/METADATA names "Demo-Pkg" 6.6.6`],
  ],
  ['no WHEEL', demoSpec({ wheel: null }), 'EWHEEL', [`${INFO}/WHEEL is missing`]],
  ['Wheel-Version 2.0', demoSpec({ wheel: 'Wheel-Version: 2.0\nRoot-Is-Purelib: true\n' }), 'EWHEEL', ['Wheel-Version 2.0']],
  ['no Root-Is-Purelib', demoSpec({ wheel: 'Wheel-Version: 1.0\n' }), 'EWHEEL', ['Root-Is-Purelib']],
  ['an unknown .data scheme', demoSpec({ files: [{ name: `${DATA}/config/x.cfg`, data: 'x' }] }), 'EWHEEL', [`${DATA}/config/x.cfg`]],
  [
    'a script that collides with an entry point',
    demoSpec({ files: [{ name: `${DATA}/scripts/demo`, data: '#!python\n' }] }),
    'EWHEEL',
    ['/usr/bin/demo'],
  ],
  [
    'an entry point that is code',
    demoSpec({ entryPoints: '[console_scripts]\nx = os:system("id")\n' }),
    'EWHEEL',
    ['entry_points.txt line 2'],
  ],
  ['a script name that is a path', demoSpec({ entryPoints: '[console_scripts]\n../../etc/x = demo:main\n' }), 'EWHEEL', ['../../etc/x']],
  [
    'a second .data directory',
    demoSpec({ files: [{ name: 'other-1.0.data/scripts/x', data: '#!python\n' }] }),
    'EWHEEL',
    ['other-1.0.data/scripts/x', `${DATA}/`],
  ],
  [
    'two dist-info directories',
    demoSpec({ files: [{ name: 'extra-2.0.dist-info/METADATA', data: 'x' }] }),
    'EWHEEL',
    ['several .dist-info'],
  ],
];

for (const [scenario, spec, code, mentions, opts] of REFUSED) {
  test(`refuses ${scenario}`, async () => {
    const entries = await readZip(makeWheel(spec), { source: SOURCE });
    assert.throws(() => installWheel(entries, opts ?? OPTS, SOURCE), rejectsWith(code, mentions));
  });
}

test('refuses a zip with no .dist-info, and symlinks or non-normal paths handed in by a caller', async () => {
  const plain = await readZip(makeZip([{ name: 'demo/__init__.py', data: '' }]), { source: SOURCE });
  assert.throws(() => installWheel(plain, OPTS, SOURCE), rejectsWith('EWHEEL', ['no .dist-info']));
  const entries = await readZip(makeWheel(demoSpec()), { source: SOURCE });
  entries.push({ path: 'demo/link', type: 'symlink', mode: 0o777, target: '__init__.py' });
  assert.throws(() => installWheel(entries, OPTS, SOURCE), rejectsWith('EWHEEL', ['demo/link', 'symlink']));
  entries.pop();
  entries.push({ path: `${DATA}/data/../../etc/passwd`, type: 'file', mode: 0o644, data: Buffer.from('x') });
  assert.throws(() => installWheel(entries, OPTS, SOURCE), rejectsWith('EWHEEL', ['etc/passwd', 'not a normal']));
});

test('the dist-info name is compared normalised: case, -_. runs and PEP 440 spelling', async () => {
  const { distInfo } = await install(demoSpec({ distInfoStem: 'demo__pkg-1.0' }), { ...OPTS, distribution: 'DEMO-PKG', version: '1.0' });
  assert.equal(distInfo, 'demo__pkg-1.0.dist-info');
  const rc = await install(demoSpec({ version: '2.0rc1', distInfoStem: 'Demo_Pkg-2.0rc1' }), { ...OPTS, version: '2.0RC1' });
  assert.equal(rc.distInfo, 'Demo_Pkg-2.0rc1.dist-info');
});

test('signatures and pip bookkeeping are dropped; RECORD.jws needs no RECORD row', async () => {
  const spec = demoSpec();
  const zip = makeWheel(spec);
  const entries = await readZip(zip, { source: SOURCE });
  entries.push({ path: `${INFO}/RECORD.jws`, type: 'file', mode: 0o644, data: Buffer.from('{}') });
  entries.push({ path: `${INFO}/REQUESTED`, type: 'file', mode: 0o644, data: Buffer.from('') });
  // REQUESTED is not in RECORD: a wheel carrying it unlisted is refused like any other file.
  assert.throws(() => installWheel(entries, OPTS, SOURCE), rejectsWith('EINTEGRITY', ['REQUESTED']));
  entries.pop();
  const { main } = installWheel(entries, OPTS, SOURCE);
  assert.ok(!main.some((e) => e.path.includes('RECORD.jws')));
});

test('a real wheel (the pip that CPython bundles for ensurepip) installs, verifies and runs', async (t) => {
  const python = findPython311();
  const bundled = python?.startsWith('/') ? join(python, '../../lib/python3.11/ensurepip/_bundled') : undefined;
  const wheel = bundled && existsSync(bundled) ? readdirSync(bundled).find((f) => /^pip-.*\.whl$/.test(f)) : undefined;
  assert.ok(python && bundled && wheel, 'no pyenv CPython 3.11 with a bundled pip wheel');
  const version = wheel.split('-')[1]!;
  const source = join(bundled, wheel);
  const { main, bin, distInfo } = installWheel(
    await readZip(await readFile(source), { source }),
    { ...OPTS, distribution: 'pip', version },
    source,
  );
  assert.equal(distInfo, `pip-${version}.dist-info`);
  assert.deepEqual(bin.map((e) => e.path).sort(), ['usr/bin/pip', 'usr/bin/pip3', 'usr/bin/pip3.11']);
  const root = await mkdtemp(join(tmpdir(), 'bale-pip-'));
  t.after(() => rm(root, { recursive: true, force: true }));
  await writeEntries([...main, ...bin], root);
  const env = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    PYTHONPATH: join(root, SITE),
    PYTHONNOUSERSITE: '1',
    PYTHONDONTWRITEBYTECODE: '1',
  };
  const r = spawnSync(python, [join(root, 'usr/bin/pip3'), '--version'], { env, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, `pip ${version} from ${join(root, SITE, 'pip')} (python 3.11)\n`);
});
