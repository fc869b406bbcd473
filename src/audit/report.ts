/**
 * An audit as people read it (a table, then per image the upgrades that fix it) and as programs
 * read it (`--json`, whose shape README "Auditing images" documents; fields are only ever added).
 */
import type { ImageAudit } from './audit.js';
import type { IndexStats } from './advisory-index.js';
import type { ReadResult } from './read.js';

export interface AuditSummary {
  images: ImageAudit[];
  read: Pick<ReadResult, 'files' | 'withdrawn' | 'malformed'> & { records: number };
  index: IndexStats;
}

/** The `--json` document. */
export function auditJson(s: AuditSummary): unknown {
  return {
    advisories: {
      files: s.read.files,
      records: s.read.records,
      withdrawn: s.read.withdrawn,
      malformed: s.read.malformed + s.index.malformed,
      indexed: s.index.indexed,
      git_ranges_skipped: s.index.gitRanges,
    },
    affected_images: s.images.filter((i) => i.affected.length > 0).map((i) => i.image),
    images: s.images.map((i) => ({
      image: i.image,
      ...(i.source !== undefined ? { file: i.source } : {}),
      packages: i.packages,
      findings: i.affected.flatMap((a) =>
        a.advisories.map((f) => ({
          package: a.packages[0]!,
          packages: a.packages,
          purl: a.purl,
          version: a.version,
          matched_as: a.matchedAs === undefined ? null : `${a.matchedAs.name} ${a.matchedAs.version}`,
          advisory: f.id,
          aliases: f.aliases,
          summary: f.summary ?? null,
          severity: f.severity ?? null,
          fixed: f.fixed ?? null,
          roots: a.roots ?? null,
        })),
      ),
      upgrades: i.affected.map((a) => ({
        package: a.packages[0]!,
        purl: a.purl,
        from: a.version,
        to: a.upgrade ?? null,
        advisories: a.advisories.map((f) => f.id),
      })),
    })),
  };
}

/** Columns padded to their widest cell; the last one is not padded. */
function table(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  return rows.map((r) =>
    r
      .map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c]!)))
      .join('  ')
      .trimEnd(),
  );
}

/** The report's lines: the findings table, the upgrades per image, one summary line. */
export function auditText(s: AuditSummary): string[] {
  const affected = s.images.filter((i) => i.affected.length > 0);
  const advisoryIds = new Set(affected.flatMap((i) => i.affected.flatMap((a) => a.advisories.map((f) => f.id))));
  const skipped = [
    s.read.withdrawn > 0 ? `${s.read.withdrawn} withdrawn` : '',
    s.read.malformed + s.index.malformed > 0 ? `${s.read.malformed + s.index.malformed} malformed, skipped` : '',
  ].filter((x) => x !== '');
  const skippedText = skipped.length > 0 ? ` (${skipped.join(', ')})` : '';
  if (affected.length === 0)
    return [`no image affected: ${s.images.length} image(s) checked against ${s.read.records} advisories${skippedText}`];
  const rows = [['IMAGE', 'PACKAGE', 'INSTALLED', 'ADVISORY', 'SEVERITY', 'FIXED IN', 'ROOTS']];
  for (const i of affected)
    for (const a of i.affected)
      for (const f of a.advisories)
        rows.push([
          i.image,
          a.packages[0]!,
          a.version,
          f.aliases.length > 0 ? `${f.id} (${f.aliases.join(', ')})` : f.id,
          f.severity ?? '-',
          f.fixed ?? 'no fix',
          a.roots === undefined ? '-' : a.roots.join(', '),
        ]);
  const out = table(rows);
  out.push('', 'upgrades that fix them:');
  for (const i of affected) {
    out.push(`  ${i.image}`);
    for (const a of i.affected)
      out.push(
        `    ${a.packages[0]!} ${a.version} -> ${a.upgrade ?? 'no fixed version known'} (${a.advisories.map((f) => f.id).join(', ')})`,
      );
  }
  out.push(
    '',
    `${affected.length} of ${s.images.length} image(s) affected by ${advisoryIds.size} advisor${advisoryIds.size === 1 ? 'y' : 'ies'}, of ${s.read.records} read${skippedText}`,
  );
  return out;
}
