/**
 * The RubyGems.org JSON API, for sources without a compact index: `/api/v1/versions/<gem>.json`
 * lists every release (number, platform, sha, ruby_version, rubygems_version; yanked ones left out)
 * but no dependencies, so each release's `/api/v2/rubygems/<gem>/versions/<number>.json?platform=<p>`
 * is asked too, for `dependencies.runtime`. That is 1 + one request per release, bounded by the
 * client's concurrency: the compact index (one request per gem) is always preferred when served.
 */
import { readJson, type HttpResponse } from '../index-http.js';
import {
  checkVersion,
  gemFileUrl,
  GemIndexFormatError,
  normalizeRequirement,
  platformRequirement,
  type GemDependency,
  type GemIndex,
  type GemIndexOptions,
  type GemRelease,
} from './gem-release.js';
import { GemSourceClient } from './source-client.js';

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** `">= 1.0, < 3"` (or null, as old gems have) as a list of constraints. */
function constraints(v: unknown, where: string): string[] | undefined {
  if (v === null || v === undefined) return undefined;
  if (typeof v !== 'string') throw new GemIndexFormatError(`${where} is not a string`);
  return v.split(',');
}

function sha256Of(v: unknown, where: string): string | undefined {
  if (v === null || v === undefined || v === '') return undefined;
  if (typeof v !== 'string' || !/^[0-9a-f]{64}$/i.test(v)) throw new GemIndexFormatError(`${where} is not a sha256: ${JSON.stringify(v)}`);
  return v.toLowerCase();
}

/** One entry of `/api/v1/versions/<gem>.json`, without dependencies (that API has none). */
export interface ListedVersion {
  version: string;
  platform: string;
  sha256?: string;
  requiredRuby?: string;
  requiredRubygems?: string;
}

/** Reads `/api/v1/versions/<gem>.json`. Throws GemIndexFormatError on a malformed one. */
export function parseVersionList(doc: unknown): ListedVersion[] {
  if (!Array.isArray(doc)) throw new GemIndexFormatError('not a list of versions');
  return doc.map((v, i) => {
    if (!isObject(v) || typeof v['number'] !== 'string') throw new GemIndexFormatError(`[${i}] has no "number"`);
    const platform = v['platform'] === undefined || v['platform'] === null ? 'ruby' : v['platform'];
    if (typeof platform !== 'string') throw new GemIndexFormatError(`[${i}].platform is not a string`);
    checkVersion(v['number'], platform);
    const sha256 = sha256Of(v['sha'], `[${i}].sha`);
    const requiredRuby = platformRequirement(constraints(v['ruby_version'], `[${i}].ruby_version`));
    const requiredRubygems = platformRequirement(constraints(v['rubygems_version'], `[${i}].rubygems_version`));
    return {
      version: v['number'],
      platform,
      ...(sha256 === undefined ? {} : { sha256 }),
      ...(requiredRuby === undefined ? {} : { requiredRuby }),
      ...(requiredRubygems === undefined ? {} : { requiredRubygems }),
    };
  });
}

/** Reads one `/api/v2/rubygems/<gem>/versions/<v>.json`: the release it is about, its runtime dependencies and sha. */
export function parseVersionDetail(doc: unknown): { version: string; platform: string; sha256?: string; dependencies: GemDependency[] } {
  if (!isObject(doc) || typeof doc['number'] !== 'string') throw new GemIndexFormatError('no "number"');
  const platform = typeof doc['platform'] === 'string' ? doc['platform'] : 'ruby';
  const deps = doc['dependencies'];
  const runtime = isObject(deps) ? deps['runtime'] : undefined;
  if (!Array.isArray(runtime)) throw new GemIndexFormatError('no "dependencies.runtime" list');
  const dependencies = runtime.map((d, i): GemDependency => {
    if (!isObject(d) || typeof d['name'] !== 'string' || typeof d['requirements'] !== 'string') {
      throw new GemIndexFormatError(`dependencies.runtime[${i}] has no name or requirements`);
    }
    return { name: d['name'], requirement: normalizeRequirement(d['requirements'].split(',')) };
  });
  const sha256 = sha256Of(doc['sha'], 'sha');
  return {
    version: doc['number'],
    platform,
    ...(sha256 === undefined ? {} : { sha256 }),
    dependencies: dependencies.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)),
  };
}

class JsonApiClient extends GemSourceClient {
  constructor(source: string, opts?: GemIndexOptions) {
    super(source, 'the JSON API', opts);
  }

  protected async fetchReleases(name: string): Promise<GemRelease[]> {
    const subject = `gem "${name}"`;
    const listUrl = new URL(`api/v1/versions/${encodeURIComponent(name)}.json`, this.source).href;
    const listed = this.read(subject, await this.getPage(subject, listUrl, 'application/json'), parseVersionList);
    return Promise.all(listed.map((v) => this.release(name, v)));
  }

  private async release(name: string, v: ListedVersion): Promise<GemRelease> {
    const subject = `gem "${name}" ${v.version} (${v.platform})`;
    const url = new URL(`api/v2/rubygems/${encodeURIComponent(name)}/versions/${encodeURIComponent(v.version)}.json`, this.source);
    url.searchParams.set('platform', v.platform);
    let res: HttpResponse;
    try {
      res = await this.getPage(subject, url.href, 'application/json');
    } catch (err) {
      // Listed, but not there: the source contradicts itself.
      if ((err as { code?: unknown }).code === 'ENOTFOUND') {
        throw this.garbage(
          subject,
          { url: url.href, status: 404, contentType: '', body: Buffer.alloc(0) },
          'a release its version list names is not found',
          err,
        );
      }
      throw err;
    }
    const detail = this.read(subject, res, parseVersionDetail);
    if (detail.version !== v.version || detail.platform !== v.platform) {
      throw this.garbage(subject, res, `it describes ${detail.version} (${detail.platform}): the source ignores ?platform=`);
    }
    const sha256 = v.sha256 ?? detail.sha256;
    return {
      name,
      version: v.version,
      platform: v.platform,
      dependencies: detail.dependencies,
      ...(sha256 === undefined ? {} : { sha256 }),
      ...(v.requiredRuby === undefined ? {} : { requiredRuby: v.requiredRuby }),
      ...(v.requiredRubygems === undefined ? {} : { requiredRubygems: v.requiredRubygems }),
      gemUrl: gemFileUrl(this.source, name, v.version, v.platform),
    };
  }

  private read<T>(subject: string, res: HttpResponse, parse: (doc: unknown) => T): T {
    return readJson(
      res,
      parse,
      (err) => err instanceof GemIndexFormatError,
      (why, err) => this.garbage(subject, res, why, err),
    );
  }
}

/** A client of the JSON API at `source` (`https://rubygems.org`, a mirror without a compact index). */
export function jsonApi(source: string, opts?: GemIndexOptions): GemIndex {
  return new JsonApiClient(source, opts);
}
