/** readZip on zips written by Python's zipfile, well-formed, hostile and broken. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { crc32, gzipSync } from 'node:zlib';
import { readZip } from '../../src/archive/index.js';
import type { PackEntry } from '../../src/packer/entry.js';
import { makeZip, type ZipEntrySpec } from '../builder/pypi/make-wheel.js';
import { isEarchive as isEarchiveFrom } from './make-tar.js';

const SOURCE = 'https://files.example/evil-1.0-py3-none-any.whl';

function view(entries: PackEntry[]): string[] {
  return entries.map(
    (e) => `${e.type} ${e.path} ${e.mode.toString(8)}${e.type === 'file' ? ` ${JSON.stringify(e.data?.toString())}` : ''}`,
  );
}

const isEarchive = (mentions: string[]): ((err: Error & { code?: string }) => boolean) => isEarchiveFrom(SOURCE, mentions);

test('files and directories in archive order, with unix modes, stored, deflated and zip64 entries', async () => {
  const big = 'line of text\n'.repeat(20_000); // over the sync-inflate limit: the thread-pool path
  const zip = makeZip([
    { name: 'pkg/', mode: 0o40755 },
    { name: 'pkg/__init__.py', data: 'x = 1\n', mode: 0o100644 },
    { name: 'pkg/run.sh', data: '#!/bin/sh\necho hi\n', mode: 0o100755, method: 'stored' },
    { name: 'pkg/empty', data: '', mode: 0o100644 },
    { name: 'pkg/z64.txt', data: 'zip64', mode: 0o100644, zip64: true },
    { name: 'pkg/ünïcødé-名前.txt', data: 'u', mode: 0o100644 },
    { name: 'pkg/big.txt', data: big, mode: 0o100644 },
  ]);
  const entries = await readZip(zip, { source: SOURCE });
  assert.deepEqual(view(entries.slice(0, 6)), [
    'dir pkg 755',
    'file pkg/__init__.py 644 "x = 1\\n"',
    'file pkg/run.sh 755 "#!/bin/sh\\necho hi\\n"',
    'file pkg/empty 644 ""',
    'file pkg/z64.txt 644 "zip64"',
    'file pkg/ünïcødé-名前.txt 644 "u"',
  ]);
  assert.equal(entries[6]!.data!.toString(), big);
  assert.ok(zip.length < big.length / 10, 'the big file must really be deflated');
});

test('without unix attributes: 0644 files and 0755 directories; ./ and // are normalised', async () => {
  const zip = makeZip([
    { name: './a/', externalAttr: 0x10 }, // MS-DOS directory attribute only
    { name: './a//b.txt', data: 'b', externalAttr: 0 },
    { name: 'a/', mode: 0o40755 }, // the same directory again: harmless
  ]);
  assert.deepEqual(view(await readZip(zip, { source: SOURCE })), ['dir a 755', 'file a/b.txt 644 "b"']);
});

test('the same path twice: the rule of a tar (a directory again keeps the later mode, an exact repeat is kept once)', async () => {
  const zip = makeZip([
    { name: 'pkg/', mode: 0o40700 },
    { name: 'pkg/a.py', data: 'same', mode: 0o100644 },
    { name: 'pkg/a.py', data: 'same', mode: 0o100644 },
    { name: 'pkg/', mode: 0o40755 },
  ]);
  assert.deepEqual(view(await readZip(zip, { source: SOURCE })), ['dir pkg 755', 'file pkg/a.py 644 "same"']);
});

const HOSTILE: Array<[scenario: string, entries: ZipEntrySpec[], mentions: string[]]> = [
  ['dot-dot at the start', [{ name: '../evil.txt', data: 'x' }], ['"../evil.txt"', '..']],
  ['dot-dot inside, escaping', [{ name: 'pkg/../../evil.txt', data: 'x' }], ['pkg/../../evil.txt']],
  ['dot-dot inside, staying in (still refused)', [{ name: 'pkg/../x.py', data: 'x' }], ['pkg/../x.py']],
  ['absolute path', [{ name: '/etc/cron.d/evil', data: 'x' }], ['/etc/cron.d/evil', 'absolute']],
  ['drive letter', [{ name: 'C:/evil', data: 'x' }], ['C:/evil', 'drive letter']],
  ['backslash dot-dot', [{ name: '..\\..\\evil', data: 'x' }], ['backslash']],
  ['backslash separator', [{ name: 'pkg\\mod.py', data: 'x' }], ['backslash']],
  ['symlink entry', [{ name: 'pkg/link', data: '../../../etc/passwd', mode: 0o120777 }], ['"pkg/link"', 'symlink']],
  ['harmless-looking symlink entry', [{ name: 'pkg/link', data: 'mod.py', mode: 0o120777 }], ['"pkg/link"', 'symlink']],
  ['fifo', [{ name: 'pkg/pipe', data: '', mode: 0o10644 }], ['pkg/pipe', 'special file']],
  ['character device', [{ name: 'pkg/null', data: '', mode: 0o20644 }], ['pkg/null', 'special file']],
  [
    'duplicate file',
    [
      { name: 'pkg/a.py', data: 'good' },
      { name: 'pkg/a.py', data: 'evil' },
    ],
    ['pkg/a.py', 'second entry'],
  ],
  [
    'duplicate after normalisation',
    [
      { name: 'pkg/a.py', data: 'good' },
      { name: 'pkg//./a.py', data: 'evil' },
    ],
    ['pkg//./a.py', 'second entry'],
  ],
  [
    'file and directory of one name',
    [
      { name: 'pkg/a', data: 'x' },
      { name: 'pkg/a/', mode: 0o40755 },
    ],
    ['pkg/a/', 'second entry'],
  ],
  [
    'file used as a directory',
    [
      { name: 'pkg/a', data: 'x' },
      { name: 'pkg/a/b', data: 'y' },
    ],
    ['pkg/a/b', 'is a file'],
  ],
  ['directory mode without a slash', [{ name: 'pkg/d', data: '', mode: 0o40755 }], ['pkg/d', 'trailing']],
  ['encrypted entry', [{ name: 'secret.py', data: 'x', encryptedFlag: true }], ['secret.py', 'encrypted']],
  ['unsupported compression', [{ name: 'b.py', data: 'x'.repeat(100), method: 'bzip2' }], ['b.py', 'compression method 12']],
  ['a file named "."', [{ name: '.', data: 'x' }], ['empty name']],
  ['Unicode Path field naming another file', [{ name: 'pkg/ok.py', data: 'x', unicodePath: '../evil.py' }], ['pkg/ok.py', 'Unicode Path']],
];

for (const [scenario, entries, mentions] of HOSTILE) {
  test(`refuses: ${scenario}`, async () => {
    await assert.rejects(readZip(makeZip(entries), { source: SOURCE }), isEarchive(mentions));
  });
}

test('refuses a NUL in a name (zipfile cannot write one: patched in, both headers)', async () => {
  const zip = makeZip([{ name: 'pkg/aQb.py', data: 'x', method: 'stored' }]);
  let at = -1;
  while ((at = zip.indexOf('pkg/aQb.py', at + 1)) !== -1) zip[at + 5] = 0;
  await assert.rejects(readZip(zip, { source: SOURCE }), isEarchive(['NUL']));
});

test('refuses a local header whose name differs from the central directory', async () => {
  const zip = makeZip([{ name: 'pkg/aaaa.py', data: 'x', method: 'stored' }]);
  const at = zip.indexOf('pkg/aaaa.py'); // the local header comes first
  zip.write('../../a.py', at, 'latin1'); // same length: only the local name changes
  assert.ok(zip.indexOf('pkg/aaaa.py', at + 1) > at, 'the central directory keeps the old name');
  await assert.rejects(readZip(zip, { source: SOURCE }), isEarchive(['pkg/aaaa.py', 'local header']));
});

test('refuses data that does not match its CRC-32, and deflate data that does not inflate', async () => {
  const stored = makeZip([{ name: 'a.txt', data: 'hello world', method: 'stored' }]);
  stored.write('J', stored.indexOf('hello world'), 'latin1');
  await assert.rejects(readZip(stored, { source: SOURCE }), isEarchive(['a.txt', 'CRC-32']));

  const deflated = makeZip([{ name: 'a.txt', data: 'hello world '.repeat(50) }]);
  const dataStart = 30 + 'a.txt'.length; // one entry, no extra field: the data follows its name
  deflated.fill(0xff, dataStart, dataStart + 8);
  await assert.rejects(readZip(deflated, { source: SOURCE }), isEarchive(['a.txt']));
});

test('refuses deflate data that inflates past its declared size (stopped there, not inflated whole)', async () => {
  const zip = makeZip([{ name: 'bomb.txt', data: '0'.repeat(100_000) }]);
  const central = zip.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
  zip.writeUInt32LE(1000, central + 24); // the uncompressed size the central directory declares
  await assert.rejects(readZip(zip, { source: SOURCE }), isEarchive(['bomb.txt', 'inflates past the 1000 bytes']));
});

test('refuses deflate data shorter than its declared size, even with a matching CRC-32', async () => {
  const zip = makeZip([{ name: 'short.txt', data: 'a'.repeat(500) }]);
  const central = zip.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
  zip.writeUInt32LE(600, central + 24);
  await assert.rejects(readZip(zip, { source: SOURCE }), isEarchive(['short.txt', '500 bytes, not the 600']));
});

/** A stored-only zip written byte by byte, where entry B's header and data sit inside A's data. */
function overlappingZip(): Buffer {
  const local = (name: string, data: Buffer) => {
    const h = Buffer.alloc(30);
    h.writeUInt32LE(0x04034b50, 0);
    h.writeUInt16LE(20, 4);
    h.writeUInt32LE(crc32(data), 14);
    h.writeUInt32LE(data.length, 18);
    h.writeUInt32LE(data.length, 22);
    h.writeUInt16LE(name.length, 26);
    return Buffer.concat([h, Buffer.from(name), data]);
  };
  const central = (name: string, data: Buffer, offset: number) => {
    const h = Buffer.alloc(46);
    h.writeUInt32LE(0x02014b50, 0);
    h.writeUInt16LE(20, 4);
    h.writeUInt16LE(20, 6);
    h.writeUInt32LE(crc32(data), 16);
    h.writeUInt32LE(data.length, 20);
    h.writeUInt32LE(data.length, 24);
    h.writeUInt16LE(name.length, 28);
    h.writeUInt32LE(offset, 42);
    return Buffer.concat([h, Buffer.from(name)]);
  };
  const b = local('b', Buffer.from('inner'));
  const a = local('a', b); // A's data is B, header and all
  const cd = Buffer.concat([central('a', b, 0), central('b', Buffer.from('inner'), 30 + 1)]);
  const eocd = Buffer.alloc(22);
  eocd.writeUInt32LE(0x06054b50, 0);
  eocd.writeUInt16LE(2, 8);
  eocd.writeUInt16LE(2, 10);
  eocd.writeUInt32LE(cd.length, 12);
  eocd.writeUInt32LE(a.length, 16);
  return Buffer.concat([a, cd, eocd]);
}

test('refuses entries whose bytes overlap (the overlapping-files zip bomb)', async () => {
  await assert.rejects(readZip(overlappingZip(), { source: SOURCE }), isEarchive(['"b"', 'overlap']));
});

test('garbage, truncated and empty inputs are EARCHIVE errors naming the source', async () => {
  const good = makeZip([
    { name: 'a.py', data: 'print(1)\n'.repeat(100) },
    { name: 'b.py', data: 'b' },
  ]);
  const cases: Array<[string, Buffer]> = [
    ['empty', Buffer.alloc(0)],
    ['random bytes', randomBytes(4096)],
    ['a gzip file', gzipSync(Buffer.from('not a zip'))],
    ['truncated to half', good.subarray(0, good.length >> 1)],
    ['missing its last bytes', good.subarray(0, good.length - 5)],
    ['missing its first bytes', good.subarray(40)],
  ];
  for (const [what, data] of cases) {
    await assert.rejects(readZip(data, { source: SOURCE }), isEarchive([]), what);
  }
});
