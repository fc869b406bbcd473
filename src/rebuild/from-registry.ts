/**
 * The packages of a registry's image as a rebuilder needs them: each one's description, recipes
 * and manifest, read from its artifact without its archive (a rebuild compares digests, and the
 * manifest names the files), a few packages at a time. Archives are fetched only when asked (for
 * diffoscope), into `dir`.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { IntegrityError, UserError } from '../errors/index.js';
import { readRemoteImage } from '../image/registry/pull.js';
import { packagesRepo, packageTag } from '../oci/index.js';
import type { PackageManifest } from '../packer/index.js';
import type { ImageRef, RegistryClient } from '../registry/index.js';
import type { PackageBuild } from '../store/index.js';
import { readImagePackages, type FetchOne } from '../store/package-artifacts.js';

export interface RemotePackage {
  name: string;
  version: string;
  sha256: string;
  build: PackageBuild | undefined;
  manifest: PackageManifest;
  /** The archive, written under `dir`, when archives were asked for. */
  file: string | undefined;
}

export async function remotePackages(
  client: RegistryClient,
  ref: ImageRef,
  o: { archives: boolean; dir: string },
): Promise<{ ns: string; packages: RemotePackage[] }> {
  const { where, ns, image } = await readRemoteImage(client, ref, undefined);
  const one = async (ip: (typeof image.packages)[number], fetch: FetchOne): Promise<RemotePackage> => {
    const pw = `${ref.registry.host}/${packagesRepo(ns)}:${packageTag(ip)}`;
    const got = await fetch({ archive: o.archives });
    if (got === undefined) throw new UserError('EPULL', `${pw}: not in the registry, though ${where} lists it: push the image again`);
    if (got.manifest.tar_sha256 !== ip.tar_sha256)
      throw new IntegrityError(`${pw}: its manifest's tar sha256 is not the one the image lists: do not use it`);
    let file: string | undefined;
    if (o.archives) {
      file = join(o.dir, `${packageTag(ip)}.tar.gz`);
      await writeFile(file, got.tgz);
    }
    return { name: ip.name, version: ip.version, sha256: ip.sha256, build: got.build, manifest: got.manifest, file };
  };
  return { ns, packages: await readImagePackages(client, ns, image.packages, one) };
}
