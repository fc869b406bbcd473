/**
 * `gem install --local` of one pinned .gem into a staging root, in the sandbox: no network, the
 * work dir at the constant path /build, a cleared environment, nothing from the host's gems
 * (GEM_HOME = GEM_PATH = the staging gem dir), dependencies ignored (each is its own package).
 * Native extensions are compiled there; then the tree is read back and cleaned (cleanup.ts).
 */
import { appendFile, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { makeScratch } from '../../util/scratch.js';
import { dirname, join, posix } from 'node:path';
import { UserError } from '../../errors/index.js';
import type { RubyInterpreter } from '../../interpreters/ruby.js';
import type { PackEntry } from '../../packer/entry.js';
import { readTree } from '../../packer/index.js';
import type { Mount, Runner } from '../../sandbox/index.js';
import { BUILD_DIR as BUILD, PREFIX_MAP, buildEnv, buildJobs, cFlags } from '../../sandbox/build-env.js';
import { cleanupInstall } from './cleanup.js';
import type { Limits } from '../../limits/index.js';
import { runFailure } from '../run-failure.js';
import { failureLine } from '../failure-line.js';
import { readGemFile, specList } from '../../archive/gem-file.js';
import { BIN_DIR, gemDir, gemFullName, gemInstallDir, specificationPath } from './layout.js';

const ROOT = `${BUILD}/root`;
/**
 * Paths compiled into extensions: anything under /build is /usr/src (every build's PREFIX_MAP),
 * and the staging root's become the installed paths (/build/root/usr/lib/... -> /usr/lib/...).
 * GCC applies the last matching map, so the more specific one comes second.
 */
const ROOT_MAP = `-ffile-prefix-map=${ROOT}=`;

export interface InstallGemOptions {
  /** The .gem's bytes, already verified against the recipe's hash. */
  gemFile: Buffer;
  name: string;
  version: string;
  /** Gem platform: 'ruby', or e.g. 'x86_64-linux' for a precompiled gem. */
  platform: string;
  ruby: RubyInterpreter;
  runner: Runner;
  /** Host scratch directory; a fresh subdirectory is used and removed afterwards. */
  workDir: string;
  /** SOURCE_DATE_EPOCH for the build (the recipe's). */
  sourceDateEpoch: number;
  /** Passed to the extension build after `--` (the override table's flags, e.g. `--use-system-libraries`). @defaultValue [] */
  buildFlags?: string[];
  /** Added to the build environment last, so it wins (the recipe's `build.env`). @defaultValue {} */
  env?: Record<string, string>;
  /** More host paths to bind (e.g. build-time gems named in `env.GEM_PATH`), read-only unless said. @defaultValue [] */
  mounts?: Mount[];
  /** Host file for the build's output (replaced); named in errors. */
  logFile: string;
  /** Parallel make jobs (MAKEFLAGS=-j). */
  jobs: number;
  /** Bounds on unpacking the gem, and wall time, memory, processes and disk for `gem install` (the recipe's). */
  limits: Limits;
  /** What the gem is, in error messages. @defaultValue `<full name>.gem` */
  source?: string;
}

export interface InstalledGem {
  /** Everything under usr/lib/ruby/gems/<abi>. */
  main: PackEntry[];
  /** `usr/bin` and the executables (shebang `#!/usr/bin/rubyX.Y`); empty when the gem has none. */
  bin: PackEntry[];
}

/** GNU make reads variable assignments from MAKEFLAGS as if given on its command line. */
function makeWord(s: string): string {
  return s.trim().replace(/\\/g, '\\\\').replace(/\s+/g, '\\ ');
}

/**
 * The sandbox environment: every build's (sandbox/build-env.ts), then RubyGems', then `o.env` (the
 * recipe's `build.env`). mkmf ignores CFLAGS from the environment (its Makefile assigns them), so
 * the flags reach extensions through ARCH_FLAG, which mkmf puts last in CFLAGS, CXXFLAGS and
 * DLDFLAGS and which a make command-line assignment (in MAKEFLAGS) overrides; CFLAGS and CPPFLAGS
 * in the environment serve what extconf.rb builds with configure or cmake. Pure.
 */
export function gemBuildEnv(
  ruby: RubyInterpreter,
  o: { sourceDateEpoch: number; jobs: number; env?: Record<string, string> },
): Record<string, string> {
  const home = posix.join(ROOT, gemDir(ruby.abi));
  // The Ruby's own bin first (its gem, rake and erb for extconf.rb); ROOT_MAP after the common map.
  const base = { sourceDateEpoch: o.sourceDateEpoch, jobs: o.jobs, path: [posix.dirname(ruby.realBin)], cflags: [ROOT_MAP] };
  return buildEnv(
    base,
    {
      // Only the staging gem dir: nothing from the host's gems.
      GEM_HOME: home,
      GEM_PATH: home,
      // The prefix maps for the preprocessor too (configure and cmake pass CPPFLAGS).
      CPPFLAGS: `${PREFIX_MAP} ${ROOT_MAP}`,
      // The common flags for mkmf's Makefiles, whatever the recipe's env says of CFLAGS.
      MAKEFLAGS: `-j${buildJobs(o.jobs)} ARCH_FLAG=${makeWord(`${ruby.archFlag} ${cFlags(base.cflags)}`)}`,
    },
    o.env,
  );
}

/**
 * `gem install` for a .gem at /build/<file>. --norc: no gemrc can change what is installed or
 * how; --no-env-shebang: wrappers name the Ruby itself (rewritten to /usr/bin/rubyX.Y by cleanup).
 */
export function gemInstallArgv(ruby: RubyInterpreter, gemPath: string, buildFlags: readonly string[] = []): string[] {
  return [
    ruby.realBin,
    ruby.gemBin,
    'install',
    '--norc',
    '--local',
    '--ignore-dependencies',
    '--no-document',
    '--no-env-shebang',
    '--install-dir',
    posix.join(ROOT, gemDir(ruby.abi)),
    '--bindir',
    posix.join(ROOT, BIN_DIR),
    gemPath,
    ...(buildFlags.length > 0 ? ['--', ...buildFlags] : []),
  ];
}

/** The line of a failed install's output that says why: a missing library, a compiler error, RubyGems' reason. */
export function failureSummary(log: string): string {
  const lines = log
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '');
  const no = lines.findLastIndex((l) => /^checking for .*\.\.\. no$/.test(l));
  if (no >= 0) {
    const next = lines[no + 1];
    return next !== undefined && !next.startsWith('***') ? `${lines[no]} (${next})` : lines[no]!;
  }
  const cc = lines.find((l) => /(^|: )(fatal )?error: /.test(l));
  if (cc !== undefined) return cc;
  const err = lines.findIndex((l) => l.startsWith('ERROR:'));
  if (err >= 0) return [lines[err], lines[err + 1]].filter((l) => l !== undefined).join(' ');
  return failureLine(log);
}

