/**
 * The Marshal index `gem generate_index` writes and `gem server`, S3 buckets and many private
 * mirrors serve, for sources with neither a compact index nor the JSON API:
 *
 * - `specs.4.8.gz` (gzip): every release that is not a prerelease, as `[name, Gem::Version, platform]`;
 * - `prerelease_specs.4.8.gz`: the prereleases, likewise (a source without it has none);
 * - `quick/Marshal.4.8/<name>-<version>[-<platform>].gemspec.rz` (zlib): one release's
 *   Gem::Specification, for its dependencies and Ruby/RubyGems requirements.
 *
 * The two specs files are read once per client, then one quick spec per release of each gem asked
 * (like the JSON API). The index states no checksum: a .gem is pinned by the sha256 of what was
 * downloaded (gem-facts.ts), as Bundler does with such a source. Decompressed sizes are bounded, and
 * the Marshal data is read by a bounded reader (marshal.ts): these bytes come from the network.
 */
import { gunzipSync, inflateSync } from 'node:zlib';
import { UserError } from '../../src/errors/index.js';
import type { HttpResponse } from '../index-http.js';
import { checkVersion, gemFileUrl, GemIndexFormatError, type GemIndex, type GemIndexOptions, type GemRelease } from './gem-release.js';
import { GemSourceClient } from './source-client.js';
import { quickSpec, readGemMarshal, specTuples, type SpecTuple } from './gem-marshal.js';

/** Decompressed `specs.4.8`: a mirror of all of rubygems.org is ~100 MiB; more is refused, not read. */
export const MAX_SPECS_BYTES = 256 * 1024 * 1024;
/** Decompressed quick spec: real ones are a few KiB. */
export const MAX_QUICK_SPEC_BYTES = 8 * 1024 * 1024;

export const SPECS_FILE = 'specs.4.8.gz';
const PRERELEASE_FILE = 'prerelease_specs.4.8.gz';

/** zlib's own bound on the output: a small bomb never becomes a large buffer. */
function decompress(body: Buffer, kind: 'gzip' | 'zlib', max: number): Buffer {
  // A server that decoded the file on the way (Content-Encoding gzip on a .gz) sends the Marshal data itself.
  if (body[0] === 4 && body[1] === 8) return body;
  try {
    return kind === 'gzip' ? gunzipSync(body, { maxOutputLength: max }) : inflateSync(body, { maxOutputLength: max });
  } catch (err) {
    const big = (err as { code?: unknown }).code === 'ERR_BUFFER_TOO_LARGE' || err instanceof RangeError;
    throw new GemIndexFormatError(
      big ? `more than ${max / 1024 / 1024} MiB once decompressed` : `not ${kind} data (${(err as Error).message})`,
    );
  }
}

class MarshalIndexClient extends GemSourceClient {
  private specs: Promise<Map<string, SpecTuple[]> | undefined> | undefined;

  constructor(source: string, opts?: GemIndexOptions) {
    super(source, 'the Marshal index', opts);
  }

  /** Whether the source serves `specs.4.8.gz` (read once; a failure is not remembered). */
  async available(): Promise<boolean> {
    return (await this.index()) !== undefined;
  }

  protected async fetchReleases(name: string): Promise<GemRelease[]> {
    const specs = await this.index();
    if (specs === undefined) {
      throw new UserError(
        'ENOTFOUND',
        `no gem "${name}" on ${this.source}: it has no Marshal index (${SPECS_FILE}: HTTP 404): check --source`,
      );
    }
    const listed = specs.get(name);
    if (listed === undefined) {
      throw new UserError(
        'ENOTFOUND',
        `no gem "${name}" in the Marshal index of ${this.source} (${SPECS_FILE}, ${PRERELEASE_FILE}): check the name, or use a source that has it (--source)`,
      );
    }
    return Promise.all(listed.map((t) => this.release(t)));
  }

