/**
 * Run the real `bale` CLI (the compiled bin) as a user would: a child process with its own
 * environment, working directory and umask, optionally under faketime for a different clock.
 */
import { readFileSync, type Dirent } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { repoRoot } from './npm-fixtures.js';

/** The bin package.json names (the bundle `npm run build` writes), so tests run what users run. */
export const BALE_BIN = path.join(
  repoRoot(),
  (JSON.parse(readFileSync(path.join(repoRoot(), 'package.json'), 'utf8')) as { bin: { bale: string } }).bin.bale,
);

/** Shared across test files: Node binaries and sources are content-addressed, so sharing is safe. */
export const SHARED_XDG_CACHE = path.join(tmpdir(), 'bale-test-xdg-cache');

export interface BaleRun {
  code: number;
  stdout: string;
  stderr: string;
}

export interface BaleRunOptions {
  cwd?: string;
  env?: Record<string, string>;
  umask?: string;
  /** e.g. ['faketime', '-f', '+1000d'] */
  prefix?: string[];
  timeoutMs?: number;
}

export async function bale(args: string[], opts: BaleRunOptions = {}): Promise<BaleRun> {
  const inner = [process.execPath, BALE_BIN, ...args];
  // umask is a property of the process: set it in a tiny shell wrapper, then exec node.
  const argv = ['/bin/sh', '-c', `umask ${opts.umask ?? '022'} && exec "$@"`, 'sh', ...(opts.prefix ?? []), ...inner];
  const r = await execa(argv[0]!, argv.slice(1), {
    cwd: opts.cwd ?? repoRoot(),
    env: { XDG_CACHE_HOME: SHARED_XDG_CACHE, ...opts.env },
    reject: false,
    timeout: opts.timeoutMs ?? 600_000,
    stdin: 'ignore',
  });
  return { code: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr) };
}

export async function tempDir(prefix: string): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(tmpdir(), `bale-${prefix}-`));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** Every file under dir, relative, sorted ("" when the dir does not exist). */
export async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string): Promise<void> => {
    let entries: Dirent[];
    try {
      entries = await readdir(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else out.push(path.relative(dir, p));
    }
  };
  await walk(dir);
  return out.sort();
}

/** The error contract: exactly one line on stderr, prefixed, no stack trace. */
export function oneErrorLine(stderr: string): string {
  const lines = stderr.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('note:') && !l.startsWith('warning:'));
  if (lines.length !== 1) throw new Error(`expected one error line, got ${lines.length}:\n${stderr}`);
  if (!lines[0]!.startsWith('bale: error: ')) throw new Error(`not a bale error line: ${lines[0]}`);
  if (/\n\s+at /.test(stderr)) throw new Error(`stack trace on stderr:\n${stderr}`);
  return lines[0]!;
}

/** `bale image compose` of `specs` from a fixture npm registry into an image file: the argument list most image tests start from. */
export function composeArgs(o: {
  specs: readonly string[];
  name: string;
  tag: string;
  out: string;
  registry: string;
  store: string;
  recipes: string;
}): string[] {
  return [
    'image',
    'compose',
    ...o.specs,
    '--name',
    o.name,
    '--tag',
    o.tag,
    '-o',
    o.out,
    '--registry',
    o.registry,
    '--store',
    o.store,
    '--recipes',
    o.recipes,
  ];
}
