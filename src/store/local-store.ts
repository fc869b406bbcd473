/**
 * The local package store: a directory of packages (archive, checksum, manifest) plus build
 * records mapping a build key to what that build produced. Every write is atomic and the record
 * is written last, so a crash at any point leaves either a complete cache entry or a miss.
 */
import { createHash } from 'node:crypto';
import { statSync } from 'node:fs';
import { mkdir, readdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { IntegrityError, UserError } from '../errors/index.js';
import { manifestJson, parseManifest, type PackageManifest } from '../packer/manifest.js';
import { isTempName, writeFileAtomic } from '../util/atomic-write.js';
import { settleAll } from '../util/settle.js';
import { readBoundedSync, readBoundedText, READ_BOUNDS, type ReadBoundedOptions } from '../util/read-file.js';
import {
  checkRecipeText,
  descriptionJson,
  parseDescription,
  type BuildDescription,
  type BuildFacts,
  type RecipeText,
} from './description.js';
import { comparePackages } from './order.js';
import { BUILDS_DIR, PACKAGES_DIR, RECIPES_DIR, buildRecordFile, checkBuildKey, packageFiles, packageStem, recipeFile } from './paths.js';
import { parseRecord, recordJson, type RecordPackage } from './record.js';
import type { PackageBuild, PackageOutput, PackageRef, Store, StoredPackage } from './store.js';

const MANIFEST_SUFFIX = '.manifest.json';
const CHECKSUM_LINE = /^([0-9a-f]{64}) {2}(\S+)\n$/;

/** Store files are read only when regular and not absurdly large: a fifo or device planted in the store is refused, not read forever. */
function storeRead(maxBytes: number, what: string): ReadBoundedOptions {
  return { maxBytes, what, code: 'ESTORECORRUPT', hint: 'remove it and build the package again' };
}
const RECORD_READ = storeRead(READ_BOUNDS.record, 'a build record');
const CHECKSUM_READ = storeRead(READ_BOUNDS.record, 'a checksum file');
const MANIFEST_READ = storeRead(READ_BOUNDS.manifest, 'a package manifest');
const DESCRIPTION_READ = storeRead(READ_BOUNDS.manifest, 'a build description');
const RECIPE_READ = storeRead(READ_BOUNDS.manifest, 'a recipe');

function isMissing(err: unknown): boolean {
  return (err as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
}

/**
 * Size of a regular file, or undefined when there is none. Async for its callers, but the stat
 * inside is synchronous, like the manifest reads: a stat is microseconds, a thread-pool round
 * trip is not.
 */
async function fileSize(path: string): Promise<number | undefined> {
  try {
    const st = statSync(path);
    return st.isFile() ? st.size : undefined;
  } catch (err) {
    if (isMissing(err)) return undefined;
    throw err;
  }
}

function stemMatches(stem: string, name: string, version: string, sha256: string): boolean {
  try {
    return packageStem(name, version, sha256) === stem;
  } catch {
    return false; // an unsafe name in a manifest: it was not written by put()
  }
}

export interface StoreOptions {
  /**
   * Called with each package file once it is in place, before the build record makes it a hit
   * (bale signs it here when a signing key is configured: `<file>.minisig` beside it).
   */
  onPackage?: (file: string) => Promise<void>;
  /**
   * Called with a build's packages once they and what it was built from are in place, before its
   * record (bale attests them here when a signing key is configured: `<file>.intoto.jsonl`).
   */
  onBuild?: (packages: StoredPackage[], facts: BuildFacts) => Promise<void>;
}

export class LocalStore implements Store {
  readonly root: string;
  /** Package file stems by `<name>-<version>-`, read once per instance by findPackages. */
  private stems: Promise<Map<string, string[]>> | undefined;
  private readonly manifests = new Map<string, { size: number; mtimeMs: number; manifest: PackageManifest }>();

  constructor(
    root: string,
    private readonly opts: StoreOptions = {},
  ) {
    this.root = resolve(root);
  }

  get location(): string {
    return this.root;
  }

  private abs(relative: string): string {
    return join(this.root, relative);
  }

  private stored(p: RecordPackage): StoredPackage {
    return { name: p.name, version: p.version, sha256: p.sha256, size: p.size, file: this.abs(p.file), manifestFile: this.abs(p.manifest) };
  }

  /** Cache hit: the build record exists and every package file it names exists (size matches). */
  async lookup(buildKey: string): Promise<StoredPackage[] | undefined> {
    const text = await readBoundedText(this.abs(buildRecordFile(buildKey)), { ...RECORD_READ, optional: true });
    if (text === undefined) return undefined;
    // An unreadable record is a miss: the next put() replaces it atomically.
    const record = parseRecord(text, buildKey);
    if (record === undefined) return undefined;
    for (const p of record.packages) {
      if ((await fileSize(this.abs(p.file))) !== p.size) return undefined;
      if ((await fileSize(this.abs(p.manifest))) === undefined) return undefined;
    }
    return record.packages.map((p) => this.stored(p));
  }

  /**
   * Atomic: package files and manifests first (temp + rename), the build record last. Re-putting
   * the same content is harmless; two processes putting the same key concurrently never corrupt
   * anything (each writes its own temp files; the last rename wins, and both are complete).
   */
  async put(buildKey: string, outputs: PackageOutput[], facts?: BuildFacts): Promise<StoredPackage[]> {
    checkBuildKey(buildKey);
    const packages = await this.writePackages(outputs);
    if (facts !== undefined)
      await this.keepBuild(
        packages.map((p) => this.stored(p)),
        facts,
      );
    await this.writeRecord(buildKey, packages);
    return packages.map((p) => this.stored(p));
  }

  /** What a build of `packages` was made from, beside each (then the onBuild hook: attesting). */
  async keepBuild(packages: StoredPackage[], facts: BuildFacts): Promise<void> {
    await this.keepDescription(packages, facts.description, facts.recipes);
    await this.opts.onBuild?.(packages, facts);
  }

  /** A description and its recipes beside packages built elsewhere (pulled): no hook runs. */
  async keepDescription(packages: StoredPackage[], description: BuildDescription, recipes: RecipeText[]): Promise<void> {
    await mkdir(this.abs(RECIPES_DIR), { recursive: true });
    await settleAll(
      recipes.map(async (r) => {
        const file = this.abs(recipeFile(r.digest));
        if ((await fileSize(file)) === undefined) await writeFileAtomic(file, r.text);
      }),
    );
    // After the recipes it names: a reader never finds a description without them.
    const text = descriptionJson(description);
    await settleAll(
      packages.map((p) => writeFileAtomic(this.abs(packageFiles(packageStem(p.name, p.version, p.sha256)).description), text)),
    );
  }

  /**
   * How `p` was built: its description and every recipe it names, each checked against its
   * digest; undefined when the store has no description of it (built before bale kept them, or
   * imported). A description whose recipes are gone or altered is a UserError naming them.
   */
  async buildOf(p: PackageRef): Promise<PackageBuild | undefined> {
    const file = this.abs(packageFiles(packageStem(p.name, p.version, p.sha256)).description);
    const text = await readBoundedText(file, { ...DESCRIPTION_READ, optional: true });
    if (text === undefined) return undefined;
    const description = parseDescription(text, file);
    const recipes: RecipeText[] = [];
    for (const digest of description.recipes) {
      const at = this.abs(recipeFile(digest));
      const recipe = await readBoundedText(at, { ...RECIPE_READ, optional: true });
      if (recipe === undefined) {
        throw new UserError(
          'EDESCRIPTION',
          `${file}: names recipe ${digest}, which ${this.root} does not hold: build the package again to keep it`,
        );
      }
      recipes.push(checkRecipeText(digest, recipe, at));
    }
    return { description, recipes };
  }

  /**
   * The build record alone, for packages already stored (pulled from a registry store): after
   * this, lookup(buildKey) is a hit. The paths are the canonical ones, whatever `packages` says.
   */
  async recordBuild(buildKey: string, packages: Pick<StoredPackage, 'name' | 'version' | 'sha256' | 'size'>[]): Promise<StoredPackage[]> {
    checkBuildKey(buildKey);
    const records = packages.map((p) => {
      const files = packageFiles(packageStem(p.name, p.version, p.sha256));
      return { name: p.name, version: p.version, sha256: p.sha256, size: p.size, file: files.tgz, manifest: files.manifest };
    });
    await this.writeRecord(buildKey, records);
    return records.map((p) => this.stored(p));
  }

  private async writeRecord(buildKey: string, packages: RecordPackage[]): Promise<void> {
    await mkdir(this.abs(BUILDS_DIR), { recursive: true });
    await writeFileAtomic(this.abs(buildRecordFile(buildKey)), recordJson({ format: 1, build_key: buildKey, packages }));
  }

  /** Packages that were not built here (pulled from a registry): stored without a build record. */
  async importPackages(outputs: PackageOutput[]): Promise<StoredPackage[]> {
    const stored = (await this.writePackages(outputs)).map((p) => this.stored(p));
    for (const [i, o] of outputs.entries())
      if (o.build !== undefined) await this.keepDescription([stored[i]!], o.build.description, o.build.recipes);
    return stored;
  }

  private async writePackages(outputs: PackageOutput[]): Promise<RecordPackage[]> {
    // Validate everything before the first write, so a bad output leaves the store untouched.
    const planned = outputs.map((o) => this.plan(o));
    await mkdir(this.abs(PACKAGES_DIR), { recursive: true });

    // Packages side by side: every write waits on the disk and the thread pool more than on this
    // thread (a build's two packages: ~10 ms less). Each package's files in order, as before.
    const unique = new Map(planned.map((p) => [p.record.file, p]));
    await settleAll(
      [...unique.values()].map(async ({ output, record, checksum }) => {
        await writeFileAtomic(this.abs(record.file), output.tgz);
        await writeFileAtomic(this.abs(checksum), `${output.sha256}  ${record.file.slice(PACKAGES_DIR.length + 1)}\n`);
        // The manifest last: list() finds packages by their manifests, so it never sees half of one.
        await writeFileAtomic(this.abs(record.manifest), manifestJson(output.manifest));
        await this.opts.onPackage?.(this.abs(record.file));
      }),
    );
    return planned.map((p) => p.record);
  }

  private plan(output: PackageOutput): { output: PackageOutput; record: RecordPackage; checksum: string } {
    const { name, version } = output.manifest;
    const files = packageFiles(packageStem(name, version, output.sha256));
    const actual = createHash('sha256').update(output.tgz).digest('hex');
    if (actual !== output.sha256) {
      throw new IntegrityError(`package ${name} ${version}: archive sha256 is ${actual}, not the ${output.sha256} given: rebuild it`);
    }
    const record = { name, version, sha256: output.sha256, size: output.tgz.length, file: files.tgz, manifest: files.manifest };
    return { output, record, checksum: files.checksum };
  }

  /** Every package in the store (from the manifests), sorted by name then version. */
  async list(): Promise<StoredPackage[]> {
    let names: string[];
    try {
      names = await readdir(this.abs(PACKAGES_DIR));
    } catch (err) {
      if (isMissing(err)) return [];
      throw err;
    }
    const found: StoredPackage[] = [];
    for (const name of names) {
      if (!name.endsWith(MANIFEST_SUFFIX) || name.startsWith('.') || isTempName(name)) continue;
      const p = await this.readPackage(name.slice(0, -MANIFEST_SUFFIX.length));
      if (p !== undefined) found.push(p);
    }
    return found.sort(comparePackages);
  }

  /** One package by its stem; undefined when its archive or checksum is gone. */
  private async readPackage(stem: string): Promise<StoredPackage | undefined> {
    const files = packageFiles(stem);
    const manifestFile = this.abs(files.manifest);
    const checksum = readBoundedSync(this.abs(files.checksum), { ...CHECKSUM_READ, optional: true });
    if (checksum === undefined) return undefined;
    const size = await fileSize(this.abs(files.tgz));
    if (size === undefined) return undefined;

    const m = this.readManifest(manifestFile);
    const sha256 = CHECKSUM_LINE.exec(checksum.bytes.toString('utf8'))?.[1];
    if (sha256 === undefined || !stemMatches(stem, m.name, m.version, sha256)) {
      throw new UserError(
        'ESTORECORRUPT',
        `${manifestFile}: name, version or checksum do not match the file name: remove the package's files and build it again`,
      );
    }
    return { name: m.name, version: m.version, sha256, size, file: this.abs(files.tgz), manifestFile };
  }

  /**
   * Read a package's manifest. Read synchronously: a manifest is tens of kilobytes, and composing
   * an image reads thousands of them, where each async read's thread-pool round trip costs ~8x
   * the read itself.
   */
  async manifest(p: StoredPackage): Promise<PackageManifest> {
    return this.readManifest(p.manifestFile);
  }

  /**
   * Parsed once per instance while the file stays the same (size and mtime): an edit is read
   * again, and checked. The cache is keyed on the fstat of what was read, so it never pairs one
   * version's stat with another's content.
   */
  private readManifest(file: string): PackageManifest {
    const seen = this.manifests.get(file);
    if (seen !== undefined) {
      const st = statSync(file);
      if (seen.size === st.size && seen.mtimeMs === st.mtimeMs) return seen.manifest;
    }
    const { bytes, stat } = readBoundedSync(file, MANIFEST_READ);
    const manifest = parseManifest(bytes.toString('utf8'), file);
    this.manifests.set(file, { size: stat.size, mtimeMs: stat.mtimeMs, manifest });
    return manifest;
  }

  /**
   * The stored packages named `name` at `version` (usually one; several builds of one version
   * differ in sha256), found by file name alone: no manifest is read.
   */
  async findPackages(name: string, version: string): Promise<StoredPackage[]> {
    const prefix = `${name}-${version}-`;
    // A miss may be a package stored since the directory was read: read it again, once per miss.
    if (this.stems !== undefined && !(await this.stems).has(prefix)) this.stems = undefined;
    this.stems ??= (async () => {
      let names: string[];
      try {
        names = await readdir(this.abs(PACKAGES_DIR));
      } catch (err) {
        if (isMissing(err)) return new Map<string, string[]>();
        throw err;
      }
      const byPrefix = new Map<string, string[]>();
      for (const n of names) {
        if (!n.endsWith(MANIFEST_SUFFIX) || n.startsWith('.')) continue;
        const stem = n.slice(0, -MANIFEST_SUFFIX.length);
        const key = stem.slice(0, -12); // `<name>-<version>-`
        byPrefix.set(key, [...(byPrefix.get(key) ?? []), stem]);
      }
      return byPrefix;
    })();
    const found: StoredPackage[] = [];
    for (const stem of (await this.stems).get(prefix) ?? []) {
      const p = await this.readPackage(stem);
      if (p !== undefined && p.name === name && p.version === version) found.push(p);
    }
    return found;
  }
}
