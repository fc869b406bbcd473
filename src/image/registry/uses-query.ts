/**
 * What `bale who-uses` is asked: a purl with an exact version (`pkg:npm/debug@2.6.9`, matched on
 * the canonical purl), with a range (`pkg:npm/lodash@<4.17.21`), or with none (every version); or
 * a package name, with or without `@version`. Turned into a matcher over layers' annotations and,
 * for purls, the ecosystem's version order (for ranges and for sorting counts).
 */
import { UsageError } from '../../errors/index.js';
import type { VersionOrder } from '../../ecosystems/descriptor.js';
import { formatPurl, parsePurl, parseSpec, type Ecosystem } from '../../purl/purl.js';
import { checkRange, inRange, isRange, looksLikeForeignRange, parseRange, RANGE_FORMS } from './version-range.js';

export interface LayerLabels {
  purl?: string;
  name?: string;
  version?: string;
}

export interface UsesQuery {
  match: (layer: LayerLabels) => boolean;
  /** The purl's ecosystem; undefined for a package name. */
  type?: Ecosystem;
  /** Its version order, when the query is a purl. */
  order?: VersionOrder;
}

/** A layer's purl, parsed; undefined for one bale does not build from (a --base bridge's pkg:generic/...). */
function parsedPurl(purl: string): { type: Ecosystem; name: string; version: string } | undefined {
  try {
    return parsePurl(purl);
  } catch {
    return undefined;
  }
}

/** The query `what`; a malformed range is a UsageError naming `what` and the accepted forms. */
export async function usesQuery(what: string): Promise<UsesQuery> {
  if (!what.startsWith('pkg:')) {
    const at = what.lastIndexOf('@');
    const [name, version] = at > 0 ? [what.slice(0, at), what.slice(at + 1)] : [what, undefined];
    return { match: (l) => l.name === name && (version === undefined || l.version === version) };
  }
  const spec = parseSpec(what);
  if (spec.repository !== undefined)
    throw new UsageError(`${what}: images hold packages, not where they came from: drop the repository_url`);
  const { ecosystem } = await import('../../ecosystems/index.js');
  const order = await ecosystem(spec.type).versionOrder();
  const sameName = (l: LayerLabels): { version: string } | undefined => {
    const p = l.purl !== undefined ? parsedPurl(l.purl) : undefined;
    return p !== undefined && p.type === spec.type && p.name === spec.name ? p : undefined;
  };
  const base = { type: spec.type, order };
  if (spec.range === undefined) return { ...base, match: (l) => sameName(l) !== undefined };
  if (isRange(spec.range)) {
    const range = parseRange(spec.range, what);
    checkRange(range, order, what, spec.type);
    return {
      ...base,
      match: (l) => {
        const p = sameName(l);
        return p !== undefined && inRange(p.version, range, order);
      },
    };
  }
  if (looksLikeForeignRange(spec.range)) {
    throw new UsageError(`${what}: "${spec.range}" is not a version range bale reads here: give ${RANGE_FORMS}`);
  }
  // One version: the canonical purl, exactly (as before ranges).
  const want = formatPurl(parsePurl(what));
  return {
    ...base,
    match: (l) => {
      if (l.purl === undefined) return false;
      const p = parsedPurl(l.purl);
      return (p !== undefined ? formatPurl(p) : l.purl) === want;
    },
  };
}

/**
 * The version order for counting what a package name matched: its layers' purls name the
 * ecosystem (one package name is one ecosystem's); undefined when they name none, or several.
 */
export async function orderOfUses(uses: readonly { purl?: string }[]): Promise<VersionOrder | undefined> {
  const types = new Set<Ecosystem>();
  for (const u of uses) {
    const p = u.purl !== undefined ? parsedPurl(u.purl) : undefined;
    if (p !== undefined) types.add(p.type);
  }
  const [type] = types;
  if (types.size !== 1 || type === undefined) return undefined;
  const { ecosystem } = await import('../../ecosystems/index.js');
  return ecosystem(type).versionOrder();
}
