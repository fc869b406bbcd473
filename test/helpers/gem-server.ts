/**
 * A real RubyGems source over HTTP on 127.0.0.1, serving the fixture gems (gem-dists.ts) the way
 * rubygems.org does: the compact index (`/versions`, `/info/<gem>`, `/names`), the JSON API
 * (`/api/v1/gems/<gem>.json`, `/api/v1/versions/<gem>.json`, `/api/v2/rubygems/<gem>/versions/<v>.json`)
 * and `/gems/<file>.gem`, also under a path prefix (`mirror/`, as Artifactory mounts a repository),
 * with faults on demand. `jsonOnly` serves no compact index, like an old mirror.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import { gzipSync } from 'node:zlib';
import { gemFixtureDists, type FixtureGem, type FixtureGemFamily, type GemDists, type GemRequirementList } from './gem-dists.js';
import { FaultBook, type ServerFault } from './faults.js';
import { closeServer, listenLoopback } from './loopback.js';

export interface GemRequest {
  method: string;
  /** The request target as sent, e.g. `/info/fxg-app`. */
  path: string;
}

/** Which requests of a gem a fault hits. `index`: its /info and JSON API pages. @defaultValue 'index' */
export type FaultTarget = 'index' | 'gem' | 'all';

/** How a gem misbehaves (see faults.ts). */
export type Fault = ServerFault<Exclude<FaultTarget, 'all'>>;

export interface GemServer {
  /** `http://127.0.0.1:PORT/`, with the trailing slash. */
  url: string;
  /** `url + 'mirror/'`: the same source under a path prefix. */
  mirrorUrl: string;
  /** Every request received, in order. */
  requests: GemRequest[];
  /** Makes a gem misbehave, replacing its previous fault; `null` heals it. */
  fault(gem: string, f: Fault | null): void;
  dists: GemDists;
  /** The compact index lines this server sends for a gem (`/info/<gem>` without the `---` header). */
  infoLines(gem: string): string[];
  close(): Promise<void>;
}

export interface GemServerOptions {
  /** Serve the JSON API only: `/versions`, `/names` and `/info/*` answer 404. */
  jsonOnly?: boolean;
  /** @defaultValue 0 (any free port) */
  port?: number;
}

/** A requirement list as the compact index writes it: sorted, `&`-joined (rubygems/compact_index does `.sort.join("&")`). */
const compactReq = (list: string[]): string => [...list].sort().join('&');
/** `<name>-<version>[-<platform>]`: the file's stem. */
export const gemFullName = (g: FixtureGem): string => g.filename.slice(0, -'.gem'.length);
const versionPlatform = (g: FixtureGem): string => (g.platform === 'ruby' ? g.version : `${g.version}-${g.platform}`);

/** One `/info` line: `VERSION[-PLATFORM] DEP:REQ&REQ,...|checksum:HEX,ruby:REQ,rubygems:REQ`, runtime dependencies only. */
export function infoLine(g: FixtureGem): string {
  const deps = [...g.runtime].sort((a, b) => (a.name < b.name ? -1 : 1)).map((d) => `${d.name}:${compactReq(d.requirement)}`);
  return `${versionPlatform(g)} ${deps.join(',')}|checksum:${g.advertisedSha256},ruby:${compactReq(g.requiredRuby)},rubygems:${compactReq(g.requiredRubygems)}`;
}

/** Newest first, as rubygems.org lists versions; within a version, `ruby` first. */
function newestFirst(f: FixtureGemFamily): FixtureGem[] {
  return [...f.releases].reverse();
}

/** What /api/v1/gems shows: the newest release that is not a prerelease, `ruby` platform preferred. */
function latest(f: FixtureGemFamily): FixtureGem {
  const stable = f.releases.filter((r) => !r.prerelease);
  const pool = stable.length > 0 ? stable : f.releases;
  const top = pool[pool.length - 1] as FixtureGem;
  return pool.find((r) => r.version === top.version && r.platform === 'ruby') ?? top;
}

