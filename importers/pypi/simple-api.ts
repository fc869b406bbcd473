/**
 * The Simple repository API (`--index-url`, e.g. https://pypi.org/simple/ or a devpi, Artifactory or
 * bandersnatch mirror): asks for PEP 691 JSON and accepts PEP 503 HTML (content negotiation by
 * q-values), then reads whichever form came back.
 */
import { IndexClientBase } from './index-base.js';
import { checkProjectName, type DistFile, type IndexClient, type ProjectFiles } from './index-types.js';
import { withSlash, type HttpResponse, type IndexClientOptions } from '../index-http.js';
import { parseSimpleHtml, SimplePageError } from './simple-html.js';

export const SIMPLE_JSON = 'application/vnd.pypi.simple.v1+json';
export const SIMPLE_HTML = 'application/vnd.pypi.simple.v1+html';

/** JSON preferred; HTML as the API's own type, then plain text/html for old mirrors (PEP 691's own advice). */
export const SIMPLE_ACCEPT = `${SIMPLE_JSON}, ${SIMPLE_HTML};q=0.2, text/html;q=0.01`;

/** The major version of the Simple API we read (PEP 629): a newer major may mean anything. */
const SUPPORTED_MAJOR = 1;

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A PEP 691 hashes dictionary's sha256, lowercase. */
function sha256Of(hashes: unknown): string | undefined {
  if (!isObject(hashes)) return undefined;
  const v = hashes['sha256'];
  return typeof v === 'string' && v !== '' ? v.toLowerCase() : undefined;
}

/** PEP 658 in JSON: `core-metadata` (PEP 714), else the legacy `dist-info-metadata`, else PyPI's one-time misspelling. */
function coreMetadataOf(file: Json): DistFile['coreMetadata'] {
  const raw = file['core-metadata'] ?? file['dist-info-metadata'] ?? file['data-dist-info-metadata'];
  if (raw === undefined || raw === null || raw === false) return false;
  if (isObject(raw)) {
    const sha256 = sha256Of(raw);
    return sha256 === undefined ? {} : { sha256 };
  }
  return raw ? {} : false;
}

/** PEP 691 yanked: a boolean, or a non-empty string that is the reason. */
function yankedOf(v: unknown): false | string {
  if (typeof v === 'string') return v === '' ? false : v;
  return v === true ? '' : false;
}

/** Reads a PEP 691 project detail document fetched from `pageUrl`. Throws SimplePageError on a malformed one. */
export function parseSimpleJson(doc: unknown, pageUrl: string): { name?: string; apiVersion?: string; files: DistFile[] } {
  if (!isObject(doc) || !Array.isArray(doc['files'])) throw new SimplePageError('no "files" list');
  const meta = doc['meta'];
  const apiVersion = isObject(meta) && typeof meta['api-version'] === 'string' ? meta['api-version'] : undefined;
  const files: DistFile[] = [];
  for (const [i, f] of doc['files'].entries()) {
    if (!isObject(f) || typeof f['filename'] !== 'string' || typeof f['url'] !== 'string') {
      throw new SimplePageError(`files[${i}] has no filename or url`);
    }
    let url: URL;
    try {
      url = new URL(f['url'], pageUrl);
    } catch {
      throw new SimplePageError(`files[${i}].url is not a URL: ${JSON.stringify(f['url'])}`);
    }
    url.hash = '';
    const sha256 = sha256Of(f['hashes']);
    const rp = f['requires-python'];
    const size = f['size'];
    const uploadTime = f['upload-time'];
    files.push({
      filename: f['filename'],
      url: url.href,
      ...(sha256 === undefined ? {} : { sha256 }),
      ...(typeof rp === 'string' && rp.trim() !== '' ? { requiresPython: rp.trim() } : {}),
      yanked: yankedOf(f['yanked']),
      coreMetadata: coreMetadataOf(f),
      ...(typeof size === 'number' ? { size } : {}),
      ...(typeof uploadTime === 'string' ? { uploadTime } : {}),
    });
  }
  files.sort((a, b) => (a.filename < b.filename ? -1 : a.filename > b.filename ? 1 : 0));
  return {
    ...(typeof doc['name'] === 'string' ? { name: doc['name'] } : {}),
    ...(apiVersion === undefined ? {} : { apiVersion }),
    files,
  };
}

class SimpleIndex extends IndexClientBase {
  constructor(baseUrl: string, opts?: IndexClientOptions) {
    super(
      withSlash(baseUrl),
      `the Simple API at ${withSlash(baseUrl)}`,
      'the index URL (--index-url; a PEP 503/691 index, usually ending in /simple/)',
      opts,
    );
  }

  protected async fetchProject(name: string, urlName: string): Promise<ProjectFiles> {
    const subject = `Python project "${name}"`;
    const res = await this.getPage(subject, `${this.baseUrl}${urlName}/`, SIMPLE_ACCEPT);
    const page = this.read(subject, res);
    const major = page.apiVersion === undefined ? SUPPORTED_MAJOR : Number(page.apiVersion.split('.')[0]);
    if (major !== SUPPORTED_MAJOR) {
      throw this.garbage(subject, res, `Simple API version ${page.apiVersion}; bale reads ${SUPPORTED_MAJOR}.x`);
    }
    // PEP 691 makes `name` the project's normalized name: a page naming another project is refused.
    // A PEP 503 page has no normative name (its <title> is free text): its files' names are checked instead (releases.ts).
    if (res.contentType === SIMPLE_JSON) checkProjectName(name, urlName, page.name, res.url, 'the Simple API page');
    return { name: page.name ?? urlName, files: page.files };
  }

  private read(subject: string, res: HttpResponse): ReturnType<typeof parseSimpleJson> {
    const type = res.contentType;
    try {
      if (type === SIMPLE_JSON) return parseSimpleJson(JSON.parse(res.body.toString('utf8')), res.url);
      if (type === SIMPLE_HTML || type === 'text/html') return parseSimpleHtml(res.body.toString('utf8'), res.url);
    } catch (err) {
      const why = err instanceof SimplePageError ? err.message : `unreadable ${type}: ${(err as Error).message}`;
      throw this.garbage(subject, res, why, err);
    }
    throw this.garbage(subject, res, `content-type ${type || '(none)'}, expected ${SIMPLE_JSON} or HTML`);
  }
}

/** A client of the Simple API at `baseUrl` (`https://pypi.org/simple/`, a mirror's `/simple`). */
export function simpleIndex(baseUrl: string, opts?: IndexClientOptions): IndexClient {
  return new SimpleIndex(baseUrl, opts);
}
