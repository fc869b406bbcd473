/**
 * The registry index (issue 15) at 200 images in a real docker-registry: `bale who-uses` with a
 * range, cold (no index cache: every manifest fetched) against warm (the index cached: listings
 * and one HEAD per tag, no manifest GET), both as a user runs them (the CLI, node start
 * included); and in-process, the walk with no cache (who-uses before the index) against a cold and a warm
 * index reading.
 *
 * 120 packages (60 names, two versions each) are packed and pushed once; each image holds 30 of
 * the names, one version each, so a manifest has 30 annotated layers (with dev.bale.depends).
 *
 * Run: `npm run build && node dist/test/bench/registry-index.js [runs]`.
 */
import { createReadStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { imageOf } from '../../src/image/compose.js';
import { ociConfig, ociManifest } from '../../src/image/export/index.js';
import { formatImageFile } from '../../src/image/image-file.js';
import { pushImage } from '../../src/image/registry/push.js';
import { readRegistryIndex } from '../../src/image/registry/registry-index.js';
import type { ImageFile, ResolvedPackage } from '../../src/image/types.js';
import { imageRepo, MediaType, packagesRepo, sha256Digest } from '../../src/oci/index.js';
import type { PackageManifest } from '../../src/packer/manifest.js';
import { pack } from '../../src/packer/pack.js';
import { parseRegistryUrl, RegistryClient } from '../../src/registry/index.js';
import { LocalStore } from '../../src/store/index.js';
import { BALE_BIN } from '../helpers/cli.js';
import { startOciRegistry } from '../helpers/oci-registry.js';
import { alternate, sh, timeIt, type Pair } from './measure.js';

export interface RegistryIndexBench {
  images: number;
  layersPerImage: number;
  /** CLI: warm (a) against cold (b). */
  cli: Pair;
  /** In-process seconds: the walk with no cache, a cold and a warm index reading (medians). */
  walk: number;
  cold: number;
  warm: number;
  pushSeconds: number;
}

const NS = 'bale';
const IMAGES = 200;
const NAMES = 60;
const PER_IMAGE = 30;
const pad = (i: number): string => String(i).padStart(2, '0');

async function packages(store: LocalStore, dir: string): Promise<ResolvedPackage[][]> {
  const byName: ResolvedPackage[][] = [];
  for (let n = 0; n < NAMES; n++) {
    const versions: ResolvedPackage[] = [];
    for (const version of ['1.0.0', '1.10.0']) {
      const name = `node-bench-${pad(n)}`;
      const packed = await pack(
        [
          {
            path: `usr/lib/node_modules/.bale/bench-${pad(n)}@${version}/index.js`,
            type: 'file',
            mode: 0o644,
            data: Buffer.from(`${n} ${version}\n`),
          },
        ],
        { sourceDateEpoch: 1700000000 },
      );
      // Each depends on the next name, so the layers carry dev.bale.depends as real ones do.
      const depends = n + 1 < NAMES ? [{ name: `node-bench-${pad(n + 1)}`, version }] : [];
      const manifest: PackageManifest = {
        format: 1,
        name,
        version,
        purl: `pkg:npm/bench-${pad(n)}@${version}`,
        interpreter: null,
        recipe_digest: 'sha256-bench',
        source_date_epoch: 1700000000,
        depends,
        builder: { bale: 'bench', node: process.versions.node, zlib: process.versions.zlib },
        tar_sha256: packed.tarSha256,
        files: packed.files,
      };
      const [stored] = await store.importPackages([{ manifest, tgz: packed.tgz, sha256: packed.sha256 }]);
      if (stored === undefined) throw new Error(`${name} ${version} was not stored under ${dir}`);
      versions.push({ ...stored, tar_sha256: packed.tarSha256, purl: manifest.purl, manifest });
    }
    byName.push(versions);
  }
  return byName;
}

/**
 * The first images holding each package go through bale's push (packages, artifacts, image file);
 * the others, whose packages are all there, as push writes them (layers mounted, config, the
 * manifest from ociManifest, the same bytes) without pushing every package again, 4 at once.
 */
async function pushAll(client: RegistryClient, store: LocalStore, byName: ResolvedPackage[][]): Promise<void> {
  const pushed = new Set<string>();
  const rest: { image: ImageFile; chosen: ResolvedPackage[] }[] = [];
  for (let i = 0; i < IMAGES; i++) {
    const chosen: ResolvedPackage[] = [];
    for (let k = 0; k < PER_IMAGE; k++) {
      const n = (i + k) % NAMES;
      chosen.push(byName[n]![(i >> 1) % 2 === 0 || n % 3 === 0 ? 0 : 1]!);
    }
    const image = imageOf(`img-${String(i).padStart(3, '0')}`, '1', chosen);
    if (chosen.every((p) => pushed.has(p.sha256))) rest.push({ image, chosen });
    else {
      await pushImage(client, NS, image, formatImageFile(image), Buffer.from('unsigned bench image\n'), chosen, store);
      for (const p of chosen) pushed.add(p.sha256);
    }
  }
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let x = rest[next++]; x !== undefined; x = rest[next++]) {
      const repo = imageRepo(NS, x.image.name);
      for (const p of x.chosen) {
        await client.pushBlob(repo, `sha256:${p.sha256}`, () => createReadStream(p.file), { size: p.size, from: packagesRepo(NS) });
      }
      const config = ociConfig(x.image, x.chosen);
      await client.pushBlob(repo, sha256Digest(config), config);
      await client.putManifest(repo, x.image.tag, ociManifest(x.image, x.chosen, config), MediaType.ociManifest);
    }
  };
  await Promise.all([worker(), worker(), worker(), worker()]);
}

