import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { readTarGz } from '../../src/archive/index.js';
import { pack } from '../../src/packer/index.js';
import { prefaultFromEnd } from '../../src/util/prefault.js';

const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

describe('prefaultFromEnd', () => {
  it('reads only: the buffer is unchanged, and it stops once told', async () => {
    const buf = Buffer.alloc(8 * 1024 * 1024);
    for (let i = 0; i < buf.length; i += 997) buf[i] = i & 0xff;
    const before = sha(buf);
    let turns = 0;
    prefaultFromEnd(buf, () => ++turns > 3);
    for (let i = 0; i < 40; i++) await nextTurn();
    assert.equal(turns, 4, 'asked once per slice until told to stop, then no more');
    assert.equal(sha(buf), before);
  });

  it('walks the whole buffer when never stopped', async () => {
    const buf = Buffer.alloc(3 * 256 * 1024 + 5);
    let turns = 0;
    prefaultFromEnd(buf, () => {
      turns++;
      return false;
    });
    for (let i = 0; i < 20; i++) await nextTurn();
    assert.equal(turns, 4, 'four slices, then done');
  });

  it('leaves a large package unpacked intact while zlib fills the buffer it reads', async () => {
    // 12 MB of files of varied content: one inflate job into one buffer, prefaulted from the end.
    const entries = Array.from({ length: 48 }, (_, i) => {
      const data = Buffer.alloc(256 * 1024 + i * 7);
      for (let j = 0; j < data.length; j += 61) data[j] = (i * 31 + j) & 0xff;
      return { path: `package/f${String(i).padStart(2, '0')}`, type: 'file' as const, mode: 0o644, data };
    });
    const { tgz } = await pack(entries, { sourceDateEpoch: 315532800 });
    const files = await readTarGz(tgz, { source: 'test', stripComponents: 1 });
    const got = new Map(files.filter((f) => f.type === 'file').map((f) => [f.path, sha(f.data as Buffer)]));
    assert.equal(got.size, entries.length);
    for (const e of entries) assert.equal(got.get(e.path.slice('package/'.length)), sha(e.data));
  });
});
