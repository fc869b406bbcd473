/**
 * A client for one OCI distribution registry (CNCF distribution, zot, Harbor, GHCR): blobs,
 * manifests, tag and repository listings, and referrers. Everything read is checked against its
 * digest; refusals and missing content are UserErrors, a failing registry a TransientError.
 */
import { IntegrityError, UserError } from '../errors/index.js';
import { RetryableFault } from '../http/faults.js';
import { httpTimeouts, type HttpTimeouts } from '../http/timeouts.js';
import { digestOf, MANIFEST_TYPES, sha256Digest, type Descriptor } from '../oci/index.js';
import { credentialsFromEnv, type Credentials } from './auth.js';
import { findTags, listCatalog, listTags, type ListOptions } from './listing.js';
import { isDigest, isRepository, isTag, registryOrigin, type RegistryLocation } from './reference.js';
import { attachArtifact, listReferrers, type AttachOptions } from './referrers.js';
import { header, registryError, Transport, type Call, type Reply, type RequestBody } from './transport.js';

/** A manifest refused for a blob that was pushed is asked again this often: see putManifestReply. */
const MANIFEST_RACE_RETRIES = 2;

export interface RegistryClientOptions {
  /** Plain http for every host (default: BALE_REGISTRY_INSECURE=1; loopback always uses http). */
  insecure?: boolean;
  /** Default: BALE_REGISTRY_USER / BALE_REGISTRY_PASSWORD; `null` for anonymous only. */
  credentials?: Credentials | null;
  /** Attempts after the first for 5xx, 429 and network faults (default 4); after a stall, one at most. */
  retries?: number;
  retryDelayMs?: number;
  maxRetryDelayMs?: number;
  /**
   * Connect, headers, body-idle timeouts and the deadline of one call (all its attempts). Unset
   * fields come from BALE_HTTP_* in the environment, else the defaults.
   * @defaultValue DEFAULT_HTTP_TIMEOUTS.source (10 s, 30 s, 30 s, 10 min)
   */
  timeouts?: Partial<HttpTimeouts>;
  userAgent?: string;
  env?: NodeJS.ProcessEnv;
}

export interface PushBlobOptions {
  /** Bytes of the stream; required when `data` is a stream factory. */
  size?: number;
  /** A repository on the same registry that may hold the blob: mounted from there instead of uploaded. */
  from?: string;
}

export type PushOutcome = 'exists' | 'mounted' | 'uploaded';

export interface FetchedManifest {
  bytes: Buffer;
  mediaType: string;
  digest: string;
}

export class RegistryClient {
  readonly host: string;
  private readonly http: Transport;
  /** Repositories whose registry answered the referrers API with 404: use the fallback tag. */
  readonly noReferrersApi = new Set<string>();

  constructor(registry: RegistryLocation, opts: RegistryClientOptions = {}) {
    const env = opts.env ?? process.env;
    this.host = registry.host;
    this.http = new Transport({
      origin: registryOrigin(registry, { insecure: opts.insecure, env }),
      host: registry.host,
      credentials: opts.credentials === null ? undefined : (opts.credentials ?? credentialsFromEnv(env)),
      retries: opts.retries ?? 4,
      backoff: { baseMs: opts.retryDelayMs ?? 250, maxMs: opts.maxRetryDelayMs ?? 10_000 },
      timeouts: httpTimeouts('source', opts.timeouts, env),
      userAgent: opts.userAgent ?? 'bale',
    });
  }

  /** The transport, for the listing and referrers helpers. */
  get transport(): Transport {
    return this.http;
  }

  async blobExists(repo: string, digest: string): Promise<boolean> {
    checkNames(repo, digest, true);
    const call = pullCall(repo, 'HEAD', `/v2/${repo}/blobs/${digest}`, `lookup of blob ${digest} in ${repo}`);
    const reply = await this.http.send(call);
    if (reply.status === 200) return true;
    if (reply.status === 404) return false;
    throw this.http.unexpected(reply, call);
  }

