/**
 * How much one package may cost: bounds on unpacking its archives and on running its build.
 * Every bound has a default here; a recipe's `[build.limits]` (copied from the override table, or
 * written by hand) raises or lowers it for that package, and a few have a command-line flag that
 * sets the default for every recipe without its own value. Core: imports nothing of ours.
 */

const KIB = 1024;
const MIB = KIB * 1024;
const GIB = MIB * 1024;

/** Bounds on one archive read into memory (tar, tar.gz, zip, gem, deb). */
export interface ArchiveLimits {
  /**
   * Total bytes once unpacked: the files' bytes (hardlink copies included) or everything the
   * decompressor put out (tar headers, padding, trailing blocks), whichever is more; nested
   * archives (a .gem's data.tar.gz) count against their container's.
   */
  unpackedSize: number;
  /** Entries (files, directories, links). */
  files: number;
  /** Bytes of one file once unpacked. */
  fileSize: number;
  /** Unpacked bytes per byte of the archive as fetched, checked once more than RATIO_FLOOR bytes were unpacked. */
  ratio: number;
}

/** Bounds on one build's sandboxed commands. */
export interface BuildLimits {
  /** Wall time of one build command, in milliseconds. */
  timeoutMs: number;
  /** Address space of one process (RLIMIT_AS), bytes. */
  memory: number;
  /** Processes and threads at once (RLIMIT_NPROC). */
  processes: number;
  /** Bytes the build may add to the disk, and the largest file it may write (RLIMIT_FSIZE). */
  disk: number;
}

export type Limits = ArchiveLimits & BuildLimits;

export const DEFAULT_LIMITS: Readonly<Limits> = {
  unpackedSize: 2 * GIB,
  files: 250_000,
  fileSize: 1 * GIB,
  ratio: 200,
  timeoutMs: 20 * 60 * 1000,
  memory: 8 * GIB,
  processes: 1024,
  disk: 8 * GIB,
};

/** Below this many unpacked bytes the ratio is not checked: small archives cannot hurt, and tiny ones compress absurdly well. */
export const RATIO_FLOOR = 32 * MIB;

/** The recipe's `[build.limits]` keys, with what each holds and its field. */
export const LIMIT_KEYS = {
  unpacked_size: { kind: 'size', field: 'unpackedSize' },
  files: { kind: 'count', field: 'files' },
  file_size: { kind: 'size', field: 'fileSize' },
  ratio: { kind: 'count', field: 'ratio' },
  timeout: { kind: 'duration', field: 'timeoutMs' },
  memory: { kind: 'size', field: 'memory' },
  processes: { kind: 'count', field: 'processes' },
  disk: { kind: 'size', field: 'disk' },
} as const satisfies Record<string, { kind: 'size' | 'count' | 'duration'; field: keyof Limits }>;

export type LimitKey = keyof typeof LIMIT_KEYS;
/** As written in a recipe or override row: an integer, or a string with a unit (`"6GiB"`, `"45m"`). */
export type LimitValue = number | string;
export type LimitsTable = Partial<Record<LimitKey, LimitValue>>;

