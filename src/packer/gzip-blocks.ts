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
 * Blocks that lie inside one large input (writeInPlace) are not copied at all.
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

const noop = (): void => undefined;

/**
 * The most a block of `n` input bytes can compress to: deflate's stored-block fallback costs 5
 * bytes a 64 KiB, plus a block end, the sync flush's empty block and slack; far above zlib's own
 * bound (deflateBound), as nothing depends on it but the size of one buffer.
 */
function deflateBound(n: number): number {
  return n + (n >> 8) + 64;
}

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
  /** Per block: its input's length, and its output's once compressed. */
  private readonly inLength: number[] = [];
  private readonly outLength: (number | undefined)[] = [];
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

  /**
   * Like write, but each whole block that lies inside `data` is compressed from `data` itself
   * instead of a copy (a large file is mostly such blocks); waits (drain) as blocks go out.
   * `data` must not change until end() resolves. Same bytes as write.
   */
  async writeInPlace(data: Buffer): Promise<void> {
    let at = 0;
    while (at < data.length) {
      if (this.filled === 0 && data.length - at >= BLOCK_BYTES) {
        this.compress(data.subarray(at, at + BLOCK_BYTES), undefined, false);
        at += BLOCK_BYTES;
      } else {
        const n = Math.min(data.length - at, BLOCK_BYTES - this.filled);
        this.write(data.subarray(at, at + n));
        at += n;
      }
      if (this.busy) await this.drain();
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

  /**
   * Compresses what is left as the final block; the gzip member. Each block's output is copied
   * into it as soon as the blocks before it are in, while the last ones still compress: the
   * copy, and the first touch of the result's pages, cost nothing on the way out.
   */
  async end(): Promise<Buffer> {
    if (this.ended) throw new Error('GzipBlockWriter: end() called twice');
    this.ended = true;
    this.dispatch(true);
    // Room for every block: its output when known, else its input's worst case.
    let room = HEADER.length + 8;
    for (let i = 0; i < this.out.length; i++) room += this.outLength[i] ?? deflateBound(this.inLength[i] as number);
    const result = Buffer.allocUnsafe(room);
    let at = HEADER.copy(result, 0);
    for (const piece of this.out) {
      const bytes = await piece;
      if (at + bytes.length + 8 > result.length) throw new Error('GzipBlockWriter: a block outgrew its bound');
      at += bytes.copy(result, at);
    }
    at = result.writeUInt32LE(this.crc >>> 0, at);
    at = result.writeUInt32LE(this.size % 0x100000000, at);
    return result.subarray(0, at);
  }

  private dispatch(last: boolean): void {
    const block = this.block;
    const input = block === undefined ? Buffer.alloc(0) : block.subarray(0, this.filled);
    this.block = undefined;
    this.filled = 0;
    this.compress(input, block, last);
  }

  /** Sends `input` to the pool as the next block; `block`, the buffer it lies in if it is one of ours, is reused after. */
  private compress(input: Buffer, block: Buffer | undefined, last: boolean): void {
    this.crc = crc32(input, this.crc);
    this.size += input.length;
    this.onBlock?.(input);
    const p = deflateRawAsync(input, options(this.level, this.window, last, input.length));
    // zlib copies the dictionary when the stream is made; this copy only keeps the block reusable.
    if (!last) this.window = Buffer.from(input.subarray(input.length - WINDOW));
    const index = this.out.length;
    this.out.push(p);
    this.inLength.push(input.length);
    this.outLength.push(undefined);
    p.then((bytes) => {
      this.outLength[index] = bytes.length;
    }, noop);
    this.inFlight.add(p);
    const done = (): void => {
      this.inFlight.delete(p);
      // The whole block was read once its output is complete: reuse the buffer.
      if (block !== undefined && this.spare.length < IN_FLIGHT) this.spare.push(block);
    };
    p.then(done, done);
  }
}

/** Gzip an input stream. */
export async function gzipBlocks(source: AsyncIterable<Buffer>, level: number): Promise<Buffer> {
  const w = new GzipBlockWriter(level);
  for await (const chunk of source) {
    w.write(chunk);
    await w.drain();
  }
  return w.end();
}
