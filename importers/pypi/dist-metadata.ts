import { parse as parseToml } from 'smol-toml';
import { UserError } from '../../src/errors/index.js';
import { debianPackages, parseExternal } from '../../src/overrides/pep725.js';
import type { PackEntry } from '../../src/packer/entry.js';
import type { ChosenDist } from './releases.js';
import type { DistFile, IndexClient } from './index-types.js';
import { parseCoreMetadata } from './metadata.js';
import type { CoreMetadata } from './metadata.js';
import { parseRequirement } from './requirement.js';
import type { Requirement } from './requirement.js';
import { wheelMetadata } from './wheel-metadata.js';

/** PEP 517's default when an sdist has no [build-system] (PEP 518: setuptools and wheel). */
export const LEGACY_BUILD_REQUIRES = ['setuptools>=40.8.0', 'wheel'];
export const LEGACY_BACKEND = 'setuptools.build_meta:__legacy__';

export interface BuildSystem {
  requires: Requirement[];
  backend: string;
  backendPath: string[];
}

export interface DistInfo {
  meta: CoreMetadata;
  /** For sdists: what building them needs. */
  buildSystem?: BuildSystem;
  /** For sdists with a PEP 725 `[external]` table: the native packages it names, as Debian packages. */
  external?: { build: string[]; runtime: string[] };
  /** The bytes, when they had to be downloaded (no PEP 658 file): reused to pin a hash. */
  data?: Buffer;
}

const text = (e: PackEntry | undefined): string | undefined => e?.data?.toString('utf8');

/** setuptools' egg-info requires.txt: `[extra]` and `[extra:marker]` / `[:marker]` sections. */
export function requiresTxt(body: string): string[] {
  const out: string[] = [];
  let section = '';
  for (const raw of body.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const m = /^\[(.*)\]$/.exec(line);
    if (m) {
      section = m[1]!;
      continue;
    }
    const [extra, marker] = section.includes(':')
      ? [section.slice(0, section.indexOf(':')), section.slice(section.indexOf(':') + 1)]
      : [section, ''];
    const conds = [marker ? `(${marker})` : '', extra ? `extra == "${extra}"` : ''].filter((c) => c !== '');
    out.push(conds.length > 0 ? `${line}; ${conds.join(' and ')}` : line);
  }
  return out;
}

function fromWheel(entries: PackEntry[], file: DistFile): CoreMetadata {
  const meta = entries.find((e) => e.type === 'file' && /^[^/]+\.dist-info\/METADATA$/.test(e.path));
  if (meta === undefined)
    throw new UserError('EMETADATA', `wheel ${file.filename} has no .dist-info/METADATA: it is broken; pin another version`);
  return parseCoreMetadata(text(meta)!, file.filename);
}

function buildSystemOf(pyproject: string | undefined, source: string): BuildSystem {
  const legacy = (): BuildSystem => ({ requires: LEGACY_BUILD_REQUIRES.map(parseRequirement), backend: LEGACY_BACKEND, backendPath: [] });
  if (pyproject === undefined) return legacy();
  let doc: Record<string, unknown>;
  try {
    doc = parseToml(pyproject) as Record<string, unknown>;
  } catch (err) {
    throw new UserError(
      'EMETADATA',
      `${source}: pyproject.toml is not valid TOML (${err instanceof Error ? err.message.split('\n')[0] : String(err)})`,
    );
  }
  const bs = doc['build-system'] as { requires?: unknown; 'build-backend'?: unknown; 'backend-path'?: unknown } | undefined;
  if (bs === undefined) return legacy();
  if (!Array.isArray(bs.requires) || bs.requires.some((r) => typeof r !== 'string')) {
    throw new UserError('EMETADATA', `${source}: pyproject.toml [build-system] requires must be a list of strings`);
  }
  return {
    requires: (bs.requires as string[]).map(parseRequirement),
    // PEP 517: a [build-system] without a backend means the legacy setuptools one.
    backend: typeof bs['build-backend'] === 'string' ? bs['build-backend'] : LEGACY_BACKEND,
    backendPath: Array.isArray(bs['backend-path'])
      ? (bs['backend-path'] as unknown[]).filter((p): p is string => typeof p === 'string')
      : [],
  };
}

/** An sdist's PKG-INFO (and egg-info requires.txt when PKG-INFO lists no Requires-Dist), and its build system. */
async function fromSdist(
  data: Buffer,
  file: DistFile,
): Promise<{ meta: CoreMetadata; buildSystem: BuildSystem; external?: { build: string[]; runtime: string[] } }> {
  // Loaded for sdists only: a closure of wheels never needs the archive readers.
  const { readTarGz, readZip } = await import('../../src/archive/index.js');
  const entries = file.filename.endsWith('.zip')
    ? await readZip(data, { source: file.filename })
    : await readTarGz(data, { source: file.filename });
  const top = (p: string): string[] => p.split('/');
  const at = (name: string): PackEntry | undefined =>
    entries.find((e) => e.type === 'file' && top(e.path).length === 2 && top(e.path)[1] === name);
  const pkgInfo = text(at('PKG-INFO'));
  if (pkgInfo === undefined)
    throw new UserError('EMETADATA', `sdist ${file.filename} has no PKG-INFO at its top: it is broken; pin another version`);
  let meta = parseCoreMetadata(pkgInfo, `${file.filename} PKG-INFO`);
  if (meta.requiresDist.length === 0) {
    const req = entries.find((e) => e.type === 'file' && /^[^/]+\/(?:src\/)?[^/]+\.egg-info\/requires\.txt$/.test(e.path));
    const lines = req === undefined ? [] : requiresTxt(text(req)!);
    if (lines.length > 0) meta = { ...meta, requiresDist: lines.map(parseRequirement) };
  }
  const pyproject = text(at('pyproject.toml'));
  const ext = pyproject === undefined ? undefined : parseExternal(pyproject, `${file.filename} pyproject.toml`);
  const mapped = ext === undefined ? undefined : debianPackages(ext);
  return {
    meta,
    buildSystem: buildSystemOf(pyproject, file.filename),
    ...(mapped !== undefined && (mapped.build.length > 0 || mapped.runtime.length > 0)
      ? { external: { build: mapped.build, runtime: mapped.runtime } }
      : {}),
  };
}

/** Core metadata of the files a resolution considers, each read once (PEP 658 file when offered). */
export class DistMetadata {
  private readonly memo = new Map<string, Promise<DistInfo>>();

  constructor(private readonly client: IndexClient) {}

  get(dist: ChosenDist): Promise<DistInfo> {
    let p = this.memo.get(dist.file.url);
    if (p === undefined) {
      p = this.load(dist);
      this.memo.set(dist.file.url, p);
    }
    return p;
  }

  private async load(dist: ChosenDist): Promise<DistInfo> {
    if (dist.kind === 'wheel') {
      const fromIndex = await this.client.coreMetadata(dist.file);
      if (fromIndex !== undefined) return { meta: parseCoreMetadata(fromIndex, `${dist.file.filename}.metadata`) };
      const data = await this.client.download(dist.file);
      const text = wheelMetadata(data);
      if (text !== undefined) return { meta: parseCoreMetadata(text, dist.file.filename), data };
      const { readZip } = await import('../../src/archive/zip.js');
      return { meta: fromWheel(await readZip(data, { source: dist.file.filename }), dist.file), data };
    }
    const data = await this.client.download(dist.file);
    return { ...(await fromSdist(data, dist.file)), data };
  }
}
