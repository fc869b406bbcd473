/** pip's view of a project: its resolved closure (`--dry-run --report`) and, for import checks, a `--target` install. */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { normalize, type Closure, type PipOutcome } from './types.js';

const PIP_FLAGS = ['--isolated', '--no-cache-dir', '--disable-pip-version-check', '--no-input'];

interface Report {
  install: Array<{ metadata: { name: string; version: string } }>;
}

/** The line that says why pip failed: its first `ERROR:` line, else its last line. */
export function pipErrorLine(stderr: string): string {
  const lines = stderr
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '');
  return lines.find((l) => l.startsWith('ERROR:')) ?? lines.at(-1) ?? '(no output)';
}

/** Not --quiet: pip logs the causes of a conflict ("X 1.0 depends on Y") at info level. */
export async function pipResolve(python: string, indexUrl: string, project: string, timeoutMs: number): Promise<PipOutcome> {
  const dir = await mkdtemp(path.join(tmpdir(), 'cov-pip-'));
  const started = performance.now();
  try {
    const report = path.join(dir, 'report.json');
    const r = await execa(
      python,
      ['-m', 'pip', 'install', ...PIP_FLAGS, '--dry-run', '--ignore-installed', '--report', report, '--index-url', indexUrl, project],
      {
        reject: false,
        stdin: 'ignore',
        timeout: timeoutMs,
        cwd: dir,
      },
    );
    const seconds = (performance.now() - started) / 1000;
    if (r.exitCode !== 0) {
      if (r.timedOut) return { ok: false, errorLine: `pip timed out after ${timeoutMs / 1000} s`, seconds };
      const causes = String(r.stderr)
        .split('\n')
        .map((l) => l.trim())
        .filter((l) => / depends on |No matching distribution found for /.test(l));
      return { ok: false, errorLine: pipErrorLine(String(r.stderr)), causes: [...new Set(causes)].slice(0, 20), seconds };
    }
    const parsed = JSON.parse(await readFile(report, 'utf8')) as Report;
    const closure: Closure = {};
    for (const i of parsed.install) closure[normalize(i.metadata.name)] = i.metadata.version;
    return { ok: true, version: closure[normalize(project)], closure, seconds };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** `pip install --target DIR NAME==VERSION`: the tree a failed import is retried in. Returns an error line or null. */
export async function pipTarget(
  python: string,
  indexUrl: string,
  requirement: string,
  target: string,
  timeoutMs: number,
): Promise<string | null> {
  const r = await execa(
    python,
    ['-m', 'pip', 'install', ...PIP_FLAGS, '--quiet', '--no-compile', '--target', target, '--index-url', indexUrl, requirement],
    {
      reject: false,
      stdin: 'ignore',
      timeout: timeoutMs,
      cwd: target,
    },
  );
  return r.exitCode === 0 ? null : pipErrorLine(String(r.stderr));
}
