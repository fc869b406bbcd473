import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { Command, CommanderError, Option } from 'commander';
import { isUsageError, isUserError, oneLine, printable } from '../errors/index.js';
import { printableLines } from '../errors/printable.js';
import { baleVersion } from '../util/package-root.js';
import { reportOption, type BulkFlags } from './bulk.js';
import { cmdBuild, cmdImport, cmdRequest, type BuildFlags } from './commands.js';
import type { Env, GlobalOptions } from './env.js';
import { exitWhenIdle } from './exit.js';
import * as flag from './flags.js';
import { defaultPaths } from './paths.js';
import { makeProgress } from './progress.js';
import type { RefreshFlags } from './refresh-command.js';
import { POLICIES } from '../refresh/decide.js';
import { fromFileOption } from './spec-file.js';
import { check, repeated } from './option-check.js';
import { addImageCommands } from './program-images.js';

function exitOnSignals(): void {
  for (const [sig, code] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
    ['SIGHUP', 129],
  ] as const) {
    process.on(sig, () => {
      process.stderr.write(`bale: ${sig}: stopped\n`);
      process.exit(code);
    });
  }
}

/** `check`, run at the first call only (a usage error is thrown again at the next). */
function once<T>(check: () => T): () => T {
  let done: { value: T } | undefined;
  return () => (done ??= { value: check() }).value;
}

/**
 * The global options with the environment behind them, paths made absolute. Most flags were
 * checked as they were parsed; --store, --recipes, the cache directory and the variables behind
 * them are checked where a command first reads them (a usage error naming where the value came
 * from), so a stale BALE_STORE cannot break `bale verify`. `--registry` is checked where it is
 * used: as the npm registry (env.ts indexOf) or, for who-uses, an OCI registry.
 */
function envFor(cmd: Command): Env {
  const o = cmd.optsWithGlobals<Partial<GlobalOptions> & { recipes?: string; store?: string; overrides?: string; buildTimeout?: number }>();
  const paths = defaultPaths();
  const env = process.env;
  /** Where a value comes from: the flag, else the variable (empty is unset, as in defaultPaths), else the default. */
  const from = (flagName: string, given: string | undefined, variable: string, fallback: string, label: string): [string, string] =>
    given !== undefined ? [flagName, given] : env[variable] ? [variable, env[variable]] : [label, fallback];
  const store = once(() => flag.store(...from('--store', o.store, 'BALE_STORE', paths.store, 'the default store')));
  const recipes = once(() =>
    flag.directory(...from('--recipes', o.recipes, 'BALE_RECIPES', paths.recipes, 'the default recipes directory'), {
      hint: 'give the directory recipes are kept in (created when missing)',
    }),
  );
  // Sources and registry copies are cached there: a file in its place would fail deep in a fetch.
  const cache = once(() => {
    flag.directory(...from('', undefined, 'XDG_CACHE_HOME', paths.cache, 'the cache directory'), {
      hint: 'set XDG_CACHE_HOME to a directory bale may write to',
    });
    return paths.cache;
  });
  const opts: GlobalOptions = {
    get recipes() {
      return recipes();
    },
    get store() {
      return store();
    },
    jobs: o.jobs ?? availableParallelism(),
    json: o.json === true,
    sandbox: o.sandbox ?? 'auto',
    iKnow: o.iKnow === true,
    keepGoing: o.keepGoing === true,
    ...(o.buildTimeout !== undefined ? { buildTimeoutMs: o.buildTimeout } : {}),
    ...(o.registry !== undefined ? { registry: o.registry } : {}),
    ...(o.overrides !== undefined ? { overrides: o.overrides } : {}),
    ...(o.node !== undefined ? { node: o.node } : {}),
    ...(o.python !== undefined ? { python: o.python } : {}),
    ...(o.indexUrl !== undefined ? { indexUrl: o.indexUrl } : {}),
    ...(o.source !== undefined ? { source: o.source } : {}),
    ...(o.ruby !== undefined ? { ruby: o.ruby } : {}),
    ...(o.key !== undefined ? { key: resolve(o.key) } : {}),
    ...(o.trust !== undefined ? { trust: o.trust.map((f) => resolve(f)) } : {}),
  };
  return {
    opts,
    paths: {
      ...paths,
      get cache() {
        return cache();
      },
    },
    progress: makeProgress(!opts.json),
  };
}

