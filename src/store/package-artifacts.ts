/**
 * Packages as registry artifacts (src/oci/registry-layout.ts): pushed by `bale push` and by the
 * registry store, fetched back by the registry store and `bale pull`. One place, so both write
 * byte-identical manifests and a package pushed either way is the same artifact under the same tag.
 */
import { basename } from 'node:path';
import pLimit from 'p-limit';
import { IntegrityError, isUserError, oneLine, UserError } from '../errors/index.js';
import { ANNOTATION, ARTIFACT, BLOB, MediaType, packageAnnotations, packagesRepo, packageTag, type Descriptor } from '../oci/index.js';
import { manifestJson, parseManifest as parsePackageManifest, type PackageManifest } from '../packer/manifest.js';
import { BlobMemo, parseManifest, pushBytes, putArtifact, type RegistryClient } from '../registry/index.js';
import { bundleFileFor, formatEnvelope, readBundle } from '../attest/index.js';
import { readSignature } from '../sign/index.js';
import { readBounded } from '../util/read-file.js';
import { settleAll } from '../util/settle.js';
import { checkRecipeText, descriptionJson, parseDescription } from './description.js';
import { packageRead } from './package-read.js';
import type { PackageBuild, PackageRef, Store } from './store.js';

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

/** What goes with a package besides its archive and manifest, each when there is one. */
export interface PackageExtras {
  /** Its .minisig. */
  sig?: Buffer | undefined;
  /** Its build description and recipes: layers of the artifact, so a stranger can rebuild it. */
  build?: PackageBuild | undefined;
  /** DSSE envelopes (JSON bytes) attesting it: each attached as an artifact of its own. */
  attestations?: Buffer[];
}

/** What a package in a local store pushes with it: its signature, build description and attestations, each when present. */
export async function localExtras(p: PackageRef, store: Pick<Store, 'buildOf'>): Promise<PackageExtras> {
  const envelopes = await readBundle(bundleFileFor(p.file));
  return {
    sig: await readSignature(p.file),
    build: await store.buildOf(p),
    attestations: envelopes.map((e) => Buffer.from(formatEnvelope(e))),
  };
}

/**
 * The package's artifact in `<ns>/packages`, with `sig` (its .minisig) attached unless a
 * signature already is, and each attestation attached (one envelope per artifact, so builders
 * add theirs without rewriting anyone's).
 */
export async function pushPackage(client: RegistryClient, ns: string, p: PackageToPush, extras: PackageExtras = {}): Promise<Descriptor> {
  const repo = packagesRepo(ns);
  const tgz = await readBounded(p.file, packageRead(p, p.size));
  const layers = [
    await pushBytes(client, repo, MediaType.ociLayerGzip, tgz, { [ANNOTATION.title]: basename(p.file) }),
    await pushBytes(client, repo, BLOB.packageManifest, Buffer.from(manifestJson(p.manifest))),
  ];
  const build = extras.build;
  if (build !== undefined) {
    layers.push(await pushBytes(client, repo, BLOB.buildDescription, Buffer.from(descriptionJson(build.description))));
    for (const r of build.recipes) {
      layers.push(await pushBytes(client, repo, BLOB.recipe, Buffer.from(r.text), { [ANNOTATION.title]: `${r.digest}.toml` }));
    }
  }
  const annotations = packageAnnotations({
    name: p.name,
    version: p.version,
    purl: p.purl,
    interpreter: p.manifest.interpreter,
    recipeDigest: p.manifest.recipe_digest,
    ...(build !== undefined ? { buildKey: build.description.build_key } : {}),
  });
  const artifact = await putArtifact(client, repo, packageTag(p), ARTIFACT.package, layers, annotations);
  for (const env of extras.attestations ?? []) await attachAttestation(client, repo, artifact, env);
  const sig = extras.sig;
  if (sig !== undefined) {
    const sigLayer = await pushBytes(client, repo, BLOB.minisig, sig);
    if ((await client.referrers(repo, artifact.digest, ARTIFACT.signature)).length === 0) {
      await client.attachArtifact(repo, artifact, { artifactType: ARTIFACT.signature, layers: [sigLayer] });
    }
  }
  return artifact;
}

/** One DSSE envelope attached to a package artifact (a no-op when the same envelope already is). */
export async function attachAttestation(client: RegistryClient, repo: string, artifact: Descriptor, envelope: Buffer): Promise<void> {
  const layer = await pushBytes(client, repo, BLOB.dsseEnvelope, envelope);
  await client.attachArtifact(repo, artifact, { artifactType: ARTIFACT.attestation, layers: [layer] });
}

/** The DSSE envelopes (JSON bytes) attached to a package artifact, in the registry's order. */
export async function fetchAttestations(client: RegistryClient, repo: string, artifact: string, where: string): Promise<Buffer[]> {
  return attestationsOf(client, repo, await client.referrers(repo, artifact, ARTIFACT.attestation), where);
}

const ofType = (referrers: Descriptor[], type: string): Descriptor[] => referrers.filter((d) => d.artifactType === type);

/** The envelopes of the attestation artifacts among `referrers`. */
async function attestationsOf(client: RegistryClient, repo: string, referrers: Descriptor[], where: string): Promise<Buffer[]> {
  const out: Buffer[] = [];
  for (const d of ofType(referrers, ARTIFACT.attestation)) {
    const m = parseManifest((await client.getManifest(repo, d.digest)).bytes, `${where} (attestation ${d.digest})`);
    for (const l of m.layers) if (l.mediaType === BLOB.dsseEnvelope) out.push(await client.pullBlob(repo, l.digest));
  }
  return out;
}

