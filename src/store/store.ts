/**
 * What builders, the scheduler, the queue and the image commands need from a package store. A
 * store always hands out local files (builders read `StoredPackage.file`): a remote store keeps
 * a local cache and fills it on a hit. The types it hands out live here too, so the stores that
 * implement it import them from the contract rather than from each other.
 */
import type { PackageManifest } from '../packer/manifest.js';
import type { BuildDescription, BuildFacts, RecipeText } from './description.js';

export interface StoredPackage {
  name: string;
  version: string;
  /** sha256 of the .tar.gz, hex. */
  sha256: string;
  /** Bytes in the .tar.gz. */
  size: number;
  /** Absolute path of the .tar.gz. */
  file: string;
  /** Absolute path of the manifest beside it. */
  manifestFile: string;
}

/** What names a stored package's files. */
export type PackageRef = Pick<StoredPackage, 'name' | 'version' | 'sha256' | 'file'>;

export interface PackageOutput {
  manifest: PackageManifest;
  tgz: Buffer;
  /** sha256 of `tgz`, hex; checked before anything is written. */
  sha256: string;
  /** How it was built (pulled with its description): kept beside it by importPackages. */
  build?: PackageBuild | undefined;
}

export interface Store {
  /** The local directory the store's files are in (StoredPackage paths are under it). */
  readonly root: string;
  /** Where the store is, for messages: the directory, or the `oci://` URL of a registry store. */
  readonly location: string;
  /** The packages of a finished build, or undefined when the store has no complete record of it. */
  lookup(buildKey: string): Promise<StoredPackage[] | undefined>;
  /**
   * Store a build's packages, with what it was built from when known (`facts`: kept beside each
   * package, so it can be rebuilt and attested), its record last (so a record always means a
   * complete build).
   */
  put(buildKey: string, outputs: PackageOutput[], facts?: BuildFacts): Promise<StoredPackage[]>;
  /** How a stored package was built (its description and recipes), or undefined when the store does not know. */
  buildOf(p: PackageRef): Promise<PackageBuild | undefined>;
  /** Packages that were not built here (pulled images): stored without a build record. */
  importPackages(outputs: PackageOutput[]): Promise<StoredPackage[]>;
  /** Every package the store has locally, sorted by name then version. */
  list(): Promise<StoredPackage[]>;
  manifest(p: StoredPackage): Promise<PackageManifest>;
  /** The local packages named `name` at `version`. */
  findPackages(name: string, version: string): Promise<StoredPackage[]>;
  /** Connections a remote store keeps open (a long-lived worker closes them on shutdown). */
  close?(): Promise<void>;
  /** Where this store keeps leases (leases.ts), when not in its local directory: a registry store's registry. */
  readonly leases?: LeaseBoard;
}

/**
 * Leases and collectors' marks where every builder and `bale gc` of one store see them (leases.ts
 * says the handshake): a local store's `leases/` directory, a registry store's `<ns>/leases`.
 */
export interface LeaseBoard {
  /** A lease naming build keys (and package stems being stored); resolves to its release. */
  take(keys: readonly string[], stems?: readonly string[]): Promise<() => Promise<void>>;
  /** Whether a collector's mark stands. */
  collecting(): Promise<boolean>;
  /** Whether the store still has the build `key` where gc collects it (not merely in a local cache). */
  has(key: string): Promise<boolean>;
  /** How often a builder looks again while a mark stands (ms). @defaultValue 100 */
  readonly pollMs?: number;
}

/** A package's build description and the recipe texts it names. */
export interface PackageBuild {
  description: BuildDescription;
  recipes: RecipeText[];
}
