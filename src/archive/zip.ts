/**
 * Reading zip archives (wheels) in memory into PackEntry lists, refusing anything unsafe.
 *
 * yauzl parses the central directory and the local headers; the data is sliced out of the buffer
 * and inflated with Node's zlib directly (no stream per entry), then checked against the size and
 * CRC-32 the directory declares (yauzl checks neither for us on this path).
 *
 * Decisions, each because two zip readers must never see two different trees:
 * - Symlink entries (S_IFLNK in the external attributes) are refused: pip and installer would
 *   write them as regular files holding the target text, so no honest wheel has one; skipping one
 *   silently would also hide a file that RECORD lists.
 * - Duplicate names (after normalisation) are refused as in a tar (EntryTree.add): Python's zipfile
 *   reads the last one, other tools the first. A directory listed twice, or an exact repeat, is harmless.
 * - Names are decoded as Python's zipfile does (UTF-8 flag, else CP437); an Info-ZIP Unicode Path
 *   field naming the entry differently, or a local header whose name differs from the central
 *   directory's, is refused. Any `..` segment and any backslash are refused, not interpreted.
 * - Entries whose bytes overlap (the "overlapping files" zip bomb) are refused.
 * - Limits (entries, sizes, ratio) are checked against the directory before anything is inflated;
 *   an entry then inflates to at most its declared size, so declared sizes that lie cannot help.
 */
import { promisify } from 'node:util';
import { crc32, inflateRaw, inflateRawSync, type ZlibOptions } from 'node:zlib';
import type yauzl from 'yauzl';
import { isUserError, UserError } from '../errors/index.js';
import type { ArchiveLimits } from '../limits/index.js';
import type { PackEntry } from '../packer/entry.js';
import { UnpackBudget } from './budget.js';
import { normaliseEntryPath } from './paths.js';
import { EntryTree, unsafeEntry } from './tree.js';

const inflateRawAsync = promisify(inflateRaw) as (buf: Buffer, opts: ZlibOptions) => Promise<Buffer>;

/** Below this, inflating on the main thread beats a trip to the thread pool (most wheel files). */
const SYNC_INFLATE_LIMIT = 64 * 1024;
const INFLATE_CHUNK = 1024 * 1024;

const S_IFMT = 0o170000;
const S_IFREG = 0o100000;
const S_IFDIR = 0o040000;
const S_IFLNK = 0o120000;
const UNICODE_PATH_FIELD = 0x7075;
const STORED = 0;
const DEFLATED = 8;

export interface ReadZipOptions {
  /** What the archive is, for error messages: the URL or the package. */
  source: string;
  /**
   * Bounds on what the archive unpacks to (UserError 'ELIMIT'). Builders pass the recipe's.
   * @defaultValue DEFAULT_LIMITS
   */
  limits?: ArchiveLimits;
}

/** Where one entry's bytes lie in the buffer, and what they must decode to. */
interface Located {
  entry: PackEntry;
  shown: string;
  headerStart: number;
  dataStart: number;
  dataEnd: number;
  method: number;
  size: number;
  crc: number;
}

/**
 * The archive's files and directories in central-directory order, with normal relative paths.
 * Modes: the unix mode from the external attributes when the writer set one (its exec bit
 * matters), else 0644 for files and 0755 for directories. File data may share memory with `data`
 * (stored entries): treat both as read-only.
 */
export async function readZip(data: Buffer, opts: ReadZipOptions): Promise<PackEntry[]> {
  const { source } = opts;
  if (data.length === 0) throw notAZip(source, new Error('empty input'));
  const budget = new UnpackBudget(source, data.length, opts.limits);
  let located: Located[];
  try {
    located = await locateEntries(data, source, budget);
  } catch (err) {
    if (isUserError(err)) throw err;
    throw notAZip(source, err);
  }
  checkNoOverlap(located, source);
  await Promise.all(located.map((l) => decode(data, l, source)));
  const tree = new EntryTree(source);
  for (const l of located) tree.add(l.entry, l.shown);
  return tree.finish();
}

/**
 * yauzl, loaded when a zip is first read: an npm build never reads one, and importing this
 * CommonJS module from ESM runs Node's export lexer over it hot enough to be optimised (~0.2 s
 * of CPU for every `bale build`).
 */
let zipLib: Promise<typeof yauzl> | undefined;
const loadYauzl = (): Promise<typeof yauzl> => (zipLib ??= import('yauzl').then((m) => m.default));

async function locateEntries(data: Buffer, source: string, budget: UnpackBudget): Promise<Located[]> {
  const yauzl = await loadYauzl();
  // decodeStrings off: names are decoded and validated below, so each refusal names the entry.
  const zip = await yauzl.fromBufferPromise(data, { lazyEntries: true, decodeStrings: false, validateEntrySizes: true });
  // The end-of-directory record says how many entries follow, and yauzl reads exactly that many.
  budget.entry(zip.entryCount);
  const out: Located[] = [];
  for await (const entry of zip.eachEntry()) {
    const raw = entry.fileNameRaw;
    const shown = yauzl.getFileNameLowLevel(entry.generalPurposeBitFlag, raw, [], true);
    const l = await locate(yauzl, zip, entry, shown, source);
    if (!l) continue;
    if (l.entry.type === 'file') budget.file(shown, l.size);
    out.push(l);
  }
  return out;
}