/** The .minisig of the first signature artifact among `referrers`, when the package was pushed signed. */
async function signatureOf(client: RegistryClient, repo: string, referrers: Descriptor[], where: string): Promise<Buffer | undefined> {
  const signature = ofType(referrers, ARTIFACT.signature)[0];
  if (signature === undefined) return undefined;
  const sm = parseManifest((await client.getManifest(repo, signature.digest)).bytes, `${where} (signature)`);
  const d = sm.layers.find((l) => l.mediaType === BLOB.minisig);
  return d === undefined ? undefined : client.pullBlob(repo, d.digest);
}

export interface FetchedPackage {
  manifest: PackageManifest;
  tgz: Buffer;
  /** The attached .minisig, when the package was pushed signed. */
  sig: Buffer | undefined;
  /** Its build description and recipes, when it was pushed with them. */
  build: PackageBuild | undefined;
  /** Attached attestations (DSSE envelope JSON), when asked for. */
  attestations: Buffer[];
  /** The artifact's manifest digest. */
  artifact: string;
}

/** The description and recipe layers of a package artifact, checked (each recipe against its digest). */
async function fetchBuild(blobs: BlobMemo, repo: string, layers: Descriptor[], where: string): Promise<PackageBuild | undefined> {
  const d = layers.find((l) => l.mediaType === BLOB.buildDescription);
  if (d === undefined) return undefined;
  const description = parseDescription((await blobs.pull(repo, d.digest)).toString('utf8'), `${where} build description`);
  const one = async (digest: string): Promise<PackageBuild['recipes'][number]> => {
    const l = layers.find((x) => x.mediaType === BLOB.recipe && x.digest === `sha256:${digest}`);
    if (l === undefined) {
      throw new UserError(
        'EDESCRIPTION',
        `${where}: its build description names recipe ${digest}, which the artifact does not hold: push the package again from a store that has it`,
      );
    }
    const text = await blobs.pull(repo, l.digest).catch((err: unknown) => {
      if (!isUserError(err)) throw err;
      throw new UserError(
        'EDESCRIPTION',
        `${where}: recipe ${digest.slice(0, 12)}, which its build description names, cannot be read: ${oneLine(err)}`,
      );
    });
    return checkRecipeText(digest, text.toString('utf8'), `${where} recipe`);
  };
  // All at once (the client's pool bounds the connections); the first failure in the description's order is the one thrown.
  return { description, recipes: await settleAll(description.recipes.map(one)) };
}

/**
 * A package artifact back from `<ns>/packages`: its .tar.gz (checked against `sha256`), manifest
 * and signature; undefined when the registry has no artifact under its tag.
 */
export async function fetchPackage(
  client: RegistryClient,
  ns: string,
  p: { name: string; version: string; sha256: string },
  opts: { attestations?: boolean; archive?: boolean; blobs?: BlobMemo } = {},
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
      `${where}: its archive is ${layer(MediaType.ociLayerGzip).digest}, not sha256:${p.sha256}: it was replaced in the registry, or another package shares its tag: do not use it; push the right one again`,
    );
  }
  // One listing serves the signature and the attestations.
  const referrers = client.referrers(repo, art.digest, opts.attestations === true ? undefined : ARTIFACT.signature);
  const readManifest = async (): Promise<PackageManifest> => {
    const manifest = parsePackageManifest(
      (await client.pullBlob(repo, layer(BLOB.packageManifest).digest)).toString('utf8'),
      `${where} manifest`,
    );
    if (manifest.name !== p.name || manifest.version !== p.version) {
      throw new IntegrityError(
        `${where}: its manifest says ${manifest.name} ${manifest.version}, not ${p.name} ${p.version}: remove it from the registry`,
      );
    }
    return manifest;
  };
  // Independent reads, all at once: each is a chain of small requests, and one package's reads
  // one after another were most of the time an image's rebuild or pull spent before building.
  const [tgz, manifest, sig, build, attestations] = await settleAll([
    opts.archive === false ? Promise.resolve(Buffer.alloc(0)) : client.pullBlob(repo, `sha256:${p.sha256}`),
    readManifest(),
    referrers.then((found) => signatureOf(client, repo, found, where)),
    fetchBuild(opts.blobs ?? new BlobMemo(client), repo, layers, where),
    opts.attestations === true ? referrers.then((found) => attestationsOf(client, repo, found, where)) : Promise.resolve<Buffer[]>([]),
  ]);
  return { manifest, tgz, sig, build, attestations, artifact: art.digest };
}

/** fetchPackage of one package of readImagePackages, its blobs shared with the others'. */
export type FetchOne = (opts?: { attestations?: boolean; archive?: boolean }) => Promise<FetchedPackage | undefined>;

/** Packages whose artifacts are read at once: small requests, several per package. */
const PACKAGES_AT_ONCE = 6;

/**
 * `work` for each of an image's packages, a few at a time, each handed a fetchPackage whose blobs
 * are pulled once across all of them (every package carries its closure's recipes). Results in
 * the packages' order; every read settles before the first failure in that order is thrown, so
 * the message is stable and nothing is left reading behind it.
 */
export async function readImagePackages<P extends { name: string; version: string; sha256: string }, T>(
  client: RegistryClient,
  ns: string,
  packages: readonly P[],
  work: (p: P, fetch: FetchOne) => Promise<T>,
): Promise<T[]> {
  const limit = pLimit(PACKAGES_AT_ONCE);
  const blobs = new BlobMemo(client);
  return settleAll(packages.map((p) => limit(() => work(p, (opts = {}) => fetchPackage(client, ns, p, { ...opts, blobs })))));
}