  /** Upload a blob unless the repository has it (or can mount it from `opts.from`); says which happened. */
  async pushBlob(
    repo: string,
    digest: string,
    data: Buffer | (() => NodeJS.ReadableStream),
    opts: PushBlobOptions = {},
  ): Promise<PushOutcome> {
    checkNames(repo, digest, true);
    if (opts.from !== undefined) checkNames(opts.from);
    if (typeof data === 'function' && opts.size === undefined) throw new Error('pushBlob: a stream needs its size');
    if (await this.blobExists(repo, digest)) return 'exists';
    const body: RequestBody = Buffer.isBuffer(data) ? data : { size: opts.size as number, open: data };
    const what = `push of blob ${digest} to ${repo}`;
    const scopes = [`repository:${repo}:pull,push`];
    const from = opts.from !== undefined && opts.from !== repo ? opts.from : undefined;
    if (from !== undefined) scopes.push(`repository:${from}:pull`);
    const subject = `push on ${repo}`;
    // Start to end as one unit: a failed PUT may leave its upload session unusable.
    return this.http.retrying(what, async (deadline): Promise<PushOutcome> => {
      const query = from === undefined ? '' : `?mount=${encodeURIComponent(digest)}&from=${encodeURIComponent(from)}`;
      const start: Call = { method: 'POST', url: `/v2/${repo}/blobs/uploads/${query}`, scopes, subject, what };
      const started = await this.http.once(start, deadline);
      if (started.status === 201 && from !== undefined) return 'mounted';
      if (started.status !== 202) throw this.http.unexpected(started, start);
      const location = header(started, 'location');
      if (location === undefined) {
        throw new UserError(
          'EREGISTRYREPLY',
          `registry ${this.host}: ${what}: the upload was accepted without a Location header: the registry does not speak the OCI distribution API`,
        );
      }
      const target = new URL(location, started.url).href;
      const put: Call = {
        method: 'PUT',
        url: `${target}${target.includes('?') ? '&' : '?'}digest=${encodeURIComponent(digest)}`,
        headers: { 'content-type': 'application/octet-stream' },
        body,
        scopes,
        subject,
        what,
      };
      const done = await this.http.once(put, deadline);
      if (done.status === 201) return 'uploaded';
      if (done.status === 400 && /DIGEST_INVALID|SIZE_INVALID/.test(done.body.toString('utf8'))) {
        throw new IntegrityError(
          `blob ${digest} pushed to ${repo} on registry ${this.host} does not hash to its digest: the local file is corrupt or changed; rebuild it`,
        );
      }
      throw this.http.unexpected(done, put);
    });
  }

  /** The blob's bytes, checked against its digest. */
  async pullBlob(repo: string, digest: string): Promise<Buffer> {
    checkNames(repo, digest, true);
    const what = `pull of blob ${digest} from ${repo}`;
    const call = pullCall(repo, 'GET', `/v2/${repo}/blobs/${digest}`, what);
    const reply = await this.http.send(call);
    if (reply.status === 404) {
      throw new UserError('ENOTFOUND', `registry ${this.host} has no blob ${digest} in ${repo} (404 not found): push the image again`);
    }
    if (reply.status !== 200) throw this.http.unexpected(reply, call);
    const actual = digestOf(reply.body, digest);
    if (actual !== digest) {
      throw new IntegrityError(
        `blob ${digest} of ${repo} from registry ${this.host} hashes to ${actual}: the registry served corrupt data; retry, or push the image again`,
      );
    }
    return reply.body;
  }

  /** Store a manifest under a tag or its digest; returns its digest. */
  async putManifest(repo: string, reference: string, bytes: Buffer, mediaType: string): Promise<string> {
    return (await this.putManifestReply(repo, reference, bytes, mediaType)).digest;
  }

