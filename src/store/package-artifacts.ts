/**
 * Packages as registry artifacts (src/oci/registry-layout.ts): pushed by `bale push` and by the
 * registry store, fetched back by the registry store and `bale pull`. One place, so both write
 * byte-identical manifests and a package pushed either way is the same artifact under the same tag.
 */
import { basename } from 'node:path';
import { IntegrityError, UserError } from '../errors/index.js';
import { ANNOTATION, ARTIFACT, BLOB, MediaType, packageAnnotations, packagesRepo, packageTag, type Descriptor } from '../oci/index.js';
import { manifestJson, parseManifest as parsePackageManifest, type PackageManifest } from '../packer/manifest.js';
import { parseManifest, pushBytes, putArtifact, type RegistryClient } from '../registry/index.js';
import { readBounded } from '../util/read-file.js';
import { packageRead } from './package-read.js';

/** What a package artifact is made of: the local .tar.gz and its manifest. */
export interface PackageToPush {
  name: string;
  version: string;
  sha256: string;
  purl: string;
  /** Absolute path of the .tar.gz. */
  file: string;
  /** Its size in bytes: more is not read. */
  size: number;
  manifest: PackageManifest;
}

/** The package's artifact in `<ns>/packages`, with `sig` (its .minisig) attached unless a signature already is. */
export async function pushPackage(client: RegistryClient, ns: string, p: PackageToPush, sig: Buffer | undefined): Promise<Descriptor> {
  const repo = packagesRepo(ns);
  const tgz = await readBounded(p.file, packageRead(p, p.size));
  const layers = [
    await pushBytes(client, repo, MediaType.ociLayerGzip, tgz, { [ANNOTATION.title]: basename(p.file) }),
    await pushBytes(client, repo, BLOB.packageManifest, Buffer.from(manifestJson(p.manifest))),
  ];
  const annotations = packageAnnotations({
    name: p.name,
    version: p.version,
    purl: p.purl,
    interpreter: p.manifest.interpreter,
    recipeDigest: p.manifest.recipe_digest,
  });
  const artifact = await putArtifact(client, repo, packageTag(p), ARTIFACT.package, layers, annotations);
  if (sig !== undefined) {
    const sigLayer = await pushBytes(client, repo, BLOB.minisig, sig);
    if ((await client.referrers(repo, artifact.digest, ARTIFACT.signature)).length === 0) {
      await client.attachArtifact(repo, artifact, { artifactType: ARTIFACT.signature, layers: [sigLayer] });
    }
  }
  return artifact;
}

export interface FetchedPackage {
  manifest: PackageManifest;
  tgz: Buffer;
  /** The attached .minisig, when the package was pushed signed. */
  sig: Buffer | undefined;
}

/**
 * A package artifact back from `<ns>/packages`: its .tar.gz (checked against `sha256`), manifest
 * and signature; undefined when the registry has no artifact under its tag.
 */
export async function fetchPackage(
  client: RegistryClient,
  ns: string,
  p: { name: string; version: string; sha256: string },
): Promise<FetchedPackage | undefined> {
  const repo = packagesRepo(ns);
  const where = `registry ${client.host}: ${repo}:${packageTag(p)}`;
  const art = await client.findManifest(repo, packageTag(p));
  if (art === undefined) return undefined;
  const layers = parseManifest(art.bytes, where).layers;
  const layer = (mediaType: string): Descriptor => {
    const d = layers.find((l) => l.mediaType === mediaType);
    if (d === undefined) throw new UserError('EPULL', `${where}: the artifact holds no ${mediaType}: it was not pushed by bale`);
    return d;
  };
  // The tag names the first 12 hex of the sha256 only: the layer must be this exact archive.
  if (layer(MediaType.ociLayerGzip).digest !== `sha256:${p.sha256}`) {
    throw new IntegrityError(
      `${where}: its archive is ${layer(MediaType.ociLayerGzip).digest}, not sha256:${p.sha256}: two packages share a tag; remove the wrong one from the registry`,
    );
  }
  const tgz = await client.pullBlob(repo, `sha256:${p.sha256}`);
  const manifest = parsePackageManifest(
    (await client.pullBlob(repo, layer(BLOB.packageManifest).digest)).toString('utf8'),
    `${where} manifest`,
  );
  if (manifest.name !== p.name || manifest.version !== p.version) {
    throw new IntegrityError(
      `${where}: its manifest says ${manifest.name} ${manifest.version}, not ${p.name} ${p.version}: remove it from the registry`,
    );
  }
  let sig: Buffer | undefined;
  const signatures = await client.referrers(repo, art.digest, ARTIFACT.signature);
  if (signatures.length > 0) {
    const sm = parseManifest((await client.getManifest(repo, signatures[0]!.digest)).bytes, `${where} (signature)`);
    const d = sm.layers.find((l) => l.mediaType === BLOB.minisig);
    if (d !== undefined) sig = await client.pullBlob(repo, d.digest);
  }
  return { manifest, tgz, sig };
}
