/**
 * What every index client does the same way: one request per project (memoised), PEP 658
 * metadata files, downloads verified by sha256, the errors a user can act on. Each protocol
 * (simple-api.ts, json-api.ts) supplies only how a project's page is asked for and read.
 */
import { createHash } from 'node:crypto';
import { IntegrityError, UserError } from '../../src/errors/index.js';
import { IndexHttp, resolvedOptions, type HttpResponse, type IndexClientOptions } from '../index-http.js';
import { indexDirProblem, readFileUrl } from './index-file.js';
import { projectUrlName, type DistFile, type IndexClient, type ProjectFiles } from './index-types.js';

export abstract class IndexClientBase implements IndexClient {
  protected readonly http: IndexHttp;
  private readonly projects = new Map<string, Promise<ProjectFiles>>();

  /**
   * @param baseUrl the API's base, with a trailing slash
   * @param what how errors name it: 'the Simple API at <url>'
   * @param hint what to check when it answers nonsense: '--index-url ...'
   */
  protected constructor(
    protected readonly baseUrl: string,
    protected readonly what: string,
    protected readonly hint: string,
    opts: IndexClientOptions | undefined,
  ) {
    this.http = new IndexHttp(resolvedOptions(opts ?? {}, 'bale (PyPI importer)'), baseUrl.startsWith('file:') ? readFileUrl : undefined);
  }

  /** Fetches and reads one project's page; `urlName` is the validated, normalized name. */
  protected abstract fetchProject(name: string, urlName: string): Promise<ProjectFiles>;

  async project(name: string): Promise<ProjectFiles> {
    const urlName = projectUrlName(name, this.baseUrl);
    let p = this.projects.get(urlName);
    if (!p) {
      p = this.fetchProject(name, urlName);
      // A failure is not remembered: a caller may try again (after a TransientError, say).
      p.catch(() => this.projects.delete(urlName));
      this.projects.set(urlName, p);
    }
    return p;
  }

  async coreMetadata(file: DistFile): Promise<string | undefined> {
    if (file.coreMetadata === false) return undefined;
    const url = metadataUrl(file.url);
    const res = await this.http.get(url);
    // Advertised but not served: the caller falls back to reading the distribution itself.
    if (res.status === 404 || res.status === 410) return undefined;
    this.expectOk(res, `the core metadata of ${file.filename}`);
    const want = file.coreMetadata.sha256;
    if (want !== undefined) verify(`${file.filename}.metadata`, url, res.body, want);
    return res.body.toString('utf8');
  }

  async download(file: DistFile): Promise<Buffer> {
    const res = await this.http.get(file.url, { traffic: 'source' });
    if (res.status === 404 || res.status === 410) {
      throw new UserError(
        'ESOURCE',
        `${file.filename}: ${file.url} ${answered(res)}: the file is gone from ${this.what}; import again to pick another`,
      );
    }
    this.expectOk(res, file.filename);
    if (file.sha256 !== undefined) verify(file.filename, file.url, res.body, file.sha256);
    return res.body;
  }

  close(): Promise<void> {
    return this.http.close();
  }

  /**
   * A project page: 404/410 means no such project, anything else but 2xx is a refusal.
   * @param subject what errors name: 'Python project "x"'
   */
  protected async getPage(subject: string, url: string, accept?: string): Promise<HttpResponse> {
    const res = await this.http.get(url, { compressed: true, ...(accept === undefined ? {} : { accept }) });
    if (res.status === 404 && this.baseUrl.startsWith('file:')) {
      const why = await indexDirProblem(this.baseUrl);
      if (why !== undefined) throw new UserError('EINDEX', `the index ${this.baseUrl}: ${why} on this machine: check ${this.hint}`);
      throw new UserError(
        'ENOTFOUND',
        `no ${subject} on ${this.what} (${url}: no such file): check the name, or use an index that has it (${this.hint})`,
      );
    }
    if (res.status === 404 || res.status === 410) {
      throw new UserError(
        'ENOTFOUND',
        `no ${subject} on ${this.what} (${url}: HTTP ${res.status}): check the name, or use an index that has it (${this.hint})`,
      );
    }
    this.expectOk(res, subject);
    return res;
  }

  /** The index answered 2xx with something that is not what the protocol says. */
  protected garbage(subject: string, res: HttpResponse, why: string, cause?: unknown): UserError {
    return new UserError('EINDEX', `${subject}: ${res.url} is not a valid answer of ${this.what} (${why}): check ${this.hint}`, { cause });
  }

  private expectOk(res: HttpResponse, subject: string): void {
    if (res.status >= 200 && res.status < 300) return;
    const auth = res.status === 401 || res.status === 403 ? ', or its credentials' : '';
    throw new UserError('EINDEX', `${subject}: ${res.url} ${answered(res)} from ${this.what}: check ${this.hint}${auth}`);
  }
}

/** What a response said, in a message: `answered HTTP 404`, or for a file on disk `is missing`. */
function answered(res: HttpResponse): string {
  if (!res.url.startsWith('file:')) return `answered HTTP ${res.status}`;
  return res.status === 404 ? 'is missing' : 'cannot be read';
}

/** PEP 658: the metadata file sits at the distribution's URL with `.metadata` appended (before any query). */
export function metadataUrl(fileUrl: string): string {
  const u = new URL(fileUrl);
  u.hash = '';
  u.pathname += '.metadata';
  return u.href;
}

function verify(what: string, url: string, body: Buffer, want: string): void {
  const got = createHash('sha256').update(body).digest('hex');
  if (got !== want.toLowerCase()) {
    throw new IntegrityError(
      `${what} from ${url}: sha256 is ${got}, the index says ${want}: the file or the index is corrupt or tampered with; do not use it, and tell the index's maintainers`,
    );
  }
}
