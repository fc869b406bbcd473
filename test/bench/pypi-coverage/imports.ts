/** Which top-level modules a distribution provides, and whether they import from a given site-packages. */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { normalize, type ImportOutcome, type ImportResults } from './types.js';

/** The dist-info directory of `project` under sitePackages, if any. */
async function distInfo(sitePackages: string, project: string): Promise<string | undefined> {
  let names: string[];
  try {
    names = await readdir(sitePackages);
  } catch {
    return undefined;
  }
  const want = normalize(project);
  const hit = names.find((n) => n.endsWith('.dist-info') && normalize(n.slice(0, n.indexOf('-') === -1 ? -10 : n.indexOf('-'))) === want);
  return hit === undefined ? undefined : path.join(sitePackages, hit);
}

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Top-level names from RECORD rows: packages (dirs), modules (`x.py`) and extensions (`x.cpython-311-...so`). */
export function namesFromRecord(record: string): string[] {
  const names = new Set<string>();
  for (const row of record.split('\n')) {
    const p = row.split(',')[0]!.replace(/^"|"$/g, '');
    if (p === '' || p.startsWith('..') || p.startsWith('/')) continue;
    // A prefix a .pth file puts on sys.path (cmeel's `cmeel.prefix/lib/pythonX.Y/site-packages/`).
    const nested = /\/site-packages\/(.+)$/.exec(p);
    if (nested !== null) {
      const [top, ...rest] = nested[1]!.split('/');
      if (rest.length > 0) names.add(top!);
      else if (top!.endsWith('.py')) names.add(top!.slice(0, -3));
      continue;
    }
    const first = p.split('/')[0]!;
    if (first.endsWith('.dist-info') || first.endsWith('.data') || first === '__pycache__') continue;
    if (p.includes('/')) names.add(first);
    else if (first.endsWith('.py')) names.add(first.slice(0, -3));
    else if (/\.(so|pyd)$/.test(first)) names.add(first.split('.')[0]!);
  }
  return [...names].filter((n) => IDENT.test(n)).sort();
}

export async function importNames(sitePackages: string, project: string): Promise<{ names: string[]; from: ImportOutcome['namesFrom'] }> {
  const dir = await distInfo(sitePackages, project);
  if (dir === undefined) return { names: [], from: 'none' };
  try {
    const top = await readFile(path.join(dir, 'top_level.txt'), 'utf8');
    const names = top
      .split('\n')
      .map((l) => l.trim().replace(/\//g, '.'))
      .filter((n) => n !== '' && n.split('.').every((p) => IDENT.test(p)));
    if (names.length > 0) return { names: [...new Set(names)].sort(), from: 'top_level.txt' };
  } catch {
    // no top_level.txt: most modern build backends omit it
  }
  try {
    return { names: namesFromRecord(await readFile(path.join(dir, 'RECORD'), 'utf8')), from: 'RECORD' };
  } catch {
    return { names: [], from: 'none' };
  }
}

// site.addsitedir processes .pth files as an installed site-packages would, without the host's own site.
const SCRIPT = `
import sys, site, importlib, json
site.addsitedir(sys.argv[1])
res = {}
for n in sys.argv[2:]:
    try:
        importlib.import_module(n)
        res[n] = None
    except BaseException as e:
        msg = (str(e).strip().splitlines() or [''])[0][:300]
        res[n] = type(e).__name__ + (': ' + msg if msg else '')
sys.stdout.flush()
sys.__stdout__.write('\\n@@RESULT@@' + json.dumps(res) + '\\n')
`;

/** Import each name with `python -S`, only sitePackages added; a crash or hang is reported for every name. */
export async function tryImports(
  python: string,
  sitePackages: string,
  names: string[],
  cwd: string,
  timeoutMs: number,
): Promise<ImportResults> {
  const r = await execa(python, ['-S', '-c', SCRIPT, sitePackages, ...names], {
    reject: false,
    stdin: 'ignore',
    timeout: timeoutMs,
    cwd,
    env: { HOME: cwd, PATH: '/usr/bin:/bin', PYTHONNOUSERSITE: '1', MPLBACKEND: 'Agg' },
    extendEnv: false,
  });
  const line = String(r.stdout)
    .split('\n')
    .find((l) => l.startsWith('@@RESULT@@'));
  if (line !== undefined) return JSON.parse(line.slice('@@RESULT@@'.length)) as ImportResults;
  const why = r.timedOut
    ? `import hung for ${timeoutMs / 1000} s`
    : `python exited ${r.exitCode ?? r.signal}: ${String(r.stderr).trim().split('\n').at(-1) ?? ''}`;
  return Object.fromEntries(names.map((n) => [n, why]));
}

export const failed = (r: ImportResults): string[] => Object.keys(r).filter((n) => r[n] !== null);