  /** putManifest, also returning the registry's answer (the referrers fallback reads OCI-Subject). */
  async putManifestReply(repo: string, reference: string, bytes: Buffer, mediaType: string): Promise<{ digest: string; reply: Reply }> {
    checkNames(repo, reference);
    const digest = sha256Digest(bytes);
    if (isDigest(reference) && digestOf(bytes, reference) !== reference) {
      throw new Error(`putManifest: the bytes do not hash to ${reference}`);
    }
    const what = `push of manifest ${repo}${refSuffix(reference)}`;
    const call: Call = {
      method: 'PUT',
      url: `/v2/${repo}/manifests/${reference}`,
      headers: { 'content-type': mediaType },
      body: bytes,
      scopes: [`repository:${repo}:pull,push`],
      subject: `push on ${repo}`,
      what,
    };
    let tries = 0;
    const reply = await this.http.retrying(what, async (deadline) => {
      const r = await this.http.once(call, deadline);
      // Every blob was pushed before, and the bytes are checked above: CNCF distribution still
      // answers DIGEST_INVALID while another client's push of a shared blob rewrites its link
      // file, and registries on eventually consistent storage MANIFEST_BLOB_UNKNOWN. Both pass.
      if (
        r.status === 400 &&
        tries++ < Math.min(MANIFEST_RACE_RETRIES, this.http.opts.retries) &&
        /"(DIGEST_INVALID|MANIFEST_BLOB_UNKNOWN)"/.test(r.body.toString('utf8'))
      ) {
        throw new RetryableFault(`HTTP 400${registryError(r)}`);
      }
      return r;
    });
    if (reply.status !== 201 && reply.status !== 200) {
      throw this.http.unexpected(reply, call, 'check the manifest and that every blob it names was pushed first');
    }
    const answered = header(reply, 'docker-content-digest');
    if (answered?.startsWith('sha256:') && answered !== digest) {
      throw new IntegrityError(
        `registry ${this.host} stored manifest ${repo}${refSuffix(reference)} as ${answered}, not ${digest}: it rewrote the manifest; use a registry that stores manifests as pushed`,
      );
    }
    return { digest, reply };
  }

  /** A manifest by tag or digest; a digest reference is checked against the bytes. */
  async getManifest(repo: string, reference: string, accept: string[] = MANIFEST_TYPES): Promise<FetchedManifest> {
    const found = await this.findManifest(repo, reference, accept);
    if (found === undefined) {
      throw new UserError(
        'ENOTFOUND',
        `registry ${this.host} has no manifest ${repo}${refSuffix(reference)} (404 not found): check the image name and tag`,
      );
    }
    return found;
  }

  /** getManifest, but undefined when the registry has no such manifest. */
  async findManifest(repo: string, reference: string, accept: string[] = MANIFEST_TYPES): Promise<FetchedManifest | undefined> {
    checkNames(repo, reference);
    const what = `pull of manifest ${repo}${refSuffix(reference)}`;
    const call = pullCall(repo, 'GET', `/v2/${repo}/manifests/${reference}`, what);
    call.headers = { accept: accept.join(', ') };
    const reply = await this.http.send(call);
    if (reply.status === 404) return undefined;
    if (reply.status !== 200) throw this.http.unexpected(reply, call);
    const expected = isDigest(reference) ? reference : header(reply, 'docker-content-digest');
    const digest = expected !== undefined && isDigest(expected) ? digestOf(reply.body, expected) : sha256Digest(reply.body);
    if (expected !== undefined && isDigest(expected) && digest !== expected) {
      throw new IntegrityError(
        `manifest ${repo}${refSuffix(reference)} from registry ${this.host} hashes to ${digest}, not ${expected}: the registry served corrupt data; retry, or push the image again`,
      );
    }
    const mediaType = (header(reply, 'content-type') ?? '').split(';')[0]?.trim() || mediaTypeField(reply.body);
    return { bytes: reply.body, mediaType, digest };
  }

