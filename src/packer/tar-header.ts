/**
 * Tar headers as bytes, a pure function: ustar, with a pax record only when a name or link target
 * does not fit (non-ASCII names, names that cannot be split into prefix and name, link targets over
 * 100 bytes). The bytes are exactly those tar-stream 3 writes for the same entry (every package
 * stored so far was packed by it, and a different byte would change every package's sha256);
 * test/packer/tar-header.test.ts compares the two on awkward names. Writing them here lets the
 * packer put headers and file data straight into its compression blocks instead of through a
 * stream per entry.
 */

export type TarType = 'file' | 'symlink' | 'directory';

export interface TarHeaderFields {
  /** Name in the archive (directories end in '/'). */
  name: string;
  type: TarType;
  /** Mode bits; only 0o7777 is written. Never 0 here (the packer's modes are normalised). */
  mode: number;
  /** Bytes of content: 0 for anything but a file. */
  size: number;
  /** Whole seconds since 1970. */
  mtime: number;
  /** Symlink target. */
  linkname?: string;
}

const BLOCK = 512;
const TYPEFLAG: Record<TarType | 'pax-header', number> = { file: 0, symlink: 2, directory: 5, 'pax-header': 72 };
const ZEROS = '0000000000000000000';
const SEVENS = '7777777777777777777';

/** Octal, zero-padded to `n` digits and a space; all 7s when it does not fit (tar-stream's rule). */
function octal(value: number, n: number): string {
  const s = value.toString(8);
  if (s.length > n) return `${SEVENS.slice(0, n)} `;
  return `${ZEROS.slice(0, n - s.length)}${s} `;
}

function writeSize(size: number, buf: Buffer, at: number): void {
  if (size.toString(8).length <= 11) {
    buf.write(octal(size, 11), at, 'latin1');
    return;
  }
  // Base-256 for sizes of 8 GiB and over, as GNU tar and tar-stream write them.
  buf[at] = 0x80;
  let n = size;
  for (let i = 11; i > 0; i--) {
    buf[at + i] = n & 0xff;
    n = Math.floor(n / 0x100);
  }
}

function checksum(buf: Buffer): number {
  let sum = 8 * 32; // the checksum field itself counts as spaces
  for (let i = 0; i < 148; i++) sum += buf[i]!;
  for (let i = 156; i < BLOCK; i++) sum += buf[i]!;
  return sum;
}

/** The name split into ustar's prefix and name, or undefined when it cannot be (a pax record then). */
function splitName(full: string): { prefix: string; name: string } | undefined {
  if (Buffer.byteLength(full) !== full.length) return undefined; // not ASCII
  let name = full;
  let prefix = '';
  while (name.length > 100) {
    const i = name.indexOf('/');
    if (i === -1) return undefined;
    prefix += prefix ? `/${name.slice(0, i)}` : name.slice(0, i);
    name = name.slice(i + 1);
  }
  if (prefix.length > 155) return undefined;
  return { prefix, name };
}

/** One 512-byte ustar header, or undefined when the entry needs a pax record. */
function ustar(f: TarHeaderFields | (Omit<TarHeaderFields, 'type'> & { type: 'pax-header' })): Buffer | undefined {
  const split = splitName(f.name);
  if (split === undefined) return undefined;
  if (f.linkname && Buffer.byteLength(f.linkname) > 100) return undefined;
  const buf = Buffer.alloc(BLOCK);
  buf.write(split.name, 0, 'latin1');
  buf.write(octal(f.mode & 0o7777, 6), 100, 'latin1');
  buf.write(octal(0, 6), 108, 'latin1'); // uid
  buf.write(octal(0, 6), 116, 'latin1'); // gid
  writeSize(f.size, buf, 124);
  buf.write(octal(f.mtime, 11), 136, 'latin1');
  buf[156] = 0x30 + TYPEFLAG[f.type];
  if (f.linkname) buf.write(f.linkname, 157, 'utf8');
  buf.write('ustar\0', 257, 'latin1');
  buf.write('00', 263, 'latin1');
  // uname and gname stay empty: nothing about the build user reaches the archive.
  buf.write(octal(0, 6), 329, 'latin1'); // devmajor
  buf.write(octal(0, 6), 337, 'latin1'); // devminor
  if (split.prefix) buf.write(split.prefix, 345, 'latin1');
  buf.write(octal(checksum(buf), 6), 148, 'latin1');
  return buf;
}

/** A pax record line: its own length in decimal first, computed as tar-stream does. */
function paxLine(text: string): string {
  const len = Buffer.byteLength(text);
  let digits = Math.floor(Math.log(len) / Math.log(10)) + 1;
  if (len + digits >= 10 ** digits) digits++;
  return `${len + digits}${text}`;
}

/**
 * The bytes before an entry's content: one ustar header, or a pax header, its record padded to
 * 512 bytes, and a ustar header named `PaxHeader` carrying the entry's type and size.
 */
export function tarHeader(f: TarHeaderFields): Buffer {
  const plain = ustar(f);
  if (plain !== undefined) return plain;
  let text = paxLine(` path=${f.name}\n`);
  if (f.linkname) text += paxLine(` linkpath=${f.linkname}\n`);
  const record = Buffer.from(text, 'utf8');
  const linkname = f.linkname ? 'PaxHeader' : undefined;
  const common = { name: 'PaxHeader', mode: f.mode, mtime: f.mtime, ...(linkname ? { linkname } : {}) };
  const pax = ustar({ ...common, type: 'pax-header', size: record.length }) as Buffer;
  const real = ustar({ ...common, type: f.type, size: f.size }) as Buffer;
  return Buffer.concat([pax, record, Buffer.alloc(padding(record.length)), real]);
}

/** Zero bytes after `size` bytes of content, up to the next 512-byte boundary. */
export function padding(size: number): number {
  const r = size % BLOCK;
  return r === 0 ? 0 : BLOCK - r;
}

/** Two zero blocks end a tar. */
export const END_OF_TAR_BYTES = 2 * BLOCK;
