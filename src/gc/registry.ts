/**
 * A registry store (`--store oci://HOST/NS`) as gc sees it: each package artifact in `NS/packages`
 * (its annotations, archive digest, and the build description layer for its inputs) and each build
 * record in `NS/builds`, in the shape scan.ts gives a local store, so plan.ts decides for both. A
 * record's time is when it was pushed (its annotation; none, from an older bale: long ago); a
 * package has none of its own: its records, leases and roots keep it.
 * Removing is deleting manifests by digest through the distribution API (the registry must allow
 * deletes); a package goes with what is attached to it (signature, attestations, the referrers
 * tag). Blobs are left to the registry's own garbage collection.
 */
import { ANNOTATION, BLOB, buildsRepo, isReferrersTag, MediaType, packagesRepo } from '../oci/index.js';
import { parseManifest, parseRegistryUrl, RegistryClient } from '../registry/index.js';
import { packageStem } from '../store/paths.js';
import type { DescribedInput, ScannedPackage, ScannedRecord, StoreFile, StoreScan } from './scan.js';

export interface RegistryScan extends StoreScan {
  client: RegistryClient;
  /** A scanned file's path is `HOST/REPO@DIGEST`: the repository and digest to delete. */
  target(f: StoreFile): { repo: string; digest: string };
}

const sizeOf = (layers: readonly { size: number }[]): number => layers.reduce((n, l) => n + l.size, 0);

/** `client`: one the caller opened (gc marks the store and reads its leases first). */
export async function scanRegistry(url: string, given?: RegistryClient): Promise<RegistryScan> {
  const { registry, namespace } = parseRegistryUrl(url);
  const client = given ?? new RegistryClient(registry);
  const at = (repo: string, digest: string): string => `${registry.host}/${repo}@${digest}`;
  const packages = new Map<string, ScannedPackage>();
  const byArchive = new Map<string, string>();
  const pkgRepo = packagesRepo(namespace);
  for (const tag of await client.listTags(pkgRepo)) {
    if (isReferrersTag(tag)) continue;
    const m = await client.getManifest(pkgRepo, tag);
    const doc = parseManifest(m.bytes, `${pkgRepo}:${tag}`);
    const a = doc.annotations ?? {};
    const archive = doc.layers.find((l) => l.mediaType === MediaType.ociLayerGzip);
    const name = a[ANNOTATION.package];
    const version = a[ANNOTATION.packageVersion];
    if (archive === undefined || name === undefined || version === undefined) continue; // not a bale package
    const sha = archive.digest.slice('sha256:'.length);
    const stem = packageStem(name, version, sha);
    const p: ScannedPackage = {
      stem,
      files: [{ path: at(pkgRepo, m.digest), size: sizeOf(doc.layers), mtimeMs: 0 }],
      recipes: [],
      inputs: [],
      ...(a[ANNOTATION.recipeDigest] !== undefined ? { recipeDigest: a[ANNOTATION.recipeDigest] } : {}),
    };
    const described = doc.layers.find((l) => l.mediaType === BLOB.buildDescription);
    if (described !== undefined) {
      const d = JSON.parse((await client.pullBlob(pkgRepo, described.digest)).toString('utf8')) as { inputs?: DescribedInput[] };
      p.inputs = d.inputs ?? [];
    }
    packages.set(stem, p);
    byArchive.set(archive.digest, stem);
  }
  const records: ScannedRecord[] = [];
  const recRepo = buildsRepo(namespace);
  for (const key of await client.listTags(recRepo)) {
    if (isReferrersTag(key)) continue;
    const m = await client.getManifest(recRepo, key);
    const doc = parseManifest(m.bytes, `${recRepo}:${key}`);
    const stems = doc.layers.flatMap((l) => byArchive.get(l.digest) ?? []);
    const pushed = Date.parse(doc.annotations?.[ANNOTATION.created] ?? '');
    records.push({ key, file: { path: at(recRepo, m.digest), size: 0, mtimeMs: Number.isFinite(pushed) ? pushed : 0 }, stems });
  }
  const target = (f: StoreFile): { repo: string; digest: string } => {
    const rest = f.path.slice(registry.host.length + 1);
    const i = rest.lastIndexOf('@');
    return { repo: rest.slice(0, i), digest: rest.slice(i + 1) };
  };
  return { packages, records, recipes: new Map(), client, target };
}

/** Delete a package artifact with everything attached to it, the referrers tag last but one. */
export async function deleteArtifact(client: RegistryClient, repo: string, digest: string): Promise<void> {
  for (const d of await client.referrers(repo, digest)) await client.deleteManifest(repo, d.digest);
  const fallback = await client.findManifest(repo, `sha256-${digest.slice('sha256:'.length)}`);
  if (fallback !== undefined) await client.deleteManifest(repo, fallback.digest);
  await client.deleteManifest(repo, digest);
}
