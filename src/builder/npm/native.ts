import { mkdir, readFile, rm, symlink, writeFile, chmod } from 'node:fs/promises';
import { makeScratch } from '../../util/scratch.js';
import { join, posix } from 'node:path';
import { UserError } from '../../errors/index.js';
import { readTarGz, writeEntries } from '../../archive/index.js';
import { readTree } from '../../packer/index.js';
import type { PackEntry } from '../../packer/index.js';
import type { NodeInterpreter } from '../../interpreters/node.js';
import type { SandboxCommand } from '../../sandbox/index.js';
import { BUILD_DIR as BUILD, buildEnv } from '../../sandbox/build-env.js';
import { packageRoot } from '../../util/package-root.js';
import { failureLine } from '../failure-line.js';
import { runFailure } from '../run-failure.js';
import type { BuildContext } from '../types.js';
import type { LinkedDependency, Pinned } from './entries.js';
import { mainEntries } from './entries.js';
import { flatName, packageDir, STORE } from './layout.js';
import { binEntries as readBins, installScripts } from '../../../importers/npm/facts/package-json.js';
import type { PackageInfo } from '../../../importers/npm/facts/package-json.js';
import { buildFromSource } from '../../../importers/npm/facts/prebuilds.js';

/** Constant paths inside the sandbox, so nothing about the host leaks into a build. */
const TOOLS = '/bale/bin';
const DEPBIN = '/bale/depbin';
const NODEDIR = '/bale/nodedir';
const BALE_MODULES = '/bale/node_modules';

/**
 * Keep only what a build made for running: the addons node-gyp puts in build/<config>/ and the
 * shared libraries they load from build/<config>/lib.target/, not objects, Makefiles or config.gypi
 * (which holds absolute paths).
 */
export function keepBuilt(e: PackEntry): boolean {
  if (e.path === 'build' || e.path.startsWith('build/')) {
    if (e.type === 'dir') return false;
    const parts = e.path.split('/');
    if (parts[2] === 'lib.target') return true;
    return parts.length === 3 && e.path.endsWith('.node');
  }
  return !(e.path === 'node_modules/.bin' || e.path.startsWith('node_modules/.bin/'));
}

/** Install the dependency closure's files (the `.bale` store part only) into the build root. */
async function installInputs(ctx: BuildContext, root: string): Promise<void> {
  for (const p of ctx.inputs) {
    const entries = await readTarGz(await readFile(p.file), { source: p.file });
    await writeEntries(
      entries.filter((e) => e.path === STORE || e.path.startsWith(`${STORE}/`)),
      root,
    );
  }
}

/** `node_modules/.bin` for the scripts: the direct dependencies' executables. */
async function linkDependencyBins(root: string, deps: LinkedDependency[], depbin: string): Promise<void> {
  for (const d of deps) {
    const dir = join(root, packageDir(d.name, d.version));
    let pj: Record<string, unknown>;
    try {
      pj = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8')) as Record<string, unknown>;
    } catch {
      continue;
    }
    for (const [bin, file] of Object.entries(readBins(pj, d.name, []))) {
      await symlink(posix.join(BUILD, packageDir(d.name, d.version), file), join(depbin, bin)).catch(() => undefined);
    }
  }
}

export interface InstallScriptEnvOptions {
  name: string;
  version: string;
  /** The recipe's `source_date_epoch`. */
  sourceDateEpoch: number;
  jobs: number;
  /** Whether the scripts are told to compile rather than download (prebuilds.ts). */
  buildFromSource: boolean;
  /** The recipe's `build.env`: last, so it wins. @defaultValue {} */
  recipeEnv?: Record<string, string>;
}

/**
 * The environment of a package's install scripts: every build's (sandbox/build-env.ts), then what
 * npm would set and node-gyp reads, then the recipe's `build.env`. Pure.
 */
