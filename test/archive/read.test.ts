/** readTar / readTarGz on well-formed archives built with tar-stream. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gunzipSync } from 'node:zlib';
import { readTar, readTarGz } from '../../src/archive/index.js';
import type { PackEntry } from '../../src/packer/entry.js';
import { isEarchive, makeTar, makeTgz, type TestEntry } from './make-tar.js';

const NPM: TestEntry[] = [
  { name: 'package/', type: 'directory' },
  { name: 'package/package.json', data: '{"name":"x"}' },
  { name: 'package/lib/', type: 'directory' },
  { name: 'package/lib/index.js', data: 'module.exports = 1;\n' },
  { name: 'package/bin/cli.js', data: '#!/usr/bin/env node\n', mode: 0o755 },
  { name: 'package/empty.txt', data: '' },
];

/** A compact view of entries for deepEqual: path, type, mode, and data or target. */
function view(entries: PackEntry[]): string[] {
  return entries.map((e) => {
    const tail = e.type === 'symlink' ? `-> ${e.target}` : e.type === 'file' ? JSON.stringify(e.data?.toString()) : '';
    return `${e.type} ${e.path} ${e.mode.toString(8)} ${tail}`.trim();
  });
}

test('an npm tarball with stripComponents 1: archive order, normal paths, data and modes', async () => {
  const entries = await readTarGz(await makeTgz(NPM), { source: 'npm:x@1', stripComponents: 1 });
  assert.deepEqual(view(entries), [
    'file package.json 644 "{\\"name\\":\\"x\\"}"',
    'dir lib 755',
    'file lib/index.js 644 "module.exports = 1;\\n"',
    'file bin/cli.js 755 "#!/usr/bin/env node\\n"',
    'file empty.txt 644 ""',
  ]);
  for (const e of entries) if (e.type === 'file') assert.ok(Buffer.isBuffer(e.data));
});

test('the top folder may have any name, and ./ prefixes and double slashes are normalised', async () => {
  const tgz = await makeTgz([
    { name: './node-v20/', type: 'directory' },
    { name: './node-v20//src/./a.js', data: 'a' },
    { name: 'node-v20/src/../b.js', data: 'b' },
  ]);
  const entries = await readTarGz(tgz, { source: 's', stripComponents: 1 });
  assert.deepEqual(
    entries.map((e) => e.path),
    ['src/a.js', 'b.js'],
  );
});

test('without stripComponents the top folder is a dir entry', async () => {
  const entries = await readTar(await makeTar(NPM.slice(0, 2)), { source: 's' });
  assert.deepEqual(view(entries), ['dir package 755', 'file package/package.json 644 "{\\"name\\":\\"x\\"}"']);
});

test('long paths (ustar prefix and pax) and long symlink targets survive', async () => {
  const deep = `package/${'d'.repeat(60)}/${'e'.repeat(60)}/file.js`; // fits ustar's prefix field
  const long = `package/${'x'.repeat(120)}.js`; // one segment > 100: only pax can hold it
  const unicode = 'package/lib/ünïcødé-名前.js';
  const target = `${'y'.repeat(110)}.js`;
  const tar = await makeTar([
    { name: deep, data: 'deep' },
    { name: long, data: 'long' },
    { name: unicode, data: 'u' },
    { name: `package/${target}`, data: 'target' },
    { name: 'package/link', type: 'symlink', linkname: target },
  ]);
  assert.ok(tar.includes('PaxHeader'), 'the fixture must exercise pax headers');
  const entries = await readTar(tar, { source: 's', stripComponents: 1 });
  assert.deepEqual(
    entries.map((e) => e.path),
    [deep.slice(8), long.slice(8), unicode.slice(8), target, 'link'],
  );
  assert.equal(entries[1]!.path.length, 123);
  assert.equal(entries[1]!.data?.toString(), 'long');
  assert.equal(entries[4]!.target, target);
});

test('symlinks that stay inside the tree are kept as symlinks', async () => {
  const entries = await readTarGz(
    await makeTgz([
      { name: 'package/lib/cli.js', data: 'x' },
      { name: 'package/bin/cli', type: 'symlink', linkname: '../lib/cli.js' },
      { name: 'package/same', type: 'symlink', linkname: '.' },
      { name: 'package/alias', type: 'symlink', linkname: 'lib' },
      { name: 'package/via', type: 'symlink', linkname: 'alias/cli.js' },
    ]),
    { source: 's', stripComponents: 1 },
  );
  assert.deepEqual(view(entries).slice(1), [
    'symlink bin/cli 777 -> ../lib/cli.js',
    'symlink same 777 -> .',
    'symlink alias 777 -> lib',
    'symlink via 777 -> alias/cli.js',
  ]);
});

