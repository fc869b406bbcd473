/**
 * PyPI's JSON API (`https://pypi.org/pypi`): `/pypi/<name>/json` lists every release's files under
 * `releases`; `/pypi/<name>/<version>/json` one release's under `urls`. PyPI redirects a name to the
 * project's own spelling (`/pypi/flask/json` -> `/pypi/Flask/json`); the client follows.
 */
import { UserError } from '../../src/errors/index.js';
import { IndexClientBase } from './index-base.js';
import { checkProjectName, projectUrlName, type DistFile, type IndexClient, type ProjectFiles } from './index-types.js';
import { readJson, withSlash, type HttpResponse, type IndexClientOptions } from '../index-http.js';

export interface JsonApiClient extends IndexClient {
  /** One release's files (`/pypi/<name>/<version>/json`), not memoised; unknown release: UserError ENOTFOUND. */
  release(name: string, version: string): Promise<ProjectFiles>;
}

export class JsonApiError extends Error {}

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Not in PyPI's own JSON API, but mirrors may add PEP 658 under either PEP's spelling. */
function coreMetadataOf(f: Json): DistFile['coreMetadata'] {
  const raw = f['core_metadata'] ?? f['core-metadata'] ?? f['data-dist-info-metadata'] ?? f['dist-info-metadata'];
  if (raw === undefined || raw === null || raw === false) return false;
  if (isObject(raw)) {
    const sha = raw['sha256'];
    return typeof sha === 'string' && sha !== '' ? { sha256: sha.toLowerCase() } : {};
  }
  return raw ? {} : false;
}

function toFile(f: unknown, where: string, pageUrl: string): DistFile {
  if (!isObject(f) || typeof f['filename'] !== 'string' || typeof f['url'] !== 'string') {
    throw new JsonApiError(`${where} has no filename or url`);
  }
  let url: URL;
  try {
    url = new URL(f['url'], pageUrl);
  } catch {
    throw new JsonApiError(`${where}.url is not a URL: ${JSON.stringify(f['url'])}`);
  }
  url.hash = '';
  const digests = f['digests'];
  const sha256 =
    isObject(digests) && typeof digests['sha256'] === 'string' && digests['sha256'] !== '' ? digests['sha256'].toLowerCase() : undefined;
  const rp = f['requires_python'];
  const reason = f['yanked_reason'];
  const size = f['size'];
  const uploadTime = f['upload_time_iso_8601'] ?? f['upload_time'];
  return {
    filename: f['filename'],
    url: url.href,
    ...(sha256 === undefined ? {} : { sha256 }),
    ...(typeof rp === 'string' && rp.trim() !== '' ? { requiresPython: rp.trim() } : {}),
    yanked: f['yanked'] === true ? (typeof reason === 'string' ? reason : '') : false,
    coreMetadata: coreMetadataOf(f),
    ...(typeof size === 'number' ? { size } : {}),
    ...(typeof uploadTime === 'string' ? { uploadTime } : {}),
  };
}

/**
 * Reads a JSON API document fetched from `pageUrl`: every release's files when it has `releases`
 * (the project endpoint), else `urls` (the release endpoint). Throws JsonApiError on a malformed one.
 */
export function parseJsonApi(doc: unknown, pageUrl: string): ProjectFiles {
  if (!isObject(doc) || !isObject(doc['info']) || typeof doc['info']['name'] !== 'string') {
    throw new JsonApiError('no "info.name"');
  }
  const files: DistFile[] = [];
  const releases = doc['releases'];
  if (isObject(releases)) {
    for (const [version, list] of Object.entries(releases)) {
      if (!Array.isArray(list)) throw new JsonApiError(`releases["${version}"] is not a list`);
      for (const [i, f] of list.entries()) files.push(toFile(f, `releases["${version}"][${i}]`, pageUrl));
    }
  } else if (Array.isArray(doc['urls'])) {
    for (const [i, f] of doc['urls'].entries()) files.push(toFile(f, `urls[${i}]`, pageUrl));
  } else {
    throw new JsonApiError('neither "releases" nor "urls"');
  }
  files.sort((a, b) => (a.filename < b.filename ? -1 : a.filename > b.filename ? 1 : 0));
  return { name: doc['info']['name'], files };
}

class JsonApi extends IndexClientBase implements JsonApiClient {
  constructor(baseUrl: string, opts?: IndexClientOptions) {
    super(withSlash(baseUrl), `the JSON API at ${withSlash(baseUrl)}`, 'the JSON API URL (e.g. https://pypi.org/pypi)', opts);
  }

  protected async fetchProject(name: string, urlName: string): Promise<ProjectFiles> {
    const subject = `Python project "${name}"`;
    const res = await this.getPage(subject, `${this.baseUrl}${urlName}/json`, 'application/json');
    const page = this.read(subject, res);
    // PyPI spells the project its own way (Flask for flask): the same name once normalized, never another.
    checkProjectName(name, urlName, page.name, res.url, 'the JSON API page');
    return page;
  }

  async release(name: string, version: string): Promise<ProjectFiles> {
    const urlName = projectUrlName(name, this.baseUrl);
    if (!/^[A-Za-z0-9.!+_-]+$/.test(version)) {
      throw new UserError('EVERSION', `"${version}" is not a version of ${name} that can be asked of ${this.baseUrl}: fix the pin`);
    }
    const subject = `release ${version} of Python project "${name}"`;
    const res = await this.getPage(subject, `${this.baseUrl}${urlName}/${version}/json`, 'application/json');
    const page = this.read(subject, res);
    checkProjectName(name, urlName, page.name, res.url, 'the JSON API page');
    return page;
  }

  private read(subject: string, res: HttpResponse): ProjectFiles {
    return readJson(
      res,
      (doc) => parseJsonApi(doc, res.url),
      (err) => err instanceof JsonApiError,
      (why, err) => this.garbage(subject, res, why, err),
    );
  }
}

/** A client of PyPI's JSON API at `baseUrl` (`https://pypi.org/pypi`, or a mirror's equivalent). */
export function jsonApi(baseUrl: string, opts?: IndexClientOptions): JsonApiClient {
  return new JsonApi(baseUrl, opts);
}
