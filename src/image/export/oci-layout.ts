/**
 * Export an image as an OCI image layout directory (what skopeo, umoci, podman and crane read
 * as `oci:DIR:TAG`). Each package .tar.gz becomes a layer blob as it is, hard-linked from the
 * store when it can be (no copy of hundreds of megabytes), and checked against the image's
 * sha256 and size on the way in. A new layout is built beside its destination and renamed into
 * place, so a failed export leaves nothing; an existing layout gains (or replaces) one tag, its
 * index.json rewritten last and atomically. What is at the destination decides: nothing or an
 * empty directory gets a new layout; an existing OCI layout gains the tag; anything else (a
 * non-empty directory that is not a layout, a file, a device, a symlink even to a directory) is
 * refused and left alone.
 */
import { link, mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { UserError } from '../../errors/index.js';
import { checkOutputDir, replaceFileAtomic, tempNameFor, writeFileAtomic } from '../../util/atomic-write.js';
import { hashRegular, openRegular, readBoundedText, READ_BOUNDS } from '../../util/read-file.js';
import { ANNOTATION, descriptorOf, MediaType, OCI_LAYOUT_BYTES, OCI_LAYOUT_FILE, sha256Digest } from '../../oci/index.js';
import { packageRead } from '../../store/package-read.js';
import type { ImageFile, ResolvedPackage } from '../types.js';
import { ociConfig, ociIndex, ociManifest } from './oci-spec.js';
import { checkBytes, packagesOfImage } from './packages.js';

export { ociConfig, ociManifest } from './oci-spec.js';

export interface ExportOciOptions {
  /** Added to the image manifest's annotations (title and version are always there). */
  annotations?: Record<string, string>;
  /** How messages name the destination, e.g. `--oci out`. @defaultValue the path */
  label?: string;
}

export interface ExportOciResult {
  /** `sha256:<hex>` of the image manifest: the image's digest. */
  manifestDigest: string;
  configDigest: string;
  /** `sha256:<hex>` of index.json. */
  indexDigest?: string;
}

type Destination = { kind: 'new' } | { kind: 'layout'; index: Record<string, unknown> & { manifests: unknown[] } };

function notALayout(dir: string, why: string): UserError {
  return new UserError('EOCIDIR', `${dir}: ${why}: export to a new or empty directory, or to an existing OCI layout to add a tag`);
}

/** What is at `dir`: nothing or an empty directory (a new layout), or an OCI layout to add to. */
async function inspectDestination(dir: string, label: string): Promise<Destination> {
  if ((await checkOutputDir(dir, { label })) === 'new') return { kind: 'new' };
  if ((await readdir(dir)).length === 0) return { kind: 'new' };
  let layout: unknown;
  let index: unknown;
  // Bounded, regular files only: an index.json that is a fifo or /dev/urandom is "not a layout", not a hang.
  const json = async (name: string): Promise<unknown> =>
    JSON.parse(await readBoundedText(join(dir, name), { maxBytes: READ_BOUNDS.json, what: 'an OCI layout file' }));
  try {
    layout = await json(OCI_LAYOUT_FILE);
    index = await json('index.json');
  } catch {
    throw notALayout(dir, 'is not empty and not an OCI image layout (no readable oci-layout and index.json)');
  }
  if ((layout as { imageLayoutVersion?: unknown } | null)?.imageLayoutVersion !== '1.0.0') {
    throw notALayout(dir, 'its oci-layout is not imageLayoutVersion 1.0.0');
  }
  const manifests = (index as { manifests?: unknown } | null)?.manifests;
  if (typeof index !== 'object' || index === null || Array.isArray(index) || !Array.isArray(manifests)) {
    throw notALayout(dir, 'its index.json is not an OCI image index');
  }
  return { kind: 'layout', index: index as Record<string, unknown> & { manifests: unknown[] } };
}

/**
 * Put the package file at blobs/sha256/<hex>: hard link (same file system) or copy, into the temp
 * name replaceFileAtomic gives, hash what landed, then rename. Hashing the placed file checks
 * exactly the bytes served; a device or fifo in the store is refused by the copy's open or the hash.
 */
async function placeLayer(p: ResolvedPackage, blobs: string): Promise<void> {
  const read = packageRead(p);
  await replaceFileAtomic(join(blobs, p.sha256), async (temp) => {
    try {
      await link(p.file, temp);
    } catch {
      // Another file system, or links refused: a real copy, from a regular file only.
      const { fh } = await openRegular(p.file, read);
      try {
        await writeFile(temp, fh.createReadStream({ autoClose: false, highWaterMark: 1024 ** 2 }), {
          flag: 'wx',
          mode: 0o644,
          flush: true,
        });
      } finally {
        await fh.close();
      }
    }
    const { digest, size } = await hashRegular(temp, 'sha256', { ...read, label: p.file });
    checkBytes(p, p.file, { sha256: digest.toString('hex'), size });
  });
}

async function writeBlob(blobs: string, data: Buffer): Promise<string> {
  const digest = sha256Digest(data);
  await writeFileAtomic(join(blobs, digest.slice('sha256:'.length)), data);
  return digest;
}

/** Blobs for every layer, the config and the manifest; returns the manifest's descriptor. */
async function writeBlobs(root: string, image: ImageFile, ordered: ResolvedPackage[], annotations?: Record<string, string>) {
  const blobs = join(root, 'blobs', 'sha256');
  await mkdir(blobs, { recursive: true });
  for (const p of ordered) await placeLayer(p, blobs);
  const config = ociConfig(image, ordered);
  const manifest = ociManifest(image, ordered, config, annotations);
  const configDigest = await writeBlob(blobs, config);
  await writeBlob(blobs, manifest);
  return { configDigest, descriptor: descriptorOf(MediaType.ociManifest, manifest, { [ANNOTATION.refName]: image.tag }) };
}

const refName = (d: unknown): string => {
  const name = (d as { annotations?: Record<string, unknown> } | null)?.annotations?.[ANNOTATION.refName];
  return typeof name === 'string' ? name : '';
};
const digestOf = (d: unknown): string => String((d as { digest?: unknown } | null)?.digest ?? '');

/** Other tags kept, this tag replaced; sorted by tag then digest so the order never depends on history. */
function mergeManifests(existing: unknown[], added: unknown, tag: string): unknown[] {
  const kept = existing.filter((d) => refName(d) !== tag);
  const key = (d: unknown): Buffer => Buffer.from(`${refName(d)}\0${digestOf(d)}`, 'utf8');
  return [...kept, added].sort((a, b) => Buffer.compare(key(a), key(b)));
}

/** Write `image` as an OCI image layout at `outDir`, tagged with the image's tag. */
export async function exportOciLayout(
  image: ImageFile,
  packages: ResolvedPackage[],
  outDir: string,
  opts: ExportOciOptions = {},
): Promise<ExportOciResult> {
  const ordered = packagesOfImage(image, packages);
  const dir = resolve(outDir);
  const dest = await inspectDestination(dir, opts.label ?? dir);

  if (dest.kind === 'layout') {
    const { configDigest, descriptor } = await writeBlobs(dir, image, ordered, opts.annotations);
    const { manifests, ...extra } = dest.index;
    const index = ociIndex(mergeManifests(manifests, descriptor, image.tag), extra);
    await writeFileAtomic(join(dir, 'index.json'), index);
    return { manifestDigest: descriptor.digest, configDigest, indexDigest: sha256Digest(index) };
  }

  await mkdir(dirname(dir), { recursive: true });
  const temp = tempNameFor(dir);
  await mkdir(temp);
  try {
    const { configDigest, descriptor } = await writeBlobs(temp, image, ordered, opts.annotations);
    const index = ociIndex([descriptor]);
    await writeFileAtomic(join(temp, OCI_LAYOUT_FILE), OCI_LAYOUT_BYTES);
    await writeFileAtomic(join(temp, 'index.json'), index);
    try {
      await rename(temp, dir); // replaces an empty directory; fails if one appeared with contents
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOTEMPTY' || code === 'EEXIST') throw notALayout(dir, 'was filled by something else during the export');
      throw err;
    }
    return { manifestDigest: descriptor.digest, configDigest, indexDigest: sha256Digest(index) };
  } catch (err) {
    await rm(temp, { recursive: true, force: true });
    throw err;
  }
}