test('mode bits are kept as found, including 0 and setuid', async () => {
  const entries = await readTar(
    await makeTar([
      { name: 'package/locked/', type: 'directory', mode: 0 },
      { name: 'package/locked/f', data: 'f', mode: 0 },
      { name: 'package/suid', data: 's', mode: 0o4755 },
    ]),
    { source: 's', stripComponents: 1 },
  );
  assert.deepEqual(
    entries.map((e) => [e.path, e.mode]),
    [
      ['locked', 0],
      ['locked/f', 0],
      ['suid', 0o4755],
    ],
  );
});

test("the same path twice: a directory again keeps the later mode, an exact repeat is kept once (both in the first one's place), any other is refused", async () => {
  const tar = await makeTar([
    { name: 'package/a', data: 'same' },
    { name: 'package/d/', type: 'directory', mode: 0o700 },
    { name: 'package/d/f', data: 'f' },
    { name: 'package/b', data: 'b' },
    { name: 'package/a', data: 'same' },
    { name: 'package/d/', type: 'directory', mode: 0o755 },
  ]);
  const once = await readTar(tar, { source: 's', stripComponents: 1 });
  assert.deepEqual(view(once), ['file a 644 "same"', 'dir d 755', 'file d/f 644 "f"', 'file b 644 "b"']);
  assert.deepEqual(view(await readTar(tar, { source: 's', stripComponents: 1 })), view(once));

  const refused: Array<[string, TestEntry[]]> = [
    [
      'other data',
      [
        { name: 'package/a', data: 'first' },
        { name: 'package/a', data: 'second' },
      ],
    ],
    [
      'other mode',
      [
        { name: 'package/a', data: 'x' },
        { name: 'package/a', data: 'x', mode: 0o755 },
      ],
    ],
    [
      'a file, then a directory',
      [
        { name: 'package/a', data: 'x' },
        { name: 'package/a/', type: 'directory' },
      ],
    ],
    [
      'an empty directory, then a file',
      [
        { name: 'package/a/', type: 'directory' },
        { name: 'package/a', data: 'x' },
      ],
    ],
    [
      'a file, then a symlink',
      [
        { name: 'package/a', data: 'x' },
        { name: 'package/b', data: 'y' },
        { name: 'package/a', type: 'symlink', linkname: 'b' },
      ],
    ],
    [
      'two symlinks',
      [
        { name: 'package/l', type: 'symlink', linkname: 'x' },
        { name: 'package/l', type: 'symlink', linkname: 'y' },
      ],
    ],
  ];
  for (const [why, entries] of refused) {
    await assert.rejects(
      readTar(await makeTar(entries), { source: 's', stripComponents: 1 }),
      isEarchive('s', ['a second entry named', 'ambiguous']),
      why,
    );
  }
});

test('a hardlink to an earlier file of the archive becomes a copy', async () => {
  const entries = await readTar(
    await makeTar([
      { name: 'package/orig.js', data: 'shared', mode: 0o755 },
      { name: 'package/copy.js', type: 'link', linkname: 'package/orig.js' },
    ]),
    { source: 's', stripComponents: 1 },
  );
  assert.deepEqual(view(entries), ['file orig.js 755 "shared"', 'file copy.js 755 "shared"']);
});

test('readTarGz equals readTar of the gunzipped bytes', async () => {
  const tgz = await makeTgz(NPM);
  const a = await readTarGz(tgz, { source: 's', stripComponents: 1 });
  const b = await readTar(gunzipSync(tgz), { source: 's', stripComponents: 1 });
  assert.deepEqual(a, b);
});

test('an archive of many entries reads in linear time', async () => {
  const many: TestEntry[] = [];
  for (let i = 0; i < 5000; i++) many.push({ name: `package/d${i % 50}/f${i}.js`, data: `// ${i}\n`.repeat(20) });
  const tgz = await makeTgz(many);
  const started = Date.now();
  const entries = await readTarGz(tgz, { source: 's', stripComponents: 1 });
  assert.equal(entries.length, 5000);
  assert.equal(entries[4999]!.data?.toString(), '// 4999\n'.repeat(20));
  assert.ok(Date.now() - started < 5000, `took ${Date.now() - started} ms`);
});
