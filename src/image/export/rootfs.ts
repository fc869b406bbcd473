/**
 * Export an image as one flat, uncompressed tar of its root file system: the union of every
 * package, for tools that want a rootfs rather than layers (docker import, machinectl, a chroot).
 * Deterministic like a package: entries sorted bytewise, one mtime (the newest package's
 * source_date_epoch), owners 0/0, no user or group names. Each package is read with the safe
 * archive reader after its bytes are checked, and a path owned by two packages is refused (the
 * compose step refuses it first; this guards images composed by hand).
 */
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import { gunzip, type ZlibOptions } from 'node:zlib';
import { pack as tarPack } from 'tar-stream';
import { readTar } from '../../archive/index.js';
import { IntegrityError, UserError } from '../../errors/index.js';
import type { PackEntry } from '../../packer/entry.js';
import { planEntries, type TarEntry } from '../../packer/normalize.js';
import { feed } from '../../packer/pack.js';
import { replaceFileAtomic } from '../../util/atomic-write.js';
import { readBounded } from '../../util/read-file.js';
import type { ResolvedPackage } from '../types.js';
import { packageRead } from '../../store/package-read.js';
import { checkBytes, checkManifest, imageEpoch, orderPackages, packageLabel } from './packages.js';

const gunzipAsync = promisify(gunzip) as (buf: Buffer, opts: ZlibOptions) => Promise<Buffer>;

interface Owned {
  entry: TarEntry;
  owner: ResolvedPackage;
}

/** A package's entries, after checking the .tar.gz and the tar inside against what the image says. */
async function packageEntries(p: ResolvedPackage): Promise<TarEntry[]> {
  checkManifest(p);
  // No more than the image says it is (one byte more shows a larger file, which checkBytes names).
  const tgz = await readBounded(p.file, packageRead(p, p.size + 1));
  checkBytes(p, p.file, { sha256: createHash('sha256').update(tgz).digest('hex'), size: tgz.length });
  let tar: Buffer;
  try {
    tar = await gunzipAsync(tgz, { chunkSize: 1024 * 1024 });
  } catch (err) {
    throw new IntegrityError(`${p.file}: ${packageLabel(p)} is not valid gzip (${(err as Error).message}): rebuild the package`);
  }
  const tarSha256 = createHash('sha256').update(tar).digest('hex');
  if (tarSha256 !== p.tar_sha256) {
    throw new IntegrityError(
      `${p.file}: the tar inside ${packageLabel(p)} has sha256 ${tarSha256}, not the tar_sha256 ${p.tar_sha256} the image names: rebuild the package`,
    );
  }
  // planEntries re-validates what the reader returns and adds any ancestor directory it lacks.
  return planEntries(await readTar(tar, { source: p.file }));
}

function conflict(path: string, a: ResolvedPackage, b: ResolvedPackage): UserError {
  return new UserError(
    'ECONFLICT',
    `rootfs: ${path} is in both ${packageLabel(a)} and ${packageLabel(b)}: an image holds each path once (directories aside); leave one package out and compose the image again`,
  );
}

/** The union of all packages, in tar order; directories shared, anything else owned once (also what `bale install` lays). */
export async function unionEntries(packages: readonly ResolvedPackage[]): Promise<TarEntry[]> {
  const byPath = new Map<string, Owned>();
  for (const p of orderPackages(packages)) {
    for (const entry of await packageEntries(p)) {
      const seen = byPath.get(entry.path);
      if (seen === undefined) byPath.set(entry.path, { entry, owner: p });
      else if (seen.entry.type !== 'dir' || entry.type !== 'dir') throw conflict(entry.path, seen.owner, p);
    }
  }
  // Once more over the union: symlinks of one package must not escape through another's.
  const union: PackEntry[] = [...byPath.values()].map(({ entry: e }) => {
    const out: PackEntry = { path: e.path, type: e.type, mode: e.mode };
    if (e.data !== undefined) out.data = e.data;
    if (e.target !== undefined) out.target = e.target;
    return out;
  });
  return planEntries(union);
}

/**
 * Write the union of `packages` as an uncompressed tar at `outFile` (atomically; only over a
 * regular file, see replaceFileAtomic); returns its sha256.
 */
export async function exportRootfs(
  packages: ResolvedPackage[],
  outFile: string,
  opts: { label?: string } = {},
): Promise<{ sha256: string }> {
  const plan = await unionEntries(packages);
  const file = resolve(outFile);
  await mkdir(dirname(file), { recursive: true });
  const hash = createHash('sha256');
  const tar = tarPack();
  // tar-stream's streams are streamx, not node streams: read them as an async iterable.
  const hashed = async function* (): AsyncGenerator<Buffer> {
    for await (const chunk of tar as AsyncIterable<Buffer>) {
      hash.update(chunk);
      yield chunk;
    }
  };
  feed(tar, plan, new Date(imageEpoch(packages) * 1000));
  try {
    await replaceFileAtomic(
      file,
      // flush: fsync before the stream closes, so a power loss cannot leave a renamed empty file.
      (temp) => pipeline(hashed(), createWriteStream(temp, { flags: 'wx', mode: 0o644, flush: true, highWaterMark: 1024 * 1024 })),
      opts.label !== undefined ? { label: opts.label } : {},
    );
  } catch (err) {
    tar.destroy();
    throw err;
  }
  return { sha256: hash.digest('hex') };
}
