/**
 * The fixture PyPI distributions: real wheels and sdists built from fixtures/pypi/projects by
 * fixtures/pypi/make_dists.py (stdlib Python, deterministic), once per machine and fixture content:
 * the output is cached in the temp dir under a key hashed from everything that goes into it.
 * test/helpers/pypi-index.ts serves them; tests may also read the files directly.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { repoRoot } from './npm-fixtures.js';
import { onceRetrying } from './once.js';
import { walk } from './walk.js';

const execFileP = promisify(execFile);

export interface FixtureFile {
  filename: string;
  version: string;
  kind: 'wheel' | 'sdist';
  /** The JSON API's `python_version`: the wheel's python tag (`py3`, `cp311`), or `source`. */
  pythonVersion: string;
  size: number;
  sha256: string;
  md5: string;
  blake2b256: string;
  requiresPython?: string;
  /** PEP 658: the core metadata file served at `<file url>.metadata` (wheels only), and its sha256. */
  metadataFile?: string;
  metadataSha256?: string;
  /** From the file's core metadata, for the JSON API's `info`. */
  summary?: string;
  requiresDist: string[];
  /** Absolute path of the built file. */
  path: string;
}

export interface FixtureProject {
  /** As the project spells itself (`FXP_Socks`). */
  name: string;
  /** PEP 503 normalized (`fxp-socks`): its folder in fixtures/pypi/projects and its index URL. */
  normalized: string;
  /** What the project exercises (its README). */
  readme: string;
  /** version -> reason ('' for none): PEP 592. */
  yanked: Record<string, string>;
  /** version -> ISO 8601 upload time. */
  uploadTime: (version: string) => string;
  /** fxp-badhash: the index advertises a wrong sha256 for every file. */
  wrongSha256: boolean;
  /** Sorted by filename. */
  files: FixtureFile[];
}

export interface FixtureDists {
  /** The cached output: `files/<normalized>/<filename>[.metadata]` and `index.json`. */
  dir: string;
  /** By normalized name, sorted. */
  projects: Map<string, FixtureProject>;
}

export interface CPython {
  /** '3.11' */
  version: string;
  exe: string;
  /** The directory holding Python.h, when installed. */
  include?: string;
}

export function pypiFixturesDir(): string {
  return path.join(repoRoot(), 'fixtures', 'pypi');
}

/** A real python3 to run make_dists.py with (stdlib only, any 3.8+ will do). */
export function python3(): string {
  return existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
}

function pyenvRoot(): string {
  return process.env['PYENV_ROOT'] || path.join(homedir(), '.pyenv');
}

/** CPython X.Y on this host: pyenv's newest patch release (it has pip and headers), else /usr/bin/pythonX.Y. */
export async function findCPython(minor: string): Promise<CPython | undefined> {
  const versions = path.join(pyenvRoot(), 'versions');
  const entries = existsSync(versions) ? await readdir(versions) : [];
  const patch = (v: string): number => Number(v.slice(minor.length + 1));
  const pyenv = entries
    .filter((v) => v.startsWith(`${minor}.`) && /^\d+$/.test(v.slice(minor.length + 1)))
    .sort((a, b) => patch(a) - patch(b))
    .map((v) => ({ exe: path.join(versions, v, 'bin', `python${minor}`), include: path.join(versions, v, 'include', `python${minor}`) }));
  const system = { exe: `/usr/bin/python${minor}`, include: `/usr/include/python${minor}` };
  for (const c of [...pyenv.reverse(), system]) {
    if (!existsSync(c.exe)) continue;
    const hasHeaders = existsSync(path.join(c.include, 'Python.h'));
    return { version: minor, exe: c.exe, ...(hasHeaders ? { include: c.include } : {}) };
  }
  return undefined;
}

/** Everything the output depends on: the fixture tree (script included), the copied wheels, the tools. */
async function cacheKey(fixtures: string, py: string, includeArgs: string[]): Promise<string> {
  const h = createHash('sha256');
  for (const rel of await walk(fixtures)) {
    h.update(`${rel}\0`)
      .update(await readFile(path.join(fixtures, rel)))
      .update('\0');
  }
  const { stdout } = await execFileP(py, [
    path.join(fixtures, 'make_dists.py'),
    '--projects',
    path.join(fixtures, 'projects'),
    '--out',
    tmpdir(),
    '--list-inputs',
  ]);
  for (const input of stdout.split('\n').filter(Boolean)) {
    const s = await stat(input);
    h.update(`${input}\0${s.size}\0${s.mtimeMs}\0`);
  }
  h.update(`${py}\0${includeArgs.join('\0')}`);
  return h.digest('hex').slice(0, 16);
}

