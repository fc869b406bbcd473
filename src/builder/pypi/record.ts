/**
 * RECORD files ("Recording installed projects", and the wheel format's stricter rules): parsing the
 * wheel's, verifying its hashes, writing the installed one. CSV as Python's csv module reads and
 * writes it by default: `,` between fields, `"` quoting with `""` inside, `\n` or `\r\n` lines.
 */
import { createHash } from 'node:crypto';
import { IntegrityError, UserError } from '../../errors/index.js';
import { compareBytes } from '../../packer/normalize.js';

export interface RecordRow {
  path: string;
  /** `algorithm=urlsafe-base64-nopad(digest)` (hex accepted too, as pip does), or '' (only RECORD itself may have none). */
  hash: string;
  /** Decimal size in bytes, or ''. */
  size: string;
}

/**
 * Hash names from hashlib.algorithms_guaranteed that are "sha256 or better" (md5, sha1 and sha224
 * are refused by the wheel format), mapped to Node's names.
 */
const ALGORITHMS: Record<string, string> = {
  sha256: 'sha256',
  sha384: 'sha384',
  sha512: 'sha512',
  sha3_256: 'sha3-256',
  sha3_384: 'sha3-384',
  sha3_512: 'sha3-512',
  blake2b: 'blake2b512',
  blake2s: 'blake2s256',
};

/** `sha256=<urlsafe base64, no padding>` of `data`: what installed RECORDs carry. */
export function recordHash(data: Buffer): string {
  return `sha256=${createHash('sha256').update(data).digest('base64url')}`;
}

/** Splits CSV text into rows of fields; quoted fields may hold `,`, `""` and line breaks. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  let i = 0;
  const endRow = () => {
    row.push(field);
    // A blank line is no row (csv.reader yields [] for it, which nothing in RECORD means).
    if (!(row.length === 1 && row[0] === '')) rows.push(row);
    row = [];
    field = '';
  };
  while (i < text.length) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i += 2;
        continue;
      }
      if (c === '"') quoted = false;
      else field += c;
      i++;
      continue;
    }
    if (c === '"' && field === '') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n') endRow();
    else if (c === '\r' && text[i + 1] === '\n') {
      endRow();
      i++;
    } else field += c;
    i++;
  }
  if (quoted) throw new Error('unterminated quoted field');
  if (field !== '' || row.length > 0) endRow();
  return rows;
}

/** The wheel's RECORD rows; a row that is not path,hash,size is an error naming the wheel. */
export function parseRecord(text: string, source: string, recordPath: string): RecordRow[] {
  let rows: string[][];
  try {
    rows = parseCsv(text);
  } catch (err) {
    throw badRecord(source, recordPath, err instanceof Error ? err.message : String(err));
  }
  return rows.map((fields, i) => {
    if (fields.length !== 3) throw badRecord(source, recordPath, `row ${i + 1} has ${fields.length} fields, not path,hash,size`);
    const [path, hash, size] = fields as [string, string, string];
    if (path === '') throw badRecord(source, recordPath, `row ${i + 1} has an empty path`);
    if (size !== '' && !/^[0-9]+$/.test(size)) throw badRecord(source, recordPath, `row ${i + 1} has the size "${size}"`);
    return { path, hash, size };
  });
}

/**
 * Checks one file against its RECORD row: a hash is required (sha256 or better), and the size too
 * when given. A mismatch is an IntegrityError (EINTEGRITY) naming the wheel and the file.
 */
export function verifyRow(row: RecordRow, data: Buffer, source: string): void {
  const eq = row.hash.indexOf('=');
  const name = eq === -1 ? '' : row.hash.slice(0, eq);
  if (row.hash === '')
    throw new IntegrityError(
      `${source}: "${row.path}" has no hash in RECORD; every file of a wheel must have one: the wheel is malformed, report it upstream`,
    );
  const algorithm = ALGORITHMS[name];
  if (algorithm === undefined) {
    throw new IntegrityError(
      `${source}: "${row.path}" is hashed with "${name || row.hash}" in RECORD; wheels need sha256 or better: report it upstream`,
    );
  }
  // Padding is not part of the format, but a tool that kept it still means the same digest.
  const expected = row.hash.slice(eq + 1).replace(/=+$/, '');
  const digest = createHash(algorithm).update(data).digest();
  // Some build tools write hex (gmsh 4.15.2); pip installs those wheels. Hex and base64 of one digest
  // never have the same length, so the length says which encoding the row used.
  const hex = expected.length === digest.length * 2 && /^[0-9A-Fa-f]+$/.test(expected);
  const actual = hex ? digest.toString('hex') : digest.toString('base64url');
  if (actual !== (hex ? expected.toLowerCase() : expected)) {
    throw new IntegrityError(
      `${source}: "${row.path}" does not match its RECORD hash (${name}=${expected}${hex ? ' in hex' : ''}, got ${name}=${actual}): the wheel is corrupt or was altered; download it again or pin another version`,
    );
  }
  if (row.size !== '' && Number(row.size) !== data.length) {
    throw new IntegrityError(
      `${source}: "${row.path}" is ${data.length} bytes, RECORD says ${row.size}: the wheel is corrupt or was altered`,
    );
  }
}

function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** The installed RECORD: one `\n`-terminated line per row, sorted bytewise by path. */
export function formatRecord(rows: RecordRow[]): Buffer {
  const sorted = [...rows].sort((a, b) => compareBytes(a.path, b.path));
  return Buffer.from(sorted.map((r) => `${csvField(r.path)},${csvField(r.hash)},${csvField(r.size)}\n`).join(''), 'utf8');
}

function badRecord(source: string, recordPath: string, why: string): UserError {
  return new UserError('EWHEEL', `${source}: ${recordPath}: ${why}: the wheel is malformed, report it upstream or pin another version`);
}
