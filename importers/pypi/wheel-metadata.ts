/**
 * A wheel's `<name>.dist-info/METADATA`, read straight from the zip's central directory: one entry
 * found and inflated, not the whole wheel unpacked (what resolution needs of a wheel on an index
 * without PEP 658 files, as pip reads it). Only the plain case is read here: anything unexpected
 * (zip64, an encrypted or oddly compressed entry, two METADATA candidates, a local header that
 * disagrees, a CRC mismatch) gives undefined, and the caller unpacks the wheel with the full,
 * refusing reader (src/archive/zip.ts), whose errors say what is wrong.
 */
import { crc32, inflateRawSync } from 'node:zlib';

const EOCD = 0x06054b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;
const EOCD_SIZE = 22;
/** The end record sits within its size plus the longest comment from the end. */
const EOCD_SEARCH = EOCD_SIZE + 0xffff;
/** Larger metadata is left to the full reader and its limits. */
const MAX_METADATA = 16 * 1024 * 1024;
const METADATA = /^[^/]+\.dist-info\/METADATA$/;

interface Member {
  name: Buffer;
  flags: number;
  method: number;
  crc: number;
  compressed: number;
  size: number;
  offset: number;
}

function endRecord(data: Buffer): number | undefined {
  for (let i = data.length - EOCD_SIZE; i >= Math.max(0, data.length - EOCD_SEARCH); i--) {
    if (data.readUInt32LE(i) === EOCD) return i;
  }
  return undefined;
}

/** The one central-directory entry named like METADATA, or undefined (none, several, zip64). */
function findMember(data: Buffer): Member | undefined {
  const end = endRecord(data);
  if (end === undefined) return undefined;
  const count = data.readUInt16LE(end + 10);
  const cdSize = data.readUInt32LE(end + 12);
  const cdStart = data.readUInt32LE(end + 16);
  if (count === 0xffff || cdStart === 0xffffffff || cdStart + cdSize > end) return undefined;
  let found: Member | undefined;
  let p = cdStart;
  for (let i = 0; i < count; i++) {
    if (p + 46 > end || data.readUInt32LE(p) !== CENTRAL) return undefined;
    const nameLen = data.readUInt16LE(p + 28);
    const next = p + 46 + nameLen + data.readUInt16LE(p + 30) + data.readUInt16LE(p + 32);
    if (next > end) return undefined;
    const name = data.subarray(p + 46, p + 46 + nameLen);
    if (METADATA.test(name.toString('utf8'))) {
      if (found !== undefined) return undefined;
      found = {
        name,
        flags: data.readUInt16LE(p + 8),
        method: data.readUInt16LE(p + 10),
        crc: data.readUInt32LE(p + 16),
        compressed: data.readUInt32LE(p + 20),
        size: data.readUInt32LE(p + 24),
        offset: data.readUInt32LE(p + 42),
      };
    }
    p = next;
  }
  return found;
}

/** The METADATA text of the wheel in `data`, or undefined when the full reader must decide. */
export function wheelMetadata(data: Buffer): string | undefined {
  try {
    const m = findMember(data);
    if (m === undefined || (m.flags & 1) !== 0 || (m.method !== 0 && m.method !== 8)) return undefined;
    if (m.size > MAX_METADATA || m.compressed === 0xffffffff || m.offset + 30 > data.length) return undefined;
    if (data.readUInt32LE(m.offset) !== LOCAL) return undefined;
    const nameLen = data.readUInt16LE(m.offset + 26);
    const start = m.offset + 30 + nameLen + data.readUInt16LE(m.offset + 28);
    if (!data.subarray(m.offset + 30, m.offset + 30 + nameLen).equals(m.name) || start + m.compressed > data.length) return undefined;
    const raw = data.subarray(start, start + m.compressed);
    const content = m.method === 0 ? raw : inflateRawSync(raw, { maxOutputLength: Math.max(m.size, 1) });
    if (content.length !== m.size || crc32(content) >>> 0 !== m.crc >>> 0) return undefined;
    return content.toString('utf8');
  } catch {
    return undefined;
  }
}
