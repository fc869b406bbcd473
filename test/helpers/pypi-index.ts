/**
 * A real Python package index over HTTP on 127.0.0.1, serving the fixture distributions
 * (pypi-dists.ts): the Simple API as PEP 691 JSON or PEP 503 HTML by content negotiation (or HTML
 * only, like an old mirror), PyPI's JSON API, the files and their PEP 658 `.metadata` files, with
 * faults on demand. Integration tests start one, point a client at `simpleUrl` or `jsonUrl`, close it.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import { compare, explain } from '@renovatebot/pep440';
import { pypiFixtureDists, type FixtureDists, type FixtureFile, type FixtureProject } from './pypi-dists.js';
import { FaultBook, type ServerFault } from './faults.js';
import { closeServer, listenLoopback } from './loopback.js';

export interface IndexRequest {
  method: string;
  /** The request target as sent, e.g. `/simple/fxp-app/`. */
  path: string;
  accept?: string;
}

/** Which requests of a project a fault hits. `page`: its Simple and JSON API pages. @defaultValue 'page' */
export type FaultTarget = 'page' | 'file' | 'metadata' | 'all';

/** How a project misbehaves (see faults.ts). */
export type Fault = ServerFault<Exclude<FaultTarget, 'all'>>;

export interface FixtureIndex {
  /** e.g. `http://127.0.0.1:PORT/`, with the trailing slash. */
  url: string;
  /** `url + 'simple/'`: the Simple API. */
  simpleUrl: string;
  /** `url + 'pypi/'`: the JSON API. */
  jsonUrl: string;
  /** `url + 'moved/simple/'`: redirects (302) every request to `simpleUrl`, from another depth, so relative links resolved against the wrong URL break. */
  movedSimpleUrl: string;
  /** Every request received, in order. */
  requests: IndexRequest[];
  /** Makes a project (by any spelling of its name) misbehave, replacing its previous fault; `null` heals it. */
  fault(project: string, f: Fault | null): void;
  /** What is served. */
  dists: FixtureDists;
  /** Where a file is served (absolute). */
  fileUrl(filename: string): string;
  /** The sha256 the index states for a file: its own, but a wrong one for fxp-badhash. */
  advertisedSha256(filename: string): string;
  close(): Promise<void>;
}

export interface PypiIndexOptions {
  /** Ignore Accept and serve `text/html` without a repository version or `data-core-metadata`, like an old mirror. */
  htmlOnly?: boolean;
  /** Serve no PEP 658 metadata files and advertise none. */
  noMetadataFiles?: boolean;
  /** @defaultValue 0 (any free port) */
  port?: number;
}

export const SIMPLE_JSON = 'application/vnd.pypi.simple.v1+json';
export const SIMPLE_HTML = 'application/vnd.pypi.simple.v1+html';
/** Offered forms, in the order ties are broken (a bare `*` / no Accept gets HTML, as PyPI does). */
const OFFERS = ['text/html', SIMPLE_HTML, SIMPLE_JSON] as const;
type Form = (typeof OFFERS)[number];

const normalize = (name: string): string => name.replace(/[-_.]+/g, '-').toLowerCase();

/** Server-driven content negotiation (RFC 9110 q-values, most specific match), as PEP 691 asks; undefined: 406. */
export function negotiate(accept: string | undefined): Form | undefined {
  const ranges = (accept ?? '*/*').split(',').map((part) => {
    const [type = '', ...params] = part.split(';').map((s) => s.trim().toLowerCase());
    const q = params.find((p) => p.startsWith('q='));
    return { type, q: q === undefined ? 1 : Number(q.slice(2)) };
  });
  let best: { form: Form; q: number } | undefined;
  for (const form of OFFERS) {
    const [major] = form.split('/');
    const match =
      ranges.find((r) => r.type === form) ?? ranges.find((r) => r.type === `${major}/*`) ?? ranges.find((r) => r.type === '*/*');
    if (match && match.q > 0 && (!best || match.q > best.q)) best = { form, q: match.q };
  }
  return best?.form;
}

