/**
 * Compose at scale: 2,000 real packages (100 files each, 200,000 paths) in a local store, composed
 * into one image in-process (closure over the manifests' depends, every path checked for
 * conflicts, the canonical image file), against what a user would otherwise run to find files
 * owned twice: `tar -tzf` of every package | sort | uniq -d. Target: well under a second.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { closure, imageOf } from '../../src/image/compose.js';
import { formatImageFile } from '../../src/image/image-file.js';
import type { PackEntry } from '../../src/packer/entry.js';
import type { PackageManifest } from '../../src/packer/manifest.js';
import { pack } from '../../src/packer/pack.js';
import { LocalStore, type StoredPackage } from '../../src/store/index.js';
import { alternate, sh, type Pair } from './measure.js';

export interface ComposeBench {
  packages: number;
  files: number;
  pair: Pair;
}

const PACKAGES = 2000;
const FILES = 100;

async function populate(store: LocalStore): Promise<StoredPackage[]> {
  const roots: StoredPackage[] = [];
  for (let i = 0; i < PACKAGES; i++) {
    const name = `node-bench-${String(i).padStart(4, '0')}`;
    const entries: PackEntry[] = [];
    for (let f = 0; f < FILES - 1; f++)
      entries.push({
        path: `usr/lib/node_modules/bench-${i}/lib/f${f}.js`,
        type: 'file',
        mode: 0o644,
        data: Buffer.from(`module.exports = ${i * FILES + f};\n`),
      });
    entries.push({ path: 'usr/lib/node_modules/.bale', type: 'dir', mode: 0o755 }); // shared by all
    const packed = await pack(entries, { sourceDateEpoch: 1700000000 });
    // A chain of depends, so the closure walks every manifest from one root.
    const depends = i + 1 < PACKAGES ? [{ name: `node-bench-${String(i + 1).padStart(4, '0')}`, version: '1.0.0' }] : [];
    const manifest: PackageManifest = {
      format: 1,
      name,
      version: '1.0.0',
      purl: `pkg:npm/bench-${i}@1.0.0`,
      interpreter: null,
      recipe_digest: 'sha256-bench',
      source_date_epoch: 1700000000,
      depends,
      builder: { bale: 'bench', node: process.versions.node, zlib: process.versions.zlib },
      tar_sha256: packed.tarSha256,
      files: packed.files,
    };
    const [stored] = await store.importPackages([{ manifest, tgz: packed.tgz, sha256: packed.sha256 }]);
    if (i === 0) roots.push(stored!);
  }
  return roots;
}

export async function benchCompose(runs: number): Promise<ComposeBench> {
  const dir = await mkdtemp(path.join(tmpdir(), 'bale-bench-compose-'));
  try {
    const store = new LocalStore(path.join(dir, 'store'));
    const roots = await populate(store);
    let files = 0;
    const bale = async (): Promise<void> => {
      // A fresh store each time: nothing cached from the previous run.
      const fresh = new LocalStore(store.root);
      const packages = await closure(roots, fresh);
      const image = imageOf('bench', '1', packages);
      formatImageFile(image);
      files = packages.reduce((n, p) => n + p.manifest.files.length, 0);
      if (packages.length !== PACKAGES) throw new Error(`closure has ${packages.length} packages`);
    };
    const tar = async (): Promise<void> => {
      const script = `cd ${JSON.stringify(path.join(dir, 'store', 'packages'))} && for f in *.tar.gz; do tar -tzf "$f"; done | grep -v '/$' | sort | uniq -d | wc -l`;
      const dupes = (await sh('/bin/sh', ['-c', script])).trim();
      if (dupes !== '0') throw new Error(`tar found ${dupes} duplicate paths`);
    };
    const pair = await alternate(runs, bale, tar);
    return { packages: PACKAGES, files, pair };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
