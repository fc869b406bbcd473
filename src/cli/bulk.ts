/**
 * Many roots at once (`--from-file`, `--keep-going`, `--report`): which roots failed, in which
 * category (src/errors/categories.ts), a summary line per category on stderr, and the JSON report.
 * The roots' own resolution and builds are the commands'; this module only words the outcome.
 */
import { resolve } from 'node:path';
import { Option } from 'commander';
import type { Resolution } from '../../importers/index.js';
import { categoryOf, ROOT_CATEGORIES, type RootCategory } from '../errors/categories.js';
import { oneLine, UsageError, UserError } from '../errors/index.js';
import { formatPurl, type Purl, type Spec } from '../purl/purl.js';
import { checkOutputFile, writeFileAtomic } from '../util/atomic-write.js';
import { outputFile } from './flags.js';
import { tell } from './output.js';
import { specsFrom } from './spec-file.js';
import { targetsFailed, type FailedTarget } from './targets.js';

/** A root that failed: the spec as given, the error's code and line, its category. */
export interface FailedRoot {
  spec: string;
  code: string;
  error: string;
  category: RootCategory;
}

/** The options import, request and build share for many roots. */
export interface BulkFlags {
  /** `--from-file FILE`: more specs, one a line. */
  fromFile?: string;
  /** `--report FILE`: the JSON report of a --keep-going run. */
  report?: string;
}

export const reportOption = (): Option =>
  new Option(
    '--report <file>',
    'with --keep-going: write a JSON report there (each failed root with its spec, error code and line, and category; how many succeeded)',
  ).argParser((v: string) => outputFile('--report', v));

/**
 * The specs to work on (arguments, then --from-file), once --report was checked: it needs
 * --keep-going, and a file bale may write, before anything is resolved.
 */
export async function bulkSpecs(args: string[], o: BulkFlags, keepGoing: boolean, what: string): Promise<string[]> {
  await checkReport(o, keepGoing);
  return specsFrom(args, o.fromFile, what);
}

/** --report needs --keep-going, and a file bale may write: checked before anything is read or resolved. */
export async function checkReport(o: BulkFlags, keepGoing: boolean): Promise<void> {
  if (o.report === undefined) return;
  if (!keepGoing) throw new UsageError(`--report ${o.report}: the report lists the roots --keep-going kept going past: add --keep-going`);
  await checkOutputFile(resolve(o.report), { label: `--report ${o.report}`, usage: true });
}

export function failedRoot(spec: string, code: string, error: string): FailedRoot {
  return { spec, code, error, category: categoryOf(code) };
}

/** A failure of any kind as a FailedRoot (a BaleError's code; anything else is `other`). */
export function failedRootOf(spec: string, err: unknown): FailedRoot {
  const code = (err as { code?: unknown } | null)?.code;
  return failedRoot(spec, typeof code === 'string' ? code : '', oneLine(err));
}

/** The roots one importer set aside, named by the arguments they were parsed from. */
export function rootFailuresOf(group: readonly { spec: Spec; arg: string }[], r: Resolution): FailedRoot[] {
  return (r.rootFailures ?? []).map((f) => failedRoot(group.find((g) => g.spec === f.spec)?.arg ?? f.spec.name, f.code, f.error));
}

/**
 * Which argument each pinned root came from: the importer answers the roots it kept in the order
 * given; one that pinned a root per interpreter (more roots than arguments) is matched by name.
 */
export function argsOfRoots(group: readonly { spec: Spec; arg: string }[], r: Resolution): [string, string][] {
  const failed = new Set((r.rootFailures ?? []).map((f) => f.spec));
  const kept = group.filter((g) => !failed.has(g.spec));
  if (kept.length === r.roots.length) return r.roots.map((p, i) => [formatPurl(p), kept[i]!.arg]);
  return r.roots.map((p) => [formatPurl(p), kept.find((g) => g.spec.name.toLowerCase() === p.name.toLowerCase())?.arg ?? formatPurl(p)]);
}

/** The roots whose builds failed (their own, or one they need), from the run's failed targets. */
export function rootsNotBuilt(roots: readonly Purl[], argOf: ReadonlyMap<string, string>, failures: readonly FailedTarget[]): FailedRoot[] {
  const out: FailedRoot[] = [];
  for (const root of roots) {
    const id = formatPurl(root);
    const f = failures.find((x) => x.package === id);
    if (f !== undefined) out.push(failedRoot(argOf.get(id) ?? id, f.code ?? 'EBUILD', f.error));
  }
  return out;
}

