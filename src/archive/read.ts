/**
 * Reading tar and tar.gz archives in memory into PackEntry lists, refusing anything unsafe.
 *
 * Hardlinks: an npm tarball never needs one, but tar tools emit them for files with several
 * names. A hardlink to an earlier regular file of the same archive becomes a copy (sharing the
 * Buffer); one to anything else (outside the tree, not yet seen, not a file) is refused.
 */
import type { Readable } from 'node:stream';
import { createGunzip, type Gunzip } from 'node:zlib';
import type tar from 'tar-stream';
import { isUserError, UserError } from '../errors/index.js';
import type { ArchiveLimits } from '../limits/index.js';
import type { PackEntry } from '../packer/entry.js';
import { UnpackBudget } from './budget.js';
import { prefaultFromEnd } from '../util/prefault.js';
import { normaliseEntryPath } from './paths.js';
import { walkTar } from './tar-walk.js';
import { EntryTree, unsafeEntry } from './tree.js';

/** Output chunks for archives announcing more than WHOLE_CHUNK_MAX: as before, a stream of these. */
const GUNZIP_CHUNK = 1024 * 1024;
const GUNZIP_CHUNK_MIN = 64 * 1024;
const WHOLE_CHUNK_MAX = 32 * 1024 * 1024;

/**
 * gunzip's output chunk: the uncompressed size the gzip trailer announces (ISIZE, mod 2^32), plus
 * one byte so the end of the stream fits too, when it is at most WHOLE_CHUNK_MAX. A package is then
 * one chunk and each file a view into it; with 1 MiB chunks every file spanning two was copied, and
 * every chunk was fresh memory (typescript, 23 MB: ~0.1 s of CPU more, most of it page faults).
 * Only a hint: a lying trailer gets chunks of WHOLE_CHUNK_MAX at most, and the budget counts what
 * really comes out. Bigger archives keep 1 MiB chunks, so a bomb is still stopped within a MiB.
 */
function gunzipChunk(data: Buffer): number {
  const announced = data.length >= 18 ? data.readUInt32LE(data.length - 4) + 1 : 0;
  return announced > WHOLE_CHUNK_MAX ? GUNZIP_CHUNK : Math.max(GUNZIP_CHUNK_MIN, announced);
}

export interface ReadArchiveOptions {
  /** What the archive is, for error messages: the URL or the package. */
  source: string;
  /**
   * Leading path components to drop. npm tarballs: 1 (the top folder, usually `package/`, any name).
   * Entries with no more components than this (the top folder itself) are skipped.
   * @defaultValue 0
   */
  stripComponents?: number;
  /**
   * The archive is meant to be unpacked at `/` (a .deb's data): an absolute symlink target means
   * the same path inside the root, and is rewritten relative to the link (`lib64/ld.so ->
   * /lib/x/ld.so` becomes `../lib/x/ld.so`), then checked like any other. Off: absolute targets
   * are refused.
   */
  rootedSymlinks?: boolean;
  /**
   * Bounds on what the archive unpacks to, enforced while it is read (UserError 'ELIMIT').
   * Builders pass the recipe's (resolveLimits).
   * @defaultValue DEFAULT_LIMITS
   */
  limits?: ArchiveLimits;
}

/** Gunzips as a stream, counting what comes out, into the tar reader; see readTar. */
export async function readTarGz(data: Buffer, opts: ReadArchiveOptions): Promise<PackEntry[]> {
  return readTarGzWithin(data, opts, new UnpackBudget(opts.source, data.length, opts.limits));
}

/**
 * readTarGz against a budget shared with an enclosing archive (a .gem's data.tar.gz). zlib holds
 * back its output until the tar reader asks for more, so at most a chunk is ever ahead of it, and
 * a bomb stops at the first bound it passes.
 */
export async function readTarGzWithin(
  data: Buffer,
  opts: ReadArchiveOptions,
  budget: UnpackBudget,
  gzipError: (err: unknown) => UserError = (err) => notAnArchive(opts.source, 'gzip', err),
): Promise<PackEntry[]> {
  // Large output chunks: at zlib's default 16 KiB, a 23 MB package takes ~1,400 trips to the
  // thread pool and twice as long (measured).
  const chunkSize = gunzipChunk(data);
  const gunzip = createGunzip({ chunkSize });
  if (chunkSize > GUNZIP_CHUNK) prefaultOutput(gunzip, chunkSize);
  gunzip.end(data);
  return readTarStream(gunzip, opts, budget, gzipError);
}

/**
 * A whole package is inflated into the one buffer zlib made for it when the stream was created
 * (Node's `_outBuffer`, unchanged from Node 12 to 24); its pages are mapped from the far end
 * meanwhile (prefault.ts). Skipped when a Node keeps that buffer elsewhere: only slower.
 */
function prefaultOutput(gunzip: Gunzip, chunkSize: number): void {
  const out = (gunzip as unknown as { _outBuffer?: unknown })._outBuffer;
  if (!Buffer.isBuffer(out) || out.length !== chunkSize) return;
  // The input is inflated in one pool job: input counted means the buffer is written (or failed).
  prefaultFromEnd(out, () => gunzip.bytesWritten > 0 || gunzip.destroyed);
}

