/**
 * Test helpers: read tar headers straight from the bytes (independent of tar-stream), run GNU
 * tar, make throwaway directories.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { execa } from 'execa';

export interface RawHeader {
  offset: number;
  name: string;
  prefix: string;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtime: number;
  typeflag: string;
  linkname: string;
  magic: string;
  uname: string;
  gname: string;
  /** For typeflag 'x': the pax records that follow. */
  pax?: string;
}

function str(block: Buffer, at: number, len: number): string {
  const field = block.subarray(at, at + len);
  const end = field.indexOf(0);
  return field.subarray(0, end === -1 ? len : end).toString('utf8');
}

const oct = (block: Buffer, at: number, len: number): number => parseInt(str(block, at, len).trim() || '0', 8);

/** Every header block of an uncompressed tar, in order, up to the end-of-archive marker. */
export function rawHeaders(tar: Buffer): RawHeader[] {
  const out: RawHeader[] = [];
  let at = 0;
  while (at + 512 <= tar.length) {
    const b = tar.subarray(at, at + 512);
    if (b.every((x) => x === 0)) break;
    const h: RawHeader = {
      offset: at,
      name: str(b, 0, 100),
      mode: oct(b, 100, 8),
      uid: oct(b, 108, 8),
      gid: oct(b, 116, 8),
      size: oct(b, 124, 12),
      mtime: oct(b, 136, 12),
      typeflag: String.fromCharCode(b[156] ?? 0),
      linkname: str(b, 157, 100),
      magic: b.subarray(257, 265).toString('latin1'),
      uname: str(b, 265, 32),
      gname: str(b, 297, 32),
      prefix: str(b, 345, 155),
    };
    if (h.typeflag === 'x') h.pax = tar.subarray(at + 512, at + 512 + h.size).toString('utf8');
    out.push(h);
    at += 512 + Math.ceil(h.size / 512) * 512;
  }
  return out;
}

export const gunzip = (tgz: Buffer): Buffer => gunzipSync(tgz);

/** A fresh directory, removed when the test ends. */
export async function tempDir(t: TestContext, label = 'bale-packer-'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), label));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** GNU tar with a fixed environment, so its output does not depend on the caller's locale or TZ. */
export async function gnuTar(args: string[], cwd?: string): Promise<string> {
  const r = await execa('tar', args, { cwd, env: { LC_ALL: 'C', TZ: 'UTC', PATH: process.env.PATH }, extendEnv: false });
  return r.stdout;
}