/** `--check URL` of request and build: compare each package of the run with the registry's for the same build key. */
const checkOption = (): Option =>
  new Option(
    '--check <url>',
    "oci://HOST[:PORT]/NAMESPACE: after building, say per package whether the registry's package for the same build key has the same bytes (only read)",
  ).argParser(check('--check', flag.registryUrl));

function program(): Command {
  const p = new Command('bale')
    .description(
      'Repackage npm, PyPI, RubyGems and Debian packages into reproducible, conflict-free FHS tarballs, and sets of them into signed OCI images',
    )
    .version(baleVersion())
    .option('--recipes <dir>', 'recipes tree (default: $BALE_RECIPES or $XDG_DATA_HOME/bale/recipes)')
    .option(
      '--store <dir|url>',
      'package store: a directory, or oci://HOST[:PORT]/NAMESPACE for a registry (default: $BALE_STORE or $XDG_DATA_HOME/bale/store)',
    )
    .option('--registry <url>', 'npm registry for imports (default: the one npm is configured with)')
    .option(
      '--index-url <url>',
      'Python package index: a Simple API (.../simple/, http(s) or file://) or a JSON API ending in /pypi (default: https://pypi.org/simple/)',
      (v: string) => flag.indexUrl('--index-url', v, 'https://pypi.org/simple/'),
    )
    .option(
      '--python <versions>',
      'CPython versions to import and build for, e.g. 3.11,3.12 or 3.8-3.13 (default: every one found)',
      (v: string) => flag.interpreterList('--python', v),
    )
    .option(
      '--source <url>',
      'RubyGems source: compact index, JSON API or gem generate_index (Marshal) directory (default: https://rubygems.org/)',
      (v: string) => flag.httpUrl('--source', v, 'https://rubygems.org/'),
    )
    .option('--ruby <versions>', 'Ruby versions to import and build gems for, e.g. 3.1 (default: every one found)', (v: string) =>
      flag.interpreterList('--ruby', v),
    )
    .option(
      '--overrides <dir>',
      'override tables (npm.toml, pypi.toml, rubygems.toml) to use instead of the ones shipped with bale',
      (v: string) =>
        flag.directory('--overrides', v, { mustExist: true, hint: 'give a directory holding npm.toml, pypi.toml and the like' }),
    )
    .option('--node <versions>', 'Node versions to build native addons for, e.g. 20,22 (default: the running node)', (v: string) =>
      flag.interpreterList('--node', v),
    )
    .option('--jobs <n>', 'builds at once (default: CPU count)', (v: string) => flag.wholeNumber('--jobs', v, 1, 256))
    .addOption(new Option('--sandbox <kind>', 'how builds are isolated').choices(['auto', 'bubblewrap', 'direct']).default('auto'))
    .option('--i-know', 'with --sandbox direct: run build scripts without a sandbox even as root')
    .option(
      '--build-timeout <duration>',
      'wall time of one build command, for recipes without their own limit (default: 20m)',
      check('--build-timeout', flag.duration),
    )
    .option('--json', 'machine-readable output on stdout; no progress display')
    .option(
      '--keep-going',
      'when some roots or targets (interpreters, builds) fail, keep what resolved and built, and still exit 1 naming the failures, a line per category (default: all or nothing)',
    )
    .option(
      '--key <file>',
      'signing key (minisign format): every package stored, and every image composed, is signed (default: $BALE_SIGNING_KEY)',
      (v: string) => flag.inputFile('--key', v, 'create one with bale keygen --out PREFIX'),
    )
    .option(
      '--trust <file>',
      'a trusted public key, besides $XDG_CONFIG_HOME/bale/trusted/*.pub (repeatable)',
      repeated('--trust', (n, v) => flag.inputFile(n, v, 'give a minisign public key (.pub)')),
    )
    // Commander's own complaints (unknown option, missing argument) as one line like every other error.
    .configureOutput({
      outputError: (text, write) => write(`bale: error: ${printable(text.replace(/^error: /, '').trim())} (see bale --help)\n`),
    })
    .exitOverride()
    // The worker handles its own signals (finish the running jobs); everything else stops at once,
    // and its exit hooks kill running builds and remove their scratch directories.
    .hook('preAction', (_root, action) => {
      if (action.name() !== 'worker') exitOnSignals();
    });
  p.command('import')
    .description('resolve specs against the registry and write the pinned recipes of their whole closure')
    .argument('[spec...]', 'e.g. npm:express@4.21.2, npm:@types/node@^20, pkg:npm/debug@2.6.9')
    .addOption(fromFileOption())
    .addOption(reportOption())
    .action((specs: string[], o: BulkFlags, cmd: Command) => cmdImport(specs, envFor(cmd), o));
  p.command('build')
    .description('build recipes (and their closure) that were imported before; cache hits come from the store')
    .argument('[spec|recipe...]', 'a spec answered from the recipes tree, or a recipe .toml file')
    .option('--all', 'every recipe in the recipes tree (no specs, no --from-file), planned once')
    .option('--queue [url]', 'build on the worker fleet behind this Redis (default: $BALE_REDIS_URL) instead of in this process')
    .addOption(checkOption())
    .addOption(fromFileOption())
    .addOption(reportOption())
    .action((args: string[], o: BuildFlags & { check?: string }, cmd: Command) => cmdBuild(args, envFor(cmd), o.check, o));
  p.command('request')
    .description('import, then build the whole closure: one command from a spec to packages')
    .argument('[spec...]')
    .option('--queue [url]', 'build on the worker fleet behind this Redis (default: $BALE_REDIS_URL) instead of in this process')
    .addOption(checkOption())
    .addOption(fromFileOption())
    .addOption(reportOption())
    .action((specs: string[], o: BulkFlags & { queue?: string | true; check?: string }, cmd: Command) =>
      cmdRequest(specs, envFor(cmd), o.queue, o.check, o),
    );
  p.command('refresh')
    .description(
      "re-pin roots to the newest version upstream lists that --policy and the root's range allow; a table old -> new by major/minor/patch",
    )
    .argument('[spec...]', 'roots as imported, e.g. npm:express@^4 (their recipes are in --recipes)')
    .addOption(fromFileOption())
    .addOption(reportOption())
    .addOption(
      new Option(
        '--policy <policy>',
        "how far a root may move from its pinned version: patch (same major.minor), minor (same major), major (any newer), latest (upstream's latest); always within the root's own range",
      )
        .choices(POLICIES)
        .default('minor'),
    )
    .option(
      '--queue [url]',
      'import the moved roots on the fleet behind this Redis (default: $BALE_REDIS_URL) and wait for their builds, as request --queue',
    )
    .action(async (specs: string[], o: RefreshFlags, cmd: Command) =>
      (await import('./refresh-command.js')).cmdRefresh(specs, o, envFor(cmd)),
    );
  p.command('install')
    .description(
      'lay the closure of specs (built when missing) or store packages into a new or empty directory, for a Dockerfile COPY or a chroot: no package database',
    )
    .argument('<spec|package...>', 'e.g. npm:express@4.21.2 or node-express')
    .option('--root <dir>', 'where to lay the files: a new or empty directory', (v: string) =>
      flag.emptyDirectory('--root', v, 'give a new or empty directory (bale install lays a root from nothing)'),
    )
    .action(async (args: string[], o: { root?: string }, cmd: Command) =>
      (await import('./install-command.js')).cmdInstall(args, o, envFor(cmd)),
    );
  const redis = (): Option => new Option('--redis <url>', "the fleet's Redis, e.g. redis://10.0.0.5:6379 (default: $BALE_REDIS_URL)");
  const fleet = (): Promise<typeof import('./queue-commands.js')> => import('./queue-commands.js');
  p.command('worker')
    .description('take build and import jobs from the queue until SIGTERM, writing packages to --store')
    .addOption(redis())
    .option('--concurrency <n>', 'builds at once in this worker (default: 1)', (v: string) => flag.wholeNumber('--concurrency', v, 1, 256))
    .action(async (o: { redis?: string; concurrency?: number }, cmd: Command) => (await fleet()).cmdWorker(o, envFor(cmd)));
  p.command('enqueue')
    .description('queue builds of imported recipes (or, with --import, imports and their builds) for the fleet')
    .argument('[spec...]')
    .addOption(redis())
    .addOption(fromFileOption())
    .option('--import', 'resolve the specs on the workers (each its own import job) instead of reading --recipes here')
    .option('--wait', 'wait until every planned build finished, then list the packages like request')
    .action(async (specs: string[], o: { redis?: string; fromFile?: string; import?: boolean; wait?: boolean }, cmd: Command) =>
      (await fleet()).cmdEnqueue(specs, o, envFor(cmd)),
    );
  addImageCommands(p, envFor);
  const q = p.command('queue').description("the fleet's queues: status, retry");
  q.command('status')
    .description('waiting/active/completed/failed per queue, jobs per minute, the slowest and the failed jobs with their reasons')
    .addOption(redis())
    .action(async (o: { redis?: string }, cmd: Command) => (await fleet()).cmdQueueStatus(o, envFor(cmd)));
  q.command('retry')
    .description('run failed jobs again (after fixing an override, say)')
    .addOption(redis())
    .option('--failed', 'every failed job of every queue')
    .action(async (o: { redis?: string; failed?: boolean }, cmd: Command) => (await fleet()).cmdQueueRetry(o, envFor(cmd)));
  p.command('dashboard')
    .description(
      "a web page for the fleet's operators: queues (Bull Board), running and failed builds with their logs, throughput, the store",
    )
    .addOption(redis())
    .option(
      '--port <n>',
      'port to serve on (default: 8080; 0: any free one)',
      check('--port', (n, v) => flag.wholeNumber(n, v, 0, 65535)),
    )
    .option('--host <address>', 'address to listen on (default: 127.0.0.1, this machine only)')
    .option('--allow-retry', 'let operators retry failed jobs (default: read-only)')
    .option('--token <token>', 'with --allow-retry: retries need this token (default: $BALE_DASHBOARD_TOKEN)')
    .option('--images <dir|url>', 'a directory of *.image.toml files or oci://HOST[:PORT]/NAMESPACE: list its images, answer who-uses')
    .action(async (o: Record<string, unknown>, cmd: Command) => (await import('./dashboard-command.js')).cmdDashboard(o, envFor(cmd)));
  p.command('gc')
    .description('remove recipes no root reaches and store packages no root, image, recent or running build needs; prints what it frees')
    .option(
      '--keep-roots <file>',
      'one spec a line (like --from-file): their closures in --recipes stay, the rest of the tree goes',
      (v: string) => flag.inputFile('--keep-roots', v, 'give a file with one spec per line'),
    )
    .option('--keep-images <dir|url>', "a directory of *.image.toml files, or oci://HOST[:PORT]/NAMESPACE: every image's packages stay")
    .option(
      '--grace <duration>',
      'packages, records and recipes written this recently stay (default: 24h)',
      check('--grace', (n, v) => (/^0+[smh]?$/.test(v) ? 0 : flag.duration(n, v))),
    )
    .option('--dry-run', 'list every file a real run would remove, and remove nothing')
    .option('--keep-nothing', 'with no roots or images: remove everything older than the grace period')
    .action(async (o: Record<string, unknown>, cmd: Command) => (await import('./gc-command.js')).cmdGc(o, envFor(cmd)));
  p.command('show')
    .description('describe a recipe and what was built from it, or a package in the store')
    .argument('<spec|package>', 'e.g. npm:express@4.21.2 or node-express')
    .action(async (arg: string, _o, cmd: Command) => (await import('./show.js')).cmdShow(arg, envFor(cmd)));
  return p;
}

async function main(argv: string[]): Promise<number> {
  try {
    await program().parseAsync(argv);
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2;
    if (isUserError(err)) {
      process.stderr.write(`bale: error: ${oneLine(err)}\n`);
      return isUsageError(err) ? 2 : 1;
    }
    if (err instanceof Error && err.name === 'TransientError') {
      process.stderr.write(`bale: error: ${oneLine(err)}\n`);
      return 75;
    }
    // A stack keeps its lines; what they echo is escaped like any other output.
    const text = err instanceof Error ? (err.stack ?? err.message) : String(err);
    process.stderr.write(`bale: internal error (a bug, please report it): ${printableLines(text)}\n`);
    return 70;
  }
}

// `bale show ... | head`: a reader that stops early is not an error.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw err;
});
// Not a top-level await: the CLI is bundled as CommonJS (launch.ts runs it with a code cache).
void main(process.argv).then(exitWhenIdle);
