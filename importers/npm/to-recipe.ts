import semver from 'semver';
import ssri from 'ssri';
import { formatPurl } from '../../src/purl/purl.js';
import { overrideBuild, overrideNative } from '../../src/overrides/recipe-fields.js';
import type { OverrideRow, OverrideTable } from '../../src/overrides/table.js';
import type { Recipe } from '../../src/recipe/index.js';
import type { ResolvedNode } from './closure.js';
import { metadataReasons, type BuildFacts } from './build-facts.js';

/** npm pack's fixed mtime (1985-10-26T08:15:00Z): the documented epoch when the registry sends no release time. */
export const NPM_FALLBACK_EPOCH = 499162500;
const MIN_EPOCH = 315532800;

export function sourceDateEpoch(time: string | undefined): number {
  const ms = time === undefined ? NaN : Date.parse(time);
  if (Number.isNaN(ms)) return NPM_FALLBACK_EPOCH;
  return Math.max(MIN_EPOCH, Math.floor(ms / 1000));
}

/** The strongest hash of an SRI string, as one SRI entry; sha1-only metadata returns undefined. */
export function strongestIntegrity(integrity: string | undefined): string | undefined {
  if (integrity === undefined) return undefined;
  // null for a string with no SRI entry at all (an empty or garbled field from a registry).
  const parsed = ssri.parse(integrity);
  for (const algo of ['sha512', 'sha384', 'sha256']) {
    const h = (parsed as unknown as Record<string, { toString(): string }[] | undefined> | null)?.[algo]?.[0];
    if (h !== undefined) return h.toString();
  }
  return undefined;
}

/** The first override row whose range admits the version. */
export function matchOverride(table: OverrideTable, name: string, version: string): OverrideRow | undefined {
  return table.match(name, version, (v, range) => semver.satisfies(v, range, { loose: true, includePrerelease: true }));
}

/** Why a package must run something at build time, from what the metadata tells without its tarball. */
export const buildReasons = metadataReasons;

/**
 * Whether the package is built per Node, and why: the tarball's lifecycle when it was read, else
 * the metadata's word. A prebuilt binary that serves every Node (a platform package in the closure,
 * or a Node-API prebuild the loader script would pick) means no build: its scripts would only find it.
 */
export function buildDecision(
  node: ResolvedNode,
  facts: BuildFacts,
  override: OverrideRow | undefined,
): { native: boolean; reasons: string[] } {
  const t = facts.tarball;
  const reasons =
    t === undefined ? metadataReasons(node) : [...(t.bindingGyp ? ['binding.gyp'] : []), ...(t.scripted ? ['install-script'] : [])];
  let native = t === undefined ? reasons.length > 0 : t.scripts.length > 0;
  const prebuilt = facts.prebuilt ?? (t?.prebuild === undefined ? [] : [t.prebuild]);
  if (prebuilt.length > 0) {
    reasons.push(...prebuilt.map((p) => `prebuilt:${p}`));
    native = false;
  }
  // Kept when an override ignores the scripts, so the recipe still tells why it could need a build.
  return { native: native && override?.ignore_scripts !== true, reasons };
}

export function toRecipe(node: ResolvedNode, integrity: string, override: OverrideRow | undefined, facts: BuildFacts = {}): Recipe {
  const { native, reasons } = buildDecision(node, facts, override);
  const recipe: Recipe = {
    format: 1,
    purl: formatPurl({ type: 'npm', name: node.name, version: node.version }),
    source_date_epoch: sourceDateEpoch(node.time),
    source: [{ url: node.manifest.dist.tarball, integrity, kind: 'npm-tarball' }],
    dependency: node.edges.map((e) => ({
      name: e.as,
      purl: formatPurl({ type: 'npm', name: e.name, version: e.version }),
      kind: e.kind,
    })),
    build: {
      native,
      reasons,
      requires: override?.requires ?? [],
      interpreters: [],
      // Old manifests put arrays or objects in engines; only a string range means anything.
      ...(typeof node.manifest.engines?.node === 'string' && node.manifest.engines.node.trim() !== ''
        ? { engines: node.manifest.engines.node.trim() }
        : {}),
      ...overrideBuild(override),
    },
    ...overrideNative(override),
  } as Recipe;
  return recipe;
}
