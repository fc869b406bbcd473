/**
 * Debian package metadata as apt prints it (deb822 stanzas) and the relationship fields
 * (`Depends: a (>= 1) | b, c:any`), and which package of a resolved set satisfies each dependency.
 */
import { parseControlStanza } from '../../src/archive/deb-file.js';
import { satisfiesDeb } from './version.js';

export interface Relation {
  name: string;
  /** `>=`, `<<`...; absent for an unversioned relation. */
  op?: string;
  version?: string;
}

/** One comma-separated item: alternatives in order. */
export type Alternatives = Relation[];

export interface PackageStanza {
  name: string;
  version: string;
  architecture: string;
  /** Depends and Pre-Depends: both must be there before the package works. */
  depends: Alternatives[];
  provides: Relation[];
  /** The source package it was built from, and that source's version (`Source: zlib`, `Source: glibc (2.36-9)` for a binNMU). */
  source: { name: string; version: string };
}

const RELATION = /^([a-z0-9][a-z0-9+.-]+)(?::[a-z0-9-]+)?\s*(?:\(\s*(<<|<=|=|>=|>>|<|>)\s*([^)\s]+)\s*\))?$/;

/** `a (>= 1) | b:any, c` -> [[a>=1, b], [c]]; an item it cannot read is an error naming the field. */
export function parseRelations(field: string, where: string): Alternatives[] {
  if (field.trim() === '') return [];
  return field.split(',').map((item) =>
    item.split('|').map((alt) => {
      const m = RELATION.exec(alt.trim());
      if (m === null) throw new Error(`${where}: cannot read the relation ${JSON.stringify(alt.trim())}`);
      return m[2] === undefined ? { name: m[1]! } : { name: m[1]!, op: m[2], version: m[3]! };
    }),
  );
}

/** Every stanza of `apt-cache show` output. */
export function parseStanzas(text: string): PackageStanza[] {
  return text
    .split(/\n\s*\n/)
    .filter((s) => s.trim() !== '')
    .map((s) => {
      const f = parseControlStanza(s);
      const name = f.get('Package') ?? '';
      const version = f.get('Version') ?? '';
      const where = `${name} ${version}`;
      const depends = [...parseRelations(f.get('Pre-Depends') ?? '', where), ...parseRelations(f.get('Depends') ?? '', where)];
      const provides = parseRelations(f.get('Provides') ?? '', where).flat();
      const src = /^(\S+)(?:\s+\((\S+)\))?$/.exec((f.get('Source') ?? '').trim());
      const source = src === null ? { name, version } : { name: src[1]!, version: src[2] ?? version };
      return { name, version, architecture: f.get('Architecture') ?? '', depends, provides, source };
    });
}

/**
 * The member of `set` (name -> stanza, apt's solution) that satisfies one dependency: the first
 * alternative that is in the set at a fitting version, else the first package of the set that
 * provides it (at a fitting version when the relation has one). Undefined when none does.
 */
export function satisfier(alts: Alternatives, set: ReadonlyMap<string, PackageStanza>): PackageStanza | undefined {
  const fits = (version: string | undefined, r: Relation): boolean =>
    r.op === undefined || (version !== undefined && satisfiesDeb(version, r.op, r.version!));
  for (const r of alts) {
    const real = set.get(r.name);
    if (real !== undefined && fits(real.version, r)) return real;
    const providers = [...set.values()]
      .filter((p) => p.provides.some((v) => v.name === r.name && fits(v.version, r)))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    if (providers[0] !== undefined) return providers[0];
  }
  return undefined;
}

/** How a relation reads in messages: `libc6 (>= 2.34) | libc6.1`. */
export function showAlternatives(alts: Alternatives): string {
  return alts.map((r) => (r.op === undefined ? r.name : `${r.name} (${r.op} ${r.version})`)).join(' | ');
}
