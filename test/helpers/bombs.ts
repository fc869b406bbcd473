/**
 * Decompression bombs and other oversized archives for the hostile tests, generated at test time
 * and streamed to disk (a 2 GiB bomb never exists in memory, here or in the repo). Tar headers
 * are written by a small ustar encoder of our own, independent of the tar library under test.
 */
import { createWriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip, gzipSync } from 'node:zlib';
import { execa } from 'execa';
import tar from 'tar-stream';

export const MiB = 1024 * 1024;
export const GiB = 1024 * MiB;

const ZEROS = Buffer.alloc(MiB);

/** One ustar header block. `size` may reach 8 GiB (11 octal digits). */
export function ustarHeader(name: string, size: number, type: '0' | '1' | '2' | '5' = '0', linkname = ''): Buffer {
  const h = Buffer.alloc(512);
  h.write(name, 0, 100, 'utf8');
  h.write(type === '5' ? '0000755\0' : '0000644\0', 100, 'latin1');
  h.write('0000000\0', 108, 'latin1');
  h.write('0000000\0', 116, 'latin1');
  h.write(`${size.toString(8).padStart(11, '0')}\0`, 124, 'latin1');
  h.write('14707041700\0', 136, 'latin1'); // 1985-10-26, npm pack's mtime
  h.fill(0x20, 148, 156);
  h.write(type, 156, 'latin1');
  h.write(linkname, 157, 100, 'utf8');
  h.write('ustar\0' + '00', 257, 'latin1');
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += h[i]!;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
  return h;
}

/** `n` zero bytes, in chunks of at most 1 MiB (views of one shared buffer). */
export function* zeros(n: number): Generator<Buffer> {
  for (let left = n; left > 0; left -= MiB) yield ZEROS.subarray(0, Math.min(MiB, left));
}

/** One tar member: header, data, padding to the block. */
export function* tarFile(name: string, data: Buffer | number): Generator<Buffer> {
  const size = typeof data === 'number' ? data : data.length;
  yield ustarHeader(name, size);
  if (typeof data === 'number') yield* zeros(data);
  else yield data;
  if (size % 512 !== 0) yield Buffer.alloc(512 - (size % 512));
}

/** The two zero blocks that end a tar. */
export const TAR_END = Buffer.alloc(1024);

/** An npm-shaped package.json entry, so a bomb looks like a package up to its payload. */
export function packageJson(name: string): Buffer {
  return Buffer.from(
    `${JSON.stringify({ name, version: '1.0.0', description: 'bale hostile fixture', main: 'index.js', license: 'MIT' }, null, 2)}\n`,
  );
}

/** Streams `chunks` through one gzip member into `file`; the compressed size. */
export async function writeGzip(file: string, chunks: Iterable<Buffer>, level = 9): Promise<number> {
  await pipeline(Readable.from(chunks, { objectMode: false }), createGzip({ level }), createWriteStream(file));
  return (await stat(file)).size;
}

/** Streams `chunks` into `file` as they are (a plain tar); its size. */
export async function writePlain(file: string, chunks: Iterable<Buffer>): Promise<number> {
  await pipeline(Readable.from(chunks, { objectMode: false }), createWriteStream(file));
  return (await stat(file)).size;
}

/**
 * `n` zero bytes as a run of gzip members (RFC 1952 allows any number; gzip -d, Python and zlib
 * read them as one stream): 32 MiB compressed once (~32 KB) and repeated, so a 2 GiB stream costs
 * 2 MB and no time to make. Used where the shape of the compressed stream is not what is tested.
 */
export function zeroMembers(n: number): Buffer[] {
  const block = 32 * MiB;
  const whole = gzipSync(Buffer.alloc(block), { level: 9 });
  const out: Buffer[] = [];
  for (let left = n; left > 0; left -= block) out.push(left >= block ? whole : gzipSync(Buffer.alloc(left), { level: 9 }));
  return out;
}

/**
 * A real .gem (from `gem build`) with its data.tar.gz replaced by `dataTarGz` and its
 * checksums.yaml.gz left out (RubyGems treats it as optional), as a hostile publisher would ship it.
 */
export async function gemWithData(gem: Buffer, dataTarGz: Buffer): Promise<Buffer> {
  const parts = new Map<string, Buffer>();
  const extract = tar.extract();
  const read = (async () => {
    for await (const entry of extract) {
      const chunks: Buffer[] = [];
      for await (const c of entry) chunks.push(c as Buffer);
      parts.set(entry.header.name, Buffer.concat(chunks));
    }
  })();
  extract.end(gem);
  await read;
  const metadata = parts.get('metadata.gz');
  if (metadata === undefined) throw new Error('not a gem: no metadata.gz');
  const chunks: Buffer[] = [];
  for (const [name, body] of [
    ['metadata.gz', metadata],
    ['data.tar.gz', dataTarGz],
  ] as const)
    chunks.push(...tarFile(name, body));
  chunks.push(TAR_END);
  return Buffer.concat(chunks);
}

const ZIP_WRITER = String.raw`
import json, sys, zipfile
spec = json.loads(sys.argv[1])
chunk = bytes(1 << 20)
with zipfile.ZipFile(spec['file'], 'w', zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
    for e in spec['entries']:
        zi = zipfile.ZipInfo(e['name'], date_time=(2020, 1, 1, 0, 0, 0))
        zi.compress_type = zipfile.ZIP_DEFLATED
        zi.external_attr = 0o100644 << 16
        with zf.open(zi, 'w', force_zip64=e['zeros'] >= 1 << 31) as f:
            if 'text' in e:
                f.write(e['text'].encode())
            left = e['zeros']
            while left > 0:
                f.write(chunk[:min(left, len(chunk))])
                left -= len(chunk)
`;

/**
 * A zip written by Python's zipfile, streaming: entries of text and/or `zeros` zero bytes (a
 * 300 MB entry costs ~300 KB and never sits in memory). Its size.
 */
export async function writeZip(file: string, entries: Array<{ name: string; zeros: number; text?: string }>): Promise<number> {
  await execa('python3', ['-c', ZIP_WRITER, JSON.stringify({ file, entries })]);
  return (await stat(file)).size;
}

/**
 * A copy of `zip` whose central directory and local header both declare `size` uncompressed bytes
 * for entry `name` (a lie: the data is unchanged), as a bomb that hopes readers trust the directory.
 */
export function declareSize(zip: Buffer, name: string, size: number): Buffer {
  const out = Buffer.from(zip);
  const eocd = out.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (eocd < 0) throw new Error('no end of central directory');
  let at = out.readUInt32LE(eocd + 16);
  for (let i = 0; i < out.readUInt16LE(eocd + 10); i++) {
    const nameLength = out.readUInt16LE(at + 28);
    const next = at + 46 + nameLength + out.readUInt16LE(at + 30) + out.readUInt16LE(at + 32);
    if (out.toString('utf8', at + 46, at + 46 + nameLength) === name) {
      out.writeUInt32LE(size, at + 24);
      out.writeUInt32LE(size, out.readUInt32LE(at + 42) + 22);
      return out;
    }
    at = next;
  }
  throw new Error(`no entry ${name}`);
}
