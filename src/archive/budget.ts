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
import {
  DEFAULT_LIMITS,
  formatSize,
  LIMIT_KEYS,
  limitLiteral,
  limitText,
  RATIO_FLOOR,
  type ArchiveLimits,
  type LimitKey,
} from '../limits/index.js';

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
      throw this.exceeded('files', `holds more than ${this.limits.files} entries`, this.limits.files * 2);
    }
  }

  /** Entry `name` is about to unpack `size` bytes (its declared size, before any is read). */
  file(name: string, size: number): void {
    if (size > this.limits.fileSize) {
      throw this.exceeded(
        'file_size',
        `entry "${name}" unpacks to ${exact(size)}, more than ${exact(this.limits.fileSize)}`,
        roundUp(Math.max(this.limits.fileSize * 2, size)),
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
      throw this.exceeded('unpacked_size', `unpacks to more than ${exact(unpackedSize)}`, roundUp(unpackedSize * 2));
    }
    if (unpacked > RATIO_FLOOR && unpacked > ratio * this.compressedSize) {
      throw this.exceeded(
        'ratio',
        `unpacks to more than ${ratio} times its compressed size (${formatSize(this.compressedSize)} compressed, over ${formatSize(unpacked)} unpacked): a decompression bomb, or data that compresses unusually well`,
        ratio * 5,
      );
    }
  }

  /** The ELIMIT error: what passed the `key` limit, its default, and the line that raises it to `raised`. */
  private exceeded(key: LimitKey, what: string, raised: number): UserError {
    const value = limitLiteral(key, raised);
    return new UserError(
      'ELIMIT',
      `${this.source}: ${what} (the ${key} limit, default ${limitText(key, DEFAULT_LIMITS[LIMIT_KEYS[key].field])}); if this package really is that big, raise it with [build.limits] ${key} = ${value} in its recipe, or limits = { ${key} = ${value} } in its override row`,
    );
  }
}

const exact = (bytes: number): string => formatSize(bytes, { exact: true });

/** Up to a whole KiB, or MiB past one: a suggestion a person would write. */
function roundUp(bytes: number): number {
  const unit = bytes >= 2 ** 20 ? 2 ** 20 : 2 ** 10;
  return Math.ceil(bytes / unit) * unit;
}
