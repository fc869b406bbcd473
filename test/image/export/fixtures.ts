/**
 * Test inputs for the exports: real bale packages made with the packer on small trees, written
 * to a temp directory with the manifest a build would give them, and images naming them.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { execa } from 'execa';
import type { ImageFile, ResolvedPackage } from '../../../src/image/types.js';
import type { PackEntry } from '../../../src/packer/entry.js';
import type { PackageManifest } from '../../../src/packer/manifest.js';
import { pack } from '../../../src/packer/pack.js';

export const EPOCH_A = 1700000000; // 2023-11-14T22:13:20Z
export const EPOCH_B = 1700000500; // 2023-11-14T22:21:40Z

export interface PackageSpec {
  name: string;
  version: string;
  entries: PackEntry[];
  depends?: { name: string; version: string }[];
  epoch?: number;
}

const file = (path: string, text: string, mode = 0o644): PackEntry => ({ path, type: 'file', mode, data: Buffer.from(text) });

/** node-a: a plain library. */
export const specA: PackageSpec = {
  name: 'node-a',
  version: '1.0.0',
  epoch: EPOCH_A,
  entries: [
    file('usr/lib/node_modules/a/index.js', "module.exports = 'a';\n"),
    file('usr/lib/node_modules/a/package.json', '{"name":"a","version":"1.0.0"}\n'),
  ],
};

/** node-b: depends on node-a (and on a package no image here holds), ships an executable and a symlink to it. */
export const specB: PackageSpec = {
  name: 'node-b',
  version: '2.0.0',
  epoch: EPOCH_B,
  depends: [
    { name: 'node-a', version: '1.0.0' },
    { name: 'node-missing', version: '9.9.9' },
  ],
  entries: [
    file('usr/lib/node_modules/b/index.js', "#!/usr/bin/env node\nrequire('a');\n", 0o755),
    file('usr/lib/node_modules/b/lib/util.js', 'exports.x = 1;\n'),
    { path: 'usr/bin/tool', type: 'symlink', mode: 0o777, target: '../lib/node_modules/b/index.js' },
    { path: 'usr/share/doc/b', type: 'dir', mode: 0o755 },
  ],
};

export async function tempDir(t: TestContext, label = 'bale-export-'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), label));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** Pack `spec` into `dir` as a store would hold it; returns the resolved package. */
export async function makePackage(dir: string, spec: PackageSpec): Promise<ResolvedPackage> {
  const epoch = spec.epoch ?? EPOCH_A;
  const packed = await pack(spec.entries, { sourceDateEpoch: epoch });
  const purl = `pkg:npm/${spec.name.replace(/^node-/, '')}@${spec.version}`;
  const manifest: PackageManifest = {
    format: 1,
    name: spec.name,
    version: spec.version,
    purl,
    interpreter: null,
    recipe_digest: 'sha256:test',
    source_date_epoch: epoch,
    depends: spec.depends ?? [],
    builder: { bale: '0.0.0-test', node: process.versions.node, zlib: process.versions.zlib ?? 'unknown' },
    tar_sha256: packed.tarSha256,
    files: packed.files,
  };
  const path = join(dir, `${spec.name}-${spec.version}-${packed.sha256.slice(0, 12)}.tar.gz`);
  await writeFile(path, packed.tgz);
  return {
    name: spec.name,
    version: spec.version,
    sha256: packed.sha256,
    size: packed.tgz.length,
    tar_sha256: packed.tarSha256,
    purl,
    file: path,
    manifest,
  };
}

export function imageOf(name: string, tag: string, packages: readonly ResolvedPackage[]): ImageFile {
  const list = packages.map(({ name: n, version, sha256, size, tar_sha256, purl }) => ({
    name: n,
    version,
    sha256,
    size,
    tar_sha256,
    purl,
  }));
  list.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.version < b.version ? -1 : a.version > b.version ? 1 : 0));
  return { format: 1, name, tag, packages: list };
}

/** A real tool with a fixed environment; a missing tool fails the test naming the Debian package. */
export async function tool(cmd: string, args: string[], cwd?: string): Promise<{ stdout: string; stdoutBytes: Buffer }> {
  try {
    const r = await execa(cmd, args, {
      cwd,
      encoding: 'buffer',
      env: { LC_ALL: 'C', TZ: 'UTC', PATH: process.env.PATH, HOME: process.env.HOME },
      extendEnv: false,
    });
    const bytes = Buffer.from(r.stdout);
    return { stdout: bytes.toString('utf8'), stdoutBytes: bytes };
  } catch (err) {
    if ((err as { code?: string }).code === 'ENOENT') throw new Error(`${cmd} is not installed: apt-get install -y ${cmd}`);
    throw err;
  }
}