export function installScriptEnv(o: InstallScriptEnvOptions): Record<string, string> {
  const node = `${TOOLS}/node`;
  return buildEnv(
    // The dependencies' executables (node_modules/.bin), then node and node-gyp.
    { sourceDateEpoch: o.sourceDateEpoch, jobs: o.jobs, path: [DEPBIN, TOOLS] },
    {
      // node-gyp runs gyp with this Python (the host's, bound with /usr).
      PYTHON: '/usr/bin/python3',
      // The package's own dir, where `npm install` would have been run from.
      INIT_CWD: posix.join(BUILD, packageDir(o.name, o.version)),
      NODE: node,
      npm_node_execpath: node,
      // Headers of the exact Node the build targets: node-gyp never downloads them.
      npm_config_nodedir: NODEDIR,
      // Told only to packages whose scripts would otherwise download a binary (prebuild-install, node-pre-gyp).
      ...(o.buildFromSource ? { npm_config_build_from_source: 'true' } : {}),
      npm_config_offline: 'true',
      npm_package_name: o.name,
      npm_package_version: o.version,
    },
    o.recipeEnv,
  );
}

/**
 * Run a package's install lifecycle (what `npm install` would run on a user's machine) once, at
 * build time, in the sandbox with no network, against one Node. Returns the package's files after.
 */
export async function buildWithScripts(
  ctx: BuildContext,
  pkg: Pinned,
  files: PackEntry[],
  info: PackageInfo,
  deps: LinkedDependency[],
  node: NodeInterpreter,
): Promise<PackEntry[]> {
  const { recipe } = ctx.node;
  const scripts = installScripts(info);
  const scratch = await makeScratch(join(ctx.cacheDir, 'tmp'), `${flatName(pkg.name)}@${pkg.version}-`);
  const work = scratch.dir;
  const root = join(work, 'root');
  const tools = join(work, 'tools');
  const depbin = join(work, 'depbin');
  const logDir = join(ctx.cacheDir, 'logs');
  const logFile = join(logDir, `${flatName(pkg.name)}@${pkg.version}-node${node.version}.log`);
  try {
    await Promise.all([mkdir(root, { recursive: true }), mkdir(tools), mkdir(depbin), mkdir(logDir, { recursive: true })]);
    // Bound read-only for a build that runs as another uid (as root): readable whatever bale's umask.
    await Promise.all([chmod(tools, 0o755), chmod(depbin, 0o755)]);
    await rm(logFile, { force: true });
    // The package's own files and its dependency links, exactly where the final package puts them.
    await writeEntries(mainEntries(pkg, files, deps, {}), root);
    await installInputs(ctx, root);
    await linkDependencyBins(root, deps, depbin);
    await writeFile(join(tools, 'node'), '');
    await writeFile(join(tools, 'node-gyp'), `#!/bin/sh\nexec ${TOOLS}/node ${BALE_MODULES}/node-gyp/bin/node-gyp.js "$@"\n`);
    await chmod(join(tools, 'node-gyp'), 0o755);
    const cwd = posix.join(BUILD, packageDir(pkg.name, pkg.version));
    const env = installScriptEnv({
      name: pkg.name,
      version: pkg.version,
      sourceDateEpoch: recipe.source_date_epoch,
      jobs: ctx.jobs,
      buildFromSource: buildFromSource(scripts),
      recipeEnv: recipe.build.env ?? {},
    });
    const mounts = [
      { host: root, sandbox: BUILD, writable: true },
      { host: tools, sandbox: TOOLS },
      { host: node.bin, sandbox: `${TOOLS}/node` },
      { host: depbin, sandbox: DEPBIN },
      { host: node.nodedir, sandbox: NODEDIR },
      { host: join(packageRoot(), 'node_modules'), sandbox: BALE_MODULES },
    ];
    const runner = await ctx.runner();
    const { limits } = ctx;
    for (const s of scripts) {
      const cmd: SandboxCommand = {
        argv: ['/bin/sh', '-c', s.script],
        env: { ...env, npm_lifecycle_event: s.event, npm_lifecycle_script: s.script },
        cwd,
        mounts,
        limits,
        logFile,
      };
      const r = await runner.run(cmd);
      if (r.exitCode !== 0) {
        const log = await readFile(logFile, 'utf8').catch(() => '');
        throw new UserError(
          'EBUILD',
          `${pkg.name}@${pkg.version} ${s.event} script failed for Node ${node.version} (${runFailure(r, limits, log)}): ${failureLine(log)}; full log: ${logFile}`,
        );
      }
    }
    const after = await readTree(join(root, packageDir(pkg.name, pkg.version)), { package: `${pkg.name}@${pkg.version}` });
    return after.filter(keepBuilt);
  } finally {
    await scratch.remove();
  }
}
