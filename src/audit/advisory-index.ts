/**
 * OSV records indexed by (ecosystem, name), so that matching an image's packages is one map
 * lookup each. Which OSV ecosystem strings mean which of bale's ecosystems, and how names compare,
 * is each ecosystem's own data (its ecosystem-core.ts `osv`); versions compare in the ecosystem's
 * own order (its descriptor's versionOrder) for ECOSYSTEM ranges, and by SemVer for SEMVER ones.
 * GIT ranges need the project's commit graph, which a package does not carry: they are passed over.
 */
import { ecosystemCore } from '../ecosystems/core.js';
import type { VersionOrder } from '../ecosystems/descriptor.js';
import { ECOSYSTEM_DESCRIPTORS } from '../ecosystems/index.js';
import { ECOSYSTEMS, normalizePypiName, type Ecosystem, type Purl } from '../purl/purl.js';
import { OsvProblem, type OsvAffected, type OsvRecord } from './osv-schema.js';
import { evaluateRange, isSpecial, SEMVER_ORDER } from './ranges.js';
import type { SourcedRecord } from './read.js';

/** One advisory that affects one installed package. */
export interface Finding {
  id: string;
  aliases: string[];
  summary: string | undefined;
  /** As the record gives it: `database_specific.severity` (GitHub's LOW..CRITICAL), else the first `TYPE score`. */
  severity: string | undefined;
  /** The lowest fixed version above the installed one, when a range that holds it has one. */
  fixed: string | undefined;
}

interface Entry {
  record: OsvRecord;
  affected: OsvAffected;
}

export interface IndexStats {
  /** Records with at least one package of an ecosystem bale builds. */
  indexed: number;
  /** Records skipped: their events are not versions of the ecosystem they name. */
  malformed: number;
  /** GIT ranges passed over (not applicable to packages). */
  gitRanges: number;
}

const key = (eco: Ecosystem, name: string): string => `${eco}\u0000${name}`;

function normalizeName(eco: Ecosystem, name: string): string {
  return ecosystemCore(eco).osv.names === 'pep503' ? normalizePypiName(name) : name;
}