  private index(): Promise<Map<string, SpecTuple[]> | undefined> {
    if (this.specs === undefined) {
      const p = this.loadIndex();
      p.catch(() => {
        if (this.specs === p) this.specs = undefined;
      });
      this.specs = p;
    }
    return this.specs;
  }

  private async loadIndex(): Promise<Map<string, SpecTuple[]> | undefined> {
    const [released, pre] = await Promise.all([this.specsFile(SPECS_FILE), this.specsFile(PRERELEASE_FILE)]);
    if (released === undefined) return undefined;
    const byName = new Map<string, SpecTuple[]>();
    for (const t of [...released, ...(pre ?? [])]) {
      const list = byName.get(t.name);
      if (list === undefined) byName.set(t.name, [t]);
      else list.push(t);
    }
    return byName;
  }

  /** One of the specs files; undefined when the source has none (404, 410). */
  private async specsFile(file: string): Promise<SpecTuple[] | undefined> {
    const url = new URL(file, this.source).href;
    // 'source' deadlines: a mirror's specs file is megabytes, not a page.
    const res = await this.http.get(url, { traffic: 'source' });
    if (res.status === 404 || res.status === 410) return undefined;
    this.expectOk(res, file);
    const tuples = this.parse(file, res, (body) => specTuples(readGemMarshal(decompress(body, 'gzip', MAX_SPECS_BYTES))));
    for (const t of tuples) {
      try {
        checkVersion(t.version, t.platform);
      } catch (err) {
        throw this.garbage(`${file}'s entry for "${t.name}"`, res, (err as Error).message, err);
      }
    }
    return tuples;
  }

  private async release(t: SpecTuple): Promise<GemRelease> {
    const stem = t.platform === 'ruby' ? `${t.name}-${t.version}` : `${t.name}-${t.version}-${t.platform}`;
    const subject = `gem "${t.name}" ${t.version} (${t.platform})`;
    const url = new URL(`quick/Marshal.4.8/${encodeURIComponent(stem)}.gemspec.rz`, this.source).href;
    let res: HttpResponse;
    try {
      res = await this.getPage(subject, url, 'application/octet-stream');
    } catch (err) {
      // Listed, but not there: the source contradicts itself.
      if ((err as { code?: unknown }).code === 'ENOTFOUND') {
        throw this.garbage(
          subject,
          { url, status: 404, contentType: '', body: Buffer.alloc(0) },
          `${SPECS_FILE} lists it, its quick spec is not found`,
          err,
        );
      }
      throw err;
    }
    const spec = this.parse(subject, res, (body) => quickSpec(readGemMarshal(decompress(body, 'zlib', MAX_QUICK_SPEC_BYTES))));
    if (spec.name !== t.name || spec.version !== t.version || spec.platform !== t.platform) {
      throw this.garbage(subject, res, `it describes ${spec.name} ${spec.version} (${spec.platform})`);
    }
    return {
      name: t.name,
      version: t.version,
      platform: t.platform,
      dependencies: spec.dependencies,
      ...(spec.requiredRuby === undefined ? {} : { requiredRuby: spec.requiredRuby }),
      ...(spec.requiredRubygems === undefined ? {} : { requiredRubygems: spec.requiredRubygems }),
      gemUrl: gemFileUrl(this.source, t.name, t.version, t.platform),
    };
  }

  private parse<T>(subject: string, res: HttpResponse, read: (body: Buffer) => T): T {
    try {
      return read(res.body);
    } catch (err) {
      if (err instanceof GemIndexFormatError) throw this.garbage(subject, res, err.message, err);
      throw err;
    }
  }
}

export type MarshalIndex = GemIndex & { available(): Promise<boolean> };

/** A client of the Marshal index at `source` (a `gem generate_index` directory served over HTTP). */
export function marshalIndex(source: string, opts?: GemIndexOptions): MarshalIndex {
  return new MarshalIndexClient(source, opts);
}
