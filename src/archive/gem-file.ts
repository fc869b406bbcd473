/**
 * Reading a .gem safely, in memory. A .gem is a plain (uncompressed) tar of a few flat files:
 * metadata.gz (the gzipped YAML Gem::Specification), data.tar.gz (the gem's files) and, since
 * RubyGems 2.0, checksums.yaml.gz (digests of the other two), plus `.sig` files when signed.
 * What is checked here is what `gem install` then installs: the outer tar must hold each name
 * once (a second data.tar.gz could be the one RubyGems reads), digests must match, and the
 * gem's files go through src/archive, which refuses `..`, absolute paths and escaping links.
 */
import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { gunzip, type ZlibOptions } from 'node:zlib';
import tar from 'tar-stream';
import { IntegrityError, isUserError, UserError } from '../errors/index.js';
import type { ArchiveLimits } from '../limits/index.js';
import type { PackEntry } from '../packer/entry.js';
import { UnpackBudget } from './budget.js';
import { readTarGzWithin } from './read.js';

const gunzipAsync = promisify(gunzip) as (buf: Buffer, opts: ZlibOptions) => Promise<Buffer>;

/** The only names RubyGems writes into the outer tar. */
const KNOWN = new Set(['metadata.gz', 'data.tar.gz', 'checksums.yaml.gz', 'metadata.gz.sig', 'data.tar.gz.sig', 'checksums.yaml.gz.sig']);
/** Digest names as checksums.yaml spells them, and Node's names for them. */
const ALGORITHMS: Record<string, string> = { SHA1: 'sha1', SHA256: 'sha256', SHA512: 'sha512' };
/** Far above any real gemspec or checksum file; a bigger one is a decompression bomb. */
const METADATA_LIMIT = 64 * 1024 * 1024;
const CHECKSUMS_LIMIT = 1024 * 1024;

export interface GemFile {
  /** The Gem::Specification as YAML (`--- !ruby/object:Gem::Specification ...`), from metadata.gz. */
  metadataYaml: string;
  /** The gem's files (data.tar.gz), in archive order, checked by src/archive. */
  data: PackEntry[];
}

/** algorithm ('SHA256') -> file name ('data.tar.gz') -> lowercase hex digest. */
export type GemChecksums = Map<string, Map<string, string>>;

function corrupt(source: string, why: string, cause?: unknown): UserError {
  return new UserError('EGEM', `${source}: not a valid .gem (${why}): the download is corrupt or not a gem; check the recipe's source`, {
    cause,
  });
}

/** The outer tar's regular files by name; anything else in it (links, dirs, paths, repeats) is refused. */
async function outerEntries(data: Buffer, source: string): Promise<Map<string, Buffer>> {
  if (data.length === 0) throw corrupt(source, 'empty file');
  const files = new Map<string, Buffer>();
  const extract = tar.extract();
  const consumed = (async () => {
    for await (const entry of extract) {
      const chunks: Buffer[] = [];
      for await (const chunk of entry) chunks.push(chunk as Buffer);
      const { name, type } = entry.header;
      if (type !== 'file' && type !== 'contiguous-file')
        throw corrupt(source, `entry "${name}" is a ${String(type)}, a gem holds only files`);
      if (!KNOWN.has(name)) throw corrupt(source, `unexpected entry "${name}"`);
      if (files.has(name)) throw corrupt(source, `entry "${name}" appears twice`);
      files.set(name, Buffer.concat(chunks));
    }
  })();
  extract.end(data);
  try {
    await consumed;
  } catch (err) {
    if (isUserError(err)) throw err;
    throw corrupt(source, `not a tar archive: ${err instanceof Error ? err.message : String(err)}`, err);
  }
  return files;
}

async function gunzipPart(data: Buffer, name: string, source: string, limit: number): Promise<Buffer> {
  try {
    return await gunzipAsync(data, { maxOutputLength: limit });
  } catch (err) {
    throw corrupt(source, `${name} does not decompress: ${err instanceof Error ? err.message : String(err)}`, err);
  }
}

/**
 * checksums.yaml as RubyGems writes it (Psych's dump of a two-level Hash):
 * `---`, then `SHA256:` and indented `  data.tar.gz: <hex>` lines. Nothing else is accepted.
 */
