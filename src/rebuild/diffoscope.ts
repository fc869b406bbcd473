/**
 * diffoscope, when it is installed: the file-by-file, byte-level report on two archives that a
 * manifest comparison cannot give (which bytes inside a differing file). Optional by design: a
 * mismatch is already named by file without it.
 */
import { execa } from 'execa';

/** diffoscope's text report on two archives; undefined when diffoscope is not on PATH. */
export async function runDiffoscope(a: string, b: string, o: { timeoutMs?: number } = {}): Promise<string | undefined> {
  const r = await execa('diffoscope', ['--text', '-', '--no-progress', a, b], {
    reject: false,
    timeout: o.timeoutMs ?? 300_000,
    stdin: 'ignore',
    env: { LC_ALL: 'C.UTF-8' },
  });
  if (r.failed && (r as { code?: string }).code === 'ENOENT') return undefined;
  // 0: same, 1: differences found; anything else is diffoscope failing, which the report says.
  if (r.exitCode === 0 || r.exitCode === 1) return r.stdout;
  return `diffoscope failed (exit ${r.exitCode ?? 'killed'}): ${r.stderr.split('\n').slice(-3).join(' ')}`;
}
