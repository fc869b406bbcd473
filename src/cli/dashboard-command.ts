/**
 * `bale dashboard`: the fleet's web page (queue/dashboard/), loaded lazily like the other fleet
 * commands. Runs until SIGINT or SIGTERM.
 */
import { UsageError } from '../errors/index.js';
import type { Env, QueueFlags } from './env.js';
import { tell } from './output.js';
import { loadModule } from '../util/load-module.js';

export interface DashboardFlags extends QueueFlags {
  port?: number;
  host?: string;
  allowRetry?: boolean;
  token?: string;
  images?: string;
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|localhost)$/;

/** A host to bind: an IP address or a host name, nothing with a scheme, port or path. */
export function checkHost(value: string): string {
  if (!/^(\[?[0-9a-fA-F:.]+\]?|[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?)$/.test(value))
    throw new UsageError(
      `--host ${JSON.stringify(value)} is not an address to listen on: give an IP address or host name, e.g. 127.0.0.1 or 0.0.0.0`,
    );
  return value.replace(/^\[(.*)\]$/, '$1');
}

/** `--images`: an oci:// namespace, or a directory that exists (its image files are read at each refresh). */
async function checkImages(where: string): Promise<void> {
  if (where.startsWith('oci://')) {
    const { parseRegistryUrl } = await import('../registry/index.js');
    parseRegistryUrl(where);
    return;
  }
  const { stat } = await loadModule<typeof import('node:fs/promises')>('node:fs/promises');
  const s = await stat(where).catch(() => undefined);
  if (s?.isDirectory() !== true)
    throw new UsageError(
      `--images ${where}: no such directory: give the directory your *.image.toml files are in, or oci://HOST/NAMESPACE`,
    );
}

export async function cmdDashboard(o: DashboardFlags, env: Env): Promise<void> {
  const fromEnv = process.env['BALE_DASHBOARD_TOKEN'];
  if (o.token !== undefined && o.allowRetry !== true)
    throw new UsageError('--token guards retries, and this dashboard is read-only: add --allow-retry, or drop --token');
  const token = o.token ?? (fromEnv !== undefined && fromEnv !== '' ? fromEnv : undefined);
  if (token !== undefined && !/^[\x21-\x7e]{8,}$/.test(token))
    throw new UsageError(`${o.token !== undefined ? '--token' : 'BALE_DASHBOARD_TOKEN'}: give at least 8 printable characters, no spaces`);
  const host = o.host !== undefined ? checkHost(o.host) : '127.0.0.1';
  if (o.images !== undefined) await checkImages(o.images);
  const { redisUrl } = await import('../../queue/connection.js');
  const url = redisUrl('--redis', o.redis);
  const { localStoreRoot } = await import('../store/index.js');
  const storeRoot = localStoreRoot(env.opts.store, env.paths.cache);
  const { startDashboard } = await import('../../queue/dashboard/server.js');
  const allowRetry = o.allowRetry === true;
  const d = await startDashboard({
    redisUrl: url,
    storeRoot,
    storeLocation: env.opts.store,
    ...(o.images !== undefined ? { images: o.images, cacheDir: env.paths.cache } : {}),
    host,
    port: o.port ?? 8080,
    allowRetry,
    ...(token !== undefined ? { token } : {}),
    log: (line) => tell(`bale dashboard: ${line}`),
  });
  const mode = allowRetry ? `retries allowed${token !== undefined ? ' with the token' : ''}` : 'read-only';
  tell(`bale dashboard: ${d.url} (${mode}; Bull Board at ${d.url}queues/)`);
  if (allowRetry && token === undefined && !LOOPBACK.test(host))
    tell(`bale dashboard: warning: anyone who reaches ${host} can retry jobs: give --token`);
  await new Promise<never>(() => undefined);
}
