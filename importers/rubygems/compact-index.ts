/**
 * The compact index Bundler uses (rubygems.org, gemstash, Artifactory): `/info/<gem>` lists every
 * release of a gem, one line each, after a `---` line:
 *
 *     VERSION[-PLATFORM] DEP:REQ&REQ,DEP2:REQ|checksum:SHA256HEX,ruby:REQ&REQ,rubygems:REQ
 *
 * runtime dependencies only; yanked releases are left out. The first `-` splits version from
 * platform (platforms contain dashes, versions do not here). What both APIs share (memoised
 * requests, verified downloads, errors naming the gem and the source, requirement normalisation)
 * is the GemSourceClient base below; json-api.ts extends it too.
 */
import { createHash } from 'node:crypto';
import { Agent, request } from 'undici';
import { IntegrityError, UserError } from '../../src/errors/index.js';
import { IndexHttp, resolvedOptions, withSlash, type HttpResponse } from '../index-http.js';
import type { GemDependency, GemIndex, GemIndexOptions, GemRelease } from './gem-index.js';

/** A page that is not what the API says (parsers throw it; clients turn it into a UserError naming the URL). */
export class GemIndexFormatError extends Error {}

/** Gem names as RubyGems allows them: letters, digits, `.`, `_`, `-` (anything else never reaches a URL). */
const GEM_NAME = /^[A-Za-z0-9._-]+$/;
/** Gem::Version::VERSION_PATTERN. */
const GEM_VERSION = /^[0-9]+(\.[0-9a-zA-Z]+)*(-[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?$/;
const PLATFORM = /^[A-Za-z0-9._-]+$/;
const CONSTRAINT = /^\s*(=|!=|>=|<=|~>|>|<)?\s*([0-9][0-9a-zA-Z.-]*)\s*$/;
const SHA256 = /^[0-9a-f]{64}$/i;

/**
 * Gem::Requirement constraints (`['>= 1.0', '< 3']`, or `~>1.2`) as one canonical string: each
 * `<op> <version>` (a bare version is `= v`), sorted bytewise, joined by `, `.
 */
export function normalizeRequirement(constraints: string[]): string {
  const parts = constraints.map((c) => {
    const m = CONSTRAINT.exec(c);
    if (!m) throw new GemIndexFormatError(`not a version constraint: ${JSON.stringify(c)}`);
    return `${m[1] ?? '='} ${m[2]}`;
  });
  if (parts.length === 0) throw new GemIndexFormatError('an empty requirement');
  return [...new Set(parts)].sort().join(', ');
}

/** `required_ruby_version` and friends: undefined when absent or `>= 0`, the requirement every version meets. */
export function platformRequirement(constraints: string[] | undefined): string | undefined {
  if (constraints === undefined || constraints.every((c) => c.trim() === '')) return undefined;
  const req = normalizeRequirement(constraints.filter((c) => c.trim() !== ''));
  return req === '>= 0' ? undefined : req;
}

/** Where gem and Bundler download a release from: `<source>gems/<name>-<version>[-<platform>].gem`. */
export function gemFileUrl(source: string, name: string, version: string, platform: string): string {
  const stem = platform === 'ruby' ? `${name}-${version}` : `${name}-${version}-${platform}`;
  return new URL(`gems/${encodeURIComponent(stem)}.gem`, withSlash(source)).href;
}

export function checkVersion(version: string, platform: string): void {
  if (!GEM_VERSION.test(version)) throw new GemIndexFormatError(`not a gem version: ${JSON.stringify(version)}`);
  if (!PLATFORM.test(platform)) throw new GemIndexFormatError(`not a gem platform: ${JSON.stringify(platform)}`);
}

const byName = (a: GemDependency, b: GemDependency): number => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

/** One `/info` line of gem `name`. Throws GemIndexFormatError when it is not one. */
export function parseInfoLine(line: string, name: string, source: string): GemRelease {
  const space = line.indexOf(' ');
  const pipe = line.indexOf('|', space);
  if (space <= 0 || pipe < 0) throw new GemIndexFormatError(`not a compact index line: ${JSON.stringify(line.slice(0, 120))}`);
  const head = line.slice(0, space);
  const dash = head.indexOf('-');
  const version = dash < 0 ? head : head.slice(0, dash);
  const platform = dash < 0 ? 'ruby' : head.slice(dash + 1);
  checkVersion(version, platform);
  const dependencies: GemDependency[] = [];
  for (const dep of line.slice(space + 1, pipe).split(',')) {
    if (dep.trim() === '') continue;
    const colon = dep.indexOf(':');
    const depName = dep.slice(0, colon).trim();
    if (colon <= 0 || !GEM_NAME.test(depName)) throw new GemIndexFormatError(`not a dependency: ${JSON.stringify(dep)}`);
    dependencies.push({ name: depName, requirement: normalizeRequirement(dep.slice(colon + 1).split('&')) });
  }
  const keys = new Map<string, string>();
  for (const kv of line.slice(pipe + 1).split(',')) {
    const colon = kv.indexOf(':');
    if (colon > 0) keys.set(kv.slice(0, colon).trim(), kv.slice(colon + 1).trim());
  }
  const checksum = keys.get('checksum');
  if (checksum !== undefined && !SHA256.test(checksum)) throw new GemIndexFormatError(`not a sha256 checksum: ${JSON.stringify(checksum)}`);
  const requiredRuby = platformRequirement(keys.get('ruby')?.split('&'));
  const requiredRubygems = platformRequirement(keys.get('rubygems')?.split('&'));
  return {
    name,
    version,
    platform,
    dependencies: dependencies.sort(byName),
    ...(checksum === undefined ? {} : { sha256: checksum.toLowerCase() }),
    ...(requiredRuby === undefined ? {} : { requiredRuby }),
    ...(requiredRubygems === undefined ? {} : { requiredRubygems }),
    gemUrl: gemFileUrl(source, name, version, platform),
  };
}

/** A whole `/info/<gem>` body: the lines after `---` (what precedes it is opaque metadata). */
export function parseInfo(text: string, name: string, source: string): GemRelease[] {
  const lines = text.split('\n').map((l) => l.replace(/\r$/, ''));
  const start = lines.indexOf('---');
  if (start < 0) throw new GemIndexFormatError('no "---" line');
  return lines.slice(start + 1).filter((l) => l.trim() !== '').map((l) => parseInfoLine(l, name, source));
}

/** What both APIs do the same way. Each supplies only how a gem's releases are asked for and read. */
export abstract class GemSourceClient implements GemIndex {
  readonly source: string;
  protected readonly http: IndexHttp;
  private readonly memo = new Map<string, Promise<GemRelease[]>>();

  /** @param what how errors name the API: 'the compact index' */
  protected constructor(source: string, protected readonly what: string, opts: GemIndexOptions | undefined) {
    this.source = withSlash(source);
    this.http = new IndexHttp(resolvedOptions({ ...opts, userAgent: opts?.userAgent ?? 'bale (RubyGems importer)' }));
  }

  protected abstract fetchReleases(name: string): Promise<GemRelease[]>;

  releases(name: string): Promise<GemRelease[]> {
    if (!GEM_NAME.test(name) || name === '.' || name === '..') {
      return Promise.reject(new UserError('ENAME', `"${name}" is not a valid gem name (letters, digits, ".", "_", "-"), asked of ${this.source}: fix the requirement`));
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
      throw new UserError('ESOURCE', `${subject}: ${r.gemUrl} answered HTTP ${res.status}: the .gem is gone from ${this.source}; import again to pick another release`);
    }
    this.expectOk(res, subject);
    if (r.sha256 !== undefined) {
      const got = createHash('sha256').update(res.body).digest('hex');
      if (got !== r.sha256) {
        throw new IntegrityError(`${subject} from ${r.gemUrl}: sha256 is ${got}, ${this.source} says ${r.sha256}: the file or the index is corrupt or tampered with; do not use it, and tell the source's maintainers`);
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
      throw new UserError('ENOTFOUND', `no ${subject} on ${this.source} (${url}: HTTP ${res.status}): check the name, or use a source that has it (--source)`);
    }
    this.expectOk(res, subject);
    return res;
  }

  /** The source answered 2xx with something that is not what the API says. */
  protected garbage(subject: string, res: HttpResponse, why: string, cause?: unknown): UserError {
    return new UserError('EINDEX', `${subject}: ${res.url} is not a valid answer of ${this.what} (${why}): check that --source ${this.source} is a RubyGems source`, { cause });
  }

  protected expectOk(res: HttpResponse, subject: string): void {
    if (res.status >= 200 && res.status < 300) return;
    const auth = res.status === 401 || res.status === 403 ? ', or its credentials' : '';
    throw new UserError('EINDEX', `${subject}: ${res.url} answered HTTP ${res.status} from ${this.what} of ${this.source}: check --source${auth}`);
  }
}

class CompactIndexClient extends GemSourceClient {
  constructor(source: string, opts?: GemIndexOptions) {
    super(source, 'the compact index', opts);
  }

  protected async fetchReleases(name: string): Promise<GemRelease[]> {
    const subject = `gem "${name}"`;
    const res = await this.getPage(subject, new URL(`info/${encodeURIComponent(name)}`, this.source).href, 'text/plain');
    try {
      return parseInfo(res.body.toString('utf8'), name, this.source);
    } catch (err) {
      if (err instanceof GemIndexFormatError) throw this.garbage(subject, res, err.message, err);
      throw err;
    }
  }
}

/**
 * Whether `source` serves the compact index's `/versions`, from the status line alone: the body
 * (tens of megabytes on rubygems.org) is dropped unread, so this is a HEAD every server answers.
 * Redirects are followed; one attempt, and a network fault or a timeout counts as no (the caller
 * then asks the next kind of index, whose own requests retry).
 */
export async function servesCompactIndex(source: string, opts?: GemIndexOptions): Promise<boolean> {
  const t = resolvedOptions(opts).timeouts.metadata;
  const agent = new Agent({ connect: { timeout: t.connectMs } });
  try {
    let url = new URL('versions', withSlash(source)).href;
    for (let hop = 0; hop < 5; hop++) {
      const res = await request(url, { dispatcher: agent, method: 'GET', headers: { 'user-agent': opts?.userAgent ?? 'bale (RubyGems importer)' }, headersTimeout: t.headersMs, signal: AbortSignal.timeout(t.deadlineMs) });
      res.body.on('error', () => undefined).destroy(); // unread: an abort error is expected
      const location = res.headers['location'];
      if (res.statusCode >= 300 && res.statusCode < 400 && typeof location === 'string') {
        url = new URL(location, url).href;
        continue;
      }
      return res.statusCode >= 200 && res.statusCode < 300;
    }
    return false;
  } catch {
    return false;
  } finally {
    await agent.destroy().catch(() => undefined);
  }
}

/** A client of the compact index at `source` (`https://rubygems.org`, a mirror): `/info/<gem>`, one request per gem. */
export function compactIndex(source: string, opts?: GemIndexOptions): GemIndex {
  return new CompactIndexClient(source, opts);
}
