/** bale's view of a project: `bale request --json` for one interpreter, and the packages unpacked into a root. */
import { mkdir } from 'node:fs/promises';
import { execa } from 'execa';
import { BALE_BIN } from '../../helpers/cli.js';
import { normalize, type BaleOutcome, type Closure } from './types.js';

export interface BaleSetup {
  python: string;
  indexUrl: string;
  store: string;
  cache: string;
  jobs: number;
  timeoutMs: number;
  /** `--overrides DIR` for bale, to try a changed override table; the shipped one when absent. */
  overrides?: string;
}

interface RequestJson {
  packages: Array<{ purl: string; file: string }>;
}

/** The line that says why bale failed: its `bale: error:` line, else its last line. */
export function baleErrorLine(stderr: string): string {
  const lines = stderr
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '');
  return lines.find((l) => l.startsWith('bale: error:')) ?? lines.at(-1) ?? '(no output)';
}

/** `pkg:pypi/name@version` -> [name, version]; other ecosystems (deb runtime packages) are left out. */
function pypiPurl(purl: string): [string, string] | undefined {
  const m = /^pkg:pypi\/([^@]+)@([^?#]+)/.exec(purl);
  return m === null ? undefined : [normalize(decodeURIComponent(m[1]!)), decodeURIComponent(m[2]!)];
}

export interface BaleRequest {
  outcome: BaleOutcome;
  /** Package files of the closure, to unpack. */
  files: string[];
}

export async function baleRequest(setup: BaleSetup, spec: string, recipes: string): Promise<BaleRequest> {
  const started = performance.now();
  const r = await execa(
    process.execPath,
    [
      BALE_BIN,
      'request',
      spec,
      '--python',
      setup.python,
      '--index-url',
      setup.indexUrl,
      '--store',
      setup.store,
      '--recipes',
      recipes,
      '--jobs',
      String(setup.jobs),
      '--json',
      ...(setup.overrides === undefined ? [] : ['--overrides', setup.overrides]),
    ],
    {
      reject: false,
      stdin: 'ignore',
      timeout: setup.timeoutMs,
      env: { XDG_CACHE_HOME: setup.cache },
      killSignal: 'SIGTERM',
      forceKillAfterDelay: 30_000,
    },
  );
  const seconds = (performance.now() - started) / 1000;
  const exitCode = r.exitCode ?? -1;
  if (r.timedOut)
    return {
      outcome: { ok: false, spec, exitCode, timedOut: true, errorLine: `timed out after ${setup.timeoutMs / 1000} s`, seconds },
      files: [],
    };
  if (exitCode !== 0) return { outcome: { ok: false, spec, exitCode, errorLine: baleErrorLine(String(r.stderr)), seconds }, files: [] };
  const out = JSON.parse(String(r.stdout)) as RequestJson;
  const closure: Closure = {};
  for (const p of out.packages) {
    const nv = pypiPurl(p.purl);
    if (nv !== undefined) closure[nv[0]] = nv[1];
  }
  return { outcome: { ok: true, spec, exitCode, closure, seconds }, files: out.packages.map((p) => p.file) };
}

/** Lay every package of the closure into root, as a user with nothing but tar would. */
export async function unpack(files: string[], root: string): Promise<void> {
  await mkdir(root, { recursive: true });
  for (const f of files) await execa('tar', ['-xzf', f, '-C', root], { stdin: 'ignore' });
}
