/**
 * `bale pull`: an image from a registry into the local store and an image file. With verify, the
 * image file's and every package's signature must check against the trust list; digests are
 * checked always (the client verifies every blob it pulls). Two passes: first every package's
 * artifact (manifest, description, signature, attestations; no archive), so `--require N` decides
 * the whole image before the store changes, then the archives. Attestations found are kept in the
 * bundle beside each package, so a later `verify --require` needs no registry.
 */
import { IntegrityError, UserError } from '../../errors/index.js';
import { ARTIFACT, BLOB, packagesRepo, packageTag } from '../../oci/index.js';
import { parseManifest, referenceOf, type ImageRef, type RegistryClient } from '../../registry/index.js';
import { SIG_SUFFIX, verifyData, type PublicKey } from '../../sign/index.js';
import { writeFileAtomic } from '../../util/atomic-write.js';
import {
  addToBundle,
  bundleFileFor,
  judgePackage,
  parseEnvelope,
  policyFailure,
  readBundle,
  verifyEnvelope,
  type Envelope,
  type FoundEnvelope,
  type PackageVerdict,
} from '../../attest/index.js';
import type { Store, StoredPackage } from '../../store/index.js';
import { readImagePackages, type FetchedPackage, type FetchOne } from '../../store/package-artifacts.js';
import { comparePackages, parseImageFile } from '../image-file.js';
import type { ImageFile } from '../types.js';

export interface PullResult {
  image: ImageFile;
  imageText: string;
  imageSig: Buffer;
  digest: string;
  packages: StoredPackage[];
  /** Packages the store already had. */
  present: number;
  /** With a policy: each package's verdict, in the image file's order. */
  verdicts: PackageVerdict[];
}

export interface PullOptions {
  /** Refuse the image unless every package is attested by this many trusted builders (needs keys). */
  require?: number | undefined;
}

/** The registry's envelopes of one package, each parsed on its own: a malformed one is noted, not fatal. */
export function foundEnvelopes(raw: readonly Buffer[], where: string): FoundEnvelope[] {
  return raw.map((bytes, i) => {
    const source = `${where} attestation ${i + 1}`;
    try {
      return { source, envelope: parseEnvelope(bytes, source) };
    } catch (err) {
      return { source, error: err instanceof Error ? err.message : String(err) };
    }
  });
}

/** What to keep in the local bundle: every readable envelope, but none whose signature names a trusted key falsely. */
function keepable(found: readonly FoundEnvelope[], keys: readonly PublicKey[] | undefined): Envelope[] {
  const envelopes = found.flatMap((f) => ('envelope' in f ? [f.envelope] : []));
  return keys === undefined ? envelopes : envelopes.filter((e) => verifyEnvelope(e, keys).forged.length === 0);
}

/** One package of the image after the first pass. */
interface Planned {
  ip: ImageFile['packages'][number];
  /** Where messages name its artifact. */
  pw: string;
  hit: StoredPackage | undefined;
  got: FetchedPackage | undefined;
  found: FoundEnvelope[];
}

async function artifactLayers(
  client: RegistryClient,
  repo: string,
  subject: string,
  type: string,
  where: string,
): Promise<{ mediaType: string; digest: string }[]> {
  const found = await client.referrers(repo, subject, type);
  if (found.length === 0) throw new UserError('EPULL', `${where}: no ${type} attached: it was not pushed by bale push, or only partly`);
  const m = await client.getManifest(repo, found[0]!.digest);
  return parseManifest(m.bytes, `${where} (${type})`).layers;
}

async function layerOf(
  client: RegistryClient,
  repo: string,
  layers: { mediaType: string; digest: string }[],
  mediaType: string,
  where: string,
): Promise<Buffer> {
  const d = layers.find((l) => l.mediaType === mediaType);
  if (d === undefined) throw new UserError('EPULL', `${where}: the artifact holds no ${mediaType}`);
  return client.pullBlob(repo, d.digest);
}

