/**
 * The fixture gems: fixtures/rubygems/<gem>/<version[-platform]>/<gem>.gemspec built into real .gem
 * files by the real `gem build` at test time, deterministically (SOURCE_DATE_EPOCH, normalised file
 * modes, no ~/.gemrc), once per machine and fixture content: the output is cached in the temp dir
 * under a key hashed from the fixtures and the tools. Their specifications are then read back by
 * RubyGems itself (fixtures/rubygems/read_specs.rb), so what the fixture server advertises is what
 * the gems say. fxg-evil is rewritten by hand (gem build refuses `../`), fxg-corrupt served as junk.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, copyFile, mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { gunzipSync, gzipSync } from 'node:zlib';
import tar, { type Header } from 'tar-stream';
import { repoRoot, tarGz } from './npm-fixtures.js';
import { onceRetrying } from './once.js';
import { walk } from './walk.js';

const execFileP = promisify(execFile);

/** 2020-01-01T00:00:00Z: every gem's date and tar mtime. */
export const GEM_SOURCE_DATE_EPOCH = 1577836800;
/** Bump when the output of this file changes for the same fixtures. */
const LAYOUT = 'gem-dists 1';

export interface GemRequirementList {
  name: string;
  /** Gem::Requirement#as_list, in the gemspec's order: ['>= 1.0', '< 3']. */
  requirement: string[];
}

/** One .gem: what its specification says, and what the fixture server sends. */
export interface FixtureGem {
  name: string;
  version: string;
  /** 'ruby', or e.g. 'x86_64-linux'. */
  platform: string;
  /** `<name>-<version>[-<platform>].gem` */
  filename: string;
  prerelease: boolean;
  summary: string;
  description: string | null;
  authors: string[];
  licenses: string[];
  homepage: string | null;
  metadata: Record<string, string>;
  /** ISO 8601, from SOURCE_DATE_EPOCH. */
  date: string;
  executables: string[];
  extensions: string[];
  requiredRuby: string[];
  requiredRubygems: string[];
  runtime: GemRequirementList[];
  development: GemRequirementList[];
  /** The served bytes (after any corruption), their size and sha256. */
  path: string;
  size: number;
  sha256: string;
  /** What the index states: `sha256`, except for fxg-badsum. */
  advertisedSha256: string;
}

export interface FixtureGemFamily {
  name: string;
  /** What the gem exercises (its README). */
  readme: string;
  /** In Gem::Version order, then platform. */
  releases: FixtureGem[];
}

export interface GemDists {
  /** The cached output: `gems/<filename>` and `index.json`. */
  dir: string;
  /** By name, sorted. */
  gems: Map<string, FixtureGemFamily>;
  /** By filename. */
  byFile: Map<string, FixtureGem>;
}

interface FixtureOptions {
  /** fxg-corrupt: serve junk (the real gem's first tar header, then text). */
  serve?: 'garbage';
  /** fxg-badsum: the index states a wrong checksum. */
  wrong_sha256?: boolean;
  /** fxg-evil: an extra data.tar.gz entry with this (hostile) name. */
  evil_entry?: string;
}

export function gemFixturesDir(): string {
  return path.join(repoRoot(), 'fixtures', 'rubygems');
}

/** The environment gem build runs in: no user config, a fixed clock for the archive, a fixed locale. */
function buildEnv(home: string, epoch: number): NodeJS.ProcessEnv {
  return { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: home, SOURCE_DATE_EPOCH: String(epoch), TZ: 'UTC', LC_ALL: 'C.UTF-8' };
}

/**
 * `gem build` of one fixture version folder into `out`: the folder is copied first with modes set
 * (0755 under bin/ and for extconf.rb, else 0644), because gem build records the files' own modes
 * and a checkout's depend on its umask.
 */
export async function buildGem(versionDir: string, out: string, work: string, epoch = GEM_SOURCE_DATE_EPOCH): Promise<void> {
  const copy = path.join(work, 'src');
  await rm(copy, { recursive: true, force: true });
  const files = await walk(versionDir);
  for (const rel of files) {
    await mkdir(path.dirname(path.join(copy, rel)), { recursive: true });
    await copyFile(path.join(versionDir, rel), path.join(copy, rel));
    await chmod(path.join(copy, rel), rel.startsWith('bin/') ? 0o755 : 0o644);
  }
  const gemspecs = files.filter((f) => !f.includes('/') && f.endsWith('.gemspec'));
  if (gemspecs.length !== 1) throw new Error(`${versionDir}: expected one .gemspec, found ${gemspecs.length}`);
  await mkdir(path.dirname(out), { recursive: true });
  await execFileP('gem', ['build', '--norc', '--quiet', gemspecs[0] ?? '', '--output', out], { cwd: copy, env: buildEnv(work, epoch) });
}

