/** writeEntries on a real filesystem: the tree lands in destDir, and nothing ever lands outside it. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lstat, mkdir, mkdtemp, readdir, readFile, readlink, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readTarGz, writeEntries } from '../../src/archive/index.js';
import type { PackEntry } from '../../src/packer/entry.js';
import { makeTgz } from './make-tar.js';

/** A scratch dir holding `dest` (to write into) and `outside` (with a secret that must not change). */
async function scratch(): Promise<{ root: string; dest: string; outside: string }> {
  const root = await mkdtemp(join(tmpdir(), 'bale-write-'));
  const dest = join(root, 'dest');
  const outside = join(root, 'outside');
  await mkdir(dest);
  await mkdir(outside);
  await writeFile(join(outside, 'secret'), 'secret');
  return { root, dest, outside };
}

async function tree(dir: string): Promise<string[]> {
  return (await readdir(dir, { recursive: true })).sort();
}

async function assertOutsideUntouched(outside: string): Promise<void> {
  assert.deepEqual(await tree(outside), ['secret']);
  assert.equal(await readFile(join(outside, 'secret'), 'utf8'), 'secret');
}

const file = (path: string, data = 'x', mode = 0o644): PackEntry => ({ path, type: 'file', mode, data: Buffer.from(data) });
const dir = (path: string, mode = 0o755): PackEntry => ({ path, type: 'dir', mode });
const link = (path: string, target: string): PackEntry => ({ path, type: 'symlink', mode: 0o777, target });

function isEarchive(mention: string) {
  return (err: Error & { code?: string }) => {
    assert.equal(err.name, 'UserError');
    assert.equal(err.code, 'EARCHIVE');
    assert.ok(err.message.includes(mention), err.message);
    return true;
  };
}

test('an extracted npm tarball is written with its files, dirs, symlinks and readable modes', async () => {
  const { dest } = await scratch();
  const entries = await readTarGz(
    await makeTgz([
      { name: 'package/package.json', data: '{}' },
      { name: 'package/bin/cli.js', data: '#!/usr/bin/env node', mode: 0o755 },
      { name: 'package/locked/', type: 'directory', mode: 0 },
      { name: 'package/locked/secret.txt', data: 'hidden', mode: 0 },
      { name: 'package/.bin/cli', type: 'symlink', linkname: '../bin/cli.js' },
    ]),
    { source: 's', stripComponents: 1 },
  );
  await writeEntries(entries, dest);
  assert.deepEqual(await tree(dest), ['.bin', '.bin/cli', 'bin', 'bin/cli.js', 'locked', 'locked/secret.txt', 'package.json']);
  assert.equal(await readFile(join(dest, 'package.json'), 'utf8'), '{}');
  assert.equal((await stat(join(dest, 'package.json'))).mode & 0o777, 0o644);
  assert.equal((await stat(join(dest, 'bin/cli.js'))).mode & 0o777, 0o755);
  assert.equal((await stat(join(dest, 'locked'))).mode & 0o777, 0o700);
  assert.equal((await stat(join(dest, 'locked/secret.txt'))).mode & 0o777, 0o600);
  assert.equal(await readFile(join(dest, 'locked/secret.txt'), 'utf8'), 'hidden');
  assert.equal(await readlink(join(dest, '.bin/cli')), '../bin/cli.js');
  assert.equal(await readFile(join(dest, '.bin/cli'), 'utf8'), '#!/usr/bin/env node');
});

test('destDir is created if missing, and writing the same entries twice is idempotent', async () => {
  const { root } = await scratch();
  const dest = join(root, 'new', 'deeper');
  const entries = [dir('a'), file('a/b.txt', 'one'), link('c', 'a/b.txt')];
  await writeEntries(entries, dest);
  await writeEntries([...entries.slice(0, 1), file('a/b.txt', 'two'), entries[2]!], dest);
  assert.equal(await readFile(join(dest, 'c'), 'utf8'), 'two');
});

/** Hostile entry lists: refused before anything is written. */
const HOSTILE: Array<[scenario: string, entries: (outside: string) => PackEntry[], mention: string]> = [
  ['dot-dot path', () => [file('ok.txt'), file('../outside/evil')], '../outside/evil'],
  ['absolute path', (outside) => [file(join(outside, 'evil'))], 'evil'],
  ['non-normal path', () => [file('a/../../outside/evil')], 'a/../../outside/evil'],
  ['empty path', () => [file('')], 'not a normal'],
  ['symlink out of the tree', () => [link('ln', '../outside')], 'ln'],
  ['symlink to an absolute path', (outside) => [link('ln', outside)], 'ln'],
  ['symlink then a file through it', () => [dir('sub'), link('ln', 'sub'), file('ln/evil')], 'ln/evil'],
  ['symlink chain out of the tree', () => [link('d/x', '..'), link('y', 'd/x/../outside')], '"y"'],
  ['unsupported type', () => [{ path: 'pipe', type: 'fifo' as PackEntry['type'], mode: 0o644 }], 'pipe'],
];

for (const [scenario, entries, mention] of HOSTILE) {
  test(`writeEntries refuses: ${scenario}; nothing is written anywhere`, async () => {
    const { root, dest, outside } = await scratch();
    await assert.rejects(writeEntries(entries(outside), dest), isEarchive(mention));
    assert.deepEqual(await tree(dest), []);
    assert.deepEqual(await tree(root), ['dest', 'outside', 'outside/secret']);
    await assertOutsideUntouched(outside);
  });
}

test('a symlink already in destDir is never written through', async () => {
  const { dest, outside } = await scratch();
  await symlink(outside, join(dest, 'lib'));
  await symlink('../outside', join(dest, 'rel'));
  await mkdir(join(dest, 'real'));
  await symlink(outside, join(dest, 'real', 'nested'));
  for (const entries of [
    [file('lib/evil.js')],
    [dir('lib/sub')],
    [file('rel/evil')],
    [link('lib/l', 'x')],
    [file('real/nested/deep/evil')],
  ]) {
    await assert.rejects(writeEntries(entries, dest), isEarchive('symlink'));
  }
  await assertOutsideUntouched(outside);
});

test('a symlink already at an entry path is replaced, not followed', async () => {
  const { dest, outside } = await scratch();
  await symlink(join(outside, 'secret'), join(dest, 'config.json'));
  await symlink(outside, join(dest, 'cache'));
  await writeEntries([file('config.json', 'new'), dir('cache'), file('cache/x', 'inside')], dest);
  assert.ok((await lstat(join(dest, 'config.json'))).isFile());
  assert.equal(await readFile(join(dest, 'config.json'), 'utf8'), 'new');
  assert.ok((await lstat(join(dest, 'cache'))).isDirectory());
  assert.equal(await readFile(join(dest, 'cache/x'), 'utf8'), 'inside');
  await assertOutsideUntouched(outside);
});

test('a file in the way of a directory, or a directory in the way of a file, is refused', async () => {
  const { dest } = await scratch();
  await writeFile(join(dest, 'f'), 'file');
  await mkdir(join(dest, 'd'));
  await writeFile(join(dest, 'd', 'keep'), 'keep');
  await assert.rejects(writeEntries([file('f/x')], dest), isEarchive('not a directory'));
  await assert.rejects(writeEntries([file('d')], dest), isEarchive('directory'));
  assert.equal(await readFile(join(dest, 'd', 'keep'), 'utf8'), 'keep');
  assert.deepEqual(await tree(dest), ['d', 'd/keep', 'f']);
});
