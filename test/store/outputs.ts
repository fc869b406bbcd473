/** Test helpers: real packages made with pack(), and throwaway store roots. */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import type { PackageManifest } from '../../src/packer/manifest.js';
import { pack } from '../../src/packer/pack.js';
import type { PackageOutput } from '../../src/store/store.js';

const EPOCH = 1700000000;

/** A real package holding one file whose text is `content`. */
export async function makeOutput(name: string, version: string, content = `${name} ${version}\n`): Promise<PackageOutput> {
  const r = await pack([{ path: `usr/share/${name}/VERSION`, type: 'file', mode: 0o644, data: Buffer.from(content) }], {
    sourceDateEpoch: EPOCH,
  });
  const manifest: PackageManifest = {
    format: 1,
    name,
    version,
    purl: `pkg:npm/${name}@${version}`,
    interpreter: null,
    recipe_digest: 'sha256-test',
    source_date_epoch: EPOCH,
    depends: [],
    builder: { bale: '0.1.0', node: process.versions.node, zlib: process.versions.zlib },
    tar_sha256: r.tarSha256,
    files: r.files,
  };
  return { manifest, tgz: r.tgz, sha256: r.sha256 };
}

export async function storeRoot(t: TestContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'bale-store-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return join(dir, 'store');
}

/** Every file under `dir`, relative, sorted. */
export async function allFiles(dir: string): Promise<string[]> {
  const found = await readdir(dir, { recursive: true, withFileTypes: true });
  return found
    .filter((d) => d.isFile())
    .map((d) => join(d.parentPath, d.name).slice(dir.length + 1))
    .sort();
}