/**
 * The archive's files, directories and symlinks in archive order, with normal relative paths
 * and the archive's mode bits. The same path twice is refused unless both entries are identical
 * or both are directories (the later one's mode wins, as with tar). File data may share memory
 * with `data`: treat both as read-only.
 */
export async function readTar(data: Buffer, opts: ReadArchiveOptions): Promise<PackEntry[]> {
  if (data.length === 0) throw notAnArchive(opts.source, 'tar', new Error('empty input'));
  return readTarStream(data, opts, new UnpackBudget(opts.source, data.length, opts.limits));
}

/**
 * The tar reader proper, over a buffer or a stream of tar bytes (gunzip's, dpkg-deb's stdout).
 * A stream's bytes are counted as decompressed output, and its errors become `streamError(err)`.
 */
export async function readTarStream(
  input: Buffer | Readable,
  opts: ReadArchiveOptions,
  budget: UnpackBudget,
  streamError: (err: unknown) => UserError = (err) => notAnArchive(opts.source, 'tar', err),
): Promise<PackEntry[]> {
  const strip = opts.stripComponents ?? 0;
  const tree = new EntryTree(opts.source);
  await walkWorded(
    input,
    opts.source,
    budget,
    streamError,
    (header, body) => addEntry(tree, header, body ?? Buffer.alloc(0), strip, opts, budget),
    true,
  );
  return tree.finish();
}

/**
 * Each entry's header in archive order, bodies skipped (a .deb's mtimes): counted against `budget`
 * and its faults worded as readTarStream's.
 */
export function readTarHeaders(
  input: Readable,
  source: string,
  budget: UnpackBudget,
  onHeader: (header: tar.Header) => void,
): Promise<void> {
  return walkWorded(input, source, budget, (err) => notAnArchive(source, 'tar', err), onHeader, false);
}

/** walkTar with the parser's faults (and anything else not already a UserError) as "not a valid tar archive". */
async function walkWorded(
  input: Buffer | Readable,
  source: string,
  budget: UnpackBudget,
  streamError: (err: unknown) => UserError,
  onEntry: (header: tar.Header, body: Buffer | undefined) => void,
  bodies: boolean,
): Promise<void> {
  try {
    await walkTar(input, budget, streamError, onEntry, bodies);
  } catch (err) {
    if (isUserError(err)) throw err;
    throw notAnArchive(source, 'tar', err);
  }
}

/** `/a/b` seen from the link `x/y/link`: `../../a/b`, segment for segment (no lexical `..` folding). */
export function rootedTarget(linkPath: string, target: string): string {
  const up = linkPath
    .split('/')
    .slice(1)
    .map(() => '..');
  return [...up, ...target.split('/').filter((s) => s !== '')].join('/') || '.';
}

function addEntry(tree: EntryTree, header: tar.Header, body: Buffer, strip: number, opts: ReadArchiveOptions, budget: UnpackBudget): void {
  const { source } = opts;
  const name = header.name;
  const where = normaliseEntryPath(name, strip);
  if (where.kind === 'unsafe') throw unsafeEntry(source, name, where.reason);
  const mode = header.mode ?? 0;
  const put = (entry: Omit<PackEntry, 'path'>): void => {
    if (where.kind === 'ok') tree.add({ path: where.path, ...entry } as PackEntry, name);
  };

  switch (header.type) {
    case 'file':
    case 'contiguous-file':
      put({ type: 'file', mode, data: body });
      return;
    case 'directory':
      put({ type: 'dir', mode });
      return;
    case 'symlink': {
      let target = header.linkname ?? '';
      if (target === '') throw unsafeEntry(source, name, 'symlink without a target');
      if (target.startsWith('/') && opts.rootedSymlinks === true && where.kind === 'ok') target = rootedTarget(where.path, target);
      if (target.startsWith('/')) throw unsafeEntry(source, name, `symlink to the absolute path "${target}"`);
      // Whether the target stays inside is decided in EntryTree.finish(), once every link is known.
      put({ type: 'symlink', mode, target });
      return;
    }
    case 'link': {
      const linkname = header.linkname ?? '';
      const to = normaliseEntryPath(linkname, strip);
      const original = to.kind === 'ok' ? tree.get(to.path) : undefined;
      if (original?.type !== 'file') {
        throw unsafeEntry(source, name, `hardlink to "${linkname}", which is not an earlier file of this archive`);
      }
      // A copy costs no memory here, but unpacks to as many bytes again (a hardlink bomb).
      budget.file(name, original.data?.length ?? 0);
      put({ type: 'file', mode: original.mode, data: original.data });
      return;
    }
    case 'character-device':
    case 'block-device':
    case 'fifo':
      throw unsafeEntry(source, name, `is a ${header.type}; packages hold only files, directories and symlinks`);
    default:
      // tar-stream reports types it does not know (sparse, volume labels...) as null.
      throw unsafeEntry(source, name, `has an unsupported tar entry type (${String(header.type as unknown)})`);
  }
}

function notAnArchive(source: string, format: 'gzip' | 'tar', err: unknown): UserError {
  const why = err instanceof Error ? err.message : String(err);
  return new UserError(
    'EARCHIVE',
    `${source}: not a valid ${format === 'gzip' ? 'gzip-compressed tar' : 'tar'} archive (${why}): the download is corrupt or not this format; check the recipe's source`,
    { cause: err },
  );
}