export async function benchRegistryIndex(runs: number): Promise<RegistryIndexBench> {
  const dir = await mkdtemp(path.join(tmpdir(), 'bale-bench-regindex-'));
  const reg = await startOciRegistry();
  const client = new RegistryClient(parseRegistryUrl(reg.url).registry);
  try {
    const store = new LocalStore(path.join(dir, 'store'));
    const byName = await packages(store, dir);
    const pushSeconds = await timeIt(() => pushAll(client, store, byName));
    const ns = `${reg.url}/bale`;
    const whoUses = (cache: string) =>
      sh(process.execPath, [BALE_BIN, 'who-uses', 'pkg:npm/bench-07@<1.10.0', '--registry', ns, '--count', '--json'], {
        env: { XDG_CACHE_HOME: cache },
      });
    const warmCache = path.join(dir, 'warm');
    let coldRun = 0;
    const cli = await alternate(
      runs,
      () => whoUses(warmCache),
      () => whoUses(path.join(dir, `cold-${coldRun++}`)),
    );
    const times = { walk: [] as number[], cold: [] as number[], warm: [] as number[] };
    const warmDir = path.join(dir, 'warm-in-process');
    await readRegistryIndex(client, NS, { cacheDir: warmDir });
    for (let r = 0; r < runs; r++) {
      times.walk.push(
        await timeIt(async () => {
          const { layers } = await readRegistryIndex(client, NS); // no cache dir: every manifest fetched
          const named = layers.filter((l) => l.name !== undefined).length;
          if (named !== IMAGES * PER_IMAGE) throw new Error(`the walk found ${named} layers`);
        }),
      );
      times.cold.push(await timeIt(() => readRegistryIndex(client, NS, { cacheDir: path.join(dir, `cold-in-process-${r}`) })));
      times.warm.push(await timeIt(() => readRegistryIndex(client, NS, { cacheDir: warmDir })));
    }
    const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    return {
      images: IMAGES,
      layersPerImage: PER_IMAGE,
      cli,
      walk: median(times.walk),
      cold: median(times.cold),
      warm: median(times.warm),
      pushSeconds,
    };
  } finally {
    await client.close();
    await reg.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const runs = Number(process.argv[2] ?? '5');
  const r = await benchRegistryIndex(runs);
  const s = (x: number): string => `${x.toFixed(3)} s`;
  console.log(
    `registry index: ${r.images} images x ${r.layersPerImage} layers in a real docker-registry (pushed in ${r.pushSeconds.toFixed(1)} s), ${runs} runs, medians`,
  );
  console.log(
    `  bale who-uses 'pkg:npm/bench-07@<1.10.0' --count: warm index ${s(r.cli.a)}, cold (no cache) ${s(r.cli.b)}, warm/cold ${r.cli.ratio.toFixed(2)}`,
  );
  console.log(`  in-process: walk with no cache ${s(r.walk)}, index cold ${s(r.cold)}, index warm ${s(r.warm)}`);
}
