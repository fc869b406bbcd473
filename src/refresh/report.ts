/**
 * The refresh report: what moved, grouped as Renovate groups updates (major, minor, patch), what
 * stayed, and what upstream withdrew or deprecated. Pure: lines and a JSON document.
 */
import type { UpdateKind } from '../../importers/upstream.js';
import type { Decision, Policy } from './decide.js';

/** One root's outcome: the root as given, its package (`npm:x`), and the decision. */
export interface RootRefresh extends Decision {
  root: string;
  package: string;
  /** Its re-import failed (--keep-going): it did not move; the failure is reported with the others. */
  failed?: true;
}

const KINDS: readonly UpdateKind[] = ['major', 'minor', 'patch'];

function quoted(detail: string): string {
  return detail === '' ? '' : ` (${JSON.stringify(detail.length > 80 ? `${detail.slice(0, 77)}...` : detail)})`;
}

/** The table: a group per kind of update (`root  old -> new`), then what was held back, withdrawn or skipped, then a summary line. */
export function reportLines(policy: Policy, rows: readonly RootRefresh[]): string[] {
  const lines: string[] = [];
  const moved = rows.filter((r) => r.to !== undefined);
  const width = Math.max(0, ...moved.map((r) => r.root.length));
  for (const kind of KINDS) {
    const these = moved.filter((r) => r.update === kind);
    if (these.length === 0) continue;
    lines.push(`${kind} (${these.length})`);
    for (const r of these) lines.push(`  ${r.root.padEnd(width)}  ${r.from} -> ${r.to}`);
  }
  const held = rows.filter((r) => r.heldBack !== undefined);
  if (held.length > 0) {
    lines.push(`held back by --policy ${policy} or the root's range (${held.length})`);
    for (const r of held) lines.push(`  ${r.root}  ${r.to ?? r.from}, upstream has ${r.heldBack}`);
  }
  const withdrawn = rows.filter((r) => r.pinnedWithdrawn !== undefined);
  if (withdrawn.length > 0) {
    lines.push(`pinned version withdrawn upstream (${withdrawn.length})`);
    for (const r of withdrawn)
      lines.push(
        `  ${r.package}@${r.from}  ${r.pinnedWithdrawn === 'yanked' ? 'yanked' : 'gone (unpublished or yanked)'}${r.to === undefined ? ', nothing newer allowed' : ''}`,
      );
  }
  const skipped = rows.filter((r) => r.skipped.length > 0);
  if (skipped.length > 0) {
    lines.push(`passed over (${skipped.reduce((n, r) => n + r.skipped.length, 0)})`);
    for (const r of skipped) for (const k of r.skipped) lines.push(`  ${r.package}@${k.version}  ${k.why}${quoted(k.detail)}`);
  }
  const counts = KINDS.map((k) => [k, moved.filter((r) => r.update === k).length] as const).filter(([, n]) => n > 0);
  const by = counts.length > 0 ? ` (${counts.map(([k, n]) => `${k} ${n}`).join(', ')})` : '';
  lines.push(`${moved.length} of ${rows.length} root(s) moved${by}, ${rows.length - moved.length} unchanged (--policy ${policy})`);
  return lines;
}

/** The --json document's refresh part. */
export function reportJson(policy: Policy, rows: readonly RootRefresh[]): Record<string, unknown> {
  const moved = rows.filter((r) => r.to !== undefined);
  return {
    policy,
    moved: Object.fromEntries(
      KINDS.map((k) => [k, moved.filter((r) => r.update === k).map((r) => ({ root: r.root, package: r.package, from: r.from, to: r.to }))]),
    ),
    unchanged: rows.length - moved.length,
    roots: rows,
  };
}
