/**
 * What `image compose` and `install` start from: specs, requested like `request` does (built into
 * a staging store when missing), and package names already in the store.
 */
import type { Store, StoredPackage } from '../store/index.js';
import { requestBuilt } from './commands.js';
import type { CheckedResolution } from './resolve-specs.js';
import type { Env } from './env.js';
import type { FailedTarget } from './targets.js';

export interface RootPackages {
  /** The packages asked for, each with its -bin package when it has one. */
  roots: StoredPackage[];
  /** The Debian runtime packages the built recipes' override rows name (for --base), sorted. */
  runtimeDebs: string[];
  /** The resolutions whose recipes are written once everything succeeded. */
  resolved: CheckedResolution[];
  /** Targets that failed (only with --keep-going: without it a failure is thrown). */
  failures: FailedTarget[];
}

/** Specs (`npm:express@4.21.2`) are requested into `store`; plain names (`node-express@4.21.2`) come from it. */
export async function rootPackages(args: string[], env: Env, store: Store): Promise<RootPackages> {
  const specs = args.filter((a) => a.includes(':'));
  const names = args.filter((a) => !a.includes(':'));
  const roots: StoredPackage[] = [];
  const runtimeDebs = new Set<string>();
  const resolved: CheckedResolution[] = [];
  const failures: FailedTarget[] = [];
  if (specs.length > 0) {
    // The requested packages (with their -bin: top-level links and executables are for what was
    // asked for); their dependencies come in through the manifests, without -bin, as npm would.
    const built = await requestBuilt(specs, env, store);
    resolved.push(built.res);
    failures.push(...built.failures);
    const { formatPurl } = await import('../purl/purl.js');
    const asked = new Set(built.res.roots.map(formatPurl));
    roots.push(...built.results.filter((r) => asked.has(r.task.node.id)).flatMap((r) => r.packages));
    // Only what each build used: numpy's row names libopenblas0 for its sdist, its wheel bundles OpenBLAS.
    const { nativeFor } = await import('../builder/native-deps.js');
    for (const r of built.results) for (const d of nativeFor(r.task.node, r.task.target).runtime) runtimeDebs.add(d);
  }
  if (names.length > 0) {
    const { storePackagesByName } = await import('../image/compose.js');
    roots.push(...(await storePackagesByName(names, store)));
  }
  return { roots, runtimeDebs: [...runtimeDebs].sort(), resolved, failures };
}