/** Everything the output depends on: the fixture tree, the tools' versions, this file's layout. */
async function cacheKey(fixtures: string): Promise<string> {
  const h = createHash('sha256').update(`${LAYOUT}\0zlib ${process.versions.zlib}\0`);
  for (const rel of await walk(fixtures))
    h.update(`${rel}\0`)
      .update(await readFile(path.join(fixtures, rel)))
      .update('\0');
  const ruby = await execFileP('ruby', ['-e', 'print RUBY_DESCRIPTION, " ", Gem::VERSION']);
  h.update(ruby.stdout);
  return h.digest('hex').slice(0, 16);
}

interface TarFile {
  header: Partial<Header> & { name: string };
  body: Buffer;
}

async function readTar(data: Buffer): Promise<TarFile[]> {
  const ex = tar.extract();
  const out: TarFile[] = [];
  const done = (async () => {
    for await (const entry of ex) {
      const chunks: Buffer[] = [];
      for await (const c of entry) chunks.push(c as Buffer);
      out.push({ header: entry.header, body: Buffer.concat(chunks) });
    }
  })();
  ex.end(data);
  await done;
  return out;
}

async function writeTar(files: TarFile[]): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  const done = (async () => {
    for await (const c of pack) chunks.push(c as Buffer);
  })();
  for (const f of files) {
    await new Promise<void>((resolve, reject) =>
      pack.entry({ ...f.header, size: f.body.length }, f.body, (err) => (err ? reject(err) : resolve())),
    );
  }
  pack.finalize();
  await done;
  return Buffer.concat(chunks);
}

const hex = (algo: string, b: Buffer): string => createHash(algo).update(b).digest('hex');

/**
 * fxg-evil: the real gem with one more data.tar.gz entry named `entry`, and checksums.yaml.gz
 * recomputed, so the only thing wrong with it is the path.
 */
export async function withEvilEntry(gem: Buffer, entry: string): Promise<Buffer> {
  const outer = await readTar(gem);
  const data = outer.find((f) => f.header.name === 'data.tar.gz');
  const meta = outer.find((f) => f.header.name === 'metadata.gz');
  if (!data || !meta) throw new Error('not a .gem: no data.tar.gz or metadata.gz');
  const inner = await readTar(gunzipSync(data.body));
  const mtime = new Date(GEM_SOURCE_DATE_EPOCH * 1000);
  const evil = Buffer.from('raise "fxg-evil: this file escaped the gem directory"\n');
  const entries: TarFile[] = [
    ...inner,
    { header: { name: entry, type: 'file', mode: 0o644, mtime, uname: 'wheel', gname: 'wheel' }, body: evil },
  ];
  data.body = await tarGz(entries.map((e) => ({ header: { ...e.header, size: e.body.length }, body: e.body })));
  const sums = ['SHA256', 'SHA512'].map(
    (algo) => `${algo}:\n  metadata.gz: ${hex(algo, meta.body)}\n  data.tar.gz: ${hex(algo, data.body)}\n`,
  );
  const checksums = outer.find((f) => f.header.name === 'checksums.yaml.gz');
  if (checksums) {
    checksums.body = gzipSync(`---\n${sums.join('')}`, { level: 9 });
    checksums.body[9] = 3; // the gzip OS byte: Unix, whatever zlib was built for
  }
  return writeTar(outer);
}

/** fxg-corrupt: the first tar header of the real gem (so it looks like one at a glance), then junk. */
export function garbageGem(gem: Buffer): Buffer {
  return Buffer.concat([gem.subarray(0, 512), Buffer.from('fxg-corrupt: these bytes are not the rest of a gem\n'.repeat(40))]);
}

interface RawSpec {
  file: string;
  name: string;
  version: string;
  platform: string;
  prerelease: boolean;
  summary: string;
  description: string | null;
  authors: string[];
  licenses: string[];
  homepage: string | null;
  metadata: Record<string, string>;
  date: string;
  executables: string[];
  extensions: string[];
  required_ruby_version: string[];
  required_rubygems_version: string[];
  dependencies: { name: string; type: string; requirement: string[] }[];
}

