/**
 * Fixture npm packages: fixtures/npm/packages/<name>/<version>/ holds what would be published,
 * fixtures/npm/packages/<name>/meta.json the registry-level metadata. This module packs each version
 * like `npm pack` does and builds the catalogue the fixture registry serves.
 */
import { createCipheriv, createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { lstat, readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import semver from 'semver';
import tar from 'tar-stream';
import type { Header } from 'tar-stream';

/** npm pack's fixed mtime (pacote's tar-create-options), so a pack never depends on the clock. */
export const NPM_PACK_MTIME = new Date('1985-10-26T08:15:00.000Z');
/** Publish time of a version that meta.json does not date. */
export const DEFAULT_TIME = '2020-01-01T00:00:00.000Z';

export type Manifest = Record<string, unknown> & { name: string; version: string };
/** How the registry serves a version's tarball. */
export type ServeMode = 'normal' | 'tampered' | 'truncated';

export interface FixtureVersion {
  manifest: Manifest;
  /** The bytes the registry serves. */
  tarball: Buffer;
  /** What the packument advertises: from `tarball`, except for a tampered version. */
  integrity: string;
  shasum: string;
  serve: ServeMode;
  time: string;
}

export interface FixturePackage {
  name: string;
  versions: Map<string, FixtureVersion>;
  distTags: Record<string, string>;
}

/** A tar header: tar-stream fills in what is left out. */
export type TarHeader = Partial<Header> & { name: string };

/** One entry of a tarball, written exactly as given. */
export interface TarEntry {
  header: TarHeader;
  body?: Buffer;
}

/** One file of a package, relative to its root, with POSIX separators. */
export interface PackFile {
  path: string;
  body: Buffer;
  executable?: boolean;
}

function isBaleRoot(dir: string): boolean {
  const pj = path.join(dir, 'package.json');
  if (!existsSync(pj)) return false;
  try {
    return (JSON.parse(readFileSync(pj, 'utf8')) as { name?: unknown }).name === 'bale';
  } catch {
    return false;
  }
}

function walkUp(start: string): string | undefined {
  for (let dir = start; ; dir = path.dirname(dir)) {
    if (isBaleRoot(dir)) return dir;
    if (path.dirname(dir) === dir) return undefined;
  }
}

/** The bale checkout: $BALE_REPO_ROOT, else up from this file (compiled output may live elsewhere), else up from cwd. */
export function repoRoot(): string {
  const env = process.env['BALE_REPO_ROOT'];
  if (env) return path.resolve(env);
  const found = walkUp(path.dirname(fileURLToPath(import.meta.url))) ?? walkUp(process.cwd());
  if (!found) throw new Error('cannot find the bale checkout (package.json named "bale"): set BALE_REPO_ROOT');
  return found;
}

export function npmFixturesDir(): string {
  return path.join(repoRoot(), 'fixtures', 'npm');
}

/** sha512 SRI (what packuments call dist.integrity) and sha1 hex (dist.shasum). */
export function digests(bytes: Buffer): { integrity: string; shasum: string } {
  return {
    integrity: `sha512-${createHash('sha512').update(bytes).digest('base64')}`,
    shasum: createHash('sha1').update(bytes).digest('hex'),
  };
}

/** Writes the entries in the given order (no checks: hostile tarballs use this too), gzipped deterministically. */
export async function tarGz(entries: TarEntry[]): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  const done = (async () => {
    for await (const chunk of pack) chunks.push(chunk as Buffer);
  })();
  for (const { header, body } of entries) {
    await new Promise<void>((resolve, reject) => {
      const cb = (err?: Error | null): void => (err ? reject(err) : resolve());
      if (body === undefined) pack.entry(header, cb);
      else pack.entry(header, body, cb);
    });
  }
  pack.finalize();
  await done;
  const gz = gzipSync(Buffer.concat(chunks), { level: 9 });
  // The gzip header's OS byte is whatever zlib was built for: pin it to Unix.
  gz[9] = 3;
  return gz;
}

/** npm pack's layout: files only (no directory entries), under package/, sorted, fixed mtime, 0644/0755, root owner. */
export async function packFiles(files: PackFile[]): Promise<Buffer> {
  const sorted = [...files].sort((a, b) => Buffer.compare(Buffer.from(a.path), Buffer.from(b.path)));
  return tarGz(
    sorted.map((f) => ({
      header: {
        name: `package/${f.path}`,
        type: 'file',
        size: f.body.length,
        mode: f.executable ? 0o755 : 0o644,
        mtime: NPM_PACK_MTIME,
        uid: 0,
        gid: 0,
        uname: '',
        gname: '',
      },
      body: f.body,
    })),
  );
}

/** Reads a package directory: regular files only; the owner's execute bit decides 0755. */
export async function readPackageDir(dir: string, rel = ''): Promise<PackFile[]> {
  const out: PackFile[] = [];
  for (const name of await readdir(path.join(dir, rel))) {
    const relPath = rel ? `${rel}/${name}` : name;
    const st = await lstat(path.join(dir, relPath));
    if (st.isDirectory()) out.push(...(await readPackageDir(dir, relPath)));
    else if (st.isFile()) {
      out.push({ path: relPath, body: await readFile(path.join(dir, relPath)), executable: (st.mode & 0o100) !== 0 });
    } else throw new Error(`fixture ${dir}: ${relPath} is neither a file nor a directory`);
  }
  return out;
}

export async function packDir(dir: string): Promise<Buffer> {
  return packFiles(await readPackageDir(dir));
}

/** What the registry adds to package.json: npm's install-script rules (binding.gyp without install/preinstall means `node-gyp rebuild`). */
export function publishedManifest(pkg: Manifest, files: string[]): Manifest {
  const m: Manifest = { ...pkg };
  const scripts = (pkg['scripts'] ?? {}) as Record<string, unknown>;
  if (m['bundledDependencies'] !== undefined && m['bundleDependencies'] === undefined) {
    m['bundleDependencies'] = m['bundledDependencies'];
    delete m['bundledDependencies'];
  }
  const gyp = files.includes('binding.gyp') && pkg['gypfile'] !== false && !scripts['install'] && !scripts['preinstall'];
  if (gyp) m['gypfile'] = true;
  if (gyp || scripts['preinstall'] || scripts['install'] || scripts['postinstall']) m['hasInstallScript'] = true;
  return m;
}

export interface MetaJson {
  'dist-tags'?: Record<string, string>;
  deprecated?: Record<string, string>;
  time?: Record<string, string>;
  serve?: Record<string, ServeMode>;
  /** Versions published by a tool that adds neither `gypfile` nor `hasInstallScript` (unix-dgram@2.0.7's case). */
  unflagged?: string[];
}

/** Groups published versions by name; meta supplies dist-tags, deprecations, times and serve modes. */
export function addPackage(
  catalogue: Map<string, FixturePackage>,
  name: string,
  versions: { manifest: Manifest; tarball: Buffer }[],
  meta: MetaJson = {},
): void {
  const pkg: FixturePackage = { name, versions: new Map(), distTags: {} };
  for (const { manifest, tarball } of versions) {
    if (manifest.name !== name) throw new Error(`fixture ${name}@${manifest.version}: package.json names ${manifest.name}`);
    const serve = meta.serve?.[manifest.version] ?? 'normal';
    const deprecated = meta.deprecated?.[manifest.version];
    const advertised = serve === 'tampered' ? Buffer.concat([tarball, Buffer.from('the genuine bytes')]) : tarball;
    pkg.versions.set(manifest.version, {
      manifest: deprecated === undefined ? manifest : { ...manifest, deprecated },
      tarball,
      ...digests(advertised),
      serve,
      time: meta.time?.[manifest.version] ?? DEFAULT_TIME,
    });
  }
  const all = semver.rsort([...pkg.versions.keys()]);
  const latest = all.find((v) => semver.prerelease(v) === null) ?? all[0];
  pkg.distTags = { ...(latest === undefined ? {} : { latest }), ...meta['dist-tags'] };
  catalogue.set(name, pkg);
}

/** Package names under packages/: plain directories, and @scope/name one level deeper. */
async function fixtureNames(root: string): Promise<string[]> {
  const names: string[] = [];
  for (const entry of (await readdir(root)).sort()) {
    if (!entry.startsWith('@')) names.push(entry);
    else for (const sub of (await readdir(path.join(root, entry))).sort()) names.push(`${entry}/${sub}`);
  }
  return names;
}

/** fx-bigfile: 8 MiB of AES-CTR keystream (incompressible, identical every run), too big to keep in git. */
export async function bigfileFixture(): Promise<{ manifest: Manifest; tarball: Buffer }> {
  const manifest: Manifest = {
    name: 'fx-bigfile',
    version: '1.0.0',
    description: 'bale fixture: an 8 MiB incompressible file, generated in code',
    main: 'index.js',
    license: 'MIT',
  };
  const cipher = createCipheriv('aes-128-ctr', Buffer.alloc(16, 7), Buffer.alloc(16, 0));
  const big = Buffer.concat([cipher.update(Buffer.alloc(8 * 1024 * 1024)), cipher.final()]);
  const index = "'use strict';\nmodule.exports = require('path').join(__dirname, 'big.bin');\n";
  const tarball = await packFiles([
    { path: 'package.json', body: Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`) },
    { path: 'index.js', body: Buffer.from(index) },
    { path: 'README.md', body: Buffer.from('# fx-bigfile 1.0.0\n\nScenario: streaming a large tarball (8 MiB).\n') },
    { path: 'big.bin', body: big },
  ]);
  return { manifest, tarball };
}

/** Packs every fixture under fixtures/npm/packages/ and the code-generated fx-bigfile. */
export async function loadFixturePackages(): Promise<Map<string, FixturePackage>> {
  const root = path.join(npmFixturesDir(), 'packages');
  const catalogue = new Map<string, FixturePackage>();
  for (const name of await fixtureNames(root)) {
    const versions: { manifest: Manifest; tarball: Buffer }[] = [];
    let meta: MetaJson = {};
    // meta.json first: it says how the versions were published.
    const entries = (await readdir(path.join(root, name))).sort(
      (a, b) => Number(b === 'meta.json') - Number(a === 'meta.json') || (a < b ? -1 : a > b ? 1 : 0),
    );
    for (const entry of entries) {
      const dir = path.join(root, name, entry);
      if (entry === 'meta.json') {
        meta = JSON.parse(await readFile(dir, 'utf8')) as MetaJson;
        continue;
      }
      const files = await readPackageDir(dir);
      const pj = files.find((f) => f.path === 'package.json');
      if (!pj) throw new Error(`fixture ${dir}: no package.json`);
      const raw = JSON.parse(pj.body.toString('utf8')) as Manifest;
      const manifest =
        meta.unflagged?.includes(entry) === true
          ? raw
          : publishedManifest(
              raw,
              files.map((f) => f.path),
            );
      if (manifest.version !== entry) throw new Error(`fixture ${dir}: package.json says version ${manifest.version}`);
      versions.push({ manifest, tarball: await packFiles(files) });
    }
    addPackage(catalogue, name, versions, meta);
  }
  addPackage(catalogue, 'fx-bigfile', [await bigfileFixture()]);
  return catalogue;
}
