import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { execa } from 'execa';
import { parseWheelFilename } from '../../../importers/pypi/filenames.js';
import { compareBuildTags, linuxPlatforms, pickWheel, supportedTags, wheelRank, type TagTarget } from '../../../importers/pypi/tags.js';
import { discoverPythons, type PythonInterpreter } from '../../../src/interpreters/python.js';

/** The glibc this test runs on, as node itself reports it (independent of the code under test). */
function hostGlibc(): [number, number] {
  const header = (process.report.getReport() as { header: { glibcVersionRuntime?: string } }).header;
  const [major, minor] = (header.glibcVersionRuntime ?? '').split('.').map(Number);
  assert.ok(Number.isInteger(major) && Number.isInteger(minor), 'this test needs a glibc host');
  return [major!, minor!];
}

let pythons: PythonInterpreter[] = [];
before(async () => {
  pythons = await discoverPythons();
});

/**
 * The tags of a real interpreter: sys_tags() from pip's vendored packaging or from `packaging`
 * itself, or what pip really installs by (`get_supported()`, which adds cpXY-none-any to any packaging).
 */
async function referenceTags(version: string, module: 'pip._vendor.packaging' | 'packaging' | 'pip'): Promise<string[]> {
  const p = pythons.find((x) => x.version === version);
  assert.ok(p, `CPython ${version} is needed on this host`);
  const script =
    module === 'pip'
      ? 'from pip._internal.utils.compatibility_tags import get_supported; print("\\n".join(str(t) for t in get_supported()))'
      : `from ${module} import tags; print("\\n".join(str(t) for t in tags.sys_tags()))`;
  const r = await execa(p.bin, ['-I', '-c', script], { env: {}, extendEnv: false, reject: false });
  assert.equal(r.exitCode, 0, String(r.stderr));
  return String(r.stdout).trim().split('\n');
}

/**
 * The one deliberate difference besides linux_x86_64: bale lists cpXY-none-any as packaging >= 22
 * and pip itself do; pip 23's vendored packaging 21.3 sys_tags() does not. Dropped from ours only
 * when the reference lacks it.
 */
function withoutCpNoneAny(ours: string[], reference: string[], version: string): string[] {
  const tag = `cp${version.replace('.', '')}-none-any`;
  return reference.includes(tag) ? ours : ours.filter((t) => t !== tag);
}

for (const version of ['3.8', '3.11', '3.13']) {
  test(`supportedTags ${version} with plainLinux equals pip's vendored packaging sys_tags()`, async () => {
    const reference = await referenceTags(version, 'pip._vendor.packaging');
    const ours = supportedTags({ version, glibc: hostGlibc(), arch: 'x86_64', plainLinux: true });
    assert.ok(ours.includes(`cp${version.replace('.', '')}-none-any`));
    assert.deepEqual(withoutCpNoneAny(ours, reference, version), reference);
  });

  test(`supportedTags ${version} with plainLinux equals what pip ${version} installs by, exactly`, async () => {
    const reference = await referenceTags(version, 'pip');
    assert.deepEqual(supportedTags({ version, glibc: hostGlibc(), arch: 'x86_64', plainLinux: true }), reference);
  });

  test(`supportedTags ${version} by default is that list without linux_x86_64`, async () => {
    const reference = (await referenceTags(version, 'pip._vendor.packaging')).filter((t) => !t.endsWith('-linux_x86_64'));
    assert.ok(reference.length > 600);
    const ours = supportedTags({ version, glibc: hostGlibc(), arch: 'x86_64' });
    assert.deepEqual(withoutCpNoneAny(ours, reference, version), reference);
  });
}

test('supportedTags 3.11 equals the packaging release installed for it, cp311-none-any included', async () => {
  const reference = await referenceTags('3.11', 'packaging');
  assert.ok(reference.includes('cp311-none-any'), 'a packaging release that lists cpXY-none-any');
  assert.deepEqual(supportedTags({ version: '3.11', glibc: hostGlibc(), arch: 'x86_64', plainLinux: true }), reference);
});

