import { join } from 'node:path';
import pLimit from 'p-limit';
import type pacote from 'pacote';
import ssri from 'ssri';
import { TransientError } from '../../src/errors/index.js';
import type { Purl, Spec } from '../../src/purl/purl.js';
import type { Recipe } from '../../src/recipe/index.js';
import type { Importer, ImportOptions, Resolution } from '../importer.js';
import { Crawler } from './crawl.js';
import type { ResolvedNode } from './crawl.js';
import { sharedAgent } from './agent.js';
import { quickPackument } from './quick-fetch.js';
import { loadNpmOptions } from './npmrc.js';
import type { NpmOptions } from './npmrc.js';
import { PackumentSource } from './packuments.js';
import { matchOverride, strongestIntegrity, toRecipe } from './to-recipe.js';

/** Old versions carry only a sha1 shasum: fetch the tarball once (verified by it) and pin sha512. */
async function pinSha512(node: ResolvedNode, npmOptions: NpmOptions, cacheDir: string): Promise<string> {
  const strong = strongestIntegrity(node.manifest.dist.integrity);
  if (strong !== undefined) return strong;
  try {
    const { default: pacoteLib } = await import('pacote');
    const data = await pacoteLib.tarball(`${node.name}@${node.version}`, { ...npmOptions, cache: cacheDir } as pacote.Options);
    return ssri.fromData(data, { algorithms: ['sha512'] }).toString();
  } catch (err) {
    throw new TransientError('EREGISTRY', `cannot fetch ${node.name}@${node.version} to pin its sha512: ${err instanceof Error ? err.message : String(err)}`);
  }
}

export class NpmImporter implements Importer {
  readonly ecosystem = 'npm' as const;

  async resolveClosure(specs: Spec[], opts: ImportOptions): Promise<Resolution> {
    const base = loadNpmOptions(opts.registry !== undefined ? { registry: opts.registry } : {});
    const concurrency = opts.concurrency ?? 16;
    const agent = sharedAgent(base, concurrency);
    const npmOptions: NpmOptions = agent === undefined ? base : { ...base, agent };
    const cacheDir = join(opts.cacheDir, 'npm');
    const limit = pLimit(concurrency);
    try {
      const source = new PackumentSource(npmOptions, limit, (name) => quickPackument(name, base, agent));
      const crawler = new Crawler(
        source,
        (line) => opts.onNote?.(line),
        (resolved, discovered, current) => opts.onProgress?.({ resolved, discovered, current }),
      );
      const crawling = crawler.crawl(specs.map((s) => ({ name: s.name, range: s.range })));
      // Read the override table (and load its parser) while the crawl waits on the network.
      const overridesP = import('../../src/overrides/table.js').then((m) => m.loadOverrides('npm', opts.overridesDir));
      overridesP.catch(() => undefined);
      const closure = await crawling;
      const overrides = await overridesP;
      const nodes = [...closure.nodes.values()];
      const recipes: Recipe[] = await Promise.all(
        nodes.map(async (n) => toRecipe(n, await limit(() => pinSha512(n, npmOptions, cacheDir)), matchOverride(overrides, n.name, n.version))),
      );
      const roots: Purl[] = closure.roots.map((r) => ({ type: 'npm', name: r.name, version: r.version }));
      return { roots, recipes: recipes.sort((a, b) => (a.purl < b.purl ? -1 : a.purl > b.purl ? 1 : 0)) };
    } finally {
      agent?.destroy();
    }
  }
}
