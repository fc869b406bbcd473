import { join } from 'node:path';
import pLimit from 'p-limit';
import type pacote from 'pacote';
import ssri from 'ssri';
import { BaleError, redactUrls, TransientError } from '../../src/errors/index.js';
import { type PacoteCall, withPacoteBounds } from '../../src/http/pacote.js';
import { httpTimeouts, type HttpTimeouts } from '../../src/http/timeouts.js';
import type { Purl, Spec } from '../../src/purl/purl.js';
import type { Recipe } from '../../src/recipe/index.js';
import type { Importer, ImportOptions, Resolution } from '../importer.js';
import type { Closure, ResolvedNode } from './closure.js';
import { keepResolvingSpecs } from '../keep-going.js';
import { IdealTree } from './ideal-tree.js';
import { NodeTargets } from './node-targets.js';
import { sharedAgent } from './agent.js';
import { quickPackument } from './quick-fetch.js';
import { loadNpmOptions } from './npmrc.js';
import type { NpmOptions } from './npmrc.js';
import { PackumentSource } from './packuments.js';
import { matchOverride, strongestIntegrity, toRecipe } from './to-recipe.js';
import { buildFacts, lazyFetcher, tarballFacts } from './build-facts.js';
import { loadModule } from '../../src/util/load-module.js';

/**
 * Old versions carry only a sha1 shasum (or an md5 integrity): fetch the tarball once, verified by
 * it, and pin sha512. A mismatch is the registry's bytes, not the network: an IntegrityError.
 */
async function pinSha512(node: ResolvedNode, npmOptions: NpmOptions, cacheDir: string, t: HttpTimeouts): Promise<string> {
  const strong = strongestIntegrity(node.manifest.dist.integrity);
  if (strong !== undefined) return strong;
  const what = `npm package ${node.name}@${node.version}`;
  const url = node.manifest.dist.tarball;
  try {
    const { default: pacoteLib } = await loadModule<{ default: typeof import('pacote') }>('pacote');
    const call: PacoteCall = { timeouts: t, what, url, subject: `${redactUrls(url)} (${what})`, code: 'EREGISTRY' };
    const data = await withPacoteBounds(call, (bounds) =>
      pacoteLib.tarball(`${node.name}@${node.version}`, { ...npmOptions, cache: cacheDir, ...bounds } as pacote.Options),
    );
    return ssri.fromData(data, { algorithms: ['sha512'] }).toString();
  } catch (err) {
    if (err instanceof BaleError) throw err;
    throw new TransientError('EREGISTRY', `cannot fetch ${what} to pin its sha512: ${err instanceof Error ? err.message : String(err)}`, {
      cause: err,
    });
  }
}

export class NpmImporter implements Importer {
  readonly ecosystem = 'npm' as const;

  async resolveClosure(specs: Spec[], opts: ImportOptions): Promise<Resolution> {
    const base = loadNpmOptions(opts.registry !== undefined ? { registry: opts.registry } : {});
    const concurrency = opts.concurrency ?? 16;
    const metadata = httpTimeouts('metadata');
    const sources = httpTimeouts('source');
    const agent = sharedAgent(base, concurrency, metadata);
    const npmOptions: NpmOptions = agent === undefined ? base : { ...base, agent };
    const cacheDir = join(opts.cacheDir, 'npm');
    const limit = pLimit(concurrency);
    // The few tarballs read at import go to the source cache the builder reads.
    const tarballs = lazyFetcher(opts.cacheDir);
    try {
      const source = new PackumentSource(
        npmOptions,
        limit,
        (name, deadline) => quickPackument(name, base, agent, metadata, deadline),
        metadata,
      );
      // For npm the matrix is --node: versions are chosen for those Nodes (default the running one).
      const targets = NodeTargets.from(opts.interpreters);
      // A tree per attempt (keep-going.ts), one source for all: each packument is fetched once; each note said once.
      const said = new Set<string>();
      const note = (line: string): void => {
        if (!said.has(line)) opts.onNote?.(line);
        said.add(line);
      };
      const tree = (): IdealTree =>
        new IdealTree(
          source,
          targets,
          note,
          (resolved, discovered, current) => opts.onProgress?.({ resolved, discovered, current }),
          opts.pinned,
        );
      const grow = (some: Spec[]): Promise<Closure> => tree().build(some.map((s) => ({ name: s.name, range: s.range })));
      const checker = tree(); // one for every root's own check: a root's pick is made once
      const crawling = keepResolvingSpecs(specs, opts.keepGoing, grow, (s) => checker.checkRootAlone(s));
      // Read the override table (and load its parser) while the crawl waits on the network.
      const overridesP = import('../../src/overrides/table.js').then((m) => m.loadOverrides('npm', opts.overridesDir));
      overridesP.catch(() => undefined);
      const { value, rootFailures } = await crawling;
      const failed = rootFailures.length > 0 ? { rootFailures } : {};
      if (value === undefined) return { roots: [], recipes: [], ...failed };
      const closure = value;
      const overrides = await overridesP;
      const nodes = [...closure.nodes.values()];
      const recipes: Recipe[] = await Promise.all(
        nodes.map(async (n) => {
          const integrity = await limit(() => pinSha512(n, npmOptions, cacheDir, sources));
          const override = matchOverride(overrides, n.name, n.version);
          const facts = await buildFacts(n, closure.nodes, override, () =>
            limit(async () => tarballFacts(n, integrity, await tarballs.get())),
          );
          return toRecipe(n, integrity, override, facts);
        }),
      );
      const roots: Purl[] = closure.roots.map((r) => ({ type: 'npm', name: r.name, version: r.version }));
      return { roots, recipes: recipes.sort((a, b) => (a.purl < b.purl ? -1 : a.purl > b.purl ? 1 : 0)), ...failed };
    } finally {
      agent?.destroy();
      await tarballs.close();
    }
  }
}