  /**
   * A manifest's digest without its bytes (HEAD, the registry's Docker-Content-Digest): undefined
   * when there is no such manifest, `{}` when the registry sent no digest or refuses HEAD (then GET it).
   */
  async headManifest(repo: string, reference: string, accept: string[] = MANIFEST_TYPES): Promise<{ digest?: string } | undefined> {
    checkNames(repo, reference);
    const call = pullCall(repo, 'HEAD', `/v2/${repo}/manifests/${reference}`, `lookup of manifest ${repo}${refSuffix(reference)}`);
    call.headers = { accept: accept.join(', ') };
    const reply = await this.http.send(call);
    if (reply.status === 404) return undefined;
    if (reply.status === 405) return {}; // a registry without HEAD on manifests: the caller GETs it
    if (reply.status !== 200) throw this.http.unexpected(reply, call);
    const digest = header(reply, 'docker-content-digest');
    return digest !== undefined && isDigest(digest) ? { digest } : {};
  }

  /** Delete a manifest by digest (registries refuse tags here); false when it was not there. */
  async deleteManifest(repo: string, digest: string): Promise<boolean> {
    checkNames(repo, digest, true);
    const call: Call = {
      method: 'DELETE',
      url: `/v2/${repo}/manifests/${digest}`,
      scopes: [`repository:${repo}:delete`],
      subject: `delete on ${repo}`,
      what: `delete of manifest ${repo}@${digest}`,
    };
    const reply = await this.http.send(call);
    if (reply.status === 202 || reply.status === 200) return true;
    if (reply.status === 404) return false;
    throw this.http.unexpected(reply, call, 'the registry may have deletion disabled');
  }

  /** Every tag of the repository, sorted; [] when the repository does not exist. */
  async listTags(repo: string, opts: ListOptions = {}): Promise<string[]> {
    checkNames(repo);
    return listTags(this.http, repo, opts);
  }

  /** Every tag of the repository, sorted; undefined when the registry has no such repository (404). */
  async findTags(repo: string, opts: ListOptions = {}): Promise<string[] | undefined> {
    checkNames(repo);
    return findTags(this.http, repo, opts);
  }

  /** Every repository of the registry, sorted; with `under`, only that namespace's. */
  async catalog(opts: ListOptions & { under?: string } = {}): Promise<string[]> {
    return listCatalog(this.http, opts);
  }

  /** Manifests attached to `digest` (their `subject`), by the referrers API or the fallback tag. */
  async referrers(repo: string, digest: string, artifactType?: string): Promise<Descriptor[]> {
    checkNames(repo, digest, true);
    return listReferrers(this, repo, digest, artifactType);
  }

  /** Push an artifact manifest whose subject is `subject`, and list it where referrers are found. */
  async attachArtifact(repo: string, subject: Descriptor, opts: AttachOptions): Promise<Descriptor> {
    checkNames(repo, subject.digest, true);
    return attachArtifact(this, repo, subject, opts);
  }

  close(): Promise<void> {
    return this.http.close();
  }
}

/** Names go into URL paths: anything outside the spec's grammar is refused before it gets there. */
function checkNames(repo: string, reference?: string, digestOnly = false): void {
  if (!isRepository(repo)) {
    throw new UserError(
      'EIMAGEREF',
      `"${repo}" is not a valid repository name (lowercase letters, digits, . _ - separated by /): fix the image name`,
    );
  }
  if (reference !== undefined && !isDigest(reference) && (digestOnly || !isTag(reference))) {
    throw new UserError(
      'EIMAGEREF',
      `"${reference}" is not a valid ${digestOnly ? 'digest (sha256:<64 hex>)' : 'tag or digest'} for ${repo}: fix the image reference`,
    );
  }
}

function pullCall(repo: string, method: 'GET' | 'HEAD', url: string, what: string): Call {
  return { method, url, scopes: [`repository:${repo}:pull`], subject: `pull on ${repo}`, what };
}

function refSuffix(reference: string): string {
  return isDigest(reference) ? `@${reference}` : `:${reference}`;
}

/** Registries send Content-Type; should one not, the manifest names its own type. */
function mediaTypeField(bytes: Buffer): string {
  try {
    const v = (JSON.parse(bytes.toString('utf8')) as { mediaType?: unknown }).mediaType;
    return typeof v === 'string' ? v : '';
  } catch {
    return '';
  }
}
