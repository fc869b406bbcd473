/**
 * What one archive may unpack to, counted while it is read, so that a bomb is refused as soon as
 * it passes a bound and never held in memory whole. One budget covers an archive and the archives
 * nested in it (a .gem's data.tar.gz), against the size of the outermost, compressed input.
 *
 * Two counters, each held to unpacked_size: bytes out of a decompressor (gzip, inflate, dpkg-deb),
 * which bounds streams that are not files (runs of zero blocks, padding, garbage after the tar),
 * and bytes of entry data as the archive declares them (tar headers, the zip directory), which
 * also counts hardlink copies. The larger of the two is what the archive "unpacks to".
 */
import { UserError } from '../errors/index.js';
import { DEFAULT_LIMITS, formatSize, RATIO_FLOOR, type ArchiveLimits } from '../limits/index.js';

export class UnpackBudget {
  private entries = 0;
  private data = 0;
  private decompressed = 0;

  /**
   * @param source what the archive is, for messages: the URL or the package.
   * @param compressedSize bytes of the archive as fetched: the ratio's denominator.
   */
  constructor(
    readonly source: string,
    private readonly compressedSize: number,
    readonly limits: ArchiveLimits = DEFAULT_LIMITS,
  ) {}

  /** `n` more entries (files, directories, links); a zip's count is known before any is read. */
  entry(n = 1): void {
    this.entries += n;
    if (this.entries > this.limits.files) {
      throw this.exceeded('files', `holds more than ${this.limits.files} entries`, String(this.limits.files * 2), DEFAULT_LIMITS.files);
    }
  }

  /** Entry `name` is about to unpack `size` bytes (its declared size, before any is read). */
  file(name: string, size: number): void {
    if (size > this.limits.fileSize) {
      throw this.exceeded(
        'file_size',
        `entry "${name}" unpacks to ${exactSize(size)}, more than ${exactSize(this.limits.fileSize)}`,
        sizeLiteral(roundUp(Math.max(this.limits.fileSize * 2, size))),
        exactSize(DEFAULT_LIMITS.fileSize),
      );
    }
    this.data += size;
    this.check();
  }

  /** `n` more bytes came out of a decompressor. */
  inflated(n: number): void {
    this.decompressed += n;
    this.check();
  }

  /** Bytes unpacked so far: the larger counter. */
  get unpacked(): number {
    return Math.max(this.data, this.decompressed);
  }

  private check(): void {
    const { unpackedSize, ratio } = this.limits;
    const unpacked = this.unpacked;
    if (unpacked > unpackedSize) {
      throw this.exceeded('unpacked_size', `unpacks to more than ${exactSize(unpackedSize)}`, sizeLiteral(roundUp(unpackedSize * 2)), exactSize(DEFAULT_LIMITS.unpackedSize));
    }
    if (unpacked > RATIO_FLOOR && unpacked > ratio * this.compressedSize) {
      throw this.exceeded(
        'ratio',
        `unpacks to more than ${ratio} times its compressed size (${formatSize(this.compressedSize)} compressed, over ${formatSize(unpacked)} unpacked): a decompression bomb, or data that compresses unusually well`,
        String(ratio * 5),
        String(DEFAULT_LIMITS.ratio),
      );
    }
  }

  private exceeded(key: 'files' | 'file_size' | 'unpacked_size' | 'ratio', what: string, raised: string, defaultValue: string | number): UserError {
    const value = key === 'files' || key === 'ratio' ? raised : `"${raised}"`;
    return new UserError(
      'ELIMIT',
      `${this.source}: ${what} (the ${key} limit, default ${defaultValue}); if this package really is that big, raise it with [build.limits] ${key} = ${value} in its recipe, or limits = { ${key} = ${value} } in its override row`,
    );
  }
}

const UNITS: ReadonlyArray<[string, number]> = [['TiB', 2 ** 40], ['GiB', 2 ** 30], ['MiB', 2 ** 20], ['KiB', 2 ** 10]];

/** A size as a recipe can say it (`"4GiB"`): the largest unit that divides it, else bytes. */
function sizeLiteral(bytes: number): string {
  for (const [unit, size] of UNITS) if (bytes % size === 0) return `${bytes / size}${unit}`;
  return `${bytes}B`;
}

/** A size in a message, exactly: `2 GiB` when a unit divides it, else `3999 bytes (3.9 KiB)`. */
function exactSize(bytes: number): string {
  for (const [unit, size] of UNITS) if (bytes % size === 0) return `${bytes / size} ${unit}`;
  return bytes < 1024 ? `${bytes} bytes` : `${bytes} bytes (${formatSize(bytes)})`;
}

/** Up to a whole KiB, or MiB past one: a suggestion a person would write. */
function roundUp(bytes: number): number {
  const unit = bytes >= 2 ** 20 ? 2 ** 20 : 2 ** 10;
  return Math.ceil(bytes / unit) * unit;
}
