/**
 * `bale gc`: remove the recipes no root reaches and the store packages no root, image, recent
 * build or running build needs (src/gc/). Refuses to run with nothing to keep unless told so.
 */
import { UsageError } from '../errors/index.js';
import type { Env } from './env.js';
import { printJson, say } from './output.js';
import { readBoundedText, READ_BOUNDS } from '../util/read-file.js';
import { parseSpecLines } from './spec-file.js';

export interface GcFlags {
  keepRoots?: string;
  keepImages?: string;
  /** Milliseconds. */
  grace?: number;
  dryRun?: boolean;
  keepNothing?: boolean;
}

/** The default grace period: builds of the last day stay, whatever the roots say. */
export const DEFAULT_GRACE_MS = 24 * 3600_000;

const units = (n: number): string =>
  n < 1024
    ? `${n} B`
    : n < 1024 ** 2
      ? `${(n / 1024).toFixed(1)} KiB`
      : n < 1024 ** 3
        ? `${(n / 1024 ** 2).toFixed(1)} MiB`
        : `${(n / 1024 ** 3).toFixed(2)} GiB`;

export async function cmdGc(o: GcFlags, env: Env): Promise<void> {
  if (o.keepRoots === undefined && o.keepImages === undefined && o.keepNothing !== true) {
    throw new UsageError(
      'bale gc: say what to keep: --keep-roots FILE and/or --keep-images DIR|oci://HOST/NS (or --keep-nothing to remove everything older than the grace period)',
    );
  }
  if (o.keepNothing === true && (o.keepRoots !== undefined || o.keepImages !== undefined)) {
    throw new UsageError('bale gc: --keep-nothing keeps no roots or images: drop it, or drop --keep-roots and --keep-images');
  }
  const location = env.opts.store;
  // Everything read and checked before the first file is removed: a bad root or image removes nothing.
  let tree: { dir: string; roots: import('../gc/roots.js').RootClosure } | undefined;
  const { imageStemsFromDir, imageStemsFromRegistry, rootClosure } = await import('../gc/roots.js');
  if (o.keepRoots !== undefined) {
    const specs = parseSpecLines(
      await readBoundedText(o.keepRoots, {
        maxBytes: READ_BOUNDS.specList,
        what: 'a spec list',
        usage: true,
        label: `--keep-roots ${o.keepRoots}`,
      }),
    );
    if (specs.length === 0) throw new UsageError(`--keep-roots ${o.keepRoots}: lists no specs: give one spec per line (or --keep-nothing)`);
    const { resolveBuildRoots } = await import('./specs.js');
    const dir = env.opts.recipes;
    tree = { dir, roots: await rootClosure(specs, dir, `--keep-roots ${o.keepRoots}`, resolveBuildRoots) };
  }
  const imageStems =
    o.keepImages === undefined
      ? new Set<string>()
      : o.keepImages.startsWith('oci://')
        ? await imageStemsFromRegistry(o.keepImages, env.paths.cache, (line) => env.progress.log(`warning: ${line}`))
        : await imageStemsFromDir(o.keepImages);
  const { collect } = await import('../gc/collect.js');
  const r = await collect({
    storeRoot: location,
    ...(tree !== undefined ? { tree } : {}),
    imageStems,
    graceMs: o.grace ?? DEFAULT_GRACE_MS,
    dryRun: o.dryRun === true,
    warn: (line) => env.progress.log(`warning: ${line}`),
  });
  if (env.opts.json) {
    printJson(r);
    return;
  }
  if (r.dryRun) for (const f of r.files) say(f);
  const verb = r.dryRun ? 'would remove' : 'removed';
  say(
    `bale gc: ${verb} ${r.packages.length} package(s), ${r.records.length} build record(s), ${r.storeRecipes.length} stored recipe(s)` +
      `${tree !== undefined ? `, ${r.treeRecipes.length} recipe(s) from the tree` : ''}: ${r.files.length} file(s), ${units(r.bytes)}; ` +
      `kept ${r.kept.packages} package(s), ${r.kept.records} build record(s)`,
  );
}
