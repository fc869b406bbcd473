import { readFile } from 'node:fs/promises';
import { makeScratch } from '../../util/scratch.js';
import { join, posix } from 'node:path';
import { readTarGz, writeEntries } from '../../archive/index.js';
import type { RubyInterpreter } from '../../interpreters/ruby.js';
import type { PackageOutput } from '../../store/index.js';
import { dropMatching } from '../drop.js';
import { applies, assembleWithBin, minorOf, sourceFor } from '../matrix.js';
import type { RecipeGraph, RecipeNode } from '../graph.js';
import type { BuildContext, BuildDependency, EcosystemBuilder, Target, TargetRequest } from '../types.js';
import { BUILD_DIR as BUILD } from '../../sandbox/build-env.js';
import { installGem } from './install.js';
import { gemDir, gemFullName, gemInstallDir, rubyPackageName } from './layout.js';

/** Where a build's dependency gems are visible in the sandbox (read-only). */
const DEP_GEMS = '/bale/gemdeps';

/** `nokogiri-1.16.0-x86_64-linux.gem` -> `x86_64-linux`; `rack-3.0.8.gem` -> `ruby`. */
export function gemPlatformOf(filename: string, name: string, version: string): string {
  const stem = filename.replace(/\.gem$/, '');
  const base = `${name}-${version}`;
  return stem.startsWith(`${base}-`) ? stem.slice(base.length + 1) : 'ruby';
}

/** Gems: `gem install --local` of the pinned .gem into the FHS gem dir, in the sandbox, per Ruby. */
export class GemBuilder implements EcosystemBuilder {
  readonly ecosystem = 'gem' as const;
  private rubies: Promise<Map<string, RubyInterpreter>> | undefined;

  private found(): Promise<Map<string, RubyInterpreter>> {
    this.rubies ??= import('../../interpreters/ruby.js').then(async (m) => new Map((await m.discoverRubies()).map((r) => [r.version, r])));
    return this.rubies;
  }

  async targets(node: RecipeNode, request: TargetRequest): Promise<Target[]> {
    const imported = node.recipe.build.interpreters;
    const wanted = request.ruby.length > 0 ? request.ruby.filter((v) => imported.includes(v)) : imported;
    const found = await this.found();
    const missing = wanted.filter((v) => !found.has(v));
    if (missing.length > 0) {
      const { missingRubiesError } = await import('../../interpreters/ruby.js');
      throw missingRubiesError(missing, [...found.values()]);
    }
    return wanted.map((v) => {
      const r = found.get(v)!;
      // RubyGems writes its version into the installed gemspec: part of the build's identity.
      return {
        id: `ruby${r.fullVersion}-rubygems${r.rubygemsVersion}`,
        prefix: `ruby${v}`,
        interpreter: { kind: 'ruby', version: r.fullVersion, abi: r.abi },
      };
    });
  }

  /**
   * Dependencies are packages of their own and `gem install --ignore-dependencies` needs none of
   * them, except where an extension is compiled (the importer read `extensions` from the gem, or
   * the override table gives it native build packages): an extconf.rb may require the gem's own
   * dependencies (nokogiri's mini_portile2, pkg-config), so their packages go on GEM_PATH for the
   * build. Pure gems build without waiting for anything.
   */
  buildDependencies(node: RecipeNode, target: Target, graph: RecipeGraph): BuildDependency[] {
    const compiles = node.recipe.build.reasons.includes('extension') || (node.recipe.native?.build ?? []).length > 0;
    if (!compiles) return [];
    const v = minorOf(target);
    return graph.closureOf(node.id, (d) => applies(d, v)).map((n) => ({ purl: n.id, target }));
  }

  /** The build dependencies' gem dirs, unpacked for the sandbox; undefined when there are none. */
  private async dependencyGems(ctx: BuildContext, abi: string): Promise<{ dir: string; cleanup: () => Promise<void> } | undefined> {
    if (ctx.inputs.length === 0) return undefined;
    const scratch = await makeScratch(join(ctx.cacheDir, 'tmp'), `${ctx.node.purl.name}-gemdeps-`);
    const dir = scratch.dir;
    const gems = gemDir(abi);
    for (const p of ctx.inputs) {
      const entries = await readTarGz(await readFile(p.file), { source: p.file });
      await writeEntries(
        entries.filter((e) => e.path === gems || e.path.startsWith(`${gems}/`)),
        dir,
      );
    }
    return { dir, cleanup: scratch.remove };
  }

  async build(ctx: BuildContext): Promise<PackageOutput[]> {
    const { node, target } = ctx;
    const v = minorOf(target);
    const ruby = (await this.found()).get(v)!;
    const src = sourceFor(node, v, 'Ruby', '--ruby');
    const data = await ctx.sources.fetch({ url: src.url, integrity: src.integrity });
    const filename = src.filename ?? src.url.slice(src.url.lastIndexOf('/') + 1);
    const deps = await this.dependencyGems(ctx, ruby.abi);
    const stagingGems = posix.join(BUILD, 'root', gemDir(ruby.abi));
    const depGems = posix.join(DEP_GEMS, gemDir(ruby.abi));
    const installed = await installGem({
      gemFile: data,
      name: node.purl.name,
      version: node.purl.version,
      platform: gemPlatformOf(filename, node.purl.name, node.purl.version),
      ruby,
      runner: await ctx.runner(),
      workDir: join(ctx.cacheDir, 'tmp'),
      sourceDateEpoch: node.recipe.source_date_epoch,
      buildFlags: node.recipe.build.flags ?? [],
      env: { ...(deps === undefined ? {} : { GEM_PATH: `${stagingGems}:${depGems}` }), ...(node.recipe.build.env ?? {}) },
      ...(deps === undefined ? {} : { mounts: [{ host: deps.dir, sandbox: DEP_GEMS }] }),
      logFile: join(ctx.cacheDir, 'logs', `${node.purl.name}-${node.purl.version}-ruby${ruby.fullVersion}.log`),
      jobs: ctx.jobs,
      limits: ctx.limits,
      source: filename,
    }).finally(() => deps?.cleanup());
    const platform = gemPlatformOf(filename, node.purl.name, node.purl.version);
    const main = dropMatching(
      installed.main,
      gemInstallDir(ruby.abi, gemFullName(node.purl.name, node.purl.version, platform)),
      node.recipe.build.drop ?? [],
    );
    return assembleWithBin(node, target, { main, bin: installed.bin, packageName: (name, bin) => rubyPackageName(name, v, bin) });
  }
}
