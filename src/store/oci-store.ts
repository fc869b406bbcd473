/**
 * A package store in an OCI registry namespace (`--store oci://HOST[:PORT]/NAMESPACE`), so a
 * worker fleet shares a registry instead of a directory. Builders read local files, so every
 * package passes through a local cache (a LocalStore under the bale cache directory):
 *
 * - put: the packages into the cache, then each to the registry as `bale push` lays it out
 *   (`<ns>/packages`, signature attached), then the build artifact `<ns>/builds:<build key>`,
 *   then the cache's build record. The registry's build artifact and the local record are both
 *   written last, so either one means a complete build (a failed push leaves a local miss too,
 *   and the next attempt builds and pushes again);
 * - lookup: the cache first, else the registry's build artifact, whose packages are pulled into
 *   the cache (with their publisher's signatures) and recorded there;
 * - list, manifest, findPackages, importPackages: the cache only. list() is what this machine has
 *   seen; what the registry holds is for registry tools (`bale who-uses`, skopeo).
 *
 * A registry that cannot be reached is a TransientError (the queue retries the job); a refusal
 * (401/403) is the client's UserError.
 */
import { createReadStream } from 'node:fs';
import { basename } from 'node:path';
import { IntegrityError, UserError } from '../errors/index.js';
import { ANNOTATION, ARTIFACT, BLOB, buildsRepo, MediaType, packagesRepo, type Descriptor } from '../oci/index.js';
import type { PackageManifest } from '../packer/manifest.js';
import { parseManifest, parseRegistryUrl, pushBytes, putArtifact, RegistryClient, type RegistryClientOptions } from '../registry/index.js';
import { SIG_SUFFIX } from '../sign/index.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import type { BuildFacts } from './description.js';
import { LocalStore, type StoreOptions } from './local-store.js';
import { fetchPackage, localExtras, pushPackage } from './package-artifacts.js';
import { checkBuildKey, ociCacheRoot, packageFiles, packageStem } from './paths.js';
import { untilCollected } from './leases.js';
import { parseRecord, recordJson, type RecordPackage } from './record.js';
import { RegistryLeases } from './registry-leases.js';
import type { PackageBuild, PackageOutput, PackageRef, Store, StoredPackage } from './store.js';

export interface OciStoreOptions {
  /** bale's cache directory: the local copy lives in `<cacheDir>/oci-store/<host>/<namespace>`. */
  cacheDir: string;
  /** Run on every package built here (signing); pulled packages keep the signature they came with. */
  storeOptions?: StoreOptions;
  /** For tests: a client of its own (e.g. one that records calls). */
  client?: RegistryClient;
  clientOptions?: RegistryClientOptions;
}

export class OciStore implements Store {
  /** The local cache: every StoredPackage handed out is a file under it. */
  readonly root: string;
  /** The `oci://` URL, for messages. */
  readonly location: string;
  readonly client: RegistryClient;
  private readonly ns: string;
  /** Writes what is built here (and signs it, when a signer is configured). */
  private readonly cache: LocalStore;
  /** Writes what is pulled: the same directory, without signing it again. */
  private readonly pulled: LocalStore;
  /** Leases and gc's marks, in the registry (registry-leases.ts). */
  readonly leases: RegistryLeases;
  /** One pull per build key at a time: the scheduler looks a key up more than once. */
  private readonly pulling = new Map<string, Promise<StoredPackage[] | undefined>>();

  constructor(location: string, opts: OciStoreOptions) {
    const url = parseRegistryUrl(location);
    this.location = `oci://${url.registry.host}${url.namespace === '' ? '' : `/${url.namespace}`}`;
    this.ns = url.namespace;
    this.root = ociCacheRoot(url, opts.cacheDir);
    this.cache = new LocalStore(this.root, opts.storeOptions);
    this.pulled = new LocalStore(this.root);
    this.client = opts.client ?? new RegistryClient(url.registry, opts.clientOptions);
    this.leases = new RegistryLeases(this.client, this.ns);
  }

  async lookup(buildKey: string): Promise<StoredPackage[] | undefined> {
    checkBuildKey(buildKey);
    const local = await this.cache.lookup(buildKey);
    if (local !== undefined) return local;
    let p = this.pulling.get(buildKey);
    if (p === undefined) {
      p = this.pull(buildKey).finally(() => this.pulling.delete(buildKey));
      this.pulling.set(buildKey, p);
    }
    return p;
  }

