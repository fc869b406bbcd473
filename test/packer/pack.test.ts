import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { spawnSync } from 'node:child_process';
import { isUserError } from '../../src/errors/index.js';
import type { PackEntry } from '../../src/packer/entry.js';
import { pack } from '../../src/packer/pack.js';
import { gunzip, rawHeaders } from './tar-tools.js';

const EPOCH = 1700000000;
const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
const file = (path: string, mode = 0o644, text = `content of ${path}\n`): PackEntry => ({
  path,
  type: 'file',
  mode,
  data: Buffer.from(text),
});
const dir = (path: string, mode = 0o755): PackEntry => ({ path, type: 'dir', mode });
const link = (path: string, target: string): PackEntry => ({ path, type: 'symlink', mode: 0o777, target });

/** usr/lib/ and usr/lib/x/ are implied by the files below them. */
const sample = (): PackEntry[] => [
  dir('usr'),
  dir('usr/bin'),
  file('usr/bin/tool', 0o775, '#!/bin/sh\necho hi\n'),
  file('usr/lib/x/README', 0o664),
  file('usr/lib/x/empty', 0o644, ''),
  link('usr/bin/readme', '../lib/x/README'),
];

describe('pack: tar headers', () => {
  it('sets mtime to SOURCE_DATE_EPOCH, owner 0/0, empty user and group names, ustar magic', async () => {
    const headers = rawHeaders(gunzip((await pack(sample(), { sourceDateEpoch: EPOCH })).tgz));
    assert.equal(headers.length, 8);
    for (const h of headers) {
      assert.equal(h.mtime, EPOCH, h.name);
      assert.equal(h.uid, 0, h.name);
      assert.equal(h.gid, 0, h.name);
      assert.equal(h.uname, '', h.name);
      assert.equal(h.gname, '', h.name);
      assert.equal(h.magic, 'ustar\u000000', h.name);
    }
  });

  it('writes sorted names, trailing slashes on directories, normalised modes, only types 0, 2 and 5', async () => {
    const headers = rawHeaders(gunzip((await pack(sample(), { sourceDateEpoch: EPOCH })).tgz));
    assert.deepEqual(
      headers.map((h) => [h.name, h.typeflag, h.mode.toString(8), h.linkname, h.size]),
      [
        ['usr/', '5', '755', '', 0],
        ['usr/bin/', '5', '755', '', 0],
        ['usr/bin/readme', '2', '777', '../lib/x/README', 0],
        ['usr/bin/tool', '0', '755', '', 18],
        ['usr/lib/', '5', '755', '', 0],
        ['usr/lib/x/', '5', '755', '', 0],
        ['usr/lib/x/README', '0', '644', '', 28],
        ['usr/lib/x/empty', '0', '644', '', 0],
      ],
    );
  });

  it('reports the files in tar order with sizes, hashes and targets', async () => {
    const r = await pack(sample(), { sourceDateEpoch: EPOCH });
    assert.deepEqual(r.files, [
      { path: 'usr/', type: 'dir', mode: 0o755, size: 0 },
      { path: 'usr/bin/', type: 'dir', mode: 0o755, size: 0 },
      { path: 'usr/bin/readme', type: 'symlink', mode: 0o777, size: 0, target: '../lib/x/README' },
      { path: 'usr/bin/tool', type: 'file', mode: 0o755, size: 18, sha256: sha(Buffer.from('#!/bin/sh\necho hi\n')) },
      { path: 'usr/lib/', type: 'dir', mode: 0o755, size: 0 },
      { path: 'usr/lib/x/', type: 'dir', mode: 0o755, size: 0 },
      { path: 'usr/lib/x/README', type: 'file', mode: 0o644, size: 28, sha256: sha(Buffer.from('content of usr/lib/x/README\n')) },
      { path: 'usr/lib/x/empty', type: 'file', mode: 0o644, size: 0, sha256: sha(Buffer.alloc(0)) },
    ]);
  });

  it('packs an empty list as a valid empty archive', async () => {
    const r = await pack([], { sourceDateEpoch: EPOCH });
    assert.deepEqual(gunzip(r.tgz), Buffer.alloc(1024));
    assert.deepEqual(r.files, []);
  });
});

