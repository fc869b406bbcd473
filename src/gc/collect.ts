/**
 * One gc run over a local store and, when roots were given, the recipes tree: mark the store
 * (leases.ts), read the leases, scan, plan, remove. A dry run plans the same way and removes
 * nothing (it does not mark the store either: running builds are not made to wait for it).
 */
import { readdir, rmdir, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import { markCollecting, readLeases } from '../store/leases.js';
import { planGc, type GcPlan } from './plan.js';
import type { RootClosure } from './roots.js';
import { scanStore, type StoreScan } from './scan.js';

export interface GcOptions {
  storeRoot: string;
  /** The recipes tree and the roots' closure in it; absent: the tree is not collected. */
  tree?: { dir: string; roots: RootClosure };
  imageStems: ReadonlySet<string>;
  graceMs: number;
  dryRun: boolean;
  /** A recipe file that cannot be read is kept, and said so. */
  warn: (line: string) => void;
}

export interface GcResult {
  dryRun: boolean;
  /** Every file removed (or, dry, that would be), sorted. */
  files: string[];
  bytes: number;
  packages: string[];
  records: string[];
  storeRecipes: string[];
  treeRecipes: string[];
  kept: GcPlan['kept'] & { treeRecipes: number };
  /** Live leases (running builds) whose inputs were kept. */
  leases: number;
}

/** Tree recipes the roots do not reach and no kept package was built from. */
async function treeGarbage(
  o: NonNullable<GcOptions['tree']>,
  keptDigests: ReadonlySet<string>,
  warn: GcOptions['warn'],
): Promise<{ drop: { path: string; size: number }[]; kept: number }> {
  const { listRecipeFiles } = await import('../recipe/walk.js');
  const { readRecipe, recipeDigest } = await import('../recipe/index.js');
  const all = await listRecipeFiles(o.dir);
  const drop: { path: string; size: number }[] = [];
  for (const file of all) {
    if (o.roots.files.has(file)) continue;
    try {
      if (keptDigests.has(recipeDigest(await readRecipe(file)))) continue;
    } catch {
      warn(`${file}: not a readable recipe, so kept: fix or remove it by hand`);
      continue;
    }
    drop.push({ path: file, size: (await stat(file)).size });
  }
  return { drop, kept: all.length - drop.length };
}

/** Remove a file that may already be gone (another gc, a worker's own cleanup). */
const remove = (file: string): Promise<void> => unlink(file).catch(() => undefined);

/** Directories a removed recipe leaves empty, up to (not including) the tree's ecosystem directories. */
async function pruneEmpty(files: string[], treeDir: string): Promise<void> {
  const top = path.resolve(treeDir);
  const dirs = [...new Set(files.map((f) => path.dirname(f)))].sort((a, b) => b.length - a.length);
  for (let d of dirs) {
    while (path.dirname(d) !== top && d.startsWith(top)) {
      if ((await readdir(d).catch(() => ['?'])).length > 0) break;
      await rmdir(d).catch(() => undefined);
      d = path.dirname(d);
    }
  }
}

export async function collect(o: GcOptions): Promise<GcResult> {
  if (o.storeRoot.startsWith('oci://')) return collectRegistry(o);
  const unmark = o.dryRun ? async () => undefined : await markCollecting(o.storeRoot);
  try {
    const leases = await readLeases(o.storeRoot);
    const scan = await scanStore(o.storeRoot);
    const { plan, tree, result } = await decide(o, scan, leases.live);
    if (!o.dryRun) {
      for (const f of ordered(plan, tree)) await remove(f.path);
      if (o.tree !== undefined)
        await pruneEmpty(
          tree.drop.map((f) => f.path),
          o.tree.dir,
        );
      for (const l of leases.dead) await remove(l.file);
    }
    return result;
  } finally {
    await unmark();
  }
}

type TreeDrop = Awaited<ReturnType<typeof treeGarbage>>;

/**
 * Order: records first (a lookup misses instead of finding half a build), then each package's
 * manifest first (list() finds packages by their manifests), then the rest of its files.
 */
function ordered(plan: GcPlan, tree: TreeDrop): { path: string; size: number }[] {
  const packageFiles = plan.packages.flatMap((p) =>
    [...p.files].sort((a, b) => Number(!a.path.endsWith('.manifest.json')) - Number(!b.path.endsWith('.manifest.json'))),
  );
  return [...plan.records.map((r) => r.file), ...packageFiles, ...plan.recipes.map((r) => r.file), ...tree.drop];
}

/** The plan (the same for a dry and a real run), the tree's garbage, and the result to print. */
async function decide(
  o: GcOptions,
  scan: StoreScan,
  leases: readonly { keys: readonly string[]; since: number }[],
): Promise<{ plan: GcPlan; tree: TreeDrop; result: GcResult }> {
  const plan = planGc(scan, {
    rootDigests: o.tree?.roots.digests ?? new Set(),
    imageStems: o.imageStems,
    cutoff: Date.now() - o.graceMs,
    leases,
  });
  const tree = o.tree === undefined ? { drop: [], kept: 0 } : await treeGarbage(o.tree, plan.keptDigests, o.warn);
  const all = ordered(plan, tree);
  const result: GcResult = {
    dryRun: o.dryRun,
    files: all.map((f) => f.path).sort(),
    bytes: all.reduce((n, f) => n + f.size, 0),
    packages: plan.packages.map((p) => p.stem).sort(),
    records: plan.records.map((r) => r.key).sort(),
    storeRecipes: plan.recipes.map((r) => r.digest).sort(),
    treeRecipes: tree.drop.map((f) => f.path).sort(),
    kept: { ...plan.kept, treeRecipes: tree.kept },
    leases: leases.length,
  };
  return { plan, tree, result };
}

/**
 * A registry store: the mark and the leases are in the registry (store/registry-leases.ts), read
 * before the scan as for a local store; records carry the time they were pushed. Records go first,
 * then each package with what is attached to it; then leases a dead builder left.
 */
async function collectRegistry(o: GcOptions): Promise<GcResult> {
  const { deleteArtifact, scanRegistry } = await import('./registry.js');
  const { markRegistryCollecting, readRegistryLeases, standingLease } = await import('../store/registry-leases.js');
  const { parseRegistryUrl, RegistryClient } = await import('../registry/index.js');
  const { leasesRepo } = await import('../oci/index.js');
  const { registry, namespace } = parseRegistryUrl(o.storeRoot);
  const client = new RegistryClient(registry);
  try {
    const unmark = o.dryRun ? async () => undefined : await markRegistryCollecting(client, namespace);
    try {
      const now = Date.now();
      const all = (await readRegistryLeases(client, namespace)).filter((l) => !l.mark || !standingLease(l, now));
      const live = all.filter((l) => !l.mark && standingLease(l, now));
      const scan = await scanRegistry(o.storeRoot, client);
      const { plan, tree, result } = await decide(o, scan, live);
      if (!o.dryRun) {
        for (const r of plan.records) {
          const t = scan.target(r.file);
          await client.deleteManifest(t.repo, t.digest);
        }
        for (const p of plan.packages) {
          for (const f of p.files) {
            const t = scan.target(f);
            await deleteArtifact(client, t.repo, t.digest);
          }
        }
        for (const f of tree.drop) await remove(f.path);
        if (o.tree !== undefined)
          await pruneEmpty(
            tree.drop.map((f) => f.path),
            o.tree.dir,
          );
        // Leases of builders that died, and marks of collectors that did.
        for (const l of all.filter((x) => !standingLease(x, now))) await client.deleteManifest(leasesRepo(namespace), l.digest);
      }
      return result;
    } finally {
      await unmark();
    }
  } finally {
    await client.close();
  }
}
