/**
 * Walking a tar one entry at a time, from a buffer or a stream (gunzip's output, dpkg-deb's
 * stdout), within an UnpackBudget. tar-stream's event interface, not its async iterator: on an
 * archive of many small entries the iterator's promises cost 2-3x the parse (measured, 300,000
 * entries: 3.4 s against 1.3 s).
 */
import type { Readable } from 'node:stream';
import tar from 'tar-stream';
import { isUserError, type UserError } from '../errors/index.js';
import type { UnpackBudget } from './budget.js';

/**
 * Calls `onEntry` for each entry in archive order, with its body when `bodies` (else undefined,
 * and the data is skipped), and resolves at the end of the archive. Each entry is counted, and
 * its declared size checked, before a byte of its body is read. A stream's bytes are counted as
 * decompressed output and its errors become `streamError(err)`. Rejects with the first error:
 * the budget's or onEntry's as thrown, the parser's as a plain Error for the caller to word.
 */
export function walkTar(
  input: Buffer | Readable,
  budget: UnpackBudget,
  streamError: (err: unknown) => UserError,
  onEntry: (header: tar.Header, body: Buffer | undefined) => void,
  bodies = true,
): Promise<void> {
  const extract = tar.extract();
  return new Promise<void>((resolve, reject) => {
    let settled = false;
    const fail = (err: unknown): void => {
      if (settled) return;
      settled = true;
      if (!Buffer.isBuffer(input)) input.destroy();
      extract.destroy();
      reject(err);
    };
    extract.on('entry', (header, stream, next) => {
      // Its errors are the parser's, reported once below.
      stream.on('error', () => undefined);
      try {
        budget.entry();
        // The size is the tar's framing, exact before a byte is read: a bomb stops at its header.
        if (header.type !== 'directory' && (header.size ?? 0) > 0) budget.file(header.name, header.size ?? 0);
      } catch (err) {
        return fail(err);
      }
      const body = bodies ? new EntryBody(header.size ?? 0) : undefined;
      stream.on('data', (chunk) => {
        try {
          body?.add(chunk as Buffer);
        } catch (err) {
          fail(err);
        }
      });
      stream.on('end', () => {
        try {
          onEntry(header, body?.done());
        } catch (err) {
          return fail(err);
        }
        next();
      });
    });
    extract.on('finish', () => {
      if (settled) return;
      settled = true;
      resolve();
    });
    extract.on('error', fail);
    extract.on('close', () => fail(new Error('the archive stopped before its end')));
    if (Buffer.isBuffer(input)) extract.end(input);
    else feed(input, extract, budget, fail, streamError);
  });
}

/** Pipes `from` into the parser with backpressure, counting every byte against the budget. */
function feed(
  from: Readable,
  to: tar.Extract,
  budget: UnpackBudget,
  fail: (err: unknown) => void,
  streamError: (err: unknown) => UserError,
): void {
  from.on('data', (chunk: Buffer) => {
    try {
      budget.inflated(chunk.length);
    } catch (err) {
      return fail(err);
    }
    if (!to.write(chunk)) from.pause();
  });
  to.on('drain', () => from.resume());
  from.on('end', () => to.end(null)); // null: no last chunk (streamx's end() wants an argument)
  from.on('error', (err) => fail(isUserError(err) ? err : streamError(err)));
}

/**
 * One entry's data with at most one copy. A body that arrives as a single chunk (the usual case
 * for a buffer, and for small files of a stream) is kept as a view into that chunk; a larger one
 * is copied, chunk by chunk, into one buffer of its declared size, so each chunk is garbage as
 * soon as it is copied instead of all of them being held until the end (twice the file at once).
 */
class EntryBody {
  private first: Buffer | undefined;
  private whole: Buffer | undefined;
  private at = 0;

  constructor(private readonly size: number) {}

  add(chunk: Buffer): void {
    if (this.first === undefined) {
      this.first = chunk;
      return;
    }
    if (this.whole === undefined) {
      this.whole = Buffer.allocUnsafe(Math.max(this.size, this.first.length + chunk.length));
      this.at = this.first.copy(this.whole, 0);
    }
    if (this.at + chunk.length > this.whole.length) throw new Error(`an entry longer than its declared ${this.size} bytes`);
    this.at += chunk.copy(this.whole, this.at);
  }

  done(): Buffer {
    if (this.whole !== undefined) return this.whole.subarray(0, this.at);
    return this.first ?? Buffer.alloc(0);
  }
}