const listed = (specs: string[]): string =>
  specs.length <= 5 ? specs.join(', ') : `${specs.slice(0, 5).join(', ')} and ${specs.length - 5} more`;

/** One line per category that has failures, in the table's order (`other` last). */
export function summaryLines(failed: readonly FailedRoot[]): string[] {
  const lines: string[] = [];
  for (const c of [...ROOT_CATEGORIES, 'other' as const]) {
    const these = failed.filter((f) => f.category === c).map((f) => f.spec);
    if (these.length > 0) lines.push(`bale: ${c}: ${these.length} root(s): ${listed(these)}`);
  }
  return lines;
}

/** The --report document: what ran, how many roots succeeded, each failed root. */
export function reportDocument(command: string, total: number, failed: readonly FailedRoot[]): Record<string, unknown> {
  const categories: Record<string, number> = {};
  for (const f of failed) categories[f.category] = (categories[f.category] ?? 0) + 1;
  return { command, roots: total, succeeded: total - failed.length, failed: failed.length, categories, failures: failed };
}

/**
 * The end of a --keep-going run over the roots `specs`: the report written (when asked for,
 * failures or not), a summary line per category on stderr, and the error the command exits 1
 * with; none when every root succeeded. `targets`: targets that failed besides (an interpreter of
 * a root). Failures are listed in the order the roots were given.
 */
export async function finishRoots(
  command: string,
  specs: readonly string[],
  unordered: readonly FailedRoot[],
  o: BulkFlags,
  targets?: UserError,
): Promise<UserError | undefined> {
  const total = specs.length;
  const index = new Map<string, number>();
  for (const [i, s] of specs.entries()) if (!index.has(s)) index.set(s, i);
  const at = (spec: string): number => index.get(spec) ?? total;
  const failed = [...unordered].sort((a, b) => at(a.spec) - at(b.spec));
  if (o.report !== undefined) {
    const doc = reportDocument(command, total, failed);
    await writeFileAtomic(resolve(o.report), `${JSON.stringify(doc, null, 2)}\n`, { label: `--report ${o.report}`, usage: true });
  }
  if (failed.length === 0) return targets;
  for (const line of summaryLines(failed)) tell(line);
  const counts = summaryCounts(failed);
  const where = o.report !== undefined ? `; each is named in ${o.report}` : '';
  const also = targets !== undefined ? `; besides, ${targets.message}` : '';
  return new UserError(
    'EROOTS',
    `${failed.length} of ${total} root(s) failed (${counts}); kept the other ${total - failed.length} (--keep-going)${where}${also}`,
  );
}

function summaryCounts(failed: readonly FailedRoot[]): string {
  const n = new Map<string, number>();
  for (const f of failed) n.set(f.category, (n.get(f.category) ?? 0) + 1);
  return [...n].map(([c, k]) => `${c} ${k}`).join(', ');
}

/** The roots --keep-going set aside, for --json (absent when none). */
export const failedRootsJson = (failed: FailedRoot[]): { failedRoots?: FailedRoot[] } => (failed.length > 0 ? { failedRoots: failed } : {});

/**
 * How a run ends: with failed roots (--keep-going), the report, a summary line per category and
 * EROOTS; else failed targets' error, as before. Build failures count as their roots'; only targets
 * that did not resolve are named besides.
 */
export async function endRun(
  command: string,
  specArgs: string[],
  failedRoots: FailedRoot[],
  failures: FailedTarget[],
  o: BulkFlags,
): Promise<void> {
  const targets = failedRoots.length > 0 ? failures.filter((f) => f.package === undefined) : failures;
  const err = await finishRoots(command, specArgs, failedRoots, o, targets.length > 0 ? targetsFailed(targets, true) : undefined);
  if (err !== undefined) throw err;
}

/**
 * `res` with only the recipes that the roots which built (no failure of their own) reach: what a
 * --keep-going request writes, so a root that failed leaves its recipes out of the tree (a later
 * `import` of it writes them) and the tree holds what was built, all of it.
 */
export function recipesOfBuiltRoots<T extends { roots: readonly Purl[]; prepared: readonly { recipe: { purl: string } }[] }>(
  res: T,
  graph: { reachable(from: readonly string[]): readonly { id: string }[] },
  failures: readonly FailedTarget[],
): T {
  const failed = new Set(failures.map((f) => f.package));
  const ids = res.roots.map(formatPurl);
  if (!ids.some((id) => failed.has(id))) return res;
  const keep = new Set(graph.reachable(ids.filter((id) => !failed.has(id))).map((n) => n.id));
  return { ...res, prepared: res.prepared.filter((p) => keep.has(p.recipe.purl)) };
}