/** Builds every fixture into `out` (gems/ and index.json). */
async function buildAll(fixtures: string, out: string): Promise<void> {
  const names = (await readdir(fixtures, { withFileTypes: true }))
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
  const jobs: { name: string; dir: string; built: string }[] = [];
  for (const name of names) {
    for (const v of (await readdir(path.join(fixtures, name), { withFileTypes: true }))
      .filter((e) => e.isDirectory())
      .map((e) => e.name)
      .sort()) {
      jobs.push({ name, dir: path.join(fixtures, name, v), built: path.join(out, 'built', `${name}-${v}.gem`) });
    }
  }
  // A few gem builds at once: each is a Ruby start-up, most of the time.
  const queue = [...jobs];
  await Promise.all(
    Array.from({ length: 4 }, async (_, i) => {
      for (let job = queue.shift(); job; job = queue.shift()) await buildGem(job.dir, job.built, path.join(out, `work-${i}`));
    }),
  );
  const { stdout } = await execFileP('ruby', [path.join(fixtures, 'read_specs.rb'), ...jobs.map((j) => j.built)], { maxBuffer: 16 << 20 });
  const specs = JSON.parse(stdout) as RawSpec[];
  const families: { name: string; readme: string; releases: Omit<FixtureGem, 'path'>[] }[] = [];
  await mkdir(path.join(out, 'gems'), { recursive: true });
  for (const name of names) {
    const optsFile = path.join(fixtures, name, 'fixture.json');
    const opts = existsSync(optsFile) ? (JSON.parse(await readFile(optsFile, 'utf8')) as FixtureOptions) : {};
    const readme = (await readFile(path.join(fixtures, name, 'README.md'), 'utf8')).trim();
    const releases: Omit<FixtureGem, 'path'>[] = [];
    for (const s of specs.filter((x) => x.name === name)) {
      const filename = `${name}-${s.version}${s.platform === 'ruby' ? '' : `-${s.platform}`}.gem`;
      if (s.file !== filename)
        throw new Error(`fixtures/rubygems/${name}: ${s.file} builds ${filename}: name the folder after the version and platform`);
      let bytes: Buffer = await readFile(path.join(out, 'built', s.file));
      if (opts.evil_entry !== undefined) bytes = await withEvilEntry(bytes, opts.evil_entry);
      if (opts.serve === 'garbage') bytes = garbageGem(bytes);
      await writeFile(path.join(out, 'gems', filename), bytes);
      const sha256 = hex('sha256', bytes);
      const deps = (type: string): GemRequirementList[] =>
        s.dependencies.filter((d) => d.type === type).map((d) => ({ name: d.name, requirement: d.requirement }));
      releases.push({
        name,
        version: s.version,
        platform: s.platform,
        filename,
        prerelease: s.prerelease,
        summary: s.summary,
        description: s.description,
        authors: s.authors,
        licenses: s.licenses,
        homepage: s.homepage,
        metadata: s.metadata,
        date: s.date,
        executables: s.executables,
        extensions: s.extensions,
        requiredRuby: s.required_ruby_version,
        requiredRubygems: s.required_rubygems_version,
        runtime: deps('runtime'),
        development: deps('development'),
        size: bytes.length,
        sha256,
        advertisedSha256: opts.wrong_sha256 ? hex('sha256', Buffer.from(`bale-fixture-wrong-sha256:${filename}`)) : sha256,
      });
    }
    if (releases.length === 0) throw new Error(`fixtures/rubygems/${name}: no version folder`);
    families.push({ name, readme, releases });
  }
  await rm(path.join(out, 'built'), { recursive: true, force: true });
  for (let i = 0; i < 4; i++) await rm(path.join(out, `work-${i}`), { recursive: true, force: true });
  await writeFile(path.join(out, 'index.json'), `${JSON.stringify({ gems: families }, null, 1)}\n`);
}

async function build(): Promise<GemDists> {
  const fixtures = gemFixturesDir();
  const dir = path.join(tmpdir(), `bale-gem-dists-${await cacheKey(fixtures)}`);
  if (!existsSync(path.join(dir, 'index.json'))) {
    // Build beside, then rename: a concurrent test process either wins the rename or finds the result.
    const tmp = `${dir}.tmp-${process.pid}-${Date.now()}`;
    await mkdir(tmp, { recursive: true });
    try {
      await buildAll(fixtures, tmp);
      await rename(tmp, dir).catch((err: NodeJS.ErrnoException) => {
        if (!(err.code === 'ENOTEMPTY' || err.code === 'EEXIST') || !existsSync(path.join(dir, 'index.json'))) throw err;
      });
    } catch (err) {
      const stderr = (err as { stderr?: string }).stderr;
      throw new Error(
        `building the RubyGems fixtures failed (they need ruby and gem: apt-get install ruby ruby-dev): ${stderr?.trim() || String(err)}`,
        { cause: err },
      );
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
  }
  const index = JSON.parse(await readFile(path.join(dir, 'index.json'), 'utf8')) as { gems: FixtureGemFamily[] };
  const gems = new Map<string, FixtureGemFamily>();
  const byFile = new Map<string, FixtureGem>();
  for (const g of index.gems) {
    for (const r of g.releases) {
      r.path = path.join(dir, 'gems', r.filename);
      byFile.set(r.filename, r);
    }
    gems.set(g.name, g);
  }
  return { dir, gems, byFile };
}

/** The fixture gems, built (or found in the cache) once per process. */
export const gemFixtureDists: () => Promise<GemDists> = onceRetrying(build);

/** One fixture gem by filename (`fxg-app-1.0.0.gem`). */
export async function fixtureGem(filename: string): Promise<FixtureGem> {
  const g = (await gemFixtureDists()).byFile.get(filename);
  if (!g) throw new Error(`no fixture gem named ${filename}`);
  return g;
}
