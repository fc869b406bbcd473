/** Sorting outcomes into the tally's categories: pure functions over the recorded results. */
import { eq } from '@renovatebot/pep440';
import { failed } from './imports.js';
import { normalize, type Closure, type ClosureDiff, type PipOutcome, type ProjectResult } from './types.js';

export const CATEGORIES = {
  ok: 'built + imports, closure same as pip',
  okDiffers: 'built + imports, closure differs from pip',
  importAlsoPip: 'built; import fails also under pip',
  importBaleOnly: "built; import fails only from bale's root",
  noImportNames: 'built; ships no top-level module (binaries or data only)',
  baleError: 'bale error',
  pipCannot: 'pip cannot resolve',
} as const;

export function diffClosures(bale: Closure, pip: Closure): ClosureDiff {
  const onlyBale = Object.keys(bale)
    .filter((n) => pip[n] === undefined)
    .map((n) => `${n}==${bale[n]}`);
  const onlyPip = Object.keys(pip)
    .filter((n) => bale[n] === undefined)
    .map((n) => `${n}==${pip[n]}`);
  const versions = Object.keys(bale)
    .filter((n) => pip[n] !== undefined && bale[n] !== pip[n] && !safeEq(bale[n]!, pip[n]!))
    .map((n) => `${n}: bale ${bale[n]}, pip ${pip[n]}`);
  return { onlyBale: onlyBale.sort(), onlyPip: onlyPip.sort(), versions: versions.sort() };
}

function safeEq(a: string, b: string): boolean {
  try {
    return eq(a, b);
  } catch {
    return false;
  }
}

export const differs = (d: ClosureDiff | undefined): boolean =>
  d !== undefined && d.onlyBale.length + d.onlyPip.length + d.versions.length > 0;

/** bale's error line -> a class; the first rule that matches names it. */
const BALE_RULES: Array<[RegExp, string]> = [
  [/needs native libraries missing on this build host/, 'build packages demanded for a wheel (issue 11 item 1)'],
  [/does not match its RECORD hash/, 'RECORD hash refused (issue 11 item 3b)'],
  [/timed out after/, 'timed out'],
  [/no Python project/, 'index lacks a project'],
  [/requires-python|Requires-Python|needs Python|python_requires/i, 'Requires-Python'],
  [/no (?:matching )?(?:version|release|distribution|file|wheel)|nothing (?:matches|satisfies)|satisf/i, 'bale cannot resolve'],
  [/conflict/i, 'conflict'],
  [/sdist|build script|setup\.py|pyproject/i, 'sdist build'],
  [/marker/i, 'marker'],
  [/specifier|version .*invalid|not a valid version|PEP 440/i, 'version or specifier syntax'],
  [/METADATA|PKG-INFO|metadata/i, 'metadata'],
  [/limit|too (?:big|large|many)/i, 'a limit'],
  [/internal error|bug/i, 'internal error'],
];

export function baleErrorClass(line: string, exitCode: number): string {
  for (const [re, name] of BALE_RULES) if (re.test(line)) return name;
  return exitCode === 70 ? 'internal error' : 'other';
}

/**
 * pip's failure -> why the index cannot give this project's closure: a requirement on a project the
 * index does not carry at all is "index lacks a dependency", whatever pip's words (it often reports
 * that as a conflict between the versions it tried).
 */
export function pipErrorClass(pip: PipOutcome, project: string, indexProjects: ReadonlySet<string>, baleLine = ''): string {
  const line = pip.errorLine ?? '';
  // bale's `no Python project "X"` is the index answering 404 for X: evidence about the index, too.
  const missing = /no Python project "([^"]+)"/.exec(baleLine);
  if (missing !== null && !indexProjects.has(normalize(missing[1]!))) return 'index lacks a dependency';
  const named = [line, ...(pip.causes ?? [])].flatMap((l) =>
    [...l.matchAll(/(?:No matching distribution found for|satisfies the requirement|depends on) ([A-Za-z0-9._-]+)/g)].map((m) =>
      normalize(m[1]!),
    ),
  );
  if (named.some((n) => n !== normalize(project) && !indexProjects.has(n))) return 'index lacks a dependency';
  const m = /(?:No matching distribution found for|satisfies the requirement) ([A-Za-z0-9._-]+)/.exec(line);
  if (m !== null)
    return normalize(m[1]!) === normalize(project)
      ? 'index has no file of the project for this Python'
      : 'index has no usable version of a dependency';
  if (/conflict|ResolutionImpossible|Cannot install/i.test(line)) return 'conflicting requirements';
  if (/timed out/.test(line)) return 'pip timed out';
  return 'other';
}

export function categorize(
  r: Omit<ProjectResult, 'category' | 'subcategory'>,
  indexProjects: ReadonlySet<string>,
): { category: string; subcategory?: string } {
  if (!r.pip.ok) return { category: CATEGORIES.pipCannot, subcategory: pipErrorClass(r.pip, r.project, indexProjects, r.bale?.errorLine) };
  if (r.bale === undefined || !r.bale.ok)
    return { category: CATEGORIES.baleError, subcategory: baleErrorClass(r.bale?.errorLine ?? '', r.bale?.exitCode ?? -1) };
  const imp = r.imports;
  if (imp === undefined || Object.keys(imp.bale).length === 0) return { category: CATEGORIES.noImportNames };
  const bad = failed(imp.bale);
  if (bad.length > 0) {
    const baleOnly = bad.filter((n) => imp.pip === undefined || imp.pip[n] === null || imp.pip[n] === undefined);
    if (baleOnly.length > 0) {
      return imp.pipInstallError !== undefined
        ? { category: CATEGORIES.importBaleOnly, subcategory: 'pip --target install failed too' }
        : { category: CATEGORIES.importBaleOnly };
    }
    // Every failing module fails under pip too (optional plugins, extras not asked for): what
    // imports under pip imports from bale's root; the project counts as importing if anything does.
    if (bad.length === Object.keys(imp.bale).length) return { category: CATEGORIES.importAlsoPip };
  }
  return { category: differs(r.diff) ? CATEGORIES.okDiffers : CATEGORIES.ok };
}