test('supportedTags order: specific, abi3, none, older abi3 down to cp32, py*, then any', () => {
  const tags = supportedTags({ version: '3.11', glibc: [2, 17], arch: 'x86_64' });
  const at = (t: string): number => {
    const i = tags.indexOf(t);
    assert.ok(i >= 0, t);
    return i;
  };
  assert.equal(tags[0], 'cp311-cp311-manylinux_2_17_x86_64');
  assert.equal(tags[1], 'cp311-cp311-manylinux2014_x86_64');
  assert.ok(at('cp311-cp311-manylinux1_x86_64') < at('cp311-abi3-manylinux_2_17_x86_64'));
  assert.ok(at('cp311-abi3-manylinux1_x86_64') < at('cp311-none-manylinux_2_17_x86_64'));
  assert.ok(at('cp311-none-manylinux1_x86_64') < at('cp310-abi3-manylinux_2_17_x86_64'));
  assert.ok(at('cp32-abi3-manylinux1_x86_64') < at('py311-none-manylinux_2_17_x86_64'));
  assert.ok(at('py311-none-manylinux1_x86_64') < at('py3-none-manylinux_2_17_x86_64'));
  assert.ok(at('py30-none-manylinux1_x86_64') < at('cp311-none-any'));
  assert.deepEqual(tags.slice(-14, -11), ['cp311-none-any', 'py311-none-any', 'py3-none-any']);
  assert.equal(tags.at(-1), 'py30-none-any');
  assert.equal(tags.includes('cp31-abi3-manylinux1_x86_64'), false);
  assert.equal(
    tags.some((t) => t.includes('manylinux_2_18')),
    false,
  );
});

test('linuxPlatforms: newest glibc first, legacy aliases right after their glibc, linux_* last and only on request', () => {
  const p = linuxPlatforms({ glibc: [2, 17], arch: 'x86_64' });
  assert.deepEqual(p.slice(0, 3), ['manylinux_2_17_x86_64', 'manylinux2014_x86_64', 'manylinux_2_16_x86_64']);
  assert.deepEqual(p.slice(-2), ['manylinux_2_5_x86_64', 'manylinux1_x86_64']);
  assert.equal(p.length, 13 + 3);
  assert.equal(linuxPlatforms({ glibc: [2, 17], arch: 'x86_64', plainLinux: true }).at(-1), 'linux_x86_64');
  assert.deepEqual(linuxPlatforms({ glibc: [2, 4], arch: 'x86_64' }), []);
  // A future glibc 3.1: 3.1, 3.0, then 2.50 (packaging's guess at the last 2.x) down.
  assert.deepEqual(linuxPlatforms({ glibc: [3, 1], arch: 'x86_64' }).slice(0, 3), [
    'manylinux_3_1_x86_64',
    'manylinux_3_0_x86_64',
    'manylinux_2_50_x86_64',
  ]);
});

test('supportedTags refuses a malformed target (a bug, not user input)', () => {
  for (const version of ['3', '311', '3.11.7', 'cp311', '2.7x']) {
    assert.throws(() => supportedTags({ version, glibc: [2, 36], arch: 'x86_64' }), /bad tag target/);
  }
});

const t311: TagTarget = { version: '3.11', glibc: [2, 36], arch: 'x86_64' };
const w = (filename: string) => ({ wheel: parseWheelFilename(filename) });

test('wheelRank: cp311-specific beats abi3 beats pure; incompatible is undefined', () => {
  const s = supportedTags(t311);
  const rank = (f: string) => wheelRank(parseWheelFilename(f), s);
  const specific = rank('orjson-3.10.12-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl')!;
  const abi3 = rank('cryptography-42.0.5-cp39-abi3-manylinux_2_28_x86_64.whl')!;
  const pure = rank('six-1.16.0-py2.py3-none-any.whl')!;
  assert.ok(specific < abi3 && abi3 < pure, `${specific} < ${abi3} < ${pure}`);
  assert.equal(pure, s.indexOf('py3-none-any'));
  assert.equal(specific, s.indexOf('cp311-cp311-manylinux_2_17_x86_64'));
  for (const f of [
    'numpy-2.1.3-cp311-cp311-musllinux_1_2_x86_64.whl',
    'numpy-2.1.3-cp311-cp311-win_amd64.whl',
    'numpy-2.1.3-cp311-cp311-macosx_14_0_x86_64.whl',
    'numpy-2.1.3-cp311-cp311-manylinux_2_17_aarch64.manylinux2014_aarch64.whl',
    'numpy-2.1.3-cp310-cp310-manylinux_2_17_x86_64.whl',
    'cryptography-44.0.0-cp312-abi3-manylinux_2_28_x86_64.whl',
    'numpy-2.1.3-cp311-cp311-manylinux_2_39_x86_64.whl',
    'numpy-2.1.3-pp310-pypy310_pp73-manylinux_2_17_x86_64.whl',
    'torch-2.1.0+cpu-cp311-cp311-linux_x86_64.whl',
    'six-1.16.0-py2-none-any.whl',
  ]) {
    assert.equal(rank(f), undefined, f);
  }
});

