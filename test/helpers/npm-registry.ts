/**
 * A real npm registry over HTTP on 127.0.0.1, serving the fixture packages (npm-fixtures.ts) and
 * the hostile tarballs (hostile-tarballs.ts), with faults on demand. Integration tests start one,
 * point their client at `url`, and close it.
 */
import http from 'node:http';
import semver from 'semver';
import { hostileFixtures } from './hostile-tarballs.js';
import { addPackage, loadFixturePackages, type FixturePackage, type FixtureVersion, type Manifest, type MetaJson } from './npm-fixtures.js';
import { closeServer, listenLoopback } from './loopback.js';

export interface RegistryRequest {
  method: string;
  /** The request target as sent, e.g. `/@bale-test%2fscoped` or `/fx-app/-/fx-app-1.0.0.tgz`. */
  path: string;
  accept?: string;
}

/**
 * How a package misbehaves. `status`, `garbage` and `delay` hit its packument unless `on` says
 * otherwise; `truncate-tarball` cuts every tarball of the package in half.
 */
export type Fault =
  | {
      kind: 'status';
      status: number /** then healthy; forever when absent */;
      times?: number;
      on?: FaultTarget /** a Retry-After header */;
      retryAfter?: string;
    }
  | { kind: 'garbage'; on?: FaultTarget }
  | { kind: 'truncate-tarball' }
  | { kind: 'delay'; ms: number; on?: FaultTarget };

/** @defaultValue 'packument' */
export type FaultTarget = 'packument' | 'tarball' | 'both';

export interface FixtureRegistry {
  /** e.g. `http://127.0.0.1:PORT/`, with the trailing slash. */
  url: string;
  /** Every request received, in order. */
  requests: RegistryRequest[];
  /** Makes a package misbehave (replacing its previous fault); `null` makes it healthy again. */
  fault(name: string, f: Fault | null): void;
  /** Serves `versions` as the package's whole packument from now on (a version left out is unpublished); `meta` as addPackage's. */
  publish(name: string, versions: { manifest: Manifest; tarball: Buffer }[], meta?: MetaJson): void;
  close(): Promise<void>;
}

export interface StartOptions {
  /** @defaultValue 0 (any free port) */
  port?: number;
  /** Generated packages served besides the fixtures (one version each; manifest as published, e.g. through publishedManifest). */
  extraPackages?: { manifest: Manifest; tarball: Buffer }[];
}

export const CORGI_TYPE = 'application/vnd.npm.install-v1+json';

/** The version fields of the abbreviated ("corgi") packument, as the public registry serves them. */
const CORGI_FIELDS = [
  'name',
  'version',
  'dependencies',
  'optionalDependencies',
  'devDependencies',
  'peerDependencies',
  'peerDependenciesMeta',
  'bundleDependencies',
  'bin',
  'directories',
  'engines',
  'os',
  'cpu',
  'deprecated',
  'hasInstallScript',
  'gypfile',
  'funding',
  'license',
] as const;

/** Built-in broken packages: fx-500 always answers 500, fx-garbage answers 200 with a non-JSON body. */
const BUILTIN_FAULTS: [string, Fault][] = [
  ['fx-500', { kind: 'status', status: 500 }],
  ['fx-garbage', { kind: 'garbage' }],
];

/** Where the registry serves a tarball, relative to its root: scoped names keep their `/`. */
export function tarballPath(name: string, version: string): string {
  return `${name}/-/${name.split('/').pop() ?? name}-${version}.tgz`;
}

export function packument(pkg: FixturePackage, baseUrl: string, corgi: boolean): Record<string, unknown> {
  const versions: Record<string, unknown> = {};
  const time: Record<string, string> = {};
  for (const v of semver.sort([...pkg.versions.keys()])) {
    const fv = pkg.versions.get(v) as FixtureVersion;
    const dist = { tarball: baseUrl + tarballPath(pkg.name, v), integrity: fv.integrity, shasum: fv.shasum };
    if (corgi) {
      const picked: Record<string, unknown> = {};
      for (const k of CORGI_FIELDS) if (fv.manifest[k] !== undefined) picked[k] = fv.manifest[k];
      versions[v] = { ...picked, _hasShrinkwrap: false, dist };
    } else {
      versions[v] = { ...fv.manifest, _id: `${pkg.name}@${v}`, dist };
    }
    time[v] = fv.time;
  }
  const dates = Object.values(time).sort();
  const created = dates[0] ?? '';
  const modified = dates[dates.length - 1] ?? '';
  const times = { created, modified, ...time };
  const doc = { name: pkg.name, modified, 'dist-tags': pkg.distTags, versions, time: times };
  if (corgi) return doc;
  const latest = pkg.versions.get(pkg.distTags['latest'] ?? '')?.manifest;
  return { _id: pkg.name, ...doc, description: latest?.['description'] };
}

