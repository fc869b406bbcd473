import assert from 'node:assert/strict';
import { chmod, link, mkdir, symlink, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { execa } from 'execa';
import { isUserError } from '../../src/errors/index.js';
import { pack } from '../../src/packer/pack.js';
import { readTree } from '../../src/packer/read-tree.js';
import { tempDir } from './tar-tools.js';

/** A small staging tree; `umask`-like modes so two trees can differ only in permissions. */
async function stage(t: TestContext, fileMode: number, dirMode: number): Promise<string> {
  const root = await tempDir(t, 'bale-tree-');
  await mkdir(join(root, 'usr/bin'), { recursive: true });
  await mkdir(join(root, 'usr/lib/x/empty'), { recursive: true });
  await writeFile(join(root, 'usr/bin/tool'), '#!/bin/sh\n');
  await chmod(join(root, 'usr/bin/tool'), fileMode | 0o111);
  await writeFile(join(root, 'usr/lib/x/a.txt'), 'a');
  await chmod(join(root, 'usr/lib/x/a.txt'), fileMode);
  await link(join(root, 'usr/lib/x/a.txt'), join(root, 'usr/lib/x/hard.txt'));
  await symlink('../lib/x/a.txt', join(root, 'usr/bin/a'));
  for (const d of ['usr', 'usr/bin', 'usr/lib', 'usr/lib/x', 'usr/lib/x/empty']) await chmod(join(root, d), dirMode);
  return root;
}

describe('readTree', () => {
  it('reads files, directories and symlinks, sorted bytewise, a hardlink as a plain file', async (t) => {
    const root = await stage(t, 0o644, 0o755);
    const entries = await readTree(root);
    assert.deepEqual(
      entries.map((e) => [e.path, e.type, e.mode.toString(8), e.data?.toString() ?? e.target ?? null]),
      [
        ['usr', 'dir', '755', null],
        ['usr/bin', 'dir', '755', null],
        ['usr/bin/a', 'symlink', '777', '../lib/x/a.txt'],
        ['usr/bin/tool', 'file', '755', '#!/bin/sh\n'],
        ['usr/lib', 'dir', '755', null],
        ['usr/lib/x', 'dir', '755', null],
        ['usr/lib/x/a.txt', 'file', '644', 'a'],
        ['usr/lib/x/empty', 'dir', '755', null],
        ['usr/lib/x/hard.txt', 'file', '644', 'a'],
      ],
    );
  });

  it('makes the same package from trees that differ only in permissions', async (t) => {
    const a = await pack(await readTree(await stage(t, 0o644, 0o755)), { sourceDateEpoch: 1700000000 });
    const b = await pack(await readTree(await stage(t, 0o664, 0o2775)), { sourceDateEpoch: 1700000000 });
    assert.equal(a.sha256, b.sha256);
  });

  it('refuses a fifo, naming it', async (t) => {
    const root = await tempDir(t, 'bale-tree-');
    await mkdir(join(root, 'usr'));
    await execa('mkfifo', [join(root, 'usr/pipe')]);
    await assert.rejects(
      readTree(root),
      (e: unknown) => isUserError(e) && e.message.includes(join(root, 'usr/pipe')) && /fifo/.test(e.message),
    );
  });

  it('with the package named, names a fifo by package and path inside the tree, not by the staging path', async (t) => {
    const root = await tempDir(t, 'bale-tree-');
    await mkdir(join(root, 'build/Release'), { recursive: true });
    await execa('mkfifo', [join(root, 'build/Release/pipe')]);
    await assert.rejects(readTree(root, { package: 'fx-fifo@1.0.0' }), (e: unknown) => {
      assert.ok(isUserError(e));
      assert.equal(
        e.message,
        "fx-fifo@1.0.0: its build left a fifo at build/Release/pipe (in the package's tree); a package holds only files, directories and symlinks, so it cannot be packed: make the build remove it, or report it to the package's authors",
      );
      assert.ok(!e.message.includes(root), 'the staging path is gone by the time anyone reads this');
      return true;
    });
  });

  it('refuses a socket, naming it', async (t) => {
    const root = await tempDir(t, 'bale-tree-');
    const sock = join(root, 's.sock');
    const server = createServer();
    await new Promise<void>((done) => server.listen(sock, done));
    t.after(() => server.close());
    await assert.rejects(readTree(root), (e: unknown) => isUserError(e) && e.message.includes(sock) && /socket/.test(e.message));
  });

  it('refuses a file name that is not UTF-8', async (t) => {
    const root = await tempDir(t, 'bale-tree-');
    await writeFile(Buffer.concat([Buffer.from(`${root}/bad-`), Buffer.from([0xff, 0xfe])]), 'x');
    await assert.rejects(readTree(root), (e: unknown) => isUserError(e) && /not valid UTF-8/.test(e.message) && e.message.includes(root));
  });

  it('refuses a missing directory or a file as the root', async (t) => {
    const root = await tempDir(t, 'bale-tree-');
    await assert.rejects(readTree(join(root, 'nope')), (e: unknown) => isUserError(e) && e.message.includes(join(root, 'nope')));
    await writeFile(join(root, 'f'), 'x');
    await assert.rejects(readTree(join(root, 'f')), /not a directory/);
  });

  it('keeps an absolute symlink as read, for pack() to refuse', async (t) => {
    const root = await tempDir(t, 'bale-tree-');
    await symlink('/etc/passwd', join(root, 'evil'));
    const entries = await readTree(root);
    assert.deepEqual(entries, [{ path: 'evil', type: 'symlink', mode: 0o777, target: '/etc/passwd' }]);
    await assert.rejects(pack(entries, { sourceDateEpoch: 1700000000 }), /"evil".*absolute/);
  });
});
