/**
 * `--check oci://HOST/NS` on request and build: is what was built here the same, byte for byte,
 * as the registry's package for the same build key? The registry is only read: its package tags
 * for a name and version (`<name>-<version>-<sha12>`, src/oci/registry-layout.ts) are listed, the
 * candidates' artifact manifests read for their build key annotation, and only on a mismatch is
 * the registry's package manifest fetched, to name the files that differ.
 */
import pLimit, { type LimitFunction } from 'p-limit';
import { UserError } from '../errors/index.js';
import { ANNOTATION, BLOB, MediaType, packagesRepo, packageTag, type ImageManifest } from '../oci/index.js';
import { parseManifest as parsePackageManifest, type PackageManifest } from '../packer/manifest.js';
import { parseManifest, type RegistryClient } from '../registry/index.js';
import { comparePackages, formatDifferences } from './compare.js';

/** A package this run built or took from the store, and the build key it was planned under. */
export interface Built {
  name: string;
  version: string;
  sha256: string;
  buildKey: string;
  manifest: PackageManifest;
}

export type Checked =
  | { kind: 'reproduced'; built: Built }
  /** `theirs`: every archive sha256 the registry holds for this build key (none is ours). */
  | { kind: 'mismatch'; built: Built; theirs: string[]; differences: string[] }
  | { kind: 'absent'; built: Built };

/** The registry's package artifacts, listed once per check. */
export interface Registry {
  client: RegistryClient;
  ns: string;
  /** Every tag of `<ns>/packages`. */
  tags: string[];
}

/**
 * The tags of `<ns>/packages`; a registry without that repository is refused, since it is far
 * more likely a wrong namespace than a registry that lacks every package. Called before building,
 * so a wrong or unreachable --check fails fast.
 */
export async function openRegistry(client: RegistryClient, ns: string, url: string): Promise<Registry> {
  const repo = packagesRepo(ns);
  const tags = await client.findTags(repo);
  if (tags === undefined) {
    throw new UserError(
      'ENOTFOUND',
      `--check ${url}: registry ${client.host} has no repository ${repo} (404): check the namespace; a registry store or bale push writes packages there`,
    );
  }
  return { client, ns, tags };
}

/** The tags that may be `b`'s: its tag with any 12 hex digits in place of its own sha12. */
export function candidateTags(tags: readonly string[], b: Pick<Built, 'name' | 'version' | 'sha256'>): string[] {
  const prefix = packageTag(b).slice(0, -12);
  return tags.filter((t) => t.length === prefix.length + 12 && t.startsWith(prefix) && /^[0-9a-f]{12}$/.test(t.slice(prefix.length)));
}

/** What one candidate artifact says it is. */
interface Candidate {
  tag: string;
  manifest: ImageManifest;
  sha256: string;
}

async function readCandidate(r: Registry, tag: string): Promise<Candidate | undefined> {
  const repo = packagesRepo(r.ns);
  // Gone since the listing: as if it had not been listed.
  const found = await r.client.findManifest(repo, tag, [MediaType.ociManifest]);
  if (found === undefined) return undefined;
  const manifest = parseManifest(found.bytes, `registry ${r.client.host}: ${repo}:${tag}`);
  const archive = manifest.layers.find((l) => l.mediaType === MediaType.ociLayerGzip);
  if (archive === undefined || !archive.digest.startsWith('sha256:')) return undefined;
  return { tag, manifest, sha256: archive.digest.slice('sha256:'.length) };
}

/** The registry's bale manifest of a candidate, for naming the differing files. */
async function candidateManifest(r: Registry, c: Candidate): Promise<PackageManifest | undefined> {
  const layer = c.manifest.layers.find((l) => l.mediaType === BLOB.packageManifest);
  if (layer === undefined) return undefined;
  const repo = packagesRepo(r.ns);
  const bytes = await r.client.pullBlob(repo, layer.digest);
  return parsePackageManifest(bytes.toString('utf8'), `registry ${r.client.host}: ${repo}:${c.tag} manifest`);
}

/** Registry reads in flight at once: a remote registry answers a closure of 150 packages in a few round trips' time. */
const READS_AT_ONCE = 8;

/** Each built package against the registry's for the same build key, name and version, in the order given. */
export async function checkBuilt(r: Registry, built: readonly Built[]): Promise<Checked[]> {
  const limit = pLimit(READS_AT_ONCE);
  const read = new Map<string, Promise<Candidate | undefined>>();
  // One read per tag, however many packages list it; each through the limit.
  const candidate = (tag: string): Promise<Candidate | undefined> => {
    let c = read.get(tag);
    if (c === undefined) {
      c = limit(() => readCandidate(r, tag));
      read.set(tag, c);
    }
    return c;
  };
  return Promise.all(built.map((b) => checkOne(r, b, candidate, limit)));
}

async function checkOne(
  r: Registry,
  b: Built,
  candidate: (tag: string) => Promise<Candidate | undefined>,
  limit: LimitFunction,
): Promise<Checked> {
  const got = await Promise.all(candidateTags(r.tags, b).map(candidate));
  // The tag's name part is sanitised: the annotations say which package, and which build, it really is.
  const mine = got.filter((c): c is Candidate => {
    const a = c?.manifest.annotations ?? {};
    return (
      c !== undefined &&
      a[ANNOTATION.buildKey] === b.buildKey &&
      a[ANNOTATION.package] === b.name &&
      a[ANNOTATION.packageVersion] === b.version
    );
  });
  if (mine.length === 0) return { kind: 'absent', built: b };
  if (mine.some((c) => c.sha256 === b.sha256)) return { kind: 'reproduced', built: b };
  const theirs = mine[0]!;
  const manifest = await limit(() => candidateManifest(r, theirs));
  const differences =
    manifest === undefined
      ? ['(the registry artifact holds no bale manifest: the files cannot be compared)']
      : formatDifferences(comparePackages({ sha256: theirs.sha256, manifest }, { sha256: b.sha256, manifest: b.manifest }), 20, {
          theirs: 'registry',
          ours: 'built here',
        });
  return { kind: 'mismatch', built: b, theirs: mine.map((c) => c.sha256), differences };
}

const sha12 = (s: string): string => s.slice(0, 12);

/** The line a person reads for one package. */
export function checkLine(c: Checked): string {
  const { name, version, sha256 } = c.built;
  if (c.kind === 'reproduced') return `reproduced ${name} ${version} ${sha12(sha256)}`;
  if (c.kind === 'absent') return `absent ${name} ${version}`;
  const more = c.theirs.length > 1 ? ` (and ${c.theirs.slice(1).map(sha12).join(', ')})` : '';
  return `MISMATCH ${name} ${version}: registry ${sha12(c.theirs[0]!)}${more}, built here ${sha12(sha256)}`;
}

/** `N reproduced, N MISMATCH, N absent`. */
export function checkSummary(checked: readonly Checked[]): string {
  const count = (k: Checked['kind']): number => checked.filter((c) => c.kind === k).length;
  return `${count('reproduced')} reproduced, ${count('mismatch')} MISMATCH, ${count('absent')} absent`;
}

/** The `check` array of --json. */
export function checkJson(checked: readonly Checked[]): Record<string, unknown>[] {
  return checked.map((c) => ({
    name: c.built.name,
    version: c.built.version,
    sha256: c.built.sha256,
    build_key: c.built.buildKey,
    result: c.kind,
    ...(c.kind === 'mismatch' ? { registry_sha256: c.theirs, differences: c.differences } : {}),
  }));
}