describe('pack: gzip', () => {
  it('writes header mtime 0 and OS byte 3 (Unix)', async () => {
    const { tgz } = await pack(sample(), { sourceDateEpoch: EPOCH });
    assert.deepEqual([...tgz.subarray(0, 4)], [0x1f, 0x8b, 8, 0]); // magic, deflate, no flags (no name)
    assert.deepEqual([...tgz.subarray(4, 8)], [0, 0, 0, 0]);
    assert.equal(tgz[9], 3);
  });

  it('hashes what it returns: sha256 of the tgz, tarSha256 of the tar inside', async () => {
    const r = await pack(sample(), { sourceDateEpoch: EPOCH });
    assert.equal(r.sha256, sha(r.tgz));
    assert.equal(r.tarSha256, sha(gunzip(r.tgz)));
  });

  it('gives the same bytes for the same big entries, and GNU gzip reads them', async () => {
    const big = Buffer.alloc(3 * 1024 * 1024 + 12345);
    for (let i = 0; i < big.length; i++) big[i] = (i * 7919) % 251; // compressible but not trivial
    const entries = () => [...sample(), { path: 'usr/share/big', type: 'file' as const, mode: 0o644, data: big }];
    const a = await pack(entries(), { sourceDateEpoch: EPOCH });
    const b = await pack(entries().reverse(), { sourceDateEpoch: EPOCH });
    assert.equal(a.sha256, b.sha256);
    const r = spawnSync('gzip', ['-dc'], { input: a.tgz, maxBuffer: 64 * 1024 * 1024 });
    assert.equal(r.status, 0, String(r.stderr));
    assert.equal(sha(r.stdout), a.tarSha256);
  });

  it('uses the level it is given, 6 by default', async () => {
    const text = Buffer.from(Array.from({ length: 20000 }, (_, i) => `line ${i % 977} ${(i * 31) % 1009}\n`).join(''));
    const entries = [{ path: 'a', type: 'file' as const, mode: 0o644, data: text }];
    const byDefault = await pack(entries, { sourceDateEpoch: EPOCH });
    const six = await pack(entries, { sourceDateEpoch: EPOCH, gzipLevel: 6 });
    const one = await pack(entries, { sourceDateEpoch: EPOCH, gzipLevel: 1 });
    assert.equal(byDefault.sha256, six.sha256);
    assert.notEqual(one.sha256, six.sha256);
    assert.equal(one.tarSha256, six.tarSha256); // same tar, other compression
    await assert.rejects(pack(entries, { sourceDateEpoch: EPOCH, gzipLevel: 10 }), /gzip level 10/);
  });
});

describe('pack: SOURCE_DATE_EPOCH', () => {
  for (const bad of [315532799, 0, -1, 1.5, Number.NaN, 2 ** 31]) {
    it(`refuses ${bad}`, async () => {
      await assert.rejects(
        pack(sample(), { sourceDateEpoch: bad }),
        (e: unknown) => isUserError(e) && e.message.includes('SOURCE_DATE_EPOCH') && e.message.includes(String(bad)),
      );
    });
  }
  it('accepts 315532800 (1980-01-01) and 2147483647', async () => {
    for (const ok of [315532800, 2147483647]) {
      const headers = rawHeaders(gunzip((await pack(sample(), { sourceDateEpoch: ok })).tgz));
      assert.ok(headers.every((h) => h.mtime === ok));
    }
  });
});

describe('pack: refusals', () => {
  it('refuses symlinks out of the package and duplicates before writing anything', async () => {
    await assert.rejects(pack([link('a', '../../etc/passwd')], { sourceDateEpoch: EPOCH }), /"a".*outside/);
    await assert.rejects(pack([link('usr/x', '/etc/passwd')], { sourceDateEpoch: EPOCH }), /"usr\/x".*absolute/);
    await assert.rejects(pack([file('a'), file('a')], { sourceDateEpoch: EPOCH }), /"a" appears twice/);
  });
});