/** The purl type and name of an OSV `package.purl` (`pkg:npm/%40scope/name`, no version), without the namespace's vendor rules. */
function purlPackage(purl: string): { type: string; name: string } | undefined {
  const m = /^pkg:([a-z]+)\/([^@?#]+)$/.exec(purl);
  if (m === null) return undefined;
  const segments = m[2]!.split('/').map((s) => decodeURIComponent(s));
  return { type: m[1]!, name: segments.join('/') };
}

export class AdvisoryIndex {
  private constructor(
    private readonly entries: Map<string, Entry[]>,
    private readonly orders: ReadonlyMap<Ecosystem, VersionOrder>,
    readonly stats: IndexStats,
  ) {}

  /** The index of `records`; a record whose versions its ecosystem cannot order is named through `warn` and skipped. */
  static async build(records: readonly SourcedRecord[], warn: (line: string) => void): Promise<AdvisoryIndex> {
    const orders = new Map<Ecosystem, VersionOrder>();
    const byOsvName = new Map<string, Ecosystem>();
    for (const eco of ECOSYSTEMS) {
      orders.set(eco, await ECOSYSTEM_DESCRIPTORS[eco].versionOrder());
      for (const s of ecosystemCore(eco).osv.ecosystems) byOsvName.set(s, eco);
    }
    const ecosystemOf = (a: OsvAffected): { eco: Ecosystem; name: string } | undefined => {
      if (a.ecosystem !== undefined && a.name !== undefined) {
        const eco = byOsvName.get(a.ecosystem);
        return eco === undefined ? undefined : { eco, name: a.name };
      }
      const p = purlPackage(a.purl ?? '');
      if (p === undefined || !(ECOSYSTEMS as readonly string[]).includes(p.type)) return undefined;
      return { eco: p.type as Ecosystem, name: p.name };
    };
    const entries = new Map<string, Entry[]>();
    const stats: IndexStats = { indexed: 0, malformed: 0, gitRanges: 0 };
    for (const { record, source } of records) {
      const mine: { k: string; entry: Entry }[] = [];
      try {
        record.affected.forEach((a, i) => {
          const at = ecosystemOf(a);
          if (at === undefined) return;
          checkVersions(a, orders.get(at.eco)!, `affected[${i}]`);
          mine.push({ k: key(at.eco, normalizeName(at.eco, at.name)), entry: { record, affected: a } });
        });
      } catch (err) {
        if (!(err instanceof OsvProblem)) throw err;
        warn(`${source}: ${record.id}: ${err.message}; record skipped`);
        stats.malformed += 1;
        continue;
      }
      if (mine.length > 0) stats.indexed += 1;
      for (const { k, entry } of mine) {
        stats.gitRanges += entry.affected.ranges.filter((r) => r.type === 'GIT').length;
        const list = entries.get(k);
        if (list === undefined) entries.set(k, [entry]);
        else list.push(entry);
      }
    }
    return new AdvisoryIndex(entries, orders, stats);
  }

  /** Two versions in an ecosystem's own order (fixed versions, to pick the upgrade that leaves them all). */
  compare(eco: Ecosystem, a: string, b: string): number {
    const order = this.orders.get(eco)!;
    return order.valid(a) && order.valid(b) ? order.compare(a, b) : a < b ? -1 : a > b ? 1 : 0;
  }

  /** Every advisory affecting the package a purl names (or `as` names it, see advisory-names.ts), by advisory id. */
  match(p: Purl, as?: { name: string; version: string }): Finding[] {
    const name = as?.name ?? p.name;
    const version = as?.version ?? p.version;
    const list = this.entries.get(key(p.type, normalizeName(p.type, name)));
    if (list === undefined) return [];
    const order = this.orders.get(p.type)!;
    const byId = new Map<string, Finding>();
    for (const { record, affected } of list) {
      const verdict = affects(affected, version, order);
      if (verdict === undefined) continue;
      const seen = byId.get(record.id);
      if (seen !== undefined) {
        // The same record naming the package twice (per platform, say): the lower fix is the one to name.
        if (verdict.fixed !== undefined && (seen.fixed === undefined || order.compare(verdict.fixed, seen.fixed) < 0))
          seen.fixed = verdict.fixed;
        continue;
      }
      const sev = record.databaseSeverity ?? [...affected.severity, ...record.severity].map((s) => `${s.type} ${s.score}`)[0];
      byId.set(record.id, { id: record.id, aliases: record.aliases, summary: record.summary, severity: sev, fixed: verdict.fixed });
    }
    return [...byId.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }
}

/** Every event of a SEMVER or ECOSYSTEM range and every listed version must be a version its order knows. */
function checkVersions(a: OsvAffected, order: VersionOrder, field: string): void {
  a.ranges.forEach((r, i) => {
    if (r.type === 'GIT') return;
    const o = r.type === 'SEMVER' ? SEMVER_ORDER : order;
    r.events.forEach((e, j) => {
      if (!isSpecial(e) && !o.valid(e.version))
        throw new OsvProblem(`${field}.ranges[${i}].events[${j}].${e.kind}`, `"${e.version}" is not a valid ${r.type} version`);
    });
  });
}

/** Whether one `affected` entry holds `version`, and the fix it names; undefined: it does not. */
function affects(a: OsvAffected, version: string, order: VersionOrder): { fixed: string | undefined } | undefined {
  const valid = order.valid(version);
  let hit: { fixed: string | undefined } | undefined;
  const consider = (fixed: string | undefined, o: VersionOrder): void => {
    if (hit === undefined) hit = { fixed };
    else if (fixed !== undefined && (hit.fixed === undefined || o.compare(fixed, hit.fixed) < 0)) hit.fixed = fixed;
  };
  // Listed versions are the record's own strings; the same version spelled otherwise (PEP 440's 2.0 and 2.0.0) is equal in the order.
  if (a.versions.some((v) => v === version || (valid && order.valid(v) && order.compare(v, version) === 0))) consider(undefined, order);
  for (const r of a.ranges) {
    if (r.type === 'GIT') continue;
    const o = r.type === 'SEMVER' ? SEMVER_ORDER : order;
    if (!o.valid(version)) continue; // a SEMVER range cannot place a version SemVer does not know
    const v = evaluateRange(r, version, o);
    if (v.affected) consider(v.fixed, o);
  }
  return hit;
}
