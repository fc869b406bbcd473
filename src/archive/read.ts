/**
 * Reading tar and tar.gz archives in memory into PackEntry lists, refusing anything unsafe.
 *
 * Hardlinks: an npm tarball never needs one, but tar tools emit them for files with several
 * names. A hardlink to an earlier regular file of the same archive becomes a copy (sharing the
 * Buffer); one to anything else (outside the tree, not yet seen, not a file) is refused.
 */
import { promisify } from 'node:util';
import { gunzip, type ZlibOptions } from 'node:zlib';
import tar from 'tar-stream';
import { isUserError, UserError } from '../errors/index.js';
import type { PackEntry } from '../packer/entry.js';
import { normaliseEntryPath } from './paths.js';
import { EntryTree, unsafeEntry } from './tree.js';

const gunzipAsync = promisify(gunzip) as (buf: Buffer, opts: ZlibOptions) => Promise<Buffer>;
const GUNZIP_CHUNK = 1024 * 1024;

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
}

/** Gunzips (off the main thread) then reads the tar; see readTar. */
export async function readTarGz(data: Buffer, opts: ReadArchiveOptions): Promise<PackEntry[]> {
  let tarData: Buffer;
  try {
    // Large output chunks: at zlib's default 16 KiB, a 23 MB package takes ~1,400 trips to the
    // thread pool and twice as long (measured).
    tarData = await gunzipAsync(data, { chunkSize: Math.min(GUNZIP_CHUNK, Math.max(64 * 1024, data.length * 8)) });
  } catch (err) {
    throw notAnArchive(opts.source, 'gzip', err);
  }
  return readTar(tarData, opts);
}

/**
 * The archive's files, directories and symlinks in archive order, with normal relative paths
 * and the archive's mode bits. A later entry at the same path replaces the earlier one (and sits
 * where the later one was). File data may share memory with `data`: treat both as read-only.
 */
export async function readTar(data: Buffer, opts: ReadArchiveOptions): Promise<PackEntry[]> {
  const { source } = opts;
  const strip = opts.stripComponents ?? 0;
  if (data.length === 0) throw notAnArchive(source, 'tar', new Error('empty input'));
  const tree = new EntryTree(source);
  const extract = tar.extract();
  // The iterator attaches its listeners now, before end() lets the parser emit entries.
  const consumed = (async () => {
    for await (const entry of extract) {
      const body = await readEntryBody(entry);
      addEntry(tree, entry.header, body, strip, opts);
    }
  })();
  extract.end(data);
  try {
    await consumed;
  } catch (err) {
    if (isUserError(err)) throw err;
    throw notAnArchive(source, 'tar', err);
  }
  return tree.finish();
}

/**
 * At most one copy per entry. The input is written to the parser in one piece, so an entry is
 * usually a single chunk: a view into the (decompressed) buffer, kept as is, without a copy.
 */
async function readEntryBody(entry: AsyncIterable<unknown>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of entry) {
    const buf = chunk as Buffer;
    chunks.push(buf);
    size += buf.length;
  }
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size);
}

/** `/a/b` seen from the link `x/y/link`: `../../a/b`, segment for segment (no lexical `..` folding). */
export function rootedTarget(linkPath: string, target: string): string {
  const up = linkPath.split('/').slice(1).map(() => '..');
  return [...up, ...target.split('/').filter((s) => s !== '')].join('/') || '.';
}

function addEntry(tree: EntryTree, header: tar.Header, body: Buffer, strip: number, opts: ReadArchiveOptions): void {
  const { source } = opts;
  const name = header.name;
  const where = normaliseEntryPath(name, strip);
  if (where.kind === 'unsafe') throw unsafeEntry(source, name, where.reason);
  const mode = header.mode ?? 0;

  switch (header.type) {
    case 'file':
    case 'contiguous-file':
      if (where.kind === 'ok') tree.add({ path: where.path, type: 'file', mode, data: body }, name);
      return;
    case 'directory':
      if (where.kind === 'ok') tree.add({ path: where.path, type: 'dir', mode }, name);
      return;
    case 'symlink': {
      let target = header.linkname ?? '';
      if (target === '') throw unsafeEntry(source, name, 'symlink without a target');
      if (target.startsWith('/') && opts.rootedSymlinks === true && where.kind === 'ok') target = rootedTarget(where.path, target);
      if (target.startsWith('/')) throw unsafeEntry(source, name, `symlink to the absolute path "${target}"`);
      // Whether the target stays inside is decided in EntryTree.finish(), once every link is known.
      if (where.kind === 'ok') tree.add({ path: where.path, type: 'symlink', mode, target }, name);
      return;
    }
    case 'link': {
      const linkname = header.linkname ?? '';
      const to = normaliseEntryPath(linkname, strip);
      const original = to.kind === 'ok' ? tree.get(to.path) : undefined;
      if (original?.type !== 'file') {
        throw unsafeEntry(source, name, `hardlink to "${linkname}", which is not an earlier file of this archive`);
      }
      if (where.kind === 'ok') tree.add({ path: where.path, type: 'file', mode: original.mode, data: original.data }, name);
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