/** An image's manifest and signed image file, checked against each other (and the file's signature when keys are given). */
export async function readRemoteImage(
  client: RegistryClient,
  ref: ImageRef,
  keys: PublicKey[] | undefined,
): Promise<{ where: string; ns: string; image: ImageFile; imageText: string; imageSig: Buffer; digest: string }> {
  const where = `${ref.registry.host}/${ref.repository}:${referenceOf(ref)}`;
  const fetched = await client.getManifest(ref.repository, referenceOf(ref));
  const manifest = parseManifest(fetched.bytes, where);
  const files = await artifactLayers(client, ref.repository, fetched.digest, ARTIFACT.image, where);
  const imageBytes = await layerOf(client, ref.repository, files, BLOB.imageFile, where);
  const imageSig = await layerOf(client, ref.repository, files, BLOB.minisig, where);
  if (keys !== undefined) verifyData(imageBytes, imageSig, keys, `${where} image file`);
  const imageText = imageBytes.toString('utf8');
  const image = parseImageFile(imageText, `${where} image file`);
  // The manifest's layers must be exactly the image file's packages, in its order.
  const want = [...image.packages].sort(comparePackages).map((p) => `sha256:${p.sha256}`);
  const got = manifest.layers.map((l) => l.digest);
  if (want.join(' ') !== got.join(' '))
    throw new IntegrityError(`${where}: the image manifest's layers are not the packages its signed image file lists: do not use it`);
  const ns = ref.repository.includes('/') ? ref.repository.slice(0, ref.repository.lastIndexOf('/')) : '';
  return { where, ns, image, imageText, imageSig, digest: fetched.digest };
}

export async function pullImage(
  client: RegistryClient,
  ref: ImageRef,
  store: Store,
  keys: PublicKey[] | undefined,
  opts: PullOptions = {},
): Promise<PullResult> {
  if (opts.require !== undefined && keys === undefined) throw new RangeError('pullImage: a policy needs a trust list');
  const { where, ns, image, imageText, imageSig, digest } = await readRemoteImage(client, ref, keys);
  // First pass: what each package is and who attests it; nothing is stored yet.
  const planOne = async (ip: ImageFile['packages'][number], fetch: FetchOne): Promise<Planned> => {
    const pw = `${ref.registry.host}/${packagesRepo(ns)}:${packageTag(ip)}`;
    const hit = (await store.findPackages(ip.name, ip.version)).find((p) => p.sha256 === ip.sha256);
    // A package the store has is fetched again only to judge it.
    if (hit !== undefined && opts.require === undefined) return { ip, pw, hit, got: undefined, found: [] };
    const got = await fetch({ attestations: true, archive: false });
    if (got === undefined && hit === undefined)
      throw new UserError('EPULL', `${pw}: not in the registry, though ${where} lists it: push the image again`);
    if (got !== undefined && got.manifest.tar_sha256 !== ip.tar_sha256)
      throw new IntegrityError(`${pw}: its manifest's tar sha256 is not the one the image lists: do not use it`);
    const found = foundEnvelopes(got?.attestations ?? [], pw);
    if (hit !== undefined) {
      const local = await readBundle(bundleFileFor(hit.file));
      found.push(...local.map((envelope, i) => ({ source: `${bundleFileFor(hit.file)}:${i + 1}`, envelope })));
    }
    return { ip, pw, hit, got, found };
  };
  const planned = await readImagePackages(client, ns, image.packages, planOne);
  const verdicts: PackageVerdict[] = [];
  if (opts.require !== undefined) {
    for (const x of planned) {
      const buildKey =
        x.got?.build?.description.build_key ?? (x.hit !== undefined ? (await store.buildOf(x.hit))?.description.build_key : undefined);
      verdicts.push(
        judgePackage({ label: `${x.ip.name} ${x.ip.version}`, sha256: x.ip.sha256, buildKey, envelopes: x.found }, keys!, opts.require),
      );
    }
    const refused = policyFailure(`oci://${where}`, verdicts);
    if (refused !== undefined) throw refused;
  }

  // Second pass: the archives, checked, then stored.
  const packages: StoredPackage[] = [];
  let present = 0;
  for (const x of planned) {
    const kept = keepable(x.found, keys);
    if (x.hit !== undefined) {
      if (kept.length > 0) await addToBundle(bundleFileFor(x.hit.file), kept);
      packages.push(x.hit);
      present++;
      continue;
    }
    const got = x.got!;
    const tgz = await client.pullBlob(packagesRepo(ns), `sha256:${x.ip.sha256}`);
    if (keys !== undefined) {
      if (got.sig === undefined)
        throw new UserError('ENOSIG', `${x.pw}: no signature attached: it cannot be verified; push it with its .minisig`);
      verifyData(tgz, got.sig, keys, `${x.pw} package`);
    }
    const [stored] = await store.importPackages([{ manifest: got.manifest, tgz, sha256: x.ip.sha256, build: got.build }]);
    if (got.sig !== undefined) await writeFileAtomic(stored!.file + SIG_SUFFIX, got.sig);
    if (kept.length > 0) await addToBundle(bundleFileFor(stored!.file), kept);
    packages.push(stored!);
  }
  return { image, imageText, imageSig, digest, packages, present, verdicts };
}
