import { execFile } from 'node:child_process';
import { access, constants, readdir, realpath, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { UserError } from '../errors/index.js';
import { isExecutableFile } from '../util/executable.js';

/** The oldest Ruby bale builds for: RubyGems' extension dirs and Gem.extension_api_version as used here. */
export const MIN_RUBY: readonly [number, number] = [2, 7];

export interface RubyInterpreter {
  /** MAJOR.MINOR, '3.1': what `--ruby` and package names (`ruby3.1-...`) use. */
  version: string;
  /** RUBY_VERSION, '3.1.2'. */
  fullVersion: string;
  /** Absolute path of the interpreter as found (not symlink-resolved): /usr/bin/ruby3.1. */
  bin: string;
  /**
   * The interpreter at the path RbConfig gives it (bindir/ruby_install_name, what Gem.ruby says): what
   * runs in the sandbox, where a configured symlink or wrapper would not be visible.
   */
  realBin: string;
  /** This Ruby's `gem` command (Debian: /usr/bin/gem3.1), run as `<realBin> <gemBin> ...`. */
  gemBin: string;
  /** RbConfig ruby_version, '3.1.0': the gem dir's name (usr/lib/ruby/gems/3.1.0). */
  abi: string;
  /** RbConfig prefix. */
  prefix: string;
  /** RbConfig archdir. */
  archdir: string;
  /** RbConfig rubyhdrdir when it holds ruby.h (Debian: in rubyX.Y-dev), else '': C extensions need it. */
  hdrdir: string;
  /** Gem::Platform.local, 'x86_64-linux': the extensions/ subdirectory. */
  gemPlatform: string;
  /** Gem.extension_api_version, '3.1.0' ('-static' appended for a static libruby). */
  extensionApi: string;
  /** Gem::VERSION: installed gemspecs record it (installed_by_version), so it is part of the output. */
  rubygemsVersion: string;
  /** RbConfig ARCH_FLAG: mkmf puts it last in CFLAGS and DLDFLAGS; the build appends its flags to it. */
  archFlag: string;
  /** Where it was found; the preference when several serve one minor: configured > rbenv > rubies > system. */
  source: 'configured' | 'rbenv' | 'rubies' | 'system';
}

export interface DiscoverRubiesOptions {
  /**
   * Interpreters (files) or directories holding `ruby`/`rubyX.Y` (directly or in `bin/`), tried before
   * anything found on the host. Added to env `BALE_RUBIES` (':'-separated), which comes after them.
   * @defaultValue []
   */
  search?: string[];
  /** Where BALE_RUBIES, RBENV_ROOT and HOME are read. @defaultValue process.env */
  env?: NodeJS.ProcessEnv;
}

/** What one run of a Ruby says about itself. */
export interface RubyProbe {
  engine: string;
  version: string;
  platform: string;
  abi: string;
  prefix: string;
  archdir: string;
  bindir: string;
  installName: string;
  hdrdir: string;
  archFlag: string;
  gemPlatform: string;
  extensionApi: string;
  rubygems: string;
}

type Source = RubyInterpreter['source'];
const PRECEDENCE: Record<Source, number> = { configured: 0, rbenv: 1, rubies: 2, system: 3 };
/** /usr/local first, as on PATH: a local build shadows the distribution's. */
const SYSTEM_DIRS = ['/usr/local/bin', '/usr/bin'];
/** Debian names each Ruby `rubyX.Y` (/usr/bin/ruby is the default version's link); builds name it `ruby`. */
const RUBY_NAME = /^ruby([0-9]+\.[0-9]+)?$/;

/** Run in an empty environment (no RUBYOPT, GEM_*), so what it prints depends on the interpreter alone. */
const SCRIPT = [
  'require "rbconfig"; require "json"',
  'c = RbConfig::CONFIG',
  'print JSON.generate(engine: RUBY_ENGINE, version: RUBY_VERSION, platform: RUBY_PLATFORM, abi: c["ruby_version"],',
  '  prefix: c["prefix"], archdir: c["archdir"], bindir: c["bindir"], installName: c["ruby_install_name"],',
  '  hdrdir: c["rubyhdrdir"].to_s, archFlag: c["ARCH_FLAG"].to_s, gemPlatform: Gem::Platform.local.to_s,',
  '  extensionApi: Gem.extension_api_version, rubygems: Gem::VERSION)',
].join('\n');

const PROBE_KEYS: ReadonlyArray<keyof RubyProbe> = [
  'engine',
  'version',
  'platform',
  'abi',
  'prefix',
  'archdir',
  'bindir',
  'installName',
  'hdrdir',
  'archFlag',
  'gemPlatform',
  'extensionApi',
  'rubygems',
];

/** Runs the interpreter once; a string says why it cannot be used (does not run, prints garbage). */
export async function probeRuby(bin: string): Promise<RubyProbe | string> {
  // node's execFile, not execa: loading execa (~100 ms) costs more than this one fixed, shell-less
  // probe, and every `bale import gem:...` pays it before its first request.
  const r = await new Promise<{ ok: boolean; stdout: string; why: string }>((resolve) => {
    const child = execFile(
      bin,
      ['-e', SCRIPT],
      { env: {}, timeout: 30_000, maxBuffer: 1024 * 1024, encoding: 'utf8' },
      (err, stdout, stderr) => {
        resolve({ ok: err === null, stdout, why: stderr.trim().split('\n').pop() || (err?.message ?? '') });
      },
    );
    child.stdin?.end();
  });
  if (!r.ok) return `does not run (${r.why})`;
  let parsed: unknown;
  try {
    parsed = JSON.parse(String(r.stdout));
  } catch {
    parsed = undefined;
  }
  const complete =
    typeof parsed === 'object' && parsed !== null && PROBE_KEYS.every((k) => typeof (parsed as Record<string, unknown>)[k] === 'string');
  return complete ? (parsed as RubyProbe) : 'printed something other than its description';
}

const minorOf = (v: string): [number, number] => v.split('.').slice(0, 2).map(Number) as [number, number];
const atLeastMin = ([a, b]: [number, number]): boolean => a > MIN_RUBY[0] || (a === MIN_RUBY[0] && b >= MIN_RUBY[1]);

/** Why bale cannot build for this Ruby, or undefined: CRuby >= 2.7 on Linux with glibc. */
export function unusableRubyReason(p: RubyProbe): string | undefined {
  if (p.engine !== 'ruby') return `is ${p.engine}, not CRuby`;
  if (!atLeastMin(minorOf(p.version))) return `is Ruby ${p.version}; bale builds for ${MIN_RUBY.join('.')} and later`;
  if (!/linux/.test(p.platform) || /musl/.test(p.platform)) return `runs on ${p.platform}, not Linux with glibc`;
  if (!/^[0-9]+\.[0-9]+\.[0-9]+$/.test(p.abi)) return `has the ruby_version "${p.abi}", not X.Y.Z`;
  return undefined;
}

interface Candidate {
  path: string;
  source: Source;
  order: number;
}

/** `rubyX.Y` names (ascending), then `ruby`, in each directory in turn. */
async function rubiesIn(dirs: string[], source: Source): Promise<Array<Omit<Candidate, 'order'>>> {
  const out: Array<Omit<Candidate, 'order'>> = [];
  for (const dir of dirs) {
    const names = (await readdir(dir).catch(() => [] as string[])).filter((n) => RUBY_NAME.test(n));
    const key = (n: string): number[] => (n === 'ruby' ? [Infinity] : minorOf(n.slice(4)));
    names.sort((a, b) => key(a)[0]! - key(b)[0]! || (key(a)[1] ?? 0) - (key(b)[1] ?? 0));
    for (const n of names) if (await isExecutableFile(join(dir, n))) out.push({ path: join(dir, n), source });
  }
  return out;
}

/** `<root>/*` /bin: one installed Ruby per directory, in byte order. */
async function versionDirs(root: string): Promise<string[]> {
  const names = await readdir(root).catch(() => [] as string[]);
  return names.sort().map((n) => join(root, n, 'bin'));
}

async function configuredCandidates(entry: string): Promise<Array<Omit<Candidate, 'order'>>> {
  const path = resolve(entry);
  const st = await stat(path).catch(() => undefined);
  if (st === undefined)
    throw new UserError(
      'ERUBY',
      `configured Ruby ${entry} does not exist: fix BALE_RUBIES (or the search paths) to name an interpreter or its directory`,
    );
  if (!st.isDirectory()) return [{ path, source: 'configured' }];
  const found = await rubiesIn([path, join(path, 'bin')], 'configured');
  if (found.length === 0)
    throw new UserError(
      'ERUBY',
      `configured directory ${entry} holds no ruby or rubyX.Y (nor in bin/): name the interpreter file in BALE_RUBIES instead`,
    );
  return found;
}

/** The gem command beside the interpreter: `gem3.1` for `ruby3.1` (Debian), else `gem`. */
async function gemCommand(p: RubyProbe): Promise<string | undefined> {
  for (const name of [p.installName.replace(/^ruby/, 'gem'), 'gem']) {
    if (await isExecutableFile(join(p.bindir, name))) return join(p.bindir, name);
  }
  return undefined;
}

interface Qualified {
  p: RubyProbe;
  realBin: string;
  gemBin: string;
}

/** A usable Ruby with its interpreter and gem command, or why it cannot be used. */
async function qualify(p: RubyProbe | string): Promise<Qualified | string> {
  if (typeof p === 'string') return p;
  const why = unusableRubyReason(p);
  if (why !== undefined) return why;
  const realBin = join(p.bindir, p.installName);
  if (!(await isExecutableFile(realBin))) return `has no interpreter at ${realBin} (RbConfig bindir/ruby_install_name)`;
  const gemBin = await gemCommand(p);
  return gemBin === undefined ? `has no gem command in ${p.bindir}` : { p, realBin, gemBin };
}

const compareVersions = (a: string, b: string): number => {
  const [x, y] = [a.split('.').map(Number), b.split('.').map(Number)];
  for (let i = 0; i < Math.max(x.length, y.length); i++) if ((x[i] ?? 0) !== (y[i] ?? 0)) return (x[i] ?? 0) - (y[i] ?? 0);
  return 0;
};

/**
 * CRuby 2.7 and later on this host, one per minor, ascending. Configured ones win (an explicit
 * choice), then rbenv's ($RBENV_ROOT/versions), then ~/.rubies and /opt/rubies (ruby-install,
 * chruby), then /usr/local/bin and /usr/bin (Debian's ruby3.1). Among one source, the newest
 * release, then search order. Each distinct binary runs once. A configured Ruby that does not
 * qualify is a UserError naming it; host ones that do not (JRuby, musl, too old) are skipped.
 */
export async function discoverRubies(opts: DiscoverRubiesOptions = {}): Promise<RubyInterpreter[]> {
  const env = opts.env ?? process.env;
  const home = env.HOME || homedir();
  const configured = [...(opts.search ?? []), ...(env.BALE_RUBIES ?? '').split(':')].filter((s) => s !== '');
  const found: Array<Omit<Candidate, 'order'>> = [];
  for (const entry of configured) found.push(...(await configuredCandidates(entry)));
  const nConfigured = found.length;
  found.push(...(await rubiesIn(await versionDirs(join(env.RBENV_ROOT || join(home, '.rbenv'), 'versions')), 'rbenv')));
  found.push(...(await rubiesIn([...(await versionDirs(join(home, '.rubies'))), ...(await versionDirs('/opt/rubies'))], 'rubies')));
  found.push(...(await rubiesIn(SYSTEM_DIRS, 'system')));

  const probes = new Map<string, Promise<RubyProbe | string>>();
  const best = new Map<string, { c: Candidate } & Qualified>();
  for (const [order, raw] of found.entries()) {
    const c = { ...raw, order };
    const real = await realpath(c.path).catch(() => c.path);
    if (!probes.has(real)) probes.set(real, probeRuby(c.path));
    const q = await qualify(await probes.get(real)!);
    if (typeof q === 'string') {
      if (order < nConfigured)
        throw new UserError(
          'ERUBY',
          `configured Ruby ${c.path} ${q}: remove it from BALE_RUBIES (or the search paths) or point at a CRuby ${MIN_RUBY.join('.')}+ binary`,
        );
      continue; // host Rubies that do not qualify
    }
    const { p } = q;
    const version = minorOf(p.version).join('.');
    const cur = best.get(version);
    const better =
      cur === undefined ||
      PRECEDENCE[c.source] < PRECEDENCE[cur.c.source] ||
      (c.source === cur.c.source && c.source !== 'configured' && compareVersions(p.version, cur.p.version) > 0);
    if (better) best.set(version, { c, ...q });
  }
  const out: RubyInterpreter[] = [];
  for (const [version, { c, p, realBin, gemBin }] of [...best].sort(([a], [b]) => compareVersions(a, b))) {
    out.push({
      version,
      fullVersion: p.version,
      bin: c.path,
      realBin,
      gemBin,
      abi: p.abi,
      prefix: p.prefix,
      archdir: p.archdir,
      hdrdir: await headersOf(p),
      gemPlatform: p.gemPlatform,
      extensionApi: p.extensionApi,
      rubygemsVersion: p.rubygems,
      archFlag: p.archFlag,
      source: c.source,
    });
  }
  return out;
}

async function headersOf(p: RubyProbe): Promise<string> {
  return p.hdrdir !== '' &&
    (await access(join(p.hdrdir, 'ruby.h'), constants.R_OK).then(
      () => true,
      () => false,
    ))
    ? p.hdrdir
    : '';
}

const MINOR = /^([0-9]+)\.(0|[1-9][0-9]*)$/;

/**
 * `--ruby 3.1,3.2` -> ['3.1', '3.2']; an item may be an ascending range within one major,
 * `3.0-3.3`. Trimmed, duplicates dropped, order kept; only MAJOR.MINOR from 2.7 on.
 */
export function parseRubyList(flag: string): string[] {
  const usage = (why: string): UserError =>
    new UserError(
      'EUSAGE',
      `bad --ruby ${JSON.stringify(flag)}: ${why}; give comma-separated MAJOR.MINOR versions from ${MIN_RUBY.join('.')} on, or a range within one major, e.g. --ruby 3.1,3.2 or --ruby 3.0-3.3`,
    );
  const parse = (v: string): [number, number] => {
    const m = MINOR.exec(v);
    if (m === null) throw usage(v === '' ? 'empty item' : `${JSON.stringify(v)} is not a version such as 3.1`);
    const mm: [number, number] = [Number(m[1]), Number(m[2])];
    if (!atLeastMin(mm)) throw usage(`${v} is not supported`);
    return mm;
  };
  const out: string[] = [];
  for (const raw of flag.split(',')) {
    const item = raw.trim();
    const range = /^([^-]+)-([^-]+)$/.exec(item);
    if (range === null) {
      out.push(parse(item).join('.'));
      continue;
    }
    const [from, to] = [parse(range[1]!), parse(range[2]!)];
    if (from[0] !== to[0]) throw usage(`range ${item} crosses a major version`);
    if (from[1] > to[1]) throw usage(`range ${item} runs backwards`);
    for (let m = from[1]; m <= to[1]; m++) out.push(`${from[0]}.${m}`);
  }
  return [...new Set(out)];
}

/** One line: what is missing, what exists, and the two ways to add one. */
export function missingRubiesError(missing: string[], found: RubyInterpreter[]): UserError {
  const have = found.length > 0 ? `found ${found.map((f) => `${f.version} (${f.bin})`).join(', ')}` : 'found none';
  const first = missing[0] ?? '3.1';
  return new UserError(
    'ERUBY',
    `Ruby ${missing.join(', ')} not found on this host (${have}): install it (\`apt-get install ruby${first} ruby${first}-dev\`, ` +
      `or \`rbenv install ${first}\`), or name an existing interpreter in BALE_RUBIES (BALE_RUBIES=/opt/rubies/ruby-${first}.0/bin/ruby)`,
  );
}