export async function startGemServer(opts: GemServerOptions = {}): Promise<GemServer> {
  const dists = await gemFixtureDists();
  const faults = new FaultBook<Exclude<FaultTarget, 'all'>>('index');
  const requests: GemRequest[] = [];
  const date = '2020-01-01T00:00:00.000Z';
  let base = '';

  const infoBody = (f: FixtureGemFamily): string => `---\n${f.releases.map(infoLine).join('\n')}\n`;
  const md5 = (s: string): string => createHash('md5').update(s).digest('hex');
  const jsonReqs = (list: GemRequirementList[]): unknown[] => list.map((d) => ({ name: d.name, requirements: d.requirement.join(', ') }));

  /** Version#as_json on rubygems.org: one entry of /api/v1/versions, merged into the v2 payload. */
  function versionJson(g: FixtureGem): Record<string, unknown> {
    return {
      authors: g.authors.join(', '),
      built_at: g.date,
      created_at: date,
      description: g.description,
      downloads_count: 0,
      metadata: g.metadata,
      number: g.version,
      summary: g.summary,
      platform: g.platform,
      rubygems_version: g.requiredRubygems.join(', '),
      ruby_version: g.requiredRuby.join(', '),
      prerelease: g.prerelease,
      licenses: g.licenses,
      requirements: [],
      sha: g.advertisedSha256,
      spec_sha: null,
    };
  }

  /** Rubygem#payload on rubygems.org: /api/v1/gems and, merged with versionJson, /api/v2/.../versions/<v>. */
  function payload(g: FixtureGem): Record<string, unknown> {
    return {
      name: g.name,
      downloads: 0,
      version: g.version,
      version_created_at: date,
      version_downloads: 0,
      platform: g.platform,
      authors: g.authors.join(', '),
      info: g.description ?? g.summary,
      licenses: g.licenses,
      metadata: g.metadata,
      yanked: false,
      sha: g.advertisedSha256,
      spec_sha: null,
      project_uri: `${base}gems/${g.name}`,
      gem_uri: `${base}gems/${g.filename}`,
      homepage_uri: g.homepage,
      wiki_uri: null,
      documentation_uri: null,
      mailing_list_uri: null,
      source_code_uri: null,
      bug_tracker_uri: null,
      changelog_uri: null,
      funding_uri: null,
      dependencies: { development: jsonReqs(g.development), runtime: jsonReqs(g.runtime) },
    };
  }

  function send(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    status: number,
    type: string,
    body: string | Buffer,
    gzip = false,
  ): void {
    let bytes = typeof body === 'string' ? Buffer.from(body) : body;
    const headers: http.OutgoingHttpHeaders = { 'content-type': type };
    // Like rubygems.org's CDN: gzip when asked for, so clients take that path too.
    if (gzip && /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''))) {
      bytes = gzipSync(bytes);
      headers['content-encoding'] = 'gzip';
    }
    res.writeHead(status, { ...headers, 'content-length': bytes.length });
    res.end(bytes);
  }
  const notFound = (req: http.IncomingMessage, res: http.ServerResponse, what = 'This rubygem could not be found.'): void =>
    send(req, res, 404, 'text/plain', `${what}\n`);

  /** Applies the gem's fault to this request, if it targets it; true when the fault answered. */
  async function misbehave(
    gem: string,
    target: Exclude<FaultTarget, 'all'>,
    req: http.IncomingMessage,
    res: http.ServerResponse,
    type: string,
  ): Promise<boolean> {
    const f = await faults.take(gem, target);
    if (f === undefined) return false;
    if (f.kind === 'garbage')
      send(req, res, 200, type, type.includes('json') ? '[{"number": "1.0.0", "platform": ' : '<html><body>Maintenance</body></html>\n');
    else if (f.kind === 'reset') res.socket?.destroy();
    else send(req, res, f.status, 'text/plain', `fixture fault: HTTP ${f.status}\n`);
    return true;
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    requests.push({ method: req.method ?? '', path: req.url ?? '' });
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(req, res, 405, 'text/plain', 'Method Not Allowed\n');
    const url = new URL(req.url ?? '/', base);
    let seg = url.pathname
      .split('/')
      .slice(1)
      .map((s) => decodeURIComponent(s));
    if (seg[0] === 'mirror') seg = seg.slice(1);
    const plain = 'text/plain; charset=utf-8';
    const json = 'application/json; charset=utf-8';
    const family = (name: string | undefined): FixtureGemFamily | undefined => (name === undefined ? undefined : dists.gems.get(name));

    if (seg.length === 1 && (seg[0] === 'versions' || seg[0] === 'names')) {
      if (opts.jsonOnly) return notFound(req, res, 'Not Found');
      const all = [...dists.gems.values()];
      if (seg[0] === 'names') return send(req, res, 200, plain, `---\n${all.map((f) => f.name).join('\n')}\n`, true);
      const lines = all.map((f) => `${f.name} ${f.releases.map(versionPlatform).join(',')} ${md5(infoBody(f))}`);
      return send(req, res, 200, plain, `created_at: ${date.replace('.000', '')}\n---\n${lines.join('\n')}\n`, true);
    }
    if (seg[0] === 'info' && seg.length === 2) {
      if (opts.jsonOnly) return notFound(req, res, 'Not Found');
      if (await misbehave(seg[1] ?? '', 'index', req, res, plain)) return;
      const f = family(seg[1]);
      return f ? send(req, res, 200, plain, infoBody(f), true) : notFound(req, res);
    }
    if (
      seg[0] === 'api' &&
      seg[1] === 'v1' &&
      (seg[2] === 'gems' || seg[2] === 'versions') &&
      seg.length === 4 &&
      seg[3]?.endsWith('.json')
    ) {
      const name = seg[3].slice(0, -'.json'.length);
      if (await misbehave(name, 'index', req, res, json)) return;
      const f = family(name);
      if (!f) return notFound(req, res);
      if (seg[2] === 'gems') return send(req, res, 200, json, JSON.stringify(payload(latest(f))));
      return send(req, res, 200, json, JSON.stringify(newestFirst(f).map(versionJson)));
    }
    if (
      seg[0] === 'api' &&
      seg[1] === 'v2' &&
      seg[2] === 'rubygems' &&
      seg[4] === 'versions' &&
      seg.length === 6 &&
      seg[5]?.endsWith('.json')
    ) {
      const name = seg[3] ?? '';
      if (await misbehave(name, 'index', req, res, json)) return;
      const number = seg[5].slice(0, -'.json'.length);
      const platform = url.searchParams.get('platform');
      // Without ?platform=, rubygems.org answers with one of the version's platforms: here `ruby` when it has it.
      const candidates = (family(name)?.releases ?? []).filter(
        (r) => r.version === number && (platform === null || r.platform === platform),
      );
      const g = candidates.find((r) => r.platform === 'ruby') ?? candidates[0];
      if (!g) return notFound(req, res, 'This version could not be found.');
      return send(req, res, 200, json, JSON.stringify({ ...payload(g), ...versionJson(g) }));
    }
    if (seg[0] === 'gems' && seg.length === 2) {
      const g = dists.byFile.get(seg[1] ?? '');
      if (!g) return notFound(req, res, 'Not Found');
      if (await misbehave(g.name, 'gem', req, res, 'application/octet-stream')) return;
      return send(req, res, 200, 'application/octet-stream', await readFile(g.path));
    }
    return notFound(req, res, 'Not Found');
  }

  const server = http.createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (res.headersSent) res.destroy();
      else send(req, res, 500, 'text/plain', `fixture gem server bug: ${String(err)}\n`);
    });
  });
  base = await listenLoopback(server, opts.port ?? 0);

  return {
    url: base,
    mirrorUrl: `${base}mirror/`,
    requests,
    dists,
    infoLines(gem) {
      const f = dists.gems.get(gem);
      if (!f) throw new Error(`no fixture gem named ${gem}`);
      return f.releases.map(infoLine);
    },
    fault(gem, f) {
      faults.set(gem, f);
    },
    close() {
      return closeServer(server, faults.timers);
    },
  };
}