async function locate(
  yauzl: typeof import('yauzl'),
  zip: yauzl.ZipFile,
  entry: yauzl.Entry,
  shown: string,
  source: string,
): Promise<Located | undefined> {
  const refuse = (why: string) => unsafeEntry(source, shown, why);
  const unicode = entry.extraFields.some((f) => f.id === UNICODE_PATH_FIELD)
    ? yauzl.getFileNameLowLevel(entry.generalPurposeBitFlag, entry.fileNameRaw, entry.extraFields, true)
    : shown;
  if (unicode !== shown) throw refuse(`its Info-ZIP Unicode Path field names it "${unicode}": readers would disagree`);
  if (shown.includes('\\')) throw refuse('backslash in the name (a Windows separator, or a disguised "..")');
  if (/^[a-zA-Z]:/.test(shown)) throw refuse('absolute path (drive letter)');
  if (shown.split('/').includes('..')) throw refuse("'..' segment in the name");
  if (entry.isEncrypted()) throw refuse('encrypted entry');

  const isDir = shown.endsWith('/');
  const unixMode = entry.externalFileAttributes >>> 16;
  const kind = unixMode & S_IFMT;
  if (kind === S_IFLNK) throw refuse('is a symlink; wheels and zip sources hold only files and directories');
  if (kind !== 0 && kind !== S_IFREG && kind !== S_IFDIR) throw refuse(`is a special file (mode ${unixMode.toString(8)})`);
  if (kind === S_IFDIR && !isDir) throw refuse('its mode says directory but its name has no trailing "/"');
  if (isDir && entry.uncompressedSize !== 0) throw refuse('a directory entry with contents');
  if (entry.compressionMethod !== STORED && entry.compressionMethod !== DEFLATED) {
    throw refuse(`unsupported compression method ${entry.compressionMethod} (only stored and deflate)`);
  }

  const where = normaliseEntryPath(shown, 0);
  if (where.kind === 'unsafe') throw refuse(where.reason);
  if (where.kind === 'skip') {
    if (isDir) return undefined;
    throw refuse('a file with an empty name');
  }

  const local = await zip.readLocalFileHeaderPromise(entry);
  if (!local.fileName.equals(entry.fileNameRaw)) {
    throw refuse(`its local header names it "${local.fileName.toString('latin1')}": readers would disagree`);
  }
  const perms = unixMode & 0o7777;
  const mode = perms !== 0 ? perms : isDir ? 0o755 : 0o644;
  return {
    entry: { path: where.path, type: isDir ? 'dir' : 'file', mode },
    shown,
    headerStart: entry.relativeOffsetOfLocalHeader,
    dataStart: local.fileDataStart,
    dataEnd: local.fileDataStart + entry.compressedSize,
    method: entry.compressionMethod,
    size: entry.uncompressedSize,
    crc: entry.crc32,
  };
}

/** Each entry's header and data must lie before the next entry's header. */
function checkNoOverlap(located: Located[], source: string): void {
  const byOffset = [...located].sort((a, b) => a.headerStart - b.headerStart);
  for (let i = 1; i < byOffset.length; i++) {
    const prev = byOffset[i - 1]!;
    const next = byOffset[i]!;
    if (prev.dataEnd > next.headerStart) {
      throw unsafeEntry(source, next.shown, `its bytes overlap those of "${prev.shown}" (a zip bomb construction)`);
    }
  }
}

async function decode(data: Buffer, l: Located, source: string): Promise<void> {
  if (l.entry.type === 'dir') return;
  const raw = data.subarray(l.dataStart, l.dataEnd);
  let content: Buffer;
  if (l.method === STORED) {
    content = raw;
  } else {
    // maxOutputLength: a stream that inflates past its declared size stops there (zip bombs).
    const opts: ZlibOptions = { maxOutputLength: Math.max(l.size, 1), chunkSize: INFLATE_CHUNK };
    try {
      content = l.size < SYNC_INFLATE_LIMIT ? inflateRawSync(raw, opts) : await inflateRawAsync(raw, opts);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
        throw unsafeEntry(source, l.shown, `inflates past the ${l.size} bytes the directory declares`);
      }
      throw unsafeEntry(source, l.shown, `corrupt deflate data (${err instanceof Error ? err.message : String(err)})`);
    }
  }
  if (content.length !== l.size) throw unsafeEntry(source, l.shown, `${content.length} bytes, not the ${l.size} the directory declares`);
  if (crc32(content) >>> 0 !== l.crc >>> 0) throw unsafeEntry(source, l.shown, 'CRC-32 mismatch: the data is corrupt');
  l.entry.data = content;
}

function notAZip(source: string, err: unknown): UserError {
  const why = err instanceof Error ? err.message : String(err);
  return new UserError(
    'EARCHIVE',
    `${source}: not a valid zip archive (${why}): the download is corrupt, truncated or not this format; check the recipe's source`,
    { cause: err },
  );
}
