import { pack } from '../packer/index.js';
import type { PackEntry, PackageManifest } from '../packer/index.js';
import type { PackageOutput } from '../store/index.js';
import { baleVersion } from '../util/package-root.js';
import type { RecipeNode } from './graph.js';
import type { Target } from './types.js';

export interface OutputSpec {
  /** Package name with its prefix: `node-express`, `node22-better-sqlite3-bin`. */
  name: string;
  entries: PackEntry[];
  depends: { name: string; version: string }[];
  /** Debian maintainer scripts left out (see PackageManifest.dropped_scripts). */
  droppedScripts?: string[];
}

/** Pack one output of a build and describe it: the same for every ecosystem. */
export async function assemble(node: RecipeNode, target: Target, spec: OutputSpec): Promise<PackageOutput> {
  const sde = node.recipe.source_date_epoch;
  const packed = await pack(spec.entries, { sourceDateEpoch: sde });
  const manifest: PackageManifest = {
    format: 1,
    name: spec.name,
    version: node.purl.version,
    purl: node.id,
    interpreter: target.interpreter,
    recipe_digest: node.digest,
    source_date_epoch: sde,
    depends: spec.depends,
    ...(spec.droppedScripts === undefined ? {} : { dropped_scripts: spec.droppedScripts }),
    builder: { bale: baleVersion(), node: process.versions.node, zlib: process.versions.zlib ?? 'unknown' },
    tar_sha256: packed.tarSha256,
    files: packed.files,
  };
  return { manifest, tgz: packed.tgz, sha256: packed.sha256 };
}