  async put(buildKey: string, outputs: PackageOutput[], facts?: BuildFacts): Promise<StoredPackage[]> {
    checkBuildKey(buildKey);
    // No local record yet: until the registry has the build, this machine must not call it a hit.
    const stored = await this.cache.importPackages(outputs);
    // Description and recipes beside each package, then the hook (attesting, with a key).
    if (facts !== undefined) await this.cache.keepBuild(stored, facts);
    // A registry keeps no file times: a lease names the packages until the record names them, so a
    // gc keeps them (one that began first is waited for, then everything is pushed again).
    const release = await this.leases.take(
      [buildKey],
      stored.map((p) => packageStem(p.name, p.version, p.sha256)),
    );
    try {
      await untilCollected(this.leases);
      const pushed = new Set<string>();
      for (const [i, p] of stored.entries()) {
        if (pushed.has(p.sha256)) continue;
        pushed.add(p.sha256);
        const manifest = outputs[i]!.manifest;
        // No signature or attestation when no signing key is configured.
        await pushPackage(this.client, this.ns, { ...p, purl: manifest.purl, manifest }, await localExtras(p, this.cache));
      }
      await this.pushBuild(buildKey, stored);
    } finally {
      await release();
    }
    return this.cache.recordBuild(buildKey, stored);
  }

  /** The build artifact: after every package it names, so its tag means a complete build. */
  private async pushBuild(buildKey: string, packages: StoredPackage[]): Promise<void> {
    const repo = buildsRepo(this.ns);
    const layers: Descriptor[] = [];
    for (const p of packages) {
      const digest = `sha256:${p.sha256}`;
      if (layers.some((l) => l.digest === digest)) continue;
      // Mounted from the packages repository: the registry has the bytes already.
      await this.client.pushBlob(repo, digest, () => createReadStream(p.file), { size: p.size, from: packagesRepo(this.ns) });
      layers.push({ mediaType: MediaType.ociLayerGzip, digest, size: p.size, annotations: { [ANNOTATION.title]: basename(p.file) } });
    }
    const record = Buffer.from(recordJson({ format: 1, build_key: buildKey, packages: packages.map(recordOf) }));
    layers.push(await pushBytes(this.client, repo, BLOB.buildRecord, record));
    // When it was pushed: gc's grace period keeps recent builds (a registry has no file times).
    await putArtifact(this.client, repo, buildKey, ARTIFACT.build, layers, { [ANNOTATION.created]: new Date().toISOString() });
  }

  /** The registry's build artifact into the cache; undefined when it has none, or lost a package of it. */
  private async pull(buildKey: string): Promise<StoredPackage[] | undefined> {
    const repo = buildsRepo(this.ns);
    const found = await this.client.findManifest(repo, buildKey, [MediaType.ociManifest]);
    if (found === undefined) return undefined;
    const where = `registry ${this.client.host}: ${repo}:${buildKey}`;
    const m = parseManifest(found.bytes, where);
    const recordLayer = m.layers.find((l) => l.mediaType === BLOB.buildRecord);
    if (m.artifactType !== ARTIFACT.build || recordLayer === undefined) {
      throw new UserError(
        'EREGISTRYREPLY',
        `${where}: is not a bale build record (artifact type ${m.artifactType ?? 'none'}): delete that tag, or use another namespace for the store`,
      );
    }
    const record = parseRecord((await this.client.pullBlob(repo, recordLayer.digest)).toString('utf8'), buildKey);
    // The record is trusted only with its archives as layers: a registry keeps every layer's blob.
    if (
      record === undefined ||
      record.packages.some((p) => !m.layers.some((l) => l.digest === `sha256:${p.sha256}` && l.size === p.size))
    ) {
      throw new IntegrityError(
        `${where}: its build record is unreadable, for another build, or names archives it does not hold: delete that tag and build again`,
      );
    }
    const outputs: PackageOutput[] = [];
    const sigs: (Buffer | undefined)[] = [];

    const seen = new Set<string>();
    for (const p of record.packages) {
      if (seen.has(p.sha256)) continue;
      seen.add(p.sha256);
      const got = await fetchPackage(this.client, this.ns, p);
      // A package deleted from the registry: a miss, like a local record whose files are gone.
      if (got === undefined) return undefined;
      outputs.push({ manifest: got.manifest, tgz: got.tgz, sha256: p.sha256, build: got.build });
      sigs.push(got.sig);
    }
    const stored = await this.pulled.importPackages(outputs);
    for (const [i, p] of stored.entries()) {
      const sig = sigs[i];
      if (sig !== undefined) await writeFileAtomic(p.file + SIG_SUFFIX, sig);
    }
    return this.cache.recordBuild(buildKey, record.packages);
  }

  importPackages(outputs: PackageOutput[]): Promise<StoredPackage[]> {
    return this.cache.importPackages(outputs);
  }

  buildOf(p: PackageRef): Promise<PackageBuild | undefined> {
    return this.cache.buildOf(p);
  }

  list(): Promise<StoredPackage[]> {
    return this.cache.list();
  }

  manifest(p: StoredPackage): Promise<PackageManifest> {
    return this.cache.manifest(p);
  }

  findPackages(name: string, version: string): Promise<StoredPackage[]> {
    return this.cache.findPackages(name, version);
  }

  close(): Promise<void> {
    return this.client.close();
  }
}

/** A package as the build record names it: canonical paths relative to the store root. */
function recordOf(p: StoredPackage): RecordPackage {
  const files = packageFiles(packageStem(p.name, p.version, p.sha256));
  return { name: p.name, version: p.version, sha256: p.sha256, size: p.size, file: files.tgz, manifest: files.manifest };
}
