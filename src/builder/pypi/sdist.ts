import { mkdir, readFile, readdir, rm } from 'node:fs/promises';
import { makeScratch } from '../../util/scratch.js';
import { join, posix } from 'node:path';
import { readTarGz, readZip, writeEntries } from '../../archive/index.js';
import { UserError } from '../../errors/index.js';
import type { PythonInterpreter } from '../../interpreters/python.js';
import type { PackEntry } from '../../packer/entry.js';
import type { RecipeSource } from '../../recipe/index.js';
import type { BuildContext } from '../types.js';
import { sitePackages } from './layout.js';
import { BUILD_DIR as BUILD, buildEnv } from '../../sandbox/build-env.js';
import { runFailure } from '../run-failure.js';
import { failureLine } from '../failure-line.js';

/**
 * PEP 517 in a few lines: import the backend (after its backend-path), build one wheel into the
 * output folder, print its name. Runs with the build requirements on PYTHONPATH and nothing else.
 */
const DRIVER = [
  'import importlib, json, os, sys',
  'backend, paths, out = sys.argv[1], json.loads(sys.argv[2]), sys.argv[3]',
  'for p in reversed(paths): sys.path.insert(0, os.path.abspath(p))',
  "mod, _, attr = backend.partition(':')",
  'b = importlib.import_module(mod)',
  "for a in filter(None, attr.split('.')): b = getattr(b, a)",
  'print(b.build_wheel(out, json.loads(sys.argv[4])))',
].join('\n');

export interface BuildSystemSpec {
  backend: string;
  backendPath: string[];
}

/** pyproject.toml's [build-system] backend as the sdist declares it (the importer pinned the requirements). */
export function backendOf(entries: PackEntry[]): BuildSystemSpec {
  const pyproject = entries.find((e) => e.path === 'pyproject.toml' && e.type === 'file');
  const legacy = { backend: 'setuptools.build_meta:__legacy__', backendPath: [] };
  if (pyproject?.data === undefined) return legacy;
  const text = pyproject.data.toString('utf8');
  const section = /^\[build-system\]\s*$([\s\S]*?)(?=^\[|(?![\s\S]))/m.exec(text)?.[1] ?? '';
  const backend = /^build-backend\s*=\s*["']([^"']+)["']/m.exec(section)?.[1];
  const pathList = /^backend-path\s*=\s*\[([^\]]*)\]/m.exec(section)?.[1];
  const backendPath = pathList === undefined ? [] : [...pathList.matchAll(/["']([^"']+)["']/g)].map((m) => m[1]!);
  return backend === undefined ? legacy : { backend, backendPath };
}

/** PEP 517 config settings from the recipe's `KEY=VALUE` flags; a repeated key becomes a list. */
export function configSettings(flags: readonly string[]): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const f of flags) {
    const eq = f.indexOf('=');
    const [k, v] = eq < 0 ? [f, ''] : [f.slice(0, eq), f.slice(eq + 1)];
    const prev = out[k];
    out[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
  }
  return out;
}

/**
 * The environment of a PEP 517 build: every build's (sandbox/build-env.ts), then Python's own
 * isolation, then the recipe's `build.env`. Pure.
 */
export function sdistBuildEnv(o: {
  pythonVersion: string;
  sourceDateEpoch: number;
  jobs: number;
  recipeEnv?: Record<string, string>;
}): Record<string, string> {
  return buildEnv(
    { sourceDateEpoch: o.sourceDateEpoch, jobs: o.jobs },
    {
      // No ~/.local site dir: the pinned build requirements are the only importable code.
      PYTHONNOUSERSITE: '1',
      // Their packages' site-packages, unpacked under the build dir.
      PYTHONPATH: posix.join(BUILD, 'env', sitePackages(o.pythonVersion)),
    },
    o.recipeEnv,
  );
}

/**
 * Build an sdist into a wheel inside the sandbox: no network, a constant path, the pinned build
 * requirements' packages as the only importable code. Returns the wheel's entries.
 */
export async function buildSdist(
  ctx: BuildContext,
  source: RecipeSource,
  data: Buffer,
  py: PythonInterpreter,
): Promise<{ entries: PackEntry[]; filename: string }> {
  const { node } = ctx;
  const name = `${node.purl.name}-${node.purl.version}`;
  const { limits } = ctx;
  const src = source.filename?.endsWith('.zip')
    ? await readZip(data, { source: source.url, limits })
    : await readTarGz(data, { source: source.url, stripComponents: 1, limits });
  // A zip sdist has a top folder too; drop it like tar's strip.
  const files = source.filename?.endsWith('.zip')
    ? src.map((e) => ({ ...e, path: e.path.split('/').slice(1).join('/') })).filter((e) => e.path !== '')
    : src;
  const scratch = await makeScratch(join(ctx.cacheDir, 'tmp'), `${name}-py${py.version}-`);
  const work = scratch.dir;
  const root = join(work, 'root');
  const logDir = join(ctx.cacheDir, 'logs');
  const logFile = join(logDir, `${name}-py${py.fullVersion}.log`);
  try {
    await mkdir(join(root, 'out'), { recursive: true });
    await mkdir(logDir, { recursive: true });
    await rm(logFile, { force: true });
    await writeEntries(
      files.map((e) => ({ ...e, path: `src/${e.path}` })),
      root,
    );
    const site = sitePackages(py.version);
    for (const p of ctx.inputs) {
      const entries = await readTarGz(await readFile(p.file), { source: p.file });
      await writeEntries(
        entries.filter((e) => e.path === site || e.path.startsWith(`${site}/`)).map((e) => ({ ...e, path: `env/${e.path}` })),
        root,
      );
    }
    const { backend, backendPath } = backendOf(files);
    const env = sdistBuildEnv({
      pythonVersion: py.version,
      sourceDateEpoch: node.recipe.source_date_epoch,
      jobs: ctx.jobs,
      recipeEnv: node.recipe.build.env ?? {},
    });
    const runner = await ctx.runner();
    const r = await runner.run({
      argv: [
        py.bin,
        '-c',
        DRIVER,
        backend,
        JSON.stringify(backendPath),
        posix.join(BUILD, 'out'),
        JSON.stringify(configSettings(node.recipe.build.flags ?? [])),
      ],
      env,
      cwd: posix.join(BUILD, 'src'),
      mounts: [
        { host: root, sandbox: BUILD, writable: true },
        // The interpreter at its own path: its prefix is compiled into it.
        { host: py.prefix, sandbox: py.prefix },
      ],
      limits,
      logFile,
    });
    if (r.exitCode !== 0) {
      const log = await readFile(logFile, 'utf8').catch(() => '');
      throw new UserError(
        'EBUILD',
        `building ${node.id} from its sdist failed for Python ${py.fullVersion} (${runFailure(r, limits, log)}): ${failureLine(log)}; full log: ${logFile}`,
      );
    }
    const wheels = (await readdir(join(root, 'out'))).filter((f) => f.endsWith('.whl'));
    if (wheels.length !== 1)
      throw new UserError(
        'EBUILD',
        `building ${node.id} for Python ${py.fullVersion} produced ${wheels.length} wheels, expected one; full log: ${logFile}`,
      );
    const filename = wheels[0]!;
    return { entries: await readZip(await readFile(join(root, 'out', filename)), { source: filename, limits }), filename };
  } finally {
    await scratch.remove();
  }
}