const SIZE_UNITS: Readonly<Record<string, number>> = { '': 1, B: 1, KiB: KIB, MiB: MIB, GiB: GIB, TiB: GIB * 1024 };
const DURATION_UNITS: Readonly<Record<string, number>> = { '': 1000, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** The named units of a table, largest first. */
const largestFirst = (units: Readonly<Record<string, number>>): [string, number][] =>
  Object.entries(units)
    .filter(([unit]) => unit !== '')
    .sort((a, b) => b[1] - a[1]);
const SIZES_LARGEST_FIRST = largestFirst(SIZE_UNITS);
const DURATIONS_LARGEST_FIRST = largestFirst(DURATION_UNITS);

/** `n` in the largest unit that divides it (`"4GiB"`, `"45m"`); each table has a unit of 1. */
function withUnit(n: number, units: [string, number][]): string {
  const [unit, size] = units.find(([, size]) => n % size === 0)!;
  return `${n / size}${unit}`;
}

function parseWithUnits(value: LimitValue, units: Readonly<Record<string, number>>): number | undefined {
  if (typeof value === 'number') return Number.isSafeInteger(value) && value > 0 ? value * units['']! : undefined;
  const m = /^([1-9][0-9]{0,15})\s*([A-Za-z]*)$/.exec(value.trim());
  const unit = m === null ? undefined : units[m[2]!];
  if (m === null || unit === undefined) return undefined;
  const n = Number(m[1]) * unit;
  return Number.isSafeInteger(n) ? n : undefined;
}

/** Bytes from `1073741824`, `"512MiB"`, `"2GiB"`; undefined when not a positive size. */
export function parseSize(value: LimitValue): number | undefined {
  return parseWithUnits(value, SIZE_UNITS);
}

/** Milliseconds from seconds (`90`) or `"500ms"`, `"90s"`, `"20m"`, `"2h"`; undefined when not a positive duration. */
export function parseDuration(value: LimitValue): number | undefined {
  return parseWithUnits(value, DURATION_UNITS);
}

/** Why a `[build.limits]` value is wrong, or undefined when it is fine. */
export function limitProblem(key: LimitKey, value: LimitValue): string | undefined {
  const kind = LIMIT_KEYS[key].kind;
  if (kind === 'count')
    return typeof value === 'number' && Number.isSafeInteger(value) && value > 0 ? undefined : 'expected a positive integer';
  if (kind === 'size')
    return parseSize(value) === undefined ? 'expected a size: bytes, or a number with B, KiB, MiB, GiB or TiB ("6GiB")' : undefined;
  return parseDuration(value) === undefined ? 'expected a duration: seconds, or a number with s, m or h ("45m")' : undefined;
}

/** The defaults, with `base` (flags) over them and the recipe's own table over both. Values must have been checked. */
export function resolveLimits(table: LimitsTable | undefined, base: Partial<Limits> = {}): Limits {
  const out: Limits = { ...DEFAULT_LIMITS, ...base };
  for (const [key, value] of Object.entries(table ?? {}) as Array<[LimitKey, LimitValue]>) {
    const spec = LIMIT_KEYS[key];
    const n =
      spec.kind === 'size'
        ? parseSize(value)
        : spec.kind === 'duration'
          ? parseDuration(value)
          : typeof value === 'number'
            ? value
            : undefined;
    if (n === undefined) throw new Error(`unchecked limit ${key} = ${JSON.stringify(value)}`);
    out[spec.field] = n;
  }
  return out;
}

/** A size as a recipe writes it, the inverse of parseSize: `"4GiB"`, `"1536KiB"`, `"3999B"`. */
export function sizeLiteral(bytes: number): string {
  return withUnit(bytes, SIZES_LARGEST_FIRST);
}

/** How formatSize writes a size. */
export interface SizeFormat {
  /**
   * A size no unit divides is written in bytes, rounded after them (`3999 bytes (3.9 KiB)`), so a
   * message stating a bound says it exactly.
   * @defaultValue false: rounded to a tenth of the largest unit it reaches (`3.9 KiB`)
   */
  exact?: boolean;
}

/** `2147483648` -> `2 GiB`, for messages that tell a user which bound was hit. */
export function formatSize(bytes: number, format: SizeFormat = {}): string {
  for (const [unit, size] of SIZES_LARGEST_FIRST) {
    if (size === 1 || bytes < size) continue;
    if (bytes % size === 0) return `${bytes / size} ${unit}`;
    if (format.exact !== true) return `${(bytes / size).toFixed(1)} ${unit}`;
  }
  return format.exact === true && bytes >= KIB ? `${bytes} bytes (${formatSize(bytes)})` : `${bytes} bytes`;
}

/** A limit's value as a recipe writes it, what resolveLimits reads back: `"4GiB"`, `500000`, `"45m"`. */
export function limitLiteral(key: LimitKey, value: number): string {
  const kind = LIMIT_KEYS[key].kind;
  if (kind === 'count') return String(value);
  return JSON.stringify(kind === 'size' ? sizeLiteral(value) : withUnit(value, DURATIONS_LARGEST_FIRST));
}

/** A limit's value in a message: `2 GiB`, `250000`, `20m`. */
export function limitText(key: LimitKey, value: number): string {
  const kind = LIMIT_KEYS[key].kind;
  return kind === 'size' ? formatSize(value, { exact: true }) : kind === 'duration' ? formatDuration(value) : String(value);
}

/** `1200000` -> `20m`. */
export function formatDuration(ms: number): string {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  return `${Math.round(ms / 100) / 10}s`;
}
