import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { PackEntry } from '../../src/packer/entry.js';
import { pack } from '../../src/packer/pack.js';
import { gunzip, rawHeaders, type RawHeader } from './tar-tools.js';

const EPOCH = 1700000000;
const seg = (c: string, n: number): string => c.repeat(n);
const file = (path: string): PackEntry => ({ path, type: 'file', mode: 0o644, data: Buffer.from(path) });

/** The headers describing `path`: a pax 'x' header and its entry, or one ustar header. */
async function headersOf(entries: PackEntry[], path: string): Promise<RawHeader[]> {
  const all = rawHeaders(gunzip((await pack(entries, { sourceDateEpoch: EPOCH })).tgz));
  for (let i = 0; i < all.length; i++) {
    const h = all[i] as RawHeader;
    if (h.typeflag === 'x' && h.pax?.includes(` path=${path}\n`)) return [h, all[i + 1] as RawHeader];
    if (h.typeflag !== 'x' && (h.prefix ? `${h.prefix}/${h.name}` : h.name) === path) return [h];
  }
  throw new Error(`no header for ${path}`);
}

/** Pax record keys, e.g. ['path', 'linkpath']. */
const paxKeys = (pax: string): string[] => [...pax.matchAll(/^\d+ ([^=]+)=/gm)].map((m) => m[1] as string);

describe('pack: long paths', () => {
  it('splits a 101-255 byte path into ustar prefix and name, without a pax header', async () => {
    const path = `usr/${seg('a', 60)}/${seg('b', 40)}/${seg('c', 40)}`;
    assert.ok(Buffer.byteLength(path) > 100);
    const hs = await headersOf([file(path)], path);
    assert.equal(hs.length, 1);
    assert.equal(hs[0]?.prefix, `usr/${seg('a', 60)}`);
    assert.equal(hs[0]?.name, `${seg('b', 40)}/${seg('c', 40)}`);
  });

  it('writes a pax path for a path over 255 bytes, with no time, pid or other record', async () => {
    const path = `usr/${seg('a', 90)}/${seg('b', 90)}/${seg('c', 90)}/${seg('d', 20)}`;
    assert.ok(Buffer.byteLength(path) > 255);
    const [x, entry] = await headersOf([file(path)], path);
    assert.deepEqual(paxKeys(x?.pax ?? ''), ['path']);
    // The pax header itself is named without a pid and stamped like every other entry.
    assert.equal(x?.name, 'PaxHeader');
    assert.equal(x?.mtime, EPOCH);
    assert.equal(x?.uid, 0);
    assert.equal(entry?.typeflag, '0');
    assert.equal(entry?.mtime, EPOCH);
  });

  it('writes a pax path for a last segment over 100 bytes and for non-ASCII names', async () => {
    for (const path of [`usr/${seg('e', 120)}`, 'usr/café']) {
      const [x] = await headersOf([file(path)], path);
      assert.equal(x?.typeflag, 'x', path);
      assert.deepEqual(paxKeys(x?.pax ?? ''), ['path'], path);
    }
  });

  it('writes a pax linkpath for a symlink target over 100 bytes', async () => {
    const target = `${seg('./', 60)}x`;
    const [x, entry] = await headersOf([{ path: 'usr/l', type: 'symlink', mode: 0o777, target }, file('usr/x')], 'usr/l');
    assert.deepEqual(paxKeys(x?.pax ?? ''), ['path', 'linkpath']);
    assert.ok(x?.pax?.includes(` linkpath=${target}\n`));
    assert.equal(entry?.typeflag, '2');
  });

  it('gives the same bytes every time', async () => {
    const entries = [file(`usr/${seg('a', 90)}/${seg('b', 90)}/${seg('c', 90)}`), file(`usr/${seg('z', 200)}`), file('usr/naïve')];
    const a = await pack(entries, { sourceDateEpoch: EPOCH });
    await new Promise((r) => setTimeout(r, 1100)); // a second later: nothing may read the clock
    const b = await pack(entries, { sourceDateEpoch: EPOCH });
    assert.equal(a.sha256, b.sha256);
  });
});