async function catalogue(): Promise<Map<string, FixturePackage>> {
  const packages = await loadFixturePackages();
  for (const h of await hostileFixtures()) addPackage(packages, h.manifest.name, [h]);
  return packages;
}

function targets(f: Fault, kind: 'packument' | 'tarball'): boolean {
  if (f.kind === 'truncate-tarball') return kind === 'tarball';
  const on = f.on ?? 'packument';
  return on === 'both' || on === kind;
}

function sendJson(res: http.ServerResponse, status: number, body: unknown, type = 'application/json'): void {
  const bytes = Buffer.from(JSON.stringify(body));
  res.writeHead(status, { 'content-type': type, 'content-length': bytes.length });
  res.end(bytes);
}

/** Announces the full length, sends half, then drops the connection: a download that breaks off. */
function sendTruncated(res: http.ServerResponse, bytes: Buffer): void {
  res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': bytes.length });
  res.write(bytes.subarray(0, Math.floor(bytes.length / 2)), () => res.destroy());
}

export async function startNpmRegistry(opts: StartOptions = {}): Promise<FixtureRegistry> {
  const packages = await catalogue();
  for (const p of opts.extraPackages ?? []) addPackage(packages, p.manifest.name, [p]);
  const faults = new Map<string, Fault>(BUILTIN_FAULTS);
  const remaining = new Map<string, number>();
  const requests: RegistryRequest[] = [];
  const timers = new Set<NodeJS.Timeout>();
  let baseUrl = '';

  const sleep = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      const t = setTimeout(() => {
        timers.delete(t);
        resolve();
      }, ms);
      timers.add(t);
    });

  /** Applies the package's fault, if any; true when the fault already answered. */
  async function misbehave(name: string, kind: 'packument' | 'tarball', res: http.ServerResponse): Promise<boolean> {
    const f = faults.get(name);
    if (!f || !targets(f, kind)) return false;
    switch (f.kind) {
      case 'delay':
        await sleep(f.ms);
        return false;
      case 'status': {
        const left = remaining.get(name);
        if (left !== undefined) {
          if (left <= 1) faults.delete(name);
          remaining.set(name, left - 1);
        }
        if (f.retryAfter !== undefined) res.setHeader('retry-after', f.retryAfter);
        sendJson(res, f.status, { error: `fixture fault: status ${f.status}` });
        return true;
      }
      case 'garbage': {
        const body = Buffer.from(kind === 'packument' ? '<html>this is not JSON {"name":' : 'not a gzip stream');
        const type = kind === 'packument' ? 'application/json' : 'application/octet-stream';
        res.writeHead(200, { 'content-type': type, 'content-length': body.length });
        res.end(body);
        return true;
      }
      case 'truncate-tarball':
        return false;
    }
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const accept = req.headers.accept;
    requests.push({ method: req.method ?? '', path: req.url ?? '', ...(accept === undefined ? {} : { accept }) });
    if (req.method !== 'GET' && req.method !== 'HEAD') return sendJson(res, 405, { error: 'Method not allowed' });
    const pathname = new URL(req.url ?? '/', baseUrl).pathname.slice(1);
    const sep = pathname.indexOf('/-/');
    const kind = sep === -1 ? 'packument' : 'tarball';
    let name: string;
    try {
      name = decodeURIComponent(sep === -1 ? pathname : pathname.slice(0, sep));
    } catch {
      return sendJson(res, 400, { error: 'Bad request' });
    }
    if (await misbehave(name, kind, res)) return;
    const pkg = packages.get(name);
    if (!pkg) return sendJson(res, 404, { error: 'Not found' });
    if (kind === 'packument') {
      const corgi = (accept ?? '').includes(CORGI_TYPE);
      return sendJson(res, 200, packument(pkg, baseUrl, corgi), corgi ? CORGI_TYPE : 'application/json');
    }
    const file = decodeURIComponent(pathname.slice(sep + 3));
    const version = [...pkg.versions.values()].find((v) => tarballPath(name, v.manifest.version).endsWith(`/-/${file}`));
    if (!version) return sendJson(res, 404, { error: 'Not found' });
    if (version.serve === 'truncated' || faults.get(name)?.kind === 'truncate-tarball') {
      return sendTruncated(res, version.tarball);
    }
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': version.tarball.length });
    res.end(version.tarball);
  }

  const server = http.createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (res.headersSent) res.destroy();
      else sendJson(res, 500, { error: `fixture registry bug: ${String(err)}` });
    });
  });
  baseUrl = await listenLoopback(server, opts.port ?? 0);

  return {
    url: baseUrl,
    requests,
    fault(name, f) {
      remaining.delete(name);
      if (f === null || (f.kind === 'status' && f.times !== undefined && f.times <= 0)) return void faults.delete(name);
      faults.set(name, f);
      if (f.kind === 'status' && f.times !== undefined) remaining.set(name, f.times);
    },
    publish(name, versions, meta) {
      addPackage(packages, name, versions, meta);
    },
    close() {
      return closeServer(server, timers);
    },
  };
}
