/**
 * Gzip in fixed-size blocks compressed in parallel, the way pigz does, as one ordinary gzip member:
 * each block is a raw deflate stream primed with the previous 32 KiB of input and ended with a
 * sync flush, the last one with a final block; the CRC and length of the whole input close it.
 * The bytes depend only on the input, the level and BLOCK_BYTES (never on thread timing, core
 * count or how the input was cut into writes), and any gunzip reads them. On 2 cores this halves
 * the time of the pack benchmark's largest cost, compressing.
 *
 * Input is copied into a few block buffers that are reused once their block is compressed: a
 * fresh buffer per block costs a page fault per 4 KiB touched, which on a virtual machine cost
 * as much as the copy itself many times over (measured: ~12 µs a fault, 23 MB of tar ~70 ms).
 */
import { promisify } from 'node:util';
import { constants as zc, crc32, deflateRaw, type ZlibOptions } from 'node:zlib';

const deflateRawAsync = promisify(deflateRaw) as (buf: Buffer, opts: ZlibOptions) => Promise<Buffer>;

/** Fixed: changing it changes every package's bytes. */
export const BLOCK_BYTES = 1024 * 1024;
const WINDOW = 32 * 1024;
/** Blocks compressing at once: libuv's pool has 4 threads. Does not affect the output. */
const IN_FLIGHT = 4;

/** mtime 0, XFL 0, OS 3 (Unix): nothing about the machine or the clock. */
const HEADER = Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0, 0, 0, 0, 0x00, 0x03]);
const ZEROS = Buffer.alloc(64 * 1024);

function options(level: number, dictionary: Buffer | undefined, last: boolean, inputBytes: number): ZlibOptions {
  return {
    level,
    windowBits: 15,
    memLevel: 8,
    strategy: zc.Z_DEFAULT_STRATEGY,
    // About one output chunk per block of text or code (level 6 writes a quarter of its input or
    // less) instead of 16 KiB trips to the thread pool, but no 1 MiB buffer per block: V8 counts
    // them as external memory, and 23 of them started full garbage collections. Never changes
    // the bytes.
    chunkSize: Math.max(16 * 1024, Math.ceil(inputBytes / 4) + 1024),
    finishFlush: last ? zc.Z_FINISH : zc.Z_SYNC_FLUSH,
    ...(dictionary !== undefined ? { dictionary } : {}),
  };
}

/**
 * A gzip writer: `write` copies bytes in (synchronously), full blocks go to the thread pool at
 * once; `end` returns the output pieces in order. Call `drain` between writes to keep at most
 * a few blocks in memory: without it, every block written stays until it is compressed.
 */
export class GzipBlockWriter {
  private readonly out: Promise<Buffer>[] = [];
  private readonly inFlight = new Set<Promise<Buffer>>();
  private readonly spare: Buffer[] = [];
  private block: Buffer | undefined;
  private filled = 0;
  /** The last 32 KiB of the previous block, copied: the next block's dictionary. */
  private window: Buffer | undefined;
  private crc = 0;
  private size = 0;
  private ended = false;

  /** @param onBlock - sees every byte of input once, a block at a time, in order (the packer hashes the tar there). */
  constructor(
    private readonly level: number,
    private readonly onBlock?: (bytes: Buffer) => void,
  ) {}

  write(data: Buffer): void {
    let at = 0;
    while (at < data.length) {
      const block = (this.block ??= this.spare.pop() ?? Buffer.allocUnsafe(BLOCK_BYTES));
      const n = data.copy(block, this.filled, at, Math.min(data.length, at + BLOCK_BYTES - this.filled));
      this.filled += n;
      at += n;
      if (this.filled === BLOCK_BYTES) this.dispatch(false);
    }
  }

  /** `n` zero bytes (tar padding). */
  zeros(n: number): void {
    for (let left = n; left > 0; left -= ZEROS.length) this.write(left >= ZEROS.length ? ZEROS : ZEROS.subarray(0, left));
  }

  /** True when enough blocks are compressing that the caller should `drain` before writing more. */
  get busy(): boolean {
    return this.inFlight.size >= IN_FLIGHT;
  }

  /** Waits until fewer than IN_FLIGHT blocks are compressing. */
  async drain(): Promise<void> {
    while (this.inFlight.size >= IN_FLIGHT) await Promise.race(this.inFlight);
  }

  /** Compresses what is left as the final block; the gzip member, in pieces, in order. */
  async end(): Promise<Buffer[]> {
    if (this.ended) throw new Error('GzipBlockWriter: end() called twice');
    this.ended = true;
    this.dispatch(true);
    const body = await Promise.all(this.out);
    const trailer = Buffer.alloc(8);
    trailer.writeUInt32LE(this.crc >>> 0, 0);
    trailer.writeUInt32LE(this.size % 0x100000000, 4);
    return [HEADER, ...body, trailer];
  }

  private dispatch(last: boolean): void {
    const block = this.block;
    const input = block === undefined ? Buffer.alloc(0) : block.subarray(0, this.filled);
    this.block = undefined;
    this.filled = 0;
    this.crc = crc32(input, this.crc);
    this.size += input.length;
    this.onBlock?.(input);
    const p = deflateRawAsync(input, options(this.level, this.window, last, input.length));
    // zlib copies the dictionary when the stream is made; this copy only keeps the block reusable.
    if (!last) this.window = Buffer.from(input.subarray(input.length - WINDOW));
    this.out.push(p);
    this.inFlight.add(p);
    const done = (): void => {
      this.inFlight.delete(p);
      // The whole block was read once its output is complete: reuse the buffer.
      if (block !== undefined && this.spare.length < IN_FLIGHT) this.spare.push(block);
    };
    p.then(done, done);
  }
}

/** Gzip an input stream; returns the output pieces in order. */
export async function gzipBlocks(source: AsyncIterable<Buffer>, level: number): Promise<Buffer[]> {
  const w = new GzipBlockWriter(level);
  for await (const chunk of source) {
    w.write(chunk);
    await w.drain();
  }
  return w.end();
}
