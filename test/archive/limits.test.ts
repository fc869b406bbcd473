/**
 * Every archive reader holds every bound of ArchiveLimits: at the limit the archive reads, one
 * byte (or one entry) over it is refused with one ELIMIT line naming the archive, the bound and
 * how to raise it; and a recipe's [build.limits] moves the bounds.
 */
import assert from 'node:assert/strict';
import { mkdir, readFile, truncate, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { execa } from 'execa';
import { openDeb, type DebFile } from '../../src/archive/deb-file.js';
import { readGemFile } from '../../src/archive/gem-file.js';
import { readTar, readTarGz, readZip } from '../../src/archive/index.js';
import { DEFAULT_LIMITS, RATIO_FLOOR, resolveLimits, type ArchiveLimits } from '../../src/limits/index.js';
import { gemWithData, MiB, TAR_END, tarFile, writeZip } from '../helpers/bombs.js';
import { tempDir } from '../helpers/cli.js';
import { buildDeb } from '../helpers/deb.js';
import { makeZip } from '../builder/pypi/make-wheel.js';
import { buildGem, HELLO } from '../builder/rubygems/make-gem.js';
import { isElimit, makeTar, type TestEntry } from './make-tar.js';

const SOURCE = 'https://registry.example/big/-/big-1.0.0.tgz';

const limits = (l: Partial<ArchiveLimits>): ArchiveLimits => ({ ...DEFAULT_LIMITS, ...l });

/** One read of a .deb within `l`, opened for it and removed after. */
async function onDeb<T>(deb: Buffer, source: string, l: ArchiveLimits | undefined, read: (file: DebFile) => Promise<T>): Promise<T> {
  const file = await openDeb(deb, source, l);
  try {
    return await read(file);
  } finally {
    await file.close();
  }
}
const readDebData = (deb: Buffer, source: string, l?: ArchiveLimits) => onDeb(deb, source, l, (f) => f.data());
const debDataMtime = (deb: Buffer, source: string, l?: ArchiveLimits) => onDeb(deb, source, l, (f) => f.dataMtime());
const readDebControl = (deb: Buffer, source: string, l?: ArchiveLimits) => onDeb(deb, source, l, (f) => f.control());

const files = (n: number, size = 10): TestEntry[] =>
  Array.from({ length: n }, (_, i) => ({ name: `package/f${i}.js`, data: 'x'.repeat(size) }));

describe('tar and tar.gz', () => {
  const readers = [
    [
      'readTar',
      (entries: TestEntry[], l: ArchiveLimits) =>
        makeTar(entries).then((t) => readTar(t, { source: SOURCE, stripComponents: 1, limits: l })),
    ],
    [
      'readTarGz',
      (entries: TestEntry[], l: ArchiveLimits) =>
        makeTar(entries).then((t) => readTarGz(gzipSync(t), { source: SOURCE, stripComponents: 1, limits: l })),
    ],
  ] as const;

  for (const [name, read] of readers) {
    test(`${name}: files counts every entry, directories included`, async () => {
      const three: TestEntry[] = [{ name: 'package/', type: 'directory' }, ...files(2)];
      assert.equal((await read(three, limits({ files: 3 }))).length, 2);
      await assert.rejects(
        read([...three, ...files(3).slice(2)], limits({ files: 3 })),
        isElimit(SOURCE, 'files', ['holds more than 3 entries']),
      );
    });

    test(`${name}: file_size, from the entry's header`, async () => {
      assert.equal((await read(files(1, 1000), limits({ fileSize: 1000 })))[0]!.data!.length, 1000);
      await assert.rejects(
        read([...files(1, 10), { name: 'package/big.bin', data: 'x'.repeat(1001) }], limits({ fileSize: 1000 })),
        isElimit(SOURCE, 'file_size', ['entry "package/big.bin" unpacks to 1001 bytes, more than 1000 bytes']),
      );
    });

    test(`${name}: hardlink copies count as the bytes they unpack to`, async () => {
      const linked: TestEntry[] = [
        ...files(1, 1000),
        ...[1, 2, 3].map((i) => ({ name: `package/l${i}`, type: 'link' as const, linkname: 'package/f0.js' })),
      ];
      assert.equal((await read(linked, limits({ unpackedSize: 64 * 1024 }))).length, 4);
      await assert.rejects(
        read(linked, limits({ unpackedSize: 3999 })),
        isElimit(SOURCE, 'unpacked_size', ['unpacks to more than 3999 bytes (3.9 KiB)']),
      );
    });
  }

  test("readTar: unpacked_size counts the files' bytes", async () => {
    const two = await makeTar(files(2, 1000));
    assert.equal((await readTar(two, { source: SOURCE, limits: limits({ unpackedSize: 2000 }) })).length, 2);
    await assert.rejects(readTar(two, { source: SOURCE, limits: limits({ unpackedSize: 1999 }) }), isElimit(SOURCE, 'unpacked_size'));
  });

  test('readTarGz: unpacked_size counts every gunzipped byte, headers, padding and trailing blocks too', async () => {
    const tar = await makeTar(files(2, 1000));
    assert.equal((await readTarGz(gzipSync(tar), { source: SOURCE, limits: limits({ unpackedSize: tar.length }) })).length, 2);
    await assert.rejects(
      readTarGz(gzipSync(tar), { source: SOURCE, limits: limits({ unpackedSize: tar.length - 1 }) }),
      isElimit(SOURCE, 'unpacked_size'),
    );
    // Zero blocks are not entries, but they are bytes: a stream of them ends at the bound.
    const padded = gzipSync(Buffer.concat([tar, Buffer.alloc(10 * MiB)]));
    await assert.rejects(
      readTarGz(padded, { source: SOURCE, limits: limits({ unpackedSize: 5 * MiB }) }),
      isElimit(SOURCE, 'unpacked_size', ['unpacks to more than 5 MiB']),
    );
  });

  test('readTarGz: the ratio, unpacked over compressed, once past the floor', async () => {
    const tar = Buffer.concat([...tarFile('package/zeros.bin', 40 * MiB), TAR_END]);
    const tgz = gzipSync(tar, { level: 9 });
    const at = Math.ceil(tar.length / tgz.length);
    assert.ok(at > DEFAULT_LIMITS.ratio, `the fixture compresses ${at}:1`);
    assert.equal((await readTarGz(tgz, { source: SOURCE, stripComponents: 1, limits: limits({ ratio: at }) }))[0]!.data!.length, 40 * MiB);
    await assert.rejects(
      readTarGz(tgz, { source: SOURCE, stripComponents: 1, limits: limits({ ratio: at - 1 }) }),
      isElimit(SOURCE, 'ratio', [`unpacks to more than ${at - 1} times its compressed size`]),
    );
    // Below the floor, small archives may compress as well as they like.
    const small = gzipSync(Buffer.concat([...tarFile('package/zeros.bin', RATIO_FLOOR - 4096), TAR_END]), { level: 9 });
    assert.equal((await readTarGz(small, { source: SOURCE, stripComponents: 1 }))[0]!.data!.length, RATIO_FLOOR - 4096);
  });

  test("a recipe's [build.limits] raises and lowers the defaults", async () => {
    const tgz = gzipSync(Buffer.concat([...tarFile('package/zeros.bin', 40 * MiB), TAR_END]), { level: 9 });
    await assert.rejects(
      readTarGz(tgz, { source: SOURCE, stripComponents: 1, limits: resolveLimits(undefined) }),
      isElimit(SOURCE, 'ratio', ['(the ratio limit, default 200)', 'ratio = 1000']),
    );
    assert.equal((await readTarGz(tgz, { source: SOURCE, stripComponents: 1, limits: resolveLimits({ ratio: 5000 }) })).length, 1);
    await assert.rejects(
      readTarGz(tgz, { source: SOURCE, stripComponents: 1, limits: resolveLimits({ ratio: 5000, file_size: '32MiB' }) }),
      isElimit(SOURCE, 'file_size', ['more than 32 MiB (the file_size limit, default 1 GiB)', 'file_size = "64MiB"']),
    );
    await assert.rejects(
      readTarGz(tgz, { source: SOURCE, stripComponents: 1, limits: resolveLimits({ ratio: 5000, unpacked_size: '16MiB' }) }),
      isElimit(SOURCE, 'unpacked_size', [
        'unpacks to more than 16 MiB (the unpacked_size limit, default 2 GiB)',
        'unpacked_size = "32MiB"',
      ]),
    );
  });
});

describe('zip', () => {
  const WHEEL = 'https://files.example/big-1.0-py3-none-any.whl';
  const read = (zip: Buffer, l: Partial<ArchiveLimits>) => readZip(zip, { source: WHEEL, limits: limits(l) });

  test("files: the directory's count, before any entry is read", async () => {
    const zip = makeZip([{ name: 'a/' }, { name: 'a/x.py', data: 'x' }, { name: 'a/y.py', data: 'y' }]);
    assert.equal((await read(zip, { files: 3 })).length, 3);
    await assert.rejects(read(zip, { files: 2 }), isElimit(WHEEL, 'files', ['holds more than 2 entries']));
  });

  test('file_size and unpacked_size: the declared sizes, checked before inflating', async () => {
    const zip = makeZip([
      { name: 'a.bin', data: 'a'.repeat(1000) },
      { name: 'b.bin', data: 'b'.repeat(1000) },
    ]);
    assert.equal((await read(zip, { fileSize: 1000, unpackedSize: 2000 })).length, 2);
    await assert.rejects(read(zip, { fileSize: 999 }), isElimit(WHEEL, 'file_size', ['entry "a.bin" unpacks to 1000 bytes']));
    await assert.rejects(read(zip, { unpackedSize: 1999 }), isElimit(WHEEL, 'unpacked_size'));
    // Data that would not even inflate: the bound is what refuses it, so nothing was inflated.
    const broken = Buffer.from(zip);
    broken.fill(0xff, 40, 48);
    await assert.rejects(read(broken, { fileSize: 999 }), isElimit(WHEEL, 'file_size'));
  });

  test("the ratio: declared sizes over the zip's size", async () => {
    const dir = await tempDir('zip-limits');
    try {
      const file = path.join(dir.dir, 'zeros.whl');
      const size = await writeZip(file, [{ name: 'zeros.bin', zeros: 40 * MiB }]);
      const zip = await readFile(file);
      const at = Math.ceil((40 * MiB) / size);
      assert.equal((await read(zip, { ratio: at }))[0]!.data!.length, 40 * MiB);
      await assert.rejects(read(zip, { ratio: at - 1 }), isElimit(WHEEL, 'ratio'));
      await assert.rejects(readZip(zip, { source: WHEEL }), isElimit(WHEEL, 'ratio', ['(the ratio limit, default 200)']));
      assert.equal((await readZip(zip, { source: WHEEL, limits: resolveLimits({ ratio: at }) })).length, 1);
    } finally {
      await dir.cleanup();
    }
  });
});

describe('gem', () => {
  let hello: Buffer;
  before(async () => {
    hello = await buildGem({ ...HELLO, files: { ...HELLO.files, 'lib/data.txt': 'd'.repeat(1000) } });
  });

  test("data.tar.gz is held to the gem's limits, named by the gem", async () => {
    const gem = await readGemFile(hello, 'hello-1.0.0.gem', limits({ fileSize: 1000, files: 3 }));
    assert.equal(gem.data.length, 3);
    await assert.rejects(
      readGemFile(hello, 'hello-1.0.0.gem', limits({ fileSize: 999 })),
      isElimit('hello-1.0.0.gem', 'file_size', ['"lib/data.txt"']),
    );
    await assert.rejects(readGemFile(hello, 'hello-1.0.0.gem', limits({ files: 2 })), isElimit('hello-1.0.0.gem', 'files'));
  });

  test('the ratio is measured against the whole .gem', async () => {
    const data = gzipSync(Buffer.concat([...tarFile('lib/zeros.bin', 40 * MiB), TAR_END]), { level: 9 });
    const gem = await gemWithData(hello, data);
    await assert.rejects(readGemFile(gem, 'bomb-1.0.0.gem'), isElimit('bomb-1.0.0.gem', 'ratio'));
    const at = Math.ceil((40 * MiB + 1536) / gem.length);
    assert.equal((await readGemFile(gem, 'bomb-1.0.0.gem', resolveLimits({ ratio: at }))).data.length, 1);
    await assert.rejects(readGemFile(gem, 'bomb-1.0.0.gem', resolveLimits({ ratio: at - 1 })), isElimit('bomb-1.0.0.gem', 'ratio'));
  });
});

describe('deb', () => {
  let t: { dir: string; cleanup: () => Promise<void> };
  before(async () => {
    t = await tempDir('deb-limits');
  });
  after(() => t.cleanup());

  /** What dpkg-deb writes to the pipe, by dpkg-deb and tar themselves: the tar's length and entry count. */
  async function fsysTar(file: string): Promise<{ bytes: number; entries: number }> {
    const tarFile = path.join(t.dir, 'fsys.tar');
    await execa('sh', ['-c', 'dpkg-deb --fsys-tarfile "$1" > "$2"', 'sh', file, tarFile]);
    const list = await execa('tar', ['tf', tarFile]);
    return { bytes: (await readFile(tarFile)).length, entries: list.stdout.split('\n').length };
  }

  test('file_size, files and unpacked_size (every byte dpkg-deb writes) at the limit and over', async () => {
    const file = await buildDeb(t.dir, 'bale-limits', { 'usr/share/bale/data.txt': 'd'.repeat(1000), 'usr/bin/tool': '#!/bin/sh\n' });
    const deb = await readFile(file);
    const { bytes, entries } = await fsysTar(file);
    const ok = await readDebData(deb, 'bale-limits.deb', limits({ fileSize: 1000, files: entries, unpackedSize: bytes }));
    assert.equal(ok.find((e) => e.path === 'usr/share/bale/data.txt')?.data?.length, 1000);
    await assert.rejects(
      readDebData(deb, 'bale-limits.deb', limits({ fileSize: 999 })),
      isElimit('bale-limits.deb', 'file_size', ['"./usr/share/bale/data.txt"']),
    );
    await assert.rejects(readDebData(deb, 'bale-limits.deb', limits({ files: entries - 1 })), isElimit('bale-limits.deb', 'files'));
    await assert.rejects(
      readDebData(deb, 'bale-limits.deb', limits({ unpackedSize: bytes - 1 })),
      isElimit('bale-limits.deb', 'unpacked_size'),
    );
    await assert.rejects(debDataMtime(deb, 'bale-limits.deb', limits({ files: entries - 1 })), isElimit('bale-limits.deb', 'files'));
    await assert.rejects(readDebControl(deb, 'bale-limits.deb', limits({ files: 1 })), isElimit('bale-limits.deb (control)', 'files'));
  });

  test('a .deb that inflates past the ratio is refused while dpkg-deb writes it', async () => {
    // A sparse file and gzip: 40 MiB of zeros in a .deb of ~40 KB, in a fraction of a second.
    const root = path.join(t.dir, 'zeros-root');
    await mkdir(path.join(root, 'DEBIAN'), { recursive: true });
    await mkdir(path.join(root, 'usr/share/bale'), { recursive: true });
    await writeFile(
      path.join(root, 'DEBIAN/control'),
      'Package: bale-zeros\nVersion: 1.0-1\nArchitecture: all\nMaintainer: bale tests <bale@example.invalid>\nDescription: zeros\n',
    );
    await writeFile(path.join(root, 'usr/share/bale/zeros'), '');
    await truncate(path.join(root, 'usr/share/bale/zeros'), 40 * MiB);
    const file = path.join(t.dir, 'bale-zeros.deb');
    await execa('dpkg-deb', ['--root-owner-group', '-Zgzip', '-z9', '--build', root, file]);
    const deb = await readFile(file);
    await assert.rejects(readDebData(deb, 'bale-zeros.deb'), isElimit('bale-zeros.deb', 'ratio', ['(the ratio limit, default 200)']));
    await assert.rejects(debDataMtime(deb, 'bale-zeros.deb'), isElimit('bale-zeros.deb', 'ratio'));
    const entries = await readDebData(deb, 'bale-zeros.deb', resolveLimits({ ratio: 1_000_000 }));
    assert.equal(entries.find((e) => e.path === 'usr/share/bale/zeros')?.data?.length, 40 * MiB);
  });
});