export function parseChecksums(text: string, source: string): GemChecksums {
  const out: GemChecksums = new Map();
  let current: Map<string, string> | undefined;
  for (const [i, raw] of text.split('\n').entries()) {
    const line = raw.replace(/\r$/, '');
    if (line.trim() === '' || line === '---' || line.trimStart().startsWith('#')) continue;
    const section = /^([A-Za-z0-9]+):\s*$/.exec(line);
    const item = /^\s+(['"]?)([A-Za-z0-9._-]+)\1:\s+(['"]?)([0-9A-Fa-f]+)\3\s*$/.exec(line);
    if (section !== null) {
      current = new Map();
      out.set(section[1]!, current);
    } else if (item !== null && current !== undefined) {
      current.set(item[2]!, item[4]!.toLowerCase());
    } else {
      throw corrupt(source, `checksums.yaml line ${i + 1} is not what RubyGems writes: ${JSON.stringify(line.slice(0, 80))}`);
    }
  }
  return out;
}

/** Every digest listed for a part the gem holds must match; a listed part that is missing is a mismatch too. */
export function verifyChecksums(checksums: GemChecksums, parts: Map<string, Buffer>, source: string): void {
  for (const [algorithm, files] of checksums) {
    const node = ALGORITHMS[algorithm];
    if (node === undefined) continue; // an algorithm RubyGems may add later: what we know still has to match
    for (const [name, expected] of files) {
      const data = parts.get(name);
      if (data === undefined)
        throw new IntegrityError(
          `${source}: checksums.yaml lists ${name}, which the gem does not hold: the gem was tampered with or truncated`,
        );
      const actual = createHash(node).update(data).digest('hex');
      if (actual !== expected) {
        throw new IntegrityError(
          `${source}: ${algorithm} of ${name} is ${actual}, but the gem's checksums.yaml says ${expected}: the gem was modified after it was built; do not use it`,
        );
      }
    }
  }
}

/**
 * Reads and checks a .gem: outer tar (regular files, each known name once), checksums.yaml.gz's
 * digests when present (IntegrityError on a mismatch), metadata.gz (the YAML spec) and data.tar.gz
 * through src/archive (UserError 'EARCHIVE' for hostile entries). A corrupt gem is UserError 'EGEM'.
 * data.tar.gz is unpacked as a stream within `limits`, measured against the whole .gem (UserError
 * 'ELIMIT' naming the gem).
 */
export async function readGemFile(data: Buffer, source: string, limits?: ArchiveLimits): Promise<GemFile> {
  const { parts, metadataYaml } = await readGemParts(data, source);
  const budget = new UnpackBudget(source, data.length, limits);
  const notGzip = (err: unknown): UserError =>
    corrupt(source, `data.tar.gz does not decompress: ${err instanceof Error ? err.message : String(err)}`, err);
  const entries = await readTarGzWithin(parts.get('data.tar.gz')!, { source: `${source} data.tar.gz` }, budget, notGzip);
  return { metadataYaml, data: entries };
}

/** The checked spec of a .gem without unpacking its files (an importer's question: extensions, date). */
export async function readGemMetadata(data: Buffer, source: string): Promise<string> {
  return (await readGemParts(data, source)).metadataYaml;
}

async function readGemParts(data: Buffer, source: string): Promise<{ parts: Map<string, Buffer>; metadataYaml: string }> {
  const parts = await outerEntries(data, source);
  for (const required of ['metadata.gz', 'data.tar.gz']) {
    if (!parts.has(required)) throw corrupt(source, `no ${required} in it`);
  }
  const checksumsGz = parts.get('checksums.yaml.gz');
  if (checksumsGz !== undefined) {
    const text = (await gunzipPart(checksumsGz, 'checksums.yaml.gz', source, CHECKSUMS_LIMIT)).toString('utf8');
    const digestible = new Map([...parts].filter(([name]) => name === 'metadata.gz' || name === 'data.tar.gz'));
    verifyChecksums(parseChecksums(text, source), digestible, source);
  }
  const metadataYaml = (await gunzipPart(parts.get('metadata.gz')!, 'metadata.gz', source, METADATA_LIMIT)).toString('utf8');
  if (!metadataYaml.startsWith('--- !ruby/object:Gem::Specification'))
    throw corrupt(source, 'metadata.gz is not a YAML Gem::Specification');
  return { parts, metadataYaml };
}

/**
 * The spec's `date` (`date: 2024-01-02 00:00:00.000000000 Z`) as seconds since the epoch, or
 * undefined when absent or unreadable. RubyGems writes the day the gem was built, or
 * SOURCE_DATE_EPOCH's day (1980-01-02 by default since RubyGems 3.3).
 */
export function specDate(metadataYaml: string): number | undefined {
  const m = /^date: (\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2}):(\d{2})(?:\.\d+)?)?(?: ?(Z|UTC|[+-]\d{2}:?\d{2}))?\s*$/m.exec(
    metadataYaml,
  );
  if (m === null) return undefined;
  const [, y, mo, d, h = '00', mi = '00', s = '00', zone] = m;
  let t = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s));
  if (zone !== undefined && zone !== 'Z' && zone !== 'UTC') {
    const z = /^([+-])(\d{2}):?(\d{2})$/.exec(zone)!;
    t -= (z[1] === '-' ? -1 : 1) * (Number(z[2]) * 60 + Number(z[3])) * 60_000;
  }
  return Number.isFinite(t) ? Math.floor(t / 1000) : undefined;
}

/** The spec's own `name` and `version` (a Gem::Version's `version:` line), as Psych writes them. */
export function specIdentity(metadataYaml: string): { name?: string; version?: string } {
  const scalar = (m: RegExpExecArray | null): string | undefined => (m === null ? undefined : unquote(m[1]!.trim()));
  const name = scalar(/^name: (.*)$/m.exec(metadataYaml));
  const version = scalar(/^version: !ruby\/object:Gem::Version\r?\n[ \t]+version: (.*)$/m.exec(metadataYaml));
  return { ...(name === undefined ? {} : { name }), ...(version === undefined ? {} : { version }) };
}

/** One YAML scalar as Psych writes a plain, 'single' or "double" quoted string. */
function unquote(s: string): string {
  if (s.startsWith("'") && s.endsWith("'") && s.length >= 2) return s.slice(1, -1).replace(/''/g, "'");
  if (s.startsWith('"') && s.endsWith('"') && s.length >= 2) {
    try {
      return JSON.parse(s) as string;
    } catch {
      return s.slice(1, -1);
    }
  }
  return s;
}

/**
 * A top-level list of strings from the spec's YAML (`extensions`, `executables`, `require_paths`),
 * as Psych writes it: `key:` then `- item` lines at column 0, or `key: []`. Absent: [].
 */
export function specList(metadataYaml: string, key: string): string[] {
  const lines = metadataYaml.split('\n').map((l) => l.replace(/\r$/, ''));
  const at = lines.findIndex((l) => l === `${key}:` || l === `${key}: []`);
  if (at < 0 || lines[at] === `${key}: []`) return [];
  const out: string[] = [];
  for (const line of lines.slice(at + 1)) {
    const m = /^- (.*)$/.exec(line);
    if (m === null) break;
    out.push(unquote(m[1]!.trim()));
  }
  return out;
}
