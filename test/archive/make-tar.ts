/** Builds real tar archives for the tests with tar-stream's packer, hostile ones included. */
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import tar from 'tar-stream';

export interface TestEntry {
  name: string;
  type?: tar.Header['type'];
  data?: string | Buffer;
  linkname?: string;
  mode?: number;
}

export async function makeTar(entries: TestEntry[]): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  const collected = (async () => {
    for await (const chunk of pack) chunks.push(chunk as Buffer);
  })();
  for (const e of entries) {
    const header = {
      name: e.name,
      type: e.type ?? 'file',
      mode: e.mode ?? (e.type === 'directory' ? 0o755 : e.type === 'symlink' ? 0o777 : 0o644),
      mtime: new Date(0),
      ...(e.linkname !== undefined ? { linkname: e.linkname } : {}),
      ...(e.type === 'character-device' ? { devmajor: 1, devminor: 3 } : {}),
    };
    await new Promise<void>((resolve, reject) => {
      const done = (err?: Error | null) => (err ? reject(err) : resolve());
      if (e.data !== undefined) pack.entry(header, e.data, done);
      else pack.entry(header, done);
    });
  }
  pack.finalize();
  await collected;
  const out = Buffer.concat(chunks);
  // tar-stream writes mode 0 as its default mode; patch the headers that must really say 0.
  for (const e of entries) if (e.mode === 0) setModeZero(out, e.name);
  return out;
}

export async function makeTgz(entries: TestEntry[]): Promise<Buffer> {
  return gzipSync(await makeTar(entries));
}

/** Rewrites the mode field of the ustar header named `name` to 0 and fixes its checksum. */
function setModeZero(archive: Buffer, name: string): void {
  for (let at = 0; at + 512 <= archive.length; ) {
    const header = archive.subarray(at, at + 512);
    if (header.every((b) => b === 0)) return;
    const size = parseInt(header.toString('latin1', 124, 136).replace(/\0.*$/s, '').trim() || '0', 8);
    const headerName = header.toString('utf8', 0, 100).replace(/\0.*$/s, '');
    if (headerName === name || headerName === `${name}/`) {
      header.write('0000000\0', 100, 'latin1');
      header.fill(0x20, 148, 156);
      let sum = 0;
      for (const b of header) sum += b;
      header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
    }
    at += 512 + Math.ceil(size / 512) * 512;
  }
}

/** An assertion for assert.rejects: a one-line UserError EARCHIVE about `source`, mentioning each of `mentions`. */
export function isEarchive(source: string, mentions: string[]) {
  return (err: Error & { code?: string }): boolean => {
    assert.equal(err.name, 'UserError');
    assert.equal(err.code, 'EARCHIVE');
    assert.ok(err.message.startsWith(`${source}: `), err.message);
    for (const m of mentions) assert.ok(err.message.includes(m), `"${m}" missing from: ${err.message}`);
    assert.ok(!err.message.includes('\n'));
    return true;
  };
}

/** An assertion for assert.rejects: one ELIMIT line about `source` naming bound `key`, its default, both ways to raise it, and each of `says`. */
export function isElimit(source: string, key: 'files' | 'file_size' | 'unpacked_size' | 'ratio', says: string[] = []) {
  return (err: Error & { code?: string }): boolean => {
    assert.equal(err.name, 'UserError', err.stack);
    assert.equal(err.code, 'ELIMIT', err.message);
    assert.ok(err.message.startsWith(`${source}: `), err.message);
    assert.ok(!err.message.includes('\n'), err.message);
    for (const s of [`(the ${key} limit, default `, `[build.limits] ${key} = `, `limits = { ${key} = `, ...says]) {
      assert.ok(err.message.includes(s), `"${s}" missing from: ${err.message}`);
    }
    return true;
  };
}