/** Installs the gem in the sandbox and returns the cleaned tree, split into main and -bin entries. */
export async function installGem(opts: InstallGemOptions): Promise<InstalledGem> {
  const { ruby } = opts;
  const fullName = gemFullName(opts.name, opts.version, opts.platform);
  const source = opts.source ?? `${fullName}.gem`;
  // Checked before anything runs: a hostile or tampered gem never reaches `gem install`.
  const gem = await readGemFile(opts.gemFile, source, opts.limits);
  const scratch = await makeScratch(opts.workDir, `${fullName}-ruby${ruby.version}-`);
  const work = scratch.dir;
  try {
    await mkdir(join(work, 'root'), { recursive: true });
    await writeFile(join(work, `${fullName}.gem`), opts.gemFile);
    await mkdir(dirname(opts.logFile), { recursive: true });
    await rm(opts.logFile, { force: true });
    const argv = gemInstallArgv(ruby, posix.join(BUILD, `${fullName}.gem`), opts.buildFlags ?? []);
    await writeFile(opts.logFile, `# bale: ${argv.join(' ')}\n`);
    // A Ruby outside /usr (rbenv, /opt/rubies) at its own path: its prefix is compiled into it.
    const own = ruby.prefix === '/usr' || ruby.prefix.startsWith('/usr/') ? [] : [{ host: ruby.prefix, sandbox: ruby.prefix }];
    const r = await opts.runner.run({
      argv,
      env: gemBuildEnv(ruby, opts),
      cwd: BUILD,
      mounts: [{ host: work, sandbox: BUILD, writable: true }, ...own, ...(opts.mounts ?? [])],
      limits: opts.limits,
      logFile: opts.logFile,
    });
    if (r.exitCode !== 0) {
      const log = await readFile(opts.logFile, 'utf8').catch(() => '');
      await keepMkmfLogs(join(work, 'root'), opts.logFile);
      const how = runFailure(r, opts.limits, log);
      throw new UserError(
        'EBUILD',
        `gem install of ${fullName} failed for Ruby ${ruby.fullVersion} (${how}): ${failureSummary(log)}; full log: ${opts.logFile}`,
      );
    }
    const entries = await readTree(join(work, 'root'), { package: `${fullName} (gem install for Ruby ${ruby.fullVersion})` });
    const spec = specificationPath(ruby.abi, fullName);
    if (!entries.some((e) => e.path === spec && e.type === 'file') || !entries.some((e) => e.path === gemInstallDir(ruby.abi, fullName))) {
      throw new UserError(
        'EGEM',
        `${source} did not install as ${fullName} (no ${spec}): the .gem is another gem, version or platform than the recipe says`,
      );
    }
    const { main, bin } = cleanupInstall(entries, {
      abi: ruby.abi,
      rubyVersion: ruby.version,
      gemPlatform: ruby.gemPlatform,
      extensionApi: ruby.extensionApi,
      fullName,
      shipped: new Set(gem.data.map((e) => e.path)),
      extensions: specList(gem.metadataYaml, 'extensions'),
    });
    return { main, bin };
  } finally {
    await scratch.remove();
  }
}

/** The work dir goes; what mkmf logged about a failed check goes into the build log first. */
async function keepMkmfLogs(root: string, logFile: string): Promise<void> {
  const entries = await readTree(root).catch(() => [] as PackEntry[]);
  for (const e of entries) {
    if (e.type === 'file' && e.path.endsWith('/mkmf.log'))
      await appendFile(logFile, `\n# bale: ${e.path}\n${e.data?.toString('utf8') ?? ''}`);
  }
}
