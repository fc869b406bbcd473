/**
 * The text layer shared by minisign's three file kinds: comment lines and strict base64 lines.
 * Strict because Node's base64 decoder skips characters it does not know, and because a
 * non-canonical encoding (padding bits set) would let a flipped bit in a file go unnoticed.
 */
import { UserError } from '../errors/index.js';

export const UNTRUSTED_PREFIX = 'untrusted comment: ';
export const TRUSTED_PREFIX = 'trusted comment: ';

/**
 * Longest trusted comment we sign. minisign formats each line into a 4096-byte buffer when it
 * signs (and reads up to 8192 when it verifies), so a longer comment would not round-trip.
 */
export const MAX_TRUSTED_COMMENT_BYTES = 4000;
/** minisign reads comment lines with a 1024-byte buffer; longer ones break its parser. */
export const MAX_UNTRUSTED_COMMENT_BYTES = 1000;

const NL = 0x0a;
const CR = 0x0d;

/**
 * Split a file into lines as raw bytes (trusted comments are signed as bytes, so no decoding
 * happens before verification). A trailing CR is dropped like minisign does, so files that
 * went through a CRLF checkout still verify; trailing empty lines are ignored.
 */
export function splitLines(content: string | Buffer): Buffer[] {
  const buf = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
  const lines: Buffer[] = [];
  let start = 0;
  for (;;) {
    const nl = buf.indexOf(NL, start);
    const end = nl === -1 ? buf.length : nl;
    let line = buf.subarray(start, end);
    if (line.length > 0 && line[line.length - 1] === CR) line = line.subarray(0, line.length - 1);
    lines.push(line);
    if (nl === -1) break;
    start = nl + 1;
  }
  while (lines.length > 0 && lines[lines.length - 1]!.length === 0) lines.pop();
  return lines;
}

/**
 * Decode one base64 line that must hold exactly `size` bytes, or undefined when it is not
 * canonical standard base64 of that size.
 */
export function decodeBase64(line: Buffer, size: number): Buffer | undefined {
  const text = line.toString('latin1');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 !== 0) return undefined;
  const bytes = Buffer.from(text, 'base64');
  if (bytes.length !== size || bytes.toString('base64') !== text) return undefined;
  return bytes;
}

/** The text after `prefix` on `line`, or undefined when the line does not start with it. */
export function afterPrefix(line: Buffer | undefined, prefix: string): Buffer | undefined {
  if (line === undefined) return undefined;
  const p = Buffer.from(prefix, 'latin1');
  if (line.length < p.length || !line.subarray(0, p.length).equals(p)) return undefined;
  return line.subarray(p.length);
}

/**
 * Check a comment we are about to write: one line, no NUL (minisign handles comments as C
 * strings), short enough for minisign's buffers. `what` names it in the error.
 */
export function checkComment(text: string, maxBytes: number, what: string): void {
  if (/[\r\n\0]/.test(text)) {
    throw new UserError('ECOMMENT', `${what} contains a line break or NUL: give a single-line comment`);
  }
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > maxBytes) {
    throw new UserError('ECOMMENT', `${what} is ${bytes} bytes, more than minisign accepts (${maxBytes}): shorten it`);
  }
}
