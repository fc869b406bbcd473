/** readTar / readTarGz refuse hostile and broken archives with one-line EARCHIVE UserErrors. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { readTar, readTarGz } from '../../src/archive/index.js';
import { isEarchive as isEarchiveFrom, makeTar, makeTgz, type TestEntry } from './make-tar.js';

const SOURCE = 'https://registry.example/evil/-/evil-1.0.0.tgz';

const isEarchive = (mentions: string[]): ((err: Error & { code?: string }) => boolean) => isEarchiveFrom(SOURCE, mentions);

const OK_FILE: TestEntry = { name: 'package/index.js', data: 'ok' };

/** Each case: the archive's entries and what the error must name (the offending entry). */
const HOSTILE: Array<[scenario: string, entries: TestEntry[], mentions: string[]]> = [
  ['dot-dot escaping after normalisation', [OK_FILE, { name: 'package/../../evil.txt', data: 'x' }], ['package/../../evil.txt']],
  ['dot-dot at the start', [{ name: '../x', data: 'x' }], ['../x']],
  ['absolute path', [{ name: '/tmp/evil', data: 'x' }], ['/tmp/evil', 'absolute']],
  [
    'symlink climbing out',
    [{ name: 'package/link', type: 'symlink', linkname: '../../../../etc/passwd' }],
    ['"package/link"', '../../../../etc/passwd'],
  ],
  ['symlink to the parent of the root', [{ name: 'package/up', type: 'symlink', linkname: '..' }], ['"package/up"']],
  ['symlink with an absolute target', [{ name: 'package/abs', type: 'symlink', linkname: '/etc/passwd' }], ['package/abs', '/etc/passwd']],
  [
    'symlink chain escaping only when followed',
    [
      { name: 'package/d/x', type: 'symlink', linkname: '..' },
      { name: 'package/y', type: 'symlink', linkname: 'd/x/..' },
    ],
    ['"package/y"'],
  ],
  [
    'symlink loop',
    [
      { name: 'package/a', type: 'symlink', linkname: 'b' },
      { name: 'package/b', type: 'symlink', linkname: 'a' },
    ],
    ['loop'],
  ],
  [
    'symlink then a file through it',
    [
      { name: 'package/sub/', type: 'directory' },
      { name: 'package/ln', type: 'symlink', linkname: 'sub' },
      { name: 'package/ln/evil.txt', data: 'x' },
    ],
    ['package/ln/evil.txt', 'symlink'],
  ],
  [
    'populated directory replaced by a symlink',
    [
      { name: 'package/d/f.js', data: 'x' },
      { name: 'package/d', type: 'symlink', linkname: '.' },
    ],
    ['package/d'],
  ],
  [
    'file used as a directory',
    [
      { name: 'package/f', data: 'x' },
      { name: 'package/f/g', data: 'y' },
    ],
    ['package/f/g', 'is a file'],
  ],
  ['hardlink to /etc/passwd', [{ name: 'package/pw', type: 'link', linkname: '/etc/passwd' }], ['package/pw', '/etc/passwd']],
  [
    'hardlink to a file not seen yet',
    [
      { name: 'package/a', type: 'link', linkname: 'package/b' },
      { name: 'package/b', data: 'b' },
    ],
    ['package/a'],
  ],
  [
    'hardlink to a directory',
    [
      { name: 'package/d/', type: 'directory' },
      { name: 'package/l', type: 'link', linkname: 'package/d' },
    ],
    ['package/l'],
  ],
  ['character device', [OK_FILE, { name: 'package/null', type: 'character-device' }], ['package/null', 'character-device']],
  ['block device', [{ name: 'package/sda', type: 'block-device' }], ['package/sda', 'block-device']],
  ['fifo', [{ name: 'package/pipe', type: 'fifo' }], ['package/pipe', 'fifo']],
];

for (const [scenario, entries, mentions] of HOSTILE) {
  test(`refused: ${scenario}`, async () => {
    await assert.rejects(readTarGz(await makeTgz(entries), { source: SOURCE, stripComponents: 1 }), isEarchive(mentions));
    await assert.rejects(readTar(await makeTar(entries), { source: SOURCE, stripComponents: 1 }), isEarchive(mentions));
  });
}

test('stripping components never hides an escape', async () => {
  const tar = await makeTar([{ name: 'a/../../b/c', data: 'x' }]);
  await assert.rejects(readTar(tar, { source: SOURCE, stripComponents: 2 }), isEarchive(['a/../../b/c']));
});

test('garbage input is refused naming the source', async () => {
  const good = await makeTgz([OK_FILE, { name: 'package/big.js', data: randomBytes(20_000).toString('hex') }]);
  const goodTar = await makeTar([OK_FILE, { name: 'package/big.js', data: 'z'.repeat(5000) }]);
  const cases: Array<[string, () => Promise<unknown>]> = [
    ['truncated gzip', () => readTarGz(good.subarray(0, good.length / 2), { source: SOURCE })],
    ['random bytes as gzip', () => readTarGz(randomBytes(4096), { source: SOURCE })],
    ['gzip of something that is not a tar', () => readTarGz(gzipSync(randomBytes(4096)), { source: SOURCE })],
    ['random bytes as tar', () => readTar(randomBytes(4096), { source: SOURCE })],
    ['truncated tar', () => readTar(goodTar.subarray(0, 1000), { source: SOURCE })],
    ['empty input', () => readTar(Buffer.alloc(0), { source: SOURCE })],
    ['empty gzip input', () => readTarGz(Buffer.alloc(0), { source: SOURCE })],
  ];
  for (const [name, run] of cases) {
    await assert.rejects(run(), isEarchive(['not a valid']), name);
  }
});

test('the well-formed controls of these fixtures are accepted', async () => {
  // Guards the hostile cases above: they fail for the hostile entry, not for a broken fixture.
  const entries = await readTarGz(
    await makeTgz([OK_FILE, { name: 'package/sub/', type: 'directory' }, { name: 'package/ln', type: 'symlink', linkname: 'sub' }]),
    { source: SOURCE, stripComponents: 1 },
  );
  assert.deepEqual(
    entries.map((e) => e.path),
    ['index.js', 'sub', 'ln'],
  );
});
