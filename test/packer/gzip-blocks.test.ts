import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { gunzipSync, gzipSync } from 'node:zlib';
import { BLOCK_BYTES, GzipBlockWriter, gzipBlocks } from '../../src/packer/gzip-blocks.js';

function data(n: number): Buffer {
  const b = Buffer.alloc(n);
  let x = 12345;
  for (let i = 0; i < n; i++) {
    // Mostly text-like with some noise, so blocks compress differently.
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    b[i] = i % 97 < 80 ? 97 + (i % 26) : x & 0xff;
  }
  return b;
}

async function* chunked(buf: Buffer, size: number): AsyncGenerator<Buffer> {
  for (let i = 0; i < buf.length; i += size) yield buf.subarray(i, Math.min(buf.length, i + size));
}

async function gz(buf: Buffer, size = 65536, level = 6): Promise<Buffer> {
  return gzipBlocks(chunked(buf, size), level);
}

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

describe('gzipBlocks', () => {
  for (const n of [0, 1, 1000, BLOCK_BYTES - 1, BLOCK_BYTES, BLOCK_BYTES + 1, Math.floor(3.5 * BLOCK_BYTES)]) {
    it(`round-trips ${n} bytes through Node's gunzip and GNU gzip`, async () => {
      const input = data(n);
      const out = await gz(input);
      assert.ok(gunzipSync(out).equals(input));
      const r = spawnSync('gzip', ['-dc'], { input: out, maxBuffer: 64 * 1024 * 1024 });
      assert.equal(r.status, 0, String(r.stderr));
      assert.ok(Buffer.from(r.stdout).equals(input));
      const t = spawnSync('gzip', ['-t'], { input: out });
      assert.equal(t.status, 0, 'gzip -t accepts it as one valid member');
    });
  }

  it('does not depend on how the input is chunked', async () => {
    const input = data(2 * BLOCK_BYTES + 777);
    const sums = new Set(await Promise.all([1, 4096, 65536, 3 * BLOCK_BYTES].map(async (s) => sha(await gz(input, s)))));
    assert.equal(sums.size, 1);
  });

  it('writes a fixed header (mtime 0, OS 3) and the CRC and size of the whole input', async () => {
    const input = data(BLOCK_BYTES + 10);
    const out = await gz(input);
    assert.deepEqual([...out.subarray(0, 10)], [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3]);
    const ref = gzipSync(input);
    assert.equal(out.readUInt32LE(out.length - 8), ref.readUInt32LE(ref.length - 8), 'crc32');
    assert.equal(out.readUInt32LE(out.length - 4), input.length);
  });

  it('is plain gzip for input below one block (same bytes as zlib gzip with the OS byte fixed)', async () => {
    const input = data(200_000);
    const ref = gzipSync(input, { level: 6 });
    ref[9] = 3;
    assert.equal(sha(await gz(input)), sha(ref));
  });

  it('costs little in size against single-stream gzip', async () => {
    const input = data(4 * BLOCK_BYTES);
    const ours = (await gz(input)).length;
    const single = gzipSync(input, { level: 6 }).length;
    assert.ok(ours <= single * 1.01, `${ours} vs ${single}`);
  });

  it('round-trips incompressible input, whose blocks come out larger than they went in', async () => {
    for (const level of [1, 6, 9]) {
      const input = randomBytes(Math.floor(3.5 * BLOCK_BYTES));
      const out = await gz(input, 65536, level);
      assert.ok(out.length > input.length);
      assert.ok(gunzipSync(out).equals(input));
    }
  });

  it('gives the same bytes when large input is compressed in place (writeInPlace) as when copied (write)', async () => {
    const big = data(3 * BLOCK_BYTES + 4321);
    // Starting mid-block, at a block boundary, and after exactly one block of small writes.
    for (const lead of [700, 0, BLOCK_BYTES]) {
      const head = data(lead);
      const copied = new GzipBlockWriter(6);
      copied.write(head);
      for (let at = 0; at < big.length; at += 65536) copied.write(big.subarray(at, at + 65536));
      const inPlace = new GzipBlockWriter(6);
      inPlace.write(head);
      await inPlace.writeInPlace(big);
      assert.equal(sha(await inPlace.end()), sha(await copied.end()), `lead ${lead}`);
    }
  });

  it('follows the level', async () => {
    const input = data(BLOCK_BYTES + 5);
    assert.notEqual(sha(await gz(input, 65536, 1)), sha(await gz(input, 65536, 9)));
  });
});
