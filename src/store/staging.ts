/**
 * A staging store: builds go into a scratch store of their own, reads see the real store too, and
 * nothing reaches the real store until commit(). `request`, `image compose` and `install` build
 * through one, so a request with a failed target, an image that does not compose (a conflict, a
 * missing package) or a root that cannot be laid leaves the store exactly as it was; once
 * everything succeeded, commit() hands every staged build and package to the real store's own put() and
 * importPackages() (so it signs them, and a registry store pushes them), as if built there.
 * The scratch directory lives outside the store, among the builds' scratch directories (see
 * src/util/scratch.ts), so even a killed compose leaves nothing in the store, and its scratch
 * goes as theirs do: discard(), an exit hook on a signal, or the next bale's sweep after a SIGKILL.
 */
import { readFile } from 'node:fs/promises';
import { join, relative, isAbsolute } from 'node:path';
import type { PackageManifest } from '../packer/manifest.js';
import { makeScratch, type Scratch } from '../util/scratch.js';
import { LocalStore } from './local-store.js';
import { comparePackages } from './order.js';
import type { BuildFacts } from './description.js';
import type { PackageBuild, PackageOutput, PackageRef, Store, StoredPackage } from './store.js';

const identity = (p: StoredPackage): string => `${p.name}\u0000${p.version}\u0000${p.sha256}`;

export class StagingStore implements Store {
  private readonly scratch: LocalStore;
  /** Build keys put here, in order. */
  private readonly built: string[] = [];
  /** What each staged build was made from, handed to the real store's put() on commit (its hook attests). */
  private readonly facts = new Map<string, BuildFacts>();
  /** Packages imported here without a build (compose's --base glue). */
  private readonly imported: StoredPackage[] = [];

  constructor(
    /** Where committed packages go. */
    readonly real: Store,
    /** The scratch directory the staged store lives in (made by stage(), removed by discard()). */
    private readonly dir: Scratch,
  ) {
    this.scratch = new LocalStore(dir.dir);
  }

  /** The real store's: messages name the store the user gave. */
  get root(): string {
    return this.real.root;
  }

  get location(): string {
    return this.real.location;
  }

  private isStaged(p: Pick<StoredPackage, 'file'>): boolean {
    const rel = relative(this.scratch.root, p.file);
    return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel);
  }

  async lookup(buildKey: string): Promise<StoredPackage[] | undefined> {
    return (await this.scratch.lookup(buildKey)) ?? this.real.lookup(buildKey);
  }

  async put(buildKey: string, outputs: PackageOutput[], facts?: BuildFacts): Promise<StoredPackage[]> {
    const stored = await this.scratch.put(buildKey, outputs, facts);
    if (!this.built.includes(buildKey)) this.built.push(buildKey);
    if (facts !== undefined) this.facts.set(buildKey, facts);
    return stored;
  }

  async buildOf(p: PackageRef): Promise<PackageBuild | undefined> {
    return this.isStaged(p) ? this.scratch.buildOf(p) : this.real.buildOf(p);
  }

  async importPackages(outputs: PackageOutput[]): Promise<StoredPackage[]> {
    const stored = await this.scratch.importPackages(outputs);
    this.imported.push(...stored);
    return stored;
  }

  /** The real store's packages and the staged ones (the real store's copy when both have one). */
  async list(): Promise<StoredPackage[]> {
    return merge(await this.real.list(), await this.scratch.list());
  }

  manifest(p: StoredPackage): Promise<PackageManifest> {
    return this.isStaged(p) ? this.scratch.manifest(p) : this.real.manifest(p);
  }

  async findPackages(name: string, version: string): Promise<StoredPackage[]> {
    return merge(await this.real.findPackages(name, version), await this.scratch.findPackages(name, version));
  }

  /** Every staged build (its record last, as put() writes) and package into the real store. */
  async commit(): Promise<void> {
    for (const key of this.built) {
      const staged = await this.scratch.lookup(key);
      if (staged === undefined) throw new Error(`staged build ${key} is gone from ${this.dir.dir}`);
      await this.real.put(key, await this.outputs(staged), this.facts.get(key));
    }
    if (this.imported.length > 0) await this.real.importPackages(await this.outputs(this.imported));
  }

  /** Removes the scratch directory (whether or not it was committed). */
  discard(): Promise<void> {
    return this.dir.remove();
  }

  close(): Promise<void> {
    return this.real.close?.() ?? Promise.resolve();
  }

  private outputs(packages: StoredPackage[]): Promise<PackageOutput[]> {
    return Promise.all(
      packages.map(async (p) => ({ manifest: await this.scratch.manifest(p), tgz: await readFile(p.file), sha256: p.sha256 })),
    );
  }
}

function merge(first: StoredPackage[], second: StoredPackage[]): StoredPackage[] {
  const seen = new Set(first.map(identity));
  return [...first, ...second.filter((p) => !seen.has(identity(p)))].sort(comparePackages);
}

/** A staging store in front of `real`, its scratch directory a fresh one under `<cacheDir>/tmp` (`prefix`: which command's). */
export async function stage(real: Store, cacheDir: string, prefix = 'compose-'): Promise<StagingStore> {
  return new StagingStore(real, await makeScratch(join(cacheDir, 'tmp'), prefix));
}
