/** Timing helpers for the benchmarks: alternate two commands, report medians and their ratio. */
import { execa } from 'execa';

export interface Pair {
  /** Median seconds of A and of B, and the median of the per-pair ratios A/B. */
  a: number;
  b: number;
  ratio: number;
  runs: number;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((x, y) => x - y);
  const m = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

export async function timeIt(run: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await run();
  return (performance.now() - t) / 1000;
}

/** One warm-up of each, then `n` alternating pairs, so drift on the machine hits both alike. */
export async function alternate(n: number, a: () => Promise<unknown>, b: () => Promise<unknown>): Promise<Pair> {
  await a();
  await b();
  const ta: number[] = [];
  const tb: number[] = [];
  const ratios: number[] = [];
  for (let i = 0; i < n; i++) {
    const x = await timeIt(a);
    const y = await timeIt(b);
    ta.push(x);
    tb.push(y);
    ratios.push(x / y);
  }
  return { a: median(ta), b: median(tb), ratio: median(ratios), runs: n };
}

/** Run a command; a failure stops the benchmark with its stderr. */
export async function sh(file: string, args: string[], opts: { cwd?: string; env?: Record<string, string> } = {}): Promise<string> {
  const r = await execa(file, args, { ...opts, reject: false, stdin: 'ignore' });
  if (r.exitCode !== 0)
    throw new Error(`${file} ${args.join(' ')} failed (${r.exitCode}): ${String(r.stderr).split('\n').slice(-3).join(' ')}`);
  return String(r.stdout);
}
