/**
 * pack() writes its tar headers itself (tar-header.ts); every package stored so far was written by
 * tar-stream. Here both write the same awkward trees and must agree byte for byte.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { pack as tarPack } from 'tar-stream';
import type { PackEntry } from '../../src/packer/entry.js';
import { planEntries } from '../../src/packer/normalize.js';
import { feed, pack } from '../../src/packer/pack.js';
import { BLOCK_BYTES } from '../../src/packer/gzip-blocks.js';
import { padding, tarHeader } from '../../src/packer/tar-header.js';

const EPOCH = 1700000000;

/** The tar tar-stream writes for the same entries, through the feeder the image rootfs uses. */
async function tarStreamBytes(entries: PackEntry[], epoch = EPOCH): Promise<Buffer> {
  const tar = tarPack();
  feed(tar, planEntries(entries), new Date(epoch * 1000));
  const chunks: Buffer[] = [];
  for await (const c of tar as AsyncIterable<Buffer>) chunks.push(c);
  return Buffer.concat(chunks);
}

const file = (path: string, data: Buffer | string = path, mode = 0o644): PackEntry => ({
  path,
  type: 'file',
  mode,
  data: Buffer.from(data),
});
const link = (path: string, target: string): PackEntry => ({ path, type: 'symlink', mode: 0o777, target });
const dir = (path: string): PackEntry => ({ path, type: 'dir', mode: 0o700 });

/** Names at every edge of ustar: 100 bytes, 101, a prefix of 155 and 156, no slash to split at, non-ASCII. */
function awkward(): PackEntry[] {
  const a = (n: number): string => 'a'.repeat(n);
  return [
    file(`u/${a(98)}`),
    file(`u/${a(99)}`),
    file(`v/${a(100)}`),
    file(`w/${a(60)}/${a(40)}/${a(40)}`),
    file(`x/${a(153)}/n`),
    file(`y/${a(154)}/n`),
    file(`z/${a(150)}/${a(99)}`),
    file(`q/${'b/'.repeat(120)}c`),
    dir(`d/${a(97)}`),
    dir(`e/${a(98)}`),
    dir(`f/${a(200)}`),
    file('n/café'),
    file('n/日本語/ファイル', 'x'.repeat(1000)),
    file('n/emoji-😀', ''),
    link('l/short', '../n/café'),
    link('l/long', `${'../'.repeat(1)}${'c/'.repeat(60)}t`),
    link(`l/${a(120)}`, 'short'),
    link('l/non-ascii-target', '../n/日本語/ファイル'),
    file('s/exec', '#!/bin/sh\n', 0o775),
    file('s/empty', ''),
    file('s/511', 'x'.repeat(511)),
    file('s/512', 'x'.repeat(512)),
    file('s/513', 'x'.repeat(513)),
    // pax records of 98 and 997 bytes: with their length they reach 100 and 1000 (one digit more)
    file(`p/é${'a'.repeat(87)}`),
    file(`p/${'é'.repeat(494)}`),
    file(`p/${'é'.repeat(493)}`),
    file(`p/${'é'.repeat(495)}`),
  ];
}

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

describe('tar headers', () => {
  it('are the bytes tar-stream writes, on names at every ustar and pax edge', async () => {
    const entries = awkward();
    const ours = gunzipSync((await pack(entries, { sourceDateEpoch: EPOCH })).tgz);
    const theirs = await tarStreamBytes(entries);
    assert.equal(ours.length, theirs.length);
    assert.ok(ours.equals(theirs), 'tar bytes differ');
  });

  it('agree at the oldest and newest SOURCE_DATE_EPOCH', async () => {
    for (const epoch of [315532800, 2147483647]) {
      const entries = [file('a/b', 'x'), link('a/c', 'b'), dir('a/d')];
      const ours = gunzipSync((await pack(entries, { sourceDateEpoch: epoch })).tgz);
      assert.equal(sha(ours), sha(await tarStreamBytes(entries, epoch)), String(epoch));
    }
  });

  it('agree across compression blocks (files larger than a block, headers split between blocks)', async () => {
    const big = Buffer.alloc(BLOCK_BYTES * 2 + 300);
    for (let i = 0; i < big.length; i++) big[i] = (i * 7919) % 251;
    const entries = [
      file('big/one', big),
      file('big/two', big.subarray(0, BLOCK_BYTES - 700)),
      file('big/three', 'x'),
      file('big/zz', big.subarray(5)),
    ];
    const r = await pack(entries, { sourceDateEpoch: EPOCH });
    const theirs = await tarStreamBytes(entries);
    assert.equal(sha(gunzipSync(r.tgz)), sha(theirs));
    assert.equal(r.tarSha256, sha(theirs));
  });

  it('write a size of 8 GiB and more in base-256, as tar-stream does', () => {
    const h = tarHeader({ name: 'huge', type: 'file', mode: 0o644, size: 8 * 1024 ** 3 + 5, mtime: EPOCH });
    assert.equal(h[124], 0x80);
    assert.equal(h.readUIntBE(124 + 6, 6), 8 * 1024 ** 3 + 5);
    const small = tarHeader({ name: 'small', type: 'file', mode: 0o644, size: 8 * 1024 ** 3 - 1, mtime: EPOCH });
    assert.equal(small.subarray(124, 136).toString('latin1'), '77777777777 ');
  });

  it('pad to 512 bytes', () => {
    assert.deepEqual([0, 1, 511, 512, 513].map(padding), [0, 511, 1, 0, 511]);
  });
});