test('wheelRank: linux_x86_64 only with plainLinux, and after every manylinux of its ABI', () => {
  const s = supportedTags({ ...t311, plainLinux: true });
  const plain = wheelRank(parseWheelFilename('torch-2.1.0+cpu-cp311-cp311-linux_x86_64.whl'), s)!;
  assert.ok(plain > wheelRank(parseWheelFilename('x-1-cp311-cp311-manylinux1_x86_64.whl'), s)!);
  assert.ok(plain < wheelRank(parseWheelFilename('x-1-cp311-abi3-manylinux_2_36_x86_64.whl'), s)!);
});

test('pickWheel: the best-ranked compatible wheel, or undefined', () => {
  const crypto = [
    w('cryptography-42.0.5-cp39-abi3-musllinux_1_2_x86_64.whl'),
    w('cryptography-42.0.5-cp39-abi3-manylinux_2_17_x86_64.manylinux2014_x86_64.whl'),
    w('cryptography-42.0.5-cp39-abi3-win_amd64.whl'),
    w('cryptography-42.0.5-cp39-abi3-manylinux_2_28_x86_64.whl'),
    w('cryptography-42.0.5-cp37-abi3-manylinux_2_28_x86_64.whl'),
    w('cryptography-42.0.5-cp39-abi3-macosx_10_12_universal2.whl'),
  ];
  assert.equal(pickWheel(crypto, t311)?.wheel.filename, 'cryptography-42.0.5-cp39-abi3-manylinux_2_28_x86_64.whl');
  // An older host: the manylinux_2_28 wheels are out, 2014 is in.
  assert.equal(
    pickWheel(crypto, { ...t311, glibc: [2, 17] })?.wheel.filename,
    'cryptography-42.0.5-cp39-abi3-manylinux_2_17_x86_64.manylinux2014_x86_64.whl',
  );
  assert.equal(
    pickWheel(
      crypto.filter((c) => !c.wheel.platformTags.some((p) => p.startsWith('manylinux'))),
      t311,
    ),
    undefined,
  );

  const numpy = [
    w('numpy-1.26.4-py3-none-any.whl'),
    w('numpy-1.26.4-cp311-abi3-manylinux_2_17_x86_64.whl'),
    w('numpy-1.26.4-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl'),
    w('numpy-1.26.4-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl'),
  ];
  assert.equal(pickWheel(numpy, t311)?.wheel.filename, 'numpy-1.26.4-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl');
  assert.equal(
    pickWheel(numpy, { ...t311, version: '3.12' })?.wheel.filename,
    'numpy-1.26.4-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl',
  );
  assert.equal(pickWheel(numpy, { ...t311, version: '3.10' })?.wheel.filename, 'numpy-1.26.4-py3-none-any.whl');
  assert.equal(pickWheel([], t311), undefined);
});

test('pickWheel ties: highest build tag, then the smallest file name, whatever the input order', () => {
  const same = [
    w('simple-0.1-py3-none-any.whl'),
    w('simple-0.1-2-py3-none-any.whl'),
    w('simple-0.1-10-py3-none-any.whl'),
    w('simple-0.1-9z-py3-none-any.whl'),
  ];
  for (const order of [same, [...same].reverse()]) {
    assert.equal(pickWheel(order, t311)?.wheel.build, '10');
  }
  // py2.py3 and py3 rank the same (both match py3-none-any): the file name decides.
  const names = [w('simple-0.1-py3-none-any.whl'), w('simple-0.1-py2.py3-none-any.whl')];
  for (const order of [names, [...names].reverse()]) {
    assert.equal(pickWheel(order, t311)?.wheel.filename, 'simple-0.1-py2.py3-none-any.whl');
  }
  // The rank still comes first: a better tag without a build tag beats a worse one with one.
  assert.equal(
    pickWheel([w('simple-0.1-5-py3-none-any.whl'), w('simple-0.1-py311-none-any.whl')], t311)?.wheel.filename,
    'simple-0.1-py311-none-any.whl',
  );
});

test('compareBuildTags: none < any; numeric prefix as a number, then the rest as a string', () => {
  assert.equal(compareBuildTags(undefined, undefined), 0);
  assert.equal(compareBuildTags(undefined, '0'), -1);
  assert.equal(compareBuildTags('1', undefined), 1);
  assert.equal(compareBuildTags('9', '10'), -1);
  assert.equal(compareBuildTags('10a', '10'), 1);
  assert.equal(compareBuildTags('10a', '10b'), -1);
  assert.equal(compareBuildTags('007', '7'), 0);
});
