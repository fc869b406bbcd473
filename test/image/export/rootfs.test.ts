/** The flat rootfs tar: sorted, deterministic, the union of the packages, read back by GNU tar. */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir, readFile, readdir, readlink, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { IntegrityError, UserError } from '../../../src/errors/index.js';
import { exportRootfs } from '../../../src/image/export/rootfs.js';
import { rawHeaders } from '../../packer/tar-tools.js';
import { EPOCH_B, makePackage, specA, specB, tempDir, tool } from './fixtures.js';

async function setup(t: TestContext) {
  const dir = await tempDir(t);
  const store = join(dir, 'store');
  await mkdir(store);
  return { dir, store, a: await makePackage(store, specA), b: await makePackage(store, specB) };
}

const bytewise = (list: string[]): string[] => [...list].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)));

describe('exportRootfs', () => {
  it('writes the union of the packages, sorted, every directory once, one mtime, owners 0/0', async (t) => {
    const { dir, a, b } = await setup(t);
    const out = join(dir, 'out', 'rootfs.tar');
    const r = await exportRootfs([b, a], out);
    const tar = await readFile(out);
    assert.equal(r.sha256, createHash('sha256').update(tar).digest('hex'));

    const listed = (await tool('tar', ['-tf', out])).stdout.trim().split('\n');
    assert.deepEqual(listed, bytewise(listed));
    const expected = new Set<string>();
    for (const p of [a, b]) for (const f of p.manifest.files) expected.add(f.path);
    assert.deepEqual(listed, bytewise([...expected]));
    assert.equal(listed.filter((n) => n === 'usr/lib/node_modules/').length, 1);

    for (const h of rawHeaders(tar)) {
      assert.equal(h.mtime, EPOCH_B, h.name);
      assert.equal(h.uid, 0, h.name);
      assert.equal(h.gid, 0, h.name);
      assert.equal(h.uname, '', h.name);
      assert.equal(h.gname, '', h.name);
    }

    const x = join(dir, 'x');
    await mkdir(x);
    await tool('tar', ['-xf', out, '-C', x]);
    for (const spec of [specA, specB]) {
      for (const e of spec.entries) {
        const at = join(x, e.path);
        if (e.type === 'file') assert.deepEqual(await readFile(at), e.data, e.path);
        if (e.type === 'symlink') assert.equal(await readlink(at), e.target, e.path);
        if (e.type === 'dir') assert.ok((await stat(at)).isDirectory(), e.path);
      }
    }
    assert.deepEqual(await readFile(join(x, 'usr/bin/tool')), specB.entries[0]!.data); // through the symlink
  });

  it('gives the same bytes on every export, whatever the input order', async (t) => {
    const { dir, a, b } = await setup(t);
    const one = await exportRootfs([a, b], join(dir, 'one.tar'));
    const two = await exportRootfs([b, a], join(dir, 'two.tar'));
    assert.equal(two.sha256, one.sha256);
    assert.deepEqual(await readFile(join(dir, 'two.tar')), await readFile(join(dir, 'one.tar')));
    const again = await exportRootfs([a, b], join(dir, 'one.tar')); // replaces atomically
    assert.equal(again.sha256, one.sha256);
    assert.deepEqual((await readdir(dir)).sort(), ['one.tar', 'store', 'two.tar'], 'no temp file left');
  });

  it('refuses a path owned by two packages, naming the path and both packages', async (t) => {
    const { dir, store, a, b } = await setup(t);
    const c = await makePackage(store, {
      name: 'node-c',
      version: '3.0.0',
      entries: [{ path: 'usr/lib/node_modules/a/index.js', type: 'file', mode: 0o644, data: Buffer.from('c') }],
    });
    const out = join(dir, 'rootfs.tar');
    await assert.rejects(exportRootfs([a, b, c], out), (err: Error) => {
      assert.ok(err instanceof UserError, String(err));
      assert.equal((err as UserError).code, 'ECONFLICT');
      for (const s of ['usr/lib/node_modules/a/index.js', 'node-a 1.0.0', 'node-c 3.0.0']) assert.ok(err.message.includes(s), err.message);
      return true;
    });
    await assert.rejects(stat(out), { code: 'ENOENT' });

    // A symlink where another package has a directory is a conflict too.
    const d = await makePackage(store, {
      name: 'node-d',
      version: '1.0.0',
      entries: [{ path: 'usr/lib/node_modules/b', type: 'symlink', mode: 0o777, target: 'a' }],
    });
    await assert.rejects(
      exportRootfs([b, d], out),
      (err: Error) => err instanceof UserError && /usr\/lib\/node_modules\/b .*node-b 2\.0\.0.*node-d 1\.0\.0/.test(err.message),
    );
  });

  it('refuses a package file that is not its sha256, or whose tar is not its tar_sha256', async (t) => {
    const { dir, a, b } = await setup(t);
    const bytes = await readFile(a.file);
    bytes[20] = (bytes[20] ?? 0) ^ 0x01;
    await writeFile(join(dir, 'bad.tar.gz'), bytes);
    const bad = { ...a, file: join(dir, 'bad.tar.gz') };
    await assert.rejects(
      exportRootfs([bad, b], join(dir, 'r.tar')),
      (err: Error) => err instanceof IntegrityError && err.message.includes(bad.file),
    );

    const wrongTar = '0'.repeat(64);
    const lying = { ...a, tar_sha256: wrongTar, manifest: { ...a.manifest, tar_sha256: wrongTar } };
    await assert.rejects(
      exportRootfs([lying], join(dir, 'r.tar')),
      (err: Error) => err instanceof IntegrityError && err.message.includes('tar_sha256'),
    );
    await assert.rejects(
      exportRootfs([{ ...a, file: join(dir, 'nope.tar.gz') }], join(dir, 'r.tar')),
      (err: Error) => err instanceof UserError && err.message.includes('nope.tar.gz'),
    );
  });

  it('writes an empty tar for no packages', async (t) => {
    const dir = await tempDir(t);
    await exportRootfs([], join(dir, 'empty.tar'));
    assert.equal((await tool('tar', ['-tf', join(dir, 'empty.tar')])).stdout, '');
  });
});
