/**
 * The registry of what core modules know of each ecosystem: the recipe schema (source kinds,
 * pinned versions), the override tables, the builder's native checks and image bases read it. One
 * line per ecosystem; a missing one is a compile error.
 *
 * Core: it and the parts it lists (importers/<eco>/ecosystem-core.ts) are data and import nothing
 * else of ours. The rest of each descriptor (src/ecosystems/index.ts) loads importers and builders
 * lazily, and those import the recipe schema: were the schema to read the full descriptors, every
 * lazy import() would close an import cycle. So the data core needs lives apart, and each
 * descriptor spreads it.
 */
import type { Ecosystem } from '../purl/purl.js';
import { npmCore } from '../../importers/npm/ecosystem-core.js';
import { pypiCore } from '../../importers/pypi/ecosystem-core.js';
import { gemCore } from '../../importers/rubygems/ecosystem-core.js';
import { debCore } from '../../importers/debian/ecosystem-core.js';

/** One kind of artifact an ecosystem publishes: a recipe `[[source]]` kind. */
export interface SourceKindRule {
  readonly kind: string;
  /** Installed as it comes, never compiled (a wheel, a .deb): its build needs no [native] build packages. */
  readonly prebuilt: boolean;
}

/**
 * How OSV advisories (https://ossf.github.io/osv-schema/) name an ecosystem's packages: the
 * `affected[].package.ecosystem` strings that mean the packages bale builds, and how names compare.
 */
export interface OsvNaming {
  /** The ecosystem strings, exactly (a Debian one carries its release: the one bale's apt resolves against). */
  readonly ecosystems: readonly string[];
  /** `exact`: names compare as written; `pep503`: lowercased, runs of `-_.` as one `-` (PEP 503). */
  readonly names: 'exact' | 'pep503';
}

/** What core modules ask of an ecosystem. Every field is given, `undefined` where it has none. */
export interface EcosystemCore {
  /** The purl type, which is also the shorthand's prefix (`npm:express`) and the recipes tree's folder. */
  readonly id: Ecosystem;
  /** The artifacts it publishes, in the order messages list them. */
  readonly sources: readonly SourceKindRule[];
  /** Its override table's file name under overrides/ (or --overrides); undefined: it has none. */
  readonly overrides: string | undefined;
  /** What a pinned version must match; undefined: the common rule (letters, digits and `.+_!-`, see recipe/schema.ts). */
  readonly exactVersion: RegExp | undefined;
  /** Pinned versions must also be valid semver versions (loosely: the registry serves some pre-2012 ones). */
  readonly semver: boolean;
  /** The interpreter kind that runs its packages built for every interpreter (manifests naming none); undefined: none does. */
  readonly pureRuntime: string | undefined;
  /** How OSV advisories name it (bale audit, compose --osv). */
  readonly osv: OsvNaming;
}

const CORES = {
  npm: npmCore,
  pypi: pypiCore,
  gem: gemCore,
  deb: debCore,
} as const satisfies Record<Ecosystem, EcosystemCore>;

/** Every recipe `[[source]]` kind, from every ecosystem. */
export type SourceKind = (typeof CORES)[Ecosystem]['sources'][number]['kind'];

/** Every source kind, in registry order (which zod's messages list). */
export const SOURCE_KINDS: readonly SourceKind[] = Object.values(CORES).flatMap((c) => c.sources.map((s) => s.kind));

/** The source kinds installed as they come, never compiled. */
export const PREBUILT_KINDS: ReadonlySet<SourceKind> = new Set(
  Object.values(CORES).flatMap((c) => c.sources.filter((s) => s.prebuilt).map((s) => s.kind)),
);

export function ecosystemCore(id: Ecosystem): EcosystemCore {
  return CORES[id];
}

/** The core of a purl type given as text (a manifest's purl), or undefined when bale has no such ecosystem (`generic`). */
export function coreOfType(type: string): EcosystemCore | undefined {
  return Object.hasOwn(CORES, type) ? CORES[type as Ecosystem] : undefined;
}
