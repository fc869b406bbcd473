/** The Markdown tally of a coverage run: counts by category, then every non-OK project with its line. */
import { CATEGORIES, differs } from './classify.js';
import { failed } from './imports.js';
import type { ProjectResult } from './types.js';

export interface RunInfo {
  date: string;
  commit: string;
  indexes: string[];
  python: string;
  projectsInIndex: number;
  /** Wall time of this invocation; absent for --tally-only. */
  wallSeconds?: number;
  command: string;
}

const cell = (s: string): string => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
const median = (xs: number[]): string => (xs.length === 0 ? '-' : [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!.toFixed(1));
const pct = (n: number, d: number): string => (d === 0 ? '-' : `${((100 * n) / d).toFixed(1)}%`);

function groupBy<T>(xs: T[], key: (x: T) => string): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const x of xs) m.set(key(x), [...(m.get(key(x)) ?? []), x]);
  return new Map([...m.entries()].sort((a, b) => b[1].length - a[1].length || a[0].localeCompare(b[0])));
}

/** bale's answer where pip failed, short: the index's 404 is the common case. */
function baleSays(r: ProjectResult): string {
  if (r.bale === undefined) return 'not run';
  if (r.bale.ok) return 'built (!)';
  const missing = /no Python project "([^"]+)".*?(\(required by [^)]*\))?$/.exec(r.bale.errorLine ?? '');
  return missing !== null ? `index has no "${missing[1]}" ${missing[2] ?? ''}`.trim() : cell(r.bale.errorLine ?? '');
}

export function renderReport(info: RunInfo, results: ProjectResult[]): string {
  const out: string[] = [];
  const n = results.length;
  const resolvable = results.filter((r) => r.pip.ok);
  const built = resolvable.filter((r) => r.bale?.ok === true);
  const importsOk = built.filter((r) => r.category === CATEGORIES.ok || r.category === CATEGORIES.okDiffers);
  const fineAsPip = built.filter((r) => r.category === CATEGORIES.importAlsoPip || r.category === CATEGORIES.noImportNames);
  out.push('# PyPI coverage: the real index on CPython 3.11', '');
  out.push(
    `Every project of the index, for CPython ${info.python}: pip's closure (\`pip install --dry-run --report\`, ` +
      `the version pip picks), \`bale request pypi:NAME@VERSION\` for that version, the two closures compared ` +
      `(name==version), then each top-level module (top_level.txt, else RECORD) imported with \`python -S\` ` +
      `from the unpacked packages only; a module that fails is retried from a \`pip install --target\` tree. ` +
      `Made by \`node dist/test/bench/pypi-coverage.js\` (test/bench/pypi-coverage.ts).`,
    '',
  );
  const wall = info.wallSeconds === undefined ? '' : `, ${Math.round(info.wallSeconds / 60)} min wall`;
  out.push(
    `- run: ${info.date}, bale's sources at commit \`${info.commit}\`${wall}; per project (median) pip ${median(results.map((r) => r.pip.seconds))} s, bale ${median(results.flatMap((r) => (r.bale === undefined ? [] : [r.bale.seconds])))} s, 2 projects at a time on a 2-core machine shared with other work`,
  );
  out.push(`- index: ${info.indexes.join(' + ')} (${info.projectsInIndex} projects; ${n} run)`);
  out.push(`- command: \`${info.command}\``, '');
  out.push(
    `**Of ${resolvable.length} projects whose closure pip resolves, bale built ${built.length} (${pct(built.length, resolvable.length)}) ` +
      `and ${importsOk.length} also import (${pct(importsOk.length, resolvable.length)}); ` +
      `counting as bale's success the projects whose import fails under pip too or that ship no module: ${pct(importsOk.length + fineAsPip.length, resolvable.length)}.**`,
    '',
  );
  out.push('| category | projects | share |', '|---|---:|---:|');
  for (const [cat, rs] of groupBy(results, (r) => r.category)) out.push(`| ${cat} | ${rs.length} | ${pct(rs.length, n)} |`);
  for (const [cat, rs] of groupBy(
    results.filter((r) => r.subcategory !== undefined),
    (r) => `${r.category}: ${r.subcategory}`,
  ))
    out.push(`| &nbsp;&nbsp;${cat} | ${rs.length} | ${pct(rs.length, n)} |`);
  out.push('');

  const errors = results.filter((r) => r.category === CATEGORIES.baleError);
  if (errors.length > 0) {
    out.push('## bale errors', '');
    for (const [sub, rs] of groupBy(errors, (r) => r.subcategory ?? 'other')) {
      // Projects failing on the same line (the same blocking dependency) share one row.
      out.push(`### ${sub} (${rs.length})`, '', '| error line | exit | projects |', '|---|---:|---|');
      for (const [line, same] of groupBy(rs, (r) => r.bale?.errorLine ?? '')) {
        out.push(
          `| ${cell(line)} | ${same[0]!.bale?.exitCode ?? ''} | ${same.length}: ${same
            .map((r) => r.project)
            .sort()
            .join(', ')} |`,
        );
      }
      out.push('');
    }
  }

  const bad = built.filter((r) => r.imports !== undefined && failed(r.imports.bale).length > 0);
  if (bad.length > 0) {
    out.push('## Imports that fail', '', "| project | module | from bale's root | from pip's `--target` |", '|---|---|---|---|');
    for (const r of bad) {
      for (const m of failed(r.imports!.bale)) {
        const pip =
          r.imports!.pipInstallError !== undefined
            ? `(pip install failed: ${r.imports!.pipInstallError})`
            : (r.imports!.pip?.[m] ?? 'imports');
        out.push(`| ${r.project} | ${m} | ${cell(r.imports!.bale[m]!)} | ${cell(pip)} |`);
      }
    }
    out.push('');
  }
  const noNames = results.filter((r) => r.category === CATEGORIES.noImportNames);
  if (noNames.length > 0) out.push(`## ${CATEGORIES.noImportNames}`, '', noNames.map((r) => r.project).join(', '), '');

  const diffs = built.filter((r) => differs(r.diff));
  if (diffs.length > 0) {
    out.push('## Closures that differ from pip', '', '| project | only bale | only pip | versions |', '|---|---|---|---|');
    for (const r of diffs)
      out.push(`| ${r.project} | ${r.diff!.onlyBale.join(', ')} | ${r.diff!.onlyPip.join(', ')} | ${r.diff!.versions.join('; ')} |`);
    out.push('');
  }

  const pipFails = results.filter((r) => !r.pip.ok);
  if (pipFails.length > 0) {
    out.push(
      "## pip cannot resolve (the index's problem)",
      '',
      'Resolved against the served index only (`pip --isolated`): a dependency that another index carries ' +
        '(pip here is also configured with /opt/pypi-more, which has torch) counts as missing; ' +
        '`--index /opt/pypi,/opt/pypi-more` serves both merged.',
      '',
      '| project | class | pip says | bale |',
      '|---|---|---|---|',
    );
    for (const r of pipFails) out.push(`| ${r.project} | ${r.subcategory ?? ''} | ${cell(r.pip.errorLine ?? '')} | ${baleSays(r)} |`);
    out.push('');
  }
  return out.join('\n');
}