function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Newest first by PEP 440; the JSON API's `info` is the newest release that is neither a prerelease nor yanked. */
function latest(p: FixtureProject): string {
  const versions = [...new Set(p.files.map((f) => f.version))].sort((a, b) => compare(b, a));
  return versions.find((v) => !explain(v)?.is_prerelease && p.yanked[v] === undefined) ?? versions[0] ?? '';
}

export async function startPypiIndex(opts: PypiIndexOptions = {}): Promise<FixtureIndex> {
  const dists = await pypiFixtureDists();
  const byFile = new Map<string, { project: FixtureProject; file: FixtureFile }>();
  for (const project of dists.projects.values()) for (const file of project.files) byFile.set(file.filename, { project, file });
  const faults = new FaultBook<Exclude<FaultTarget, 'all'>>('page');
  const requests: IndexRequest[] = [];
  let base = '';

  const sha256 = (p: FixtureProject, f: FixtureFile): string =>
    p.wrongSha256 ? createHash('sha256').update(`bale-fixture-wrong-sha256:${f.filename}`).digest('hex') : f.sha256;
  const metadataOf = (f: FixtureFile): string | undefined => (opts.noMetadataFiles ? undefined : f.metadataSha256);
  const fileHref = (p: FixtureProject, f: FixtureFile): string => `files/${p.normalized}/${encodeURIComponent(f.filename)}`;

  function simpleJson(p: FixtureProject): unknown {
    const versions = [...new Set(p.files.map((f) => f.version))].sort(compare);
    const files = p.files.map((f) => {
      const meta = metadataOf(f);
      const yanked = p.yanked[f.version];
      return {
        filename: f.filename,
        url: `../../${fileHref(p, f)}`, // relative, as mirrors serve them: resolved against the page URL
        hashes: { sha256: sha256(p, f) },
        ...(f.requiresPython === undefined ? {} : { 'requires-python': f.requiresPython }),
        ...(meta === undefined ? {} : { 'core-metadata': { sha256: meta } }),
        ...(yanked === undefined ? {} : { yanked: yanked === '' ? true : yanked }),
        size: f.size,
        'upload-time': p.uploadTime(f.version),
      };
    });
    return { meta: { 'api-version': '1.1' }, name: p.normalized, versions, files };
  }

  function simpleHtml(p: FixtureProject): string {
    const anchors = p.files.map((f) => {
      const meta = metadataOf(f);
      const yanked = p.yanked[f.version];
      const attrs = [
        `href="../../${fileHref(p, f)}#sha256=${sha256(p, f)}"`,
        f.requiresPython === undefined ? '' : `data-requires-python="${escapeHtml(f.requiresPython)}"`,
        // PEP 714: the new attribute, and the legacy one old clients read; an old mirror has only the legacy one.
        meta === undefined || opts.htmlOnly ? '' : `data-core-metadata="sha256=${meta}"`,
        meta === undefined ? '' : `data-dist-info-metadata="sha256=${meta}"`,
        yanked === undefined ? '' : `data-yanked="${escapeHtml(yanked)}"`,
      ];
      return `    <a ${attrs.filter(Boolean).join(' ')}>${escapeHtml(f.filename)}</a><br />`;
    });
    const version = opts.htmlOnly ? '' : '    <meta name="pypi:repository-version" content="1.1">\n';
    return `<!DOCTYPE html>\n<html>\n  <head>\n${version}    <title>Links for ${escapeHtml(p.normalized)}</title>\n  </head>\n  <body>\n    <h1>Links for ${escapeHtml(p.normalized)}</h1>\n${anchors.join('\n')}\n  </body>\n</html>\n`;
  }

  function jsonApiFile(p: FixtureProject, f: FixtureFile): unknown {
    const meta = metadataOf(f);
    const reason = p.yanked[f.version];
    const time = p.uploadTime(f.version);
    return {
      comment_text: '',
      digests: { blake2b_256: f.blake2b256, md5: f.md5, sha256: sha256(p, f) },
      downloads: -1,
      filename: f.filename,
      has_sig: false,
      md5_digest: f.md5,
      packagetype: f.kind === 'wheel' ? 'bdist_wheel' : 'sdist',
      python_version: f.pythonVersion,
      requires_python: f.requiresPython ?? null,
      size: f.size,
      upload_time: time.replace(/Z$/, ''),
      upload_time_iso_8601: time.replace(/Z$/, '.000000Z'),
      url: base + fileHref(p, f),
      yanked: reason !== undefined,
      yanked_reason: reason === undefined || reason === '' ? null : reason,
      ...(meta === undefined ? {} : { core_metadata: { sha256: meta } }),
    };
  }

  function jsonApi(p: FixtureProject, version?: string): unknown {
    const shown = version ?? latest(p);
    const first = p.files.find((f) => f.version === shown);
    const info = {
      name: p.name,
      version: shown,
      summary: first?.summary ?? null,
      requires_python: first?.requiresPython ?? null,
      requires_dist: first && first.requiresDist.length > 0 ? first.requiresDist : null,
      yanked: p.yanked[shown] !== undefined,
      yanked_reason: p.yanked[shown] || null,
      project_url: `${base}project/${p.name}/`,
    };
    const urls = p.files.filter((f) => f.version === shown).map((f) => jsonApiFile(p, f));
    if (version !== undefined) return { info, last_serial: 1, urls, vulnerabilities: [] };
    const releases: Record<string, unknown[]> = {};
    for (const v of [...new Set(p.files.map((f) => f.version))].sort(compare)) {
      releases[v] = p.files.filter((f) => f.version === v).map((f) => jsonApiFile(p, f));
    }
    return { info, last_serial: 1, releases, urls, vulnerabilities: [] };
  }

  /** Applies the project's fault to this request, if it targets it; true when the fault answered. */
  async function misbehave(
    project: string,
    target: Exclude<FaultTarget, 'all'>,
    res: http.ServerResponse,
    garbageType: string,
  ): Promise<boolean> {
    const f = await faults.take(project, target);
    if (f === undefined) return false;
    if (f.kind === 'garbage')
      send(
        res,
        200,
        garbageType,
        garbageType.includes('json') ? '{"meta": {"api-version": "1.1"}, "files": [' : 'this is not what you asked for\n',
      );
    else if (f.kind === 'reset') res.socket?.destroy();
    else send(res, f.status, 'text/plain', `fixture fault: HTTP ${f.status}\n`);
    return true;
  }

  function send(res: http.ServerResponse, status: number, type: string, body: string | Buffer, extra: http.OutgoingHttpHeaders = {}): void {
    const bytes = typeof body === 'string' ? Buffer.from(body) : body;
    res.writeHead(status, { 'content-type': type, 'content-length': bytes.length, ...extra });
    res.end(bytes);
  }
  const redirect = (res: http.ServerResponse, status: number, to: string): void =>
    send(res, status, 'text/plain', `see ${to}\n`, { location: to });
  const notFound = (res: http.ServerResponse): void => send(res, 404, 'text/plain', '404 Not Found\n');

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const accept = req.headers.accept;
    requests.push({ method: req.method ?? '', path: req.url ?? '', ...(accept === undefined ? {} : { accept }) });
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'text/plain', 'Method Not Allowed\n');
    const pathname = new URL(req.url ?? '/', base).pathname;
    const seg = pathname
      .split('/')
      .slice(1)
      .map((s) => decodeURIComponent(s));

    if (seg[0] === 'moved' && seg[1] === 'simple') return redirect(res, 302, `/${seg.slice(1).join('/')}`);
    if (seg[0] === 'simple') {
      const form = opts.htmlOnly ? 'text/html' : negotiate(accept);
      if (form === undefined) return send(res, 406, 'text/plain', 'Not Acceptable\n');
      const json = form === SIMPLE_JSON;
      const type = json ? SIMPLE_JSON : form;
      if (seg.length === 2 && seg[1] === '') {
        const names = [...dists.projects.values()].map((p) => p.normalized);
        if (json)
          return send(res, 200, type, JSON.stringify({ meta: { 'api-version': '1.1' }, projects: names.map((name) => ({ name })) }), {
            vary: 'Accept',
          });
        return send(
          res,
          200,
          type,
          `<!DOCTYPE html>\n<html><body>\n${names.map((n) => `<a href="${n}/">${n}</a>`).join('\n')}\n</body></html>\n`,
          { vary: 'Accept' },
        );
      }
      const name = normalize(seg[1] ?? '');
      const p = dists.projects.get(name);
      if (seg[1] !== name || seg.length !== 3 || seg[2] !== '') return p ? redirect(res, 301, `/simple/${name}/`) : notFound(res);
      if (await misbehave(name, 'page', res, type)) return;
      if (!p) return notFound(res);
      return send(res, 200, type, json ? JSON.stringify(simpleJson(p)) : simpleHtml(p), { vary: 'Accept' });
    }
    if (seg[0] === 'pypi' && (seg.length === 3 || seg.length === 4) && seg[seg.length - 1] === 'json') {
      const name = normalize(seg[1] ?? '');
      if (await misbehave(name, 'page', res, 'application/json')) return;
      const p = dists.projects.get(name);
      const version = seg.length === 4 ? seg[2] : undefined;
      if (!p || (version !== undefined && !p.files.some((f) => f.version === version))) return notFound(res);
      // PyPI redirects to the project's own spelling of its name.
      if (seg[1] !== p.name) return redirect(res, 301, `/pypi/${p.name}/${version === undefined ? '' : `${version}/`}json`);
      return send(res, 200, 'application/json', JSON.stringify(jsonApi(p, version)));
    }
    if (seg[0] === 'files' && seg.length === 3) {
      const filename = seg[2] ?? '';
      const isMeta = filename.endsWith('.metadata');
      const hit = byFile.get(isMeta ? filename.slice(0, -'.metadata'.length) : filename);
      if (!hit || hit.project.normalized !== seg[1]) return notFound(res);
      if (await misbehave(hit.project.normalized, isMeta ? 'metadata' : 'file', res, 'application/octet-stream')) return;
      if (!isMeta) return send(res, 200, 'application/octet-stream', await readFile(hit.file.path));
      if (!hit.file.metadataFile || opts.noMetadataFiles) return notFound(res);
      return send(res, 200, 'application/octet-stream', await readFile(`${hit.file.path}.metadata`));
    }
    return notFound(res);
  }

  const server = http.createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (res.headersSent) res.destroy();
      else send(res, 500, 'text/plain', `fixture index bug: ${String(err)}\n`);
    });
  });
  base = await listenLoopback(server, opts.port ?? 0);

  return {
    url: base,
    simpleUrl: `${base}simple/`,
    jsonUrl: `${base}pypi/`,
    movedSimpleUrl: `${base}moved/simple/`,
    requests,
    dists,
    fileUrl(filename) {
      const hit = byFile.get(filename);
      if (!hit) throw new Error(`no fixture distribution named ${filename}`);
      return base + fileHref(hit.project, hit.file);
    },
    advertisedSha256(filename) {
      const hit = byFile.get(filename);
      if (!hit) throw new Error(`no fixture distribution named ${filename}`);
      return sha256(hit.project, hit.file);
    },
    fault(project, f) {
      faults.set(normalize(project), f);
    },
    close() {
      return closeServer(server, faults.timers);
    },
  };
}
