/**
 * The compact index Bundler uses (rubygems.org, gemstash, Artifactory): `/info/<gem>` lists every
 * release of a gem, one line each, after a `---` line:
 *
 *     VERSION[-PLATFORM] DEP:REQ&REQ,DEP2:REQ|checksum:SHA256HEX,ruby:REQ&REQ,rubygems:REQ
 *
 * runtime dependencies only; yanked releases are left out. The first `-` splits version from
 * platform (platforms contain dashes, versions do not here). What every index client shares
 * (memoised requests, verified downloads, errors naming the gem and the source) is the
 * GemSourceClient base (source-client.ts); the format rules are gem-release.ts.
 */
import { NodeTransport } from '../../src/http/node-transport.js';
import { resolvedOptions, withSlash } from '../index-http.js';
import {
  checkVersion,
  GEM_NAME,
  GEM_USER_AGENT,
  gemFileUrl,
  GemIndexFormatError,
  platformRequirement,
  normalizeRequirement,
  SHA256,
  type GemDependency,
  type GemIndex,
  type GemIndexOptions,
  type GemRelease,
} from './gem-release.js';
import { GemSourceClient } from './source-client.js';

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
  return lines
    .slice(start + 1)
    .filter((l) => l.trim() !== '')
    .map((l) => parseInfoLine(l, name, source));
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
 * (tens of megabytes on rubygems.org) is dropped unread, so this is a GET every server answers.
 * Redirects are followed; one attempt, and a network fault or a timeout counts as no (the caller
 * then asks the next kind of index, whose own requests retry).
 */
export async function servesCompactIndex(source: string, opts?: GemIndexOptions): Promise<boolean> {
  const o = resolvedOptions(opts ?? {}, GEM_USER_AGENT);
  const t = o.timeouts.metadata;
  const transport = new NodeTransport({ connections: 1, keepAliveMs: 10_000 });
  try {
    let url = new URL('versions', withSlash(source)).href;
    for (let hop = 0; hop < 5; hop++) {
      const res = await transport.headersOf(url, { 'user-agent': o.userAgent }, t, AbortSignal.timeout(t.deadlineMs));
      const location = res.headers['location'];
      if (res.status >= 300 && res.status < 400 && typeof location === 'string') {
        url = new URL(location, url).href;
        continue;
      }
      return res.status >= 200 && res.status < 300;
    }
    return false;
  } catch {
    return false;
  } finally {
    transport.close();
  }
}

/** A client of the compact index at `source` (`https://rubygems.org`, a mirror): `/info/<gem>`, one request per gem. */
export function compactIndex(source: string, opts?: GemIndexOptions): GemIndex {
  return new CompactIndexClient(source, opts);
}
