/**
 * The refresh plan: for each root, the version the recipes tree pins now (as `bale build <spec>`
 * would pick it), what upstream lists now (each ecosystem's UpstreamVersions, one client per
 * ecosystem, each name asked once), and the decision. Nothing is written here.
 */
import pLimit from 'p-limit';
import type { UpstreamVersions } from '../../importers/upstream.js';
import { ecosystem } from '../ecosystems/index.js';
import { BaleError, UserError } from '../errors/index.js';
import type { Ecosystem, Spec } from '../purl/purl.js';
import { listRecipeVersions } from '../recipe/index.js';
import { decide, type Policy } from './decide.js';
import type { RootRefresh } from './report.js';

export interface RefreshRoot {
  spec: Spec;
  /** The root as given, which messages quote. */
  arg: string;
}

export interface PlanOptions {
  recipes: string;
  cacheDir: string;
  policy: Policy;
  /** The index a root's ecosystem resolves against (its repository_url, else the flag); undefined: the default. */
  registryOf: (spec: Spec) => string | undefined;
  /** A root that fails is set aside in `failed`; else the first failure is thrown. */
  keepGoing: boolean;
  /** Called as each root's listing is decided. */
  onProgress?: (done: number, current: string) => void;
}

export interface RefreshPlan {
  rows: RootRefresh[];
  failed: { arg: string; error: unknown }[];
}

/** The newest recipe the root's range matches, as `bale build` picks it; a root with none was never imported. */
export async function pinnedVersion(recipes: string, root: RefreshRoot): Promise<string> {
  const { spec } = root;
  const versions = await listRecipeVersions(recipes, spec.type, spec.name);
  const pick = await ecosystem(spec.type).picker();
  const pinned =
    spec.range === undefined
      ? (pick(versions, '*') ?? versions.at(-1))
      : versions.includes(spec.range)
        ? spec.range
        : pick(versions, spec.range);
  if (pinned === undefined) {
    const have = versions.length > 0 ? `its recipes (${versions.slice(-5).join(', ')}) are outside its range` : 'it was never imported';
    throw new UserError(
      'ENORECIPE',
      `${root.arg}: nothing pinned in ${recipes} to refresh (${have}): import it first with \`bale import ${root.arg}\``,
    );
  }
  return pinned;
}

export async function planRefresh(roots: readonly RefreshRoot[], o: PlanOptions): Promise<RefreshPlan> {
  const clients = new Map<Ecosystem, Promise<UpstreamVersions>>();
  const client = (eco: Ecosystem): Promise<UpstreamVersions> => {
    let c = clients.get(eco);
    if (c === undefined) clients.set(eco, (c = ecosystem(eco).upstream()));
    return c;
  };
  const limit = pLimit(16);
  const failed: RefreshPlan['failed'] = [];
  const setAside = (arg: string, error: unknown): void => {
    if (!o.keepGoing || !(error instanceof BaleError)) throw error;
    failed.push({ arg, error });
  };
  // Every root's pinned version first, from the tree alone: a root never imported fails before any registry is asked.
  const pinned: (string | undefined)[] = [];
  for (const [i, root] of roots.entries()) {
    try {
      pinned[i] = await pinnedVersion(o.recipes, root);
    } catch (error) {
      setAside(root.arg, error);
    }
  }
  const rows: (RootRefresh | undefined)[] = [];
  let done = 0;
  try {
    await Promise.all(
      roots.map((root, i) =>
        limit(async () => {
          const from = pinned[i];
          if (from === undefined) return;
          try {
            const up = await client(root.spec.type);
            const registry = o.registryOf(root.spec);
            const listing = await up.list(root.spec.name, { cacheDir: o.cacheDir, ...(registry !== undefined ? { registry } : {}) });
            rows[i] = {
              root: root.arg,
              package: `${root.spec.type}:${root.spec.name}`,
              ...decide(from, root.spec.range, listing, o.policy, up),
            };
          } catch (error) {
            setAside(root.arg, error);
          }
          o.onProgress?.(++done, root.arg);
        }),
      ),
    );
  } finally {
    await Promise.all([...clients.values()].map(async (c) => (await c).close()));
  }
  return { rows: rows.filter((r): r is RootRefresh => r !== undefined), failed };
}
