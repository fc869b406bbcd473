/**
 * What a careless operator or an attacker leaves where bale writes or reads: a character device
 * (made with mknod, like /dev/full: needs root, which is when replacing one is possible), a fifo,
 * a socket, a directory, a symlink to /dev/null. With a snapshot to prove one was left untouched.
 */
import assert from 'node:assert/strict';
import { lstatSync, readdirSync, readlinkSync, type Stats } from 'node:fs';
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { execa } from 'execa';

export type TargetKind = 'char device' | 'fifo' | 'socket' | 'directory' | 'symlink to /dev/null';
export const TARGET_KINDS: readonly TargetKind[] = ['char device', 'fifo', 'socket', 'directory', 'symlink to /dev/null'];

/** How bale's messages name each kind (read-file.ts fileKind). */
export const KIND_WORDS: Record<TargetKind, RegExp> = {
  'char device': /a character device/,
  fifo: /a fifo/,
  socket: /a socket/,
  directory: /(exists and is|already exists, as) a directory/,
  'symlink to /dev/null': /a symbolic link to \/dev\/null \(a character device\)/,
};

/** Whether this process may mknod (root with CAP_MKNOD); device cases are skipped otherwise. */
export async function canMknod(dir: string): Promise<boolean> {
  const probe = join(dir, '.mknod-probe');
  const r = await execa('mknod', [probe, 'c', '1', '7'], { reject: false });
  if (r.exitCode !== 0) return false;
  await execa('rm', ['-f', probe]);
  return true;
}

/**
 * Where a character-device case puts its target: a device made at `path` where this process may
 * mknod (root), else /dev/full itself, a real device that bale must refuse just the same.
 */
export function charDevicePath(path: string, mknodOk: boolean): string {
  return mknodOk ? path : '/dev/full';
}

const servers: Server[] = [];

/** Make a `kind` at `path`; a socket stays bound until closeSockets(). */
export async function makeTarget(kind: TargetKind, path: string): Promise<void> {
  switch (kind) {
    case 'char device':
      if (path === '/dev/full') return; // charDevicePath's stand-in: already there
      await execa('mknod', [path, 'c', '1', '7']); // 1,7 is /dev/full: every write fails with ENOSPC
      return;
    case 'fifo':
      await execa('mkfifo', [path]);
      return;
    case 'socket': {
      const server = createServer();
      await new Promise<void>((done) => server.listen(path, done));
      servers.push(server);
      return;
    }
    case 'directory':
      await mkdir(path);
      await writeFile(join(path, 'keep'), 'keep');
      return;
    case 'symlink to /dev/null':
      await symlink('/dev/null', path);
      return;
  }
}

export async function closeSockets(): Promise<void> {
  await Promise.all(servers.splice(0).map((s) => new Promise((done) => s.close(done))));
}

export interface Snapshot {
  path: string;
  type: string;
  ino: number;
  rdev: number;
  mode: number;
  link?: string;
  entries?: string[];
}

function typeOf(st: Stats): string {
  if (st.isSymbolicLink()) return 'symlink';
  if (st.isCharacterDevice()) return 'char';
  if (st.isFIFO()) return 'fifo';
  if (st.isSocket()) return 'socket';
  if (st.isDirectory()) return 'dir';
  if (st.isFile()) return 'file';
  return 'other';
}

/** What is at `path` (never following a link). */
export function snapshot(path: string): Snapshot {
  const st = lstatSync(path);
  const s: Snapshot = { path, type: typeOf(st), ino: st.ino, rdev: st.rdev, mode: st.mode };
  if (st.isSymbolicLink()) s.link = readlinkSync(path);
  if (st.isDirectory()) s.entries = readdirSync(path).sort();
  return s;
}

export function assertUntouched(before: Snapshot): void {
  assert.deepEqual(snapshot(before.path), before, `${before.path} changed`);
  // /dev/null itself is still a character device (a symlink to it was not written through).
  if (before.link === '/dev/null') assert.ok(lstatSync('/dev/null').isCharacterDevice(), '/dev/null is no longer a device');
}

/** Names in `dir` that look like bale's temp files (atomic-write.ts). */
export function tempFilesIn(dir: string): string[] {
  return readdirSync(dir).filter((n) => n.includes('.tmp-'));
}
