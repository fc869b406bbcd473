/**
 * Artifacts attached to a manifest through its `subject` (OCI distribution spec 1.1).
 *
 * A registry with the referrers API answers `GET /v2/<repo>/referrers/<digest>` and, on a push of
 * a manifest with a subject, the `OCI-Subject` header. Registries without it (CNCF distribution
 * 2.8 answers 404 and never sends the header) need the client to keep the list itself: an image
 * index tagged `<alg>-<hex>` of the subject's digest (the referrers tag schema), read, extended
 * and pushed again on every attach.
 */
import { TransientError, UserError } from '../errors/index.js';
import {
  EMPTY_DESCRIPTOR,
  EMPTY_JSON,
  encodeJson,
  MANIFEST_TYPES,
  MediaType,
  sha256Digest,
  type Descriptor,
  type ImageIndex,
} from '../oci/index.js';
import { parseIndex } from './replies.js';
import { header, type Reply, type Transport } from './transport.js';

/**
 * What these helpers use of a client. RegistryClient calls them with itself; declaring the part
 * they need here, rather than importing the class, keeps client.ts and this module acyclic.
 */
interface ReferrersClient {
  readonly host: string;
  readonly transport: Transport;
  /** Repositories whose registry has no referrers API: read and write the fallback tag. */
  readonly noReferrersApi: Set<string>;
  pushBlob(repo: string, digest: string, data: Buffer): Promise<unknown>;
  putManifest(repo: string, reference: string, bytes: Buffer, mediaType: string): Promise<string>;
  putManifestReply(repo: string, reference: string, bytes: Buffer, mediaType: string): Promise<{ digest: string; reply: Reply }>;
  findManifest(repo: string, reference: string, accept?: string[]): Promise<{ bytes: Buffer; mediaType: string } | undefined>;
}

export interface AttachOptions {
  /** e.g. `application/vnd.bale.package.v1` */
  artifactType: string;
  /** The artifact's blobs, already pushed (pushBlob); default one empty-JSON layer, as the image spec advises. */
  layers?: Descriptor[];
  annotations?: Record<string, string>;
}

/** `sha256:abc…` → `sha256-abc…`: the fallback tag listing the referrers of that digest. */
export function referrersTag(digest: string): string {
  const [alg = '', hex = ''] = digest.split(':');
  const clean = (s: string, max: number): string => s.replace(/[^a-zA-Z0-9._-]/g, '-').slice(0, max);
  return `${clean(alg, 32)}-${clean(hex, 64)}`;
}

export async function attachArtifact(client: ReferrersClient, repo: string, subject: Descriptor, opts: AttachOptions): Promise<Descriptor> {
  // The empty config must exist as a blob: registries check every descriptor of a manifest.
  await client.pushBlob(repo, EMPTY_DESCRIPTOR.digest, EMPTY_JSON);
  const manifest = {
    schemaVersion: 2,
    mediaType: MediaType.ociManifest,
    artifactType: opts.artifactType,
    config: EMPTY_DESCRIPTOR,
    layers: opts.layers ?? [EMPTY_DESCRIPTOR],
    subject: { mediaType: subject.mediaType, digest: subject.digest, size: subject.size },
    ...(opts.annotations !== undefined ? { annotations: opts.annotations } : {}),
  };
  const bytes = encodeJson(manifest);
  const { digest, reply } = await client.putManifestReply(repo, sha256Digest(bytes), bytes, MediaType.ociManifest);
  const descriptor: Descriptor = {
    mediaType: MediaType.ociManifest,
    digest,
    size: bytes.length,
    artifactType: opts.artifactType,
    ...(opts.annotations !== undefined ? { annotations: opts.annotations } : {}),
  };
  if (header(reply, 'oci-subject') === undefined) await addToFallbackIndex(client, repo, subject.digest, descriptor);
  return descriptor;
}

/** Descriptors of the manifests whose subject is `digest`, optionally of one artifactType. */
export async function listReferrers(client: ReferrersClient, repo: string, digest: string, artifactType?: string): Promise<Descriptor[]> {
  let index: ImageIndex | undefined;
  if (!client.noReferrersApi.has(repo)) {
    const query = artifactType !== undefined ? `?artifactType=${encodeURIComponent(artifactType)}` : '';
    const call = {
      method: 'GET' as const,
      url: `/v2/${repo}/referrers/${digest}${query}`,
      headers: { accept: MediaType.ociIndex },
      scopes: [`repository:${repo}:pull`],
      subject: `pull on ${repo}`,
      what: `referrers listing of ${repo}@${digest}`,
    };
    const reply = await client.transport.send(call);
    if (reply.status === 200) index = parseIndex(reply.body, `registry ${client.host}: referrers of ${repo}@${digest}`);
    // 404 is the spec's "no referrers API"; some older registries say 400 or 405 instead.
    else if (reply.status === 404 || reply.status === 400 || reply.status === 405) client.noReferrersApi.add(repo);
    else throw client.transport.unexpected(reply, call);
  }
  index ??= await readFallbackIndex(client, repo, digest);
  const all = index?.manifests ?? [];
  // Filter here too: a registry need not apply the artifactType filter (OCI-Filters-Applied).
  return artifactType === undefined ? all : all.filter((d) => d.artifactType === artifactType);
}

async function readFallbackIndex(client: ReferrersClient, repo: string, digest: string): Promise<ImageIndex | undefined> {
  const tag = referrersTag(digest);
  // Accept every type: registries answer 404 for a stored type left out, and then the tag would be overwritten.
  const found = await client.findManifest(repo, tag, MANIFEST_TYPES);
  if (found === undefined) return undefined;
  const where = `registry ${client.host}: ${repo}:${tag}`;
  if (found.mediaType !== MediaType.ociIndex) {
    throw new UserError(
      'EREGISTRYREPLY',
      `${where}: the referrers tag holds a manifest of type ${found.mediaType || 'unknown'}, not an image index: delete that tag, then attach again`,
    );
  }
  return parseIndex(found.bytes, where);
}

/**
 * Read, extend and push the fallback index. Two clients attaching at once can each overwrite the
 * other's entry, so the push is read back and redone (a few times) until ours is listed.
 */
async function addToFallbackIndex(client: ReferrersClient, repo: string, subject: string, entry: Descriptor): Promise<void> {
  const tag = referrersTag(subject);
  for (let round = 0; round <= 3; round++) {
    const old = await readFallbackIndex(client, repo, subject);
    const manifests = old?.manifests ?? [];
    if (manifests.some((d) => d.digest === entry.digest)) return;
    if (round === 3) break;
    const index: ImageIndex = { ...old, schemaVersion: 2, mediaType: MediaType.ociIndex, manifests: [...manifests, entry] };
    await client.putManifest(repo, tag, encodeJson(index), MediaType.ociIndex);
  }
  throw new TransientError(
    'EREGISTRY',
    `registry ${client.host}: ${repo}:${tag}: concurrent pushes kept replacing the referrers index; attach again`,
  );
}