interface RawFile {
  filename: string;
  version: string;
  kind: 'wheel' | 'sdist';
  python_version: string;
  size: number;
  sha256: string;
  md5: string;
  blake2b_256: string;
  requires_python: string | null;
  metadata_file: string | null;
  metadata_sha256: string | null;
  summary: string | null;
  requires_dist: string[];
}
interface RawProject {
  name: string;
  normalized: string;
  readme: string;
  yanked: Record<string, string>;
  upload_time: Record<string, string>;
  default_upload_time: string;
  wrong_sha256: boolean;
  files: RawFile[];
}

function toProject(dir: string, p: RawProject): FixtureProject {
  return {
    name: p.name,
    normalized: p.normalized,
    readme: p.readme,
    yanked: p.yanked,
    uploadTime: (v) => p.upload_time[v] ?? p.default_upload_time,
    wrongSha256: p.wrong_sha256,
    files: p.files.map((f) => ({
      filename: f.filename,
      version: f.version,
      kind: f.kind,
      pythonVersion: f.python_version,
      size: f.size,
      sha256: f.sha256,
      md5: f.md5,
      blake2b256: f.blake2b_256,
      ...(f.requires_python === null ? {} : { requiresPython: f.requires_python }),
      ...(f.metadata_file === null ? {} : { metadataFile: f.metadata_file }),
      ...(f.metadata_sha256 === null ? {} : { metadataSha256: f.metadata_sha256 }),
      ...(f.summary === null ? {} : { summary: f.summary }),
      requiresDist: f.requires_dist,
      path: path.join(dir, 'files', p.normalized, f.filename),
    })),
  };
}

async function build(): Promise<FixtureDists> {
  const fixtures = pypiFixturesDir();
  const py = python3();
  const cp311 = await findCPython('3.11');
  if (!cp311?.include) {
    throw new Error('the PyPI fixtures compile fxp-binary against the CPython 3.11 headers: install pyenv 3.11 or python3.11-dev');
  }
  const includeArgs = ['--python-include', `3.11=${cp311.include}`];
  const dir = path.join(tmpdir(), `bale-pypi-dists-${await cacheKey(fixtures, py, includeArgs)}`);
  if (!existsSync(path.join(dir, 'index.json'))) {
    // Build beside, then rename: a concurrent test process either wins the rename or finds the result.
    const tmp = `${dir}.tmp-${process.pid}-${Date.now()}`;
    await mkdir(tmp, { recursive: true });
    try {
      await execFileP(py, [
        path.join(fixtures, 'make_dists.py'),
        '--projects',
        path.join(fixtures, 'projects'),
        '--out',
        tmp,
        ...includeArgs,
      ]);
      await rename(tmp, dir).catch((err: NodeJS.ErrnoException) => {
        if (!(err.code === 'ENOTEMPTY' || err.code === 'EEXIST') || !existsSync(path.join(dir, 'index.json'))) throw err;
      });
    } catch (err) {
      const stderr = (err as { stderr?: string }).stderr;
      throw new Error(`building the PyPI fixtures failed: ${stderr?.trim() || String(err)}`, { cause: err });
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
  }
  const index = JSON.parse(await readFile(path.join(dir, 'index.json'), 'utf8')) as { projects: RawProject[] };
  return { dir, projects: new Map(index.projects.map((p) => [p.normalized, toProject(dir, p)])) };
}

/** The fixture distributions, built (or found in the cache) once per process. */
export const pypiFixtureDists: () => Promise<FixtureDists> = onceRetrying(build);

/** One fixture file by filename (the catalogue must hold it). */
export async function fixtureFile(filename: string): Promise<FixtureFile & { project: FixtureProject }> {
  for (const project of (await pypiFixtureDists()).projects.values()) {
    const file = project.files.find((f) => f.filename === filename);
    if (file) return { ...file, project };
  }
  throw new Error(`no fixture distribution named ${filename}`);
}
