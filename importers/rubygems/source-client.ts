/**
 * What every RubyGems index client does the same way (compact-index.ts, json-api.ts,
 * marshal-index.ts): memoised requests per gem, verified downloads, pages asked with errors naming
 * the gem and the source. Each client supplies only how a gem's releases are asked for and read.
 * Imports the shared index HTTP client and gem-release.ts; imported by the three clients only.
 */
import { createHash } from 'node:crypto';
import { IntegrityError, UserError } from '../../src/errors/index.js';
import { IndexHttp, resolvedOptions, withSlash, type HttpResponse } from '../index-http.js';
import { GEM_NAME, GEM_USER_AGENT, type GemIndex, type GemIndexOptions, type GemRelease } from './gem-release.js';

/** The base of the three index clients: each supplies only how a gem's releases are asked for and read. */
export abstract class GemSourceClient implements GemIndex {
  readonly source: string;
  protected readonly http: IndexHttp;
  private readonly memo = new Map<string, Promise<GemRelease[]>>();

  /** @param what how errors name the API: 'the compact index' */
  protected constructor(
    source: string,
    protected readonly what: string,
    opts: GemIndexOptions | undefined,
  ) {
    this.source = withSlash(source);
    this.http = new IndexHttp(resolvedOptions(opts ?? {}, GEM_USER_AGENT));
  }

  protected abstract fetchReleases(name: string): Promise<GemRelease[]>;

  releases(name: string): Promise<GemRelease[]> {
    if (!GEM_NAME.test(name) || name === '.' || name === '..') {
      return Promise.reject(
        new UserError(
          'ENAME',
          `"${name}" is not a valid gem name (letters, digits, ".", "_", "-"), asked of ${this.source}: fix the requirement`,
        ),
      );
    }
    let p = this.memo.get(name);
    if (!p) {
      p = this.fetchReleases(name);
      // A failure is not remembered: a caller may try again (after a TransientError, say).
      p.catch(() => this.memo.delete(name));
      this.memo.set(name, p);
    }
    return p;
  }

  async download(r: GemRelease): Promise<Buffer> {
    const subject = `gem ${r.name} ${r.version}${r.platform === 'ruby' ? '' : ` (${r.platform})`}`;
    const res = await this.http.get(r.gemUrl, { traffic: 'source' });
    if (res.status === 404 || res.status === 410) {
      throw new UserError(
        'ESOURCE',
        `${subject}: ${r.gemUrl} answered HTTP ${res.status}: the .gem is gone from ${this.source}; import again to pick another release`,
      );
    }
    this.expectOk(res, subject);
    if (r.sha256 !== undefined) {
      const got = createHash('sha256').update(res.body).digest('hex');
      if (got !== r.sha256) {
        throw new IntegrityError(
          `${subject} from ${r.gemUrl}: sha256 is ${got}, ${this.source} says ${r.sha256}: the file or the index is corrupt or tampered with; do not use it, and tell the source's maintainers`,
        );
      }
    }
    return res.body;
  }

  close(): Promise<void> {
    return this.http.close();
  }

  /** A page of the API: 404/410 means no such gem (ENOTFOUND), anything else but 2xx a refusal. */
  protected async getPage(subject: string, url: string, accept: string): Promise<HttpResponse> {
    const res = await this.http.get(url, { compressed: true, accept });
    if (res.status === 404 || res.status === 410) {
      throw new UserError(
        'ENOTFOUND',
        `no ${subject} on ${this.source} (${url}: HTTP ${res.status}): check the name, or use a source that has it (--source)`,
      );
    }
    this.expectOk(res, subject);
    return res;
  }

  /** The source answered 2xx with something that is not what the API says. */
  protected garbage(subject: string, res: HttpResponse, why: string, cause?: unknown): UserError {
    return new UserError(
      'EINDEX',
      `${subject}: ${res.url} is not a valid answer of ${this.what} (${why}): check that --source ${this.source} is a RubyGems source`,
      { cause },
    );
  }

  protected expectOk(res: HttpResponse, subject: string): void {
    if (res.status >= 200 && res.status < 300) return;
    const auth = res.status === 401 || res.status === 403 ? ', or its credentials' : '';
    throw new UserError(
      'EINDEX',
      `${subject}: ${res.url} answered HTTP ${res.status} from ${this.what} of ${this.source}: check --source${auth}`,
    );
  }
}
