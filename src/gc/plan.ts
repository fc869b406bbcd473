/**
 * What gc keeps, decided without touching anything (pure, so a dry run and a real run decide the
 * same). Kept to begin with: packages built from a root's recipes, packages of images, anything
 * with a file newer than the grace period, what live leases name (and every package newer than the
 * oldest live lease, or named by one: a running build's outputs before its record exists). Then, until nothing
 * changes: a kept package keeps every build record naming it, a kept record keeps all of its
 * packages (one build's packages go together), and a kept package keeps the builds and packages
 * its description says it ran against, and the recipe texts it names.
 */
import type { ScannedPackage, ScannedRecord, StoreFile, StoreScan } from './scan.js';

export interface KeepRules {
  /** Digests of the recipes the roots reach. */
  rootDigests: ReadonlySet<string>;
  /** Stems (`<name>-<version>-<sha12>`) of the images' packages. */
  imageStems: ReadonlySet<string>;
  /** Files modified at or after this time (ms) are recent: kept. */
  cutoff: number;
  /** Live leases: the build keys (and package stems, a registry store's) they name and when each was taken. */
  leases: readonly { keys: readonly string[]; since: number; stems?: readonly string[] }[];
}

export interface GcPlan {
  /** Build records to remove (first: a lookup then misses rather than finding half a build). */
  records: ScannedRecord[];
  /** Packages to remove, every file of each. */
  packages: ScannedPackage[];
  /** Recipe texts no kept package names. */
  recipes: { digest: string; file: StoreFile }[];
  /** What stays, for the summary. */
  kept: { packages: number; records: number; recipes: number };
  /** Recipe digests the kept packages were built from (the recipes tree keeps those too). */
  keptDigests: Set<string>;
}

/** `<name>-<version>-<sha12>`, as paths.ts names a package (without its checks: inputs come from files). */
const stemOf = (i: { name: string; version: string; sha256: string }): string => `${i.name}-${i.version}-${String(i.sha256).slice(0, 12)}`;

export function planGc(scan: StoreScan, rules: KeepRules): GcPlan {
  const oldestLease = Math.min(...rules.leases.map((l) => l.since));
  const packageCutoff = Math.min(rules.cutoff, oldestLease);
  const leased = new Set(rules.leases.flatMap((l) => l.keys));
  const recordsByKey = new Map(scan.records.map((r) => [r.key, r]));
  const recordsByStem = new Map<string, ScannedRecord[]>();
  for (const r of scan.records) for (const s of r.stems) recordsByStem.set(s, [...(recordsByStem.get(s) ?? []), r]);

  const keptStems = new Set<string>();
  const keptRecords = new Set<string>();
  const stems: string[] = [];
  const records: ScannedRecord[] = [];
  const keepStem = (s: string): void => {
    if (keptStems.has(s)) return;
    keptStems.add(s);
    stems.push(s);
  };
  const keepRecord = (r: ScannedRecord | undefined): void => {
    if (r === undefined || keptRecords.has(r.key)) return;
    keptRecords.add(r.key);
    records.push(r);
  };
  const recent = (files: readonly StoreFile[], cutoff: number): boolean => files.some((f) => f.mtimeMs >= cutoff);

  for (const p of scan.packages.values()) {
    const fromRoot = p.recipeDigest !== undefined && rules.rootDigests.has(p.recipeDigest);
    // No manifest yet: a package being written, or half of one a crash left; kept until its grace ends.
    const unfinished = p.recipeDigest === undefined && recent(p.files, rules.cutoff);
    if (fromRoot || unfinished || rules.imageStems.has(p.stem) || recent(p.files, packageCutoff)) keepStem(p.stem);
  }
  for (const s of rules.leases.flatMap((l) => l.stems ?? [])) if (scan.packages.has(s)) keepStem(s);
  for (const r of scan.records) if (leased.has(r.key) || recent([r.file], rules.cutoff)) keepRecord(r);

  while (stems.length > 0 || records.length > 0) {
    for (const r of records.splice(0)) for (const s of r.stems) keepStem(s);
    for (const s of stems.splice(0)) {
      for (const r of recordsByStem.get(s) ?? []) keepRecord(r);
      for (const i of scan.packages.get(s)?.inputs ?? []) {
        keepStem(stemOf(i));
        keepRecord(recordsByKey.get(i.build_key));
      }
    }
  }

  const keptDigests = new Set<string>();
  const namedRecipes = new Set<string>();
  for (const s of keptStems) {
    const p = scan.packages.get(s);
    if (p?.recipeDigest !== undefined) keptDigests.add(p.recipeDigest);
    for (const d of p?.recipes ?? []) namedRecipes.add(d);
  }
  const plan: GcPlan = {
    records: scan.records.filter((r) => !keptRecords.has(r.key)),
    packages: [...scan.packages.values()].filter((p) => !keptStems.has(p.stem)),
    recipes: [...scan.recipes]
      .filter(([d, f]) => !namedRecipes.has(d) && !recent([f], rules.cutoff))
      .map(([digest, file]) => ({ digest, file })),
    kept: { packages: 0, records: 0, recipes: 0 },
    keptDigests,
  };
  plan.kept = {
    packages: scan.packages.size - plan.packages.length,
    records: scan.records.length - plan.records.length,
    recipes: scan.recipes.size - plan.recipes.length,
  };
  return plan;
}
