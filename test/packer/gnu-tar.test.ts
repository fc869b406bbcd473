/** The packer's output, read back by GNU tar: what users will actually run. */
import assert from 'node:assert/strict';
import { lstat, readFile, readlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { PackEntry } from '../../src/packer/entry.js';
import { pack } from '../../src/packer/pack.js';
import { readTree } from '../../src/packer/read-tree.js';
import { gnuTar, tempDir } from './tar-tools.js';

const EPOCH = 1700000000; // 2023-11-14 22:13:20 UTC
const seg = (c: string, n: number): string => c.repeat(n);

const big = Buffer.alloc(200_000, 'x');
const longPath = `usr/lib/${seg('a', 90)}/${seg('b', 90)}/${seg('c', 90)}/file.txt`;
const prefixPath = `usr/share/${seg('p', 70)}/${seg('q', 60)}`;
const entries: PackEntry[] = [
  { path: 'usr/bin/tool', type: 'file', mode: 0o4775, data: Buffer.from('#!/bin/sh\necho hi\n') },
  { path: 'usr/lib/x/data.bin', type: 'file', mode: 0o600, data: big },
  { path: 'usr/lib/x/empty', type: 'file', mode: 0o664, data: Buffer.alloc(0) },
  { path: 'usr/lib/x/ünïcode.txt', type: 'file', mode: 0o644, data: Buffer.from('u') },
  { path: 'usr/lib/empty-dir', type: 'dir', mode: 0o700 },
  { path: 'usr/bin/data', type: 'symlink', mode: 0o777, target: '../lib/x/data.bin' },
  { path: 'usr/bin/long', type: 'symlink', mode: 0o777, target: `../${longPath.slice(4)}` },
  { path: longPath, type: 'file', mode: 0o644, data: Buffer.from('long') },
  { path: prefixPath, type: 'file', mode: 0o755, data: Buffer.from('prefix') },
];

async function packed(t: import('node:test').TestContext): Promise<{ dir: string; tgz: string; files: string[] }> {
  const dir = await tempDir(t);
  const r = await pack(entries, { sourceDateEpoch: EPOCH });
  const tgz = join(dir, 'p.tar.gz');
  await writeFile(tgz, r.tgz);
  return { dir, tgz, files: r.files.map((f) => f.path) };
}

describe('GNU tar reads what pack() writes', () => {
  it('extracts every file, directory and symlink with the packed contents and modes', async (t) => {
    const { dir, tgz, files } = await packed(t);
    const out = join(dir, 'out');
    await gnuTar(['--same-permissions', '-xzf', tgz, '--one-top-level=out'], dir);
    for (const path of files) {
      const st = await lstat(join(out, path));
      assert.equal(st.mtime.getTime() / 1000, EPOCH, `mtime of ${path}`);
    }
    for (const e of entries) {
      const abs = join(out, e.path);
      const st = await lstat(abs);
      if (e.type === 'file') {
        assert.ok(st.isFile(), e.path);
        assert.deepEqual(await readFile(abs), e.data, e.path);
        assert.equal(st.mode & 0o7777, e.mode & 0o111 ? 0o755 : 0o644, e.path);
      } else if (e.type === 'dir') {
        assert.ok(st.isDirectory(), e.path);
        assert.equal(st.mode & 0o7777, 0o755, e.path);
      } else {
        assert.ok(st.isSymbolicLink(), e.path);
        assert.equal(await readlink(abs), e.target, e.path);
      }
    }
    // Implied parents were in the archive, so tar did not make them with its own umask.
    assert.equal((await lstat(join(out, 'usr/lib/x'))).mode & 0o7777, 0o755);
  });

  it('lists the entries in pack order, owned by 0/0, dated SOURCE_DATE_EPOCH', async (t) => {
    const { tgz, files } = await packed(t);
    const names = (await gnuTar(['--quoting-style=literal', '-tzf', tgz])).split('\n');
    assert.deepEqual(names, files);
    const long = (await gnuTar(['--quoting-style=literal', '--full-time', '-tvzf', tgz])).split('\n');
    assert.equal(long.length, files.length);
    for (const line of long) assert.match(line, /^(?:[-d]rw[-x]r-[-x]r-[-x]|lrwxrwxrwx) 0\/0 +\d+ 2023-11-14 22:13:20 /);
    assert.ok(long.some((l) => l.startsWith('lrwxrwxrwx 0/0 ') && l.endsWith('usr/bin/data -> ../lib/x/data.bin')));
  });

  it('finds no fault when comparing the archive with the extracted tree', async (t) => {
    const { dir, tgz } = await packed(t);
    await gnuTar(['--same-permissions', '-xzf', tgz], dir);
    // --compare checks size, mode, mtime, link targets and contents of every member.
    await gnuTar(['--compare', '-zf', tgz], dir);
  });

  it('round-trips: pack, extract with GNU tar, read the tree back, pack again: same bytes', async (t) => {
    const { dir, tgz } = await packed(t);
    await gnuTar(['-xzf', tgz], dir);
    const first = await pack(entries, { sourceDateEpoch: EPOCH });
    const again = await pack(await readTree(join(dir, 'usr')).then((es) => es.map((e) => ({ ...e, path: `usr/${e.path}` }))), {
      sourceDateEpoch: EPOCH,
    });
    assert.equal(again.sha256, first.sha256);
  });
});
