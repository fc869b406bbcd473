/**
 * Redis for the queues: where it is (`--redis` or BALE_REDIS_URL), one client per role, and the
 * settings BullMQ needs checked before anything is enqueued or taken.
 */
import { Redis, type RedisOptions } from 'ioredis';
import { UsageError, UserError } from '../src/errors/index.js';
import { redactUrls } from '../src/errors/printable.js';
import { checkedUrl, type Source } from '../src/util/checked-url.js';
import { ECOSYSTEMS } from '../src/purl/purl.js';

/** Every queue bale uses; keys in Redis live under BullMQ's `bull:<queue>:` prefix. */
export const QUEUE = {
  /** Resolve a spec, write its recipes, plan and enqueue its builds; one queue per upstream so each has its own rate limit. */
  importFor: (ecosystem: string): string => `bale-import-${ecosystem}`,
  /** Plan and enqueue the builds of recipes a producer already holds. */
  plan: 'bale-plan',
  /** One recipe for one target. */
  build: 'bale-build',
  /** Rebuild one package of a registry and compare (and attest). */
  rebuild: 'bale-rebuild',
} as const;

/** Every ecosystem has an import queue of its own. */
export const IMPORT_ECOSYSTEMS = ECOSYSTEMS;

/** Every queue name, for status and retry. */
export const ALL_QUEUES: string[] = [...IMPORT_ECOSYSTEMS.map(QUEUE.importFor), QUEUE.plan, QUEUE.build, QUEUE.rebuild];

/**
 * The fleet's Redis: `value` as the flag `flag` gave it (`--redis`, or `--queue` for `request
 * --queue`), else BALE_REDIS_URL; checked like every URL a flag or variable gives (a usage error
 * naming whichever gave it).
 */
export function redisUrl(flag: Source, value: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  const [source, url] = value !== undefined ? [flag, value] : ['BALE_REDIS_URL', env['BALE_REDIS_URL']];
  if (url === undefined || url === '') throw new UsageError(`no Redis to talk to: pass ${flag} redis://HOST:PORT or set BALE_REDIS_URL`);
  checkedUrl(source, url, ['redis', 'rediss'], 'redis://127.0.0.1:6379');
  return url;
}

/**
 * A long-lived client as BullMQ wants it: commands wait through a reconnect instead of failing
 * (a restarted Redis loses no work), reconnecting with a capped backoff.
 */
export function connect(url: string, extra: RedisOptions = {}): Redis {
  return new Redis(url, {
    maxRetriesPerRequest: null,
    enableReadyCheck: true,
    retryStrategy: (times) => Math.min(times * 200, 2000),
    ...extra,
  });
}

/**
 * Before a worker or producer starts: Redis answers, is 5.0 or later, and never evicts keys
 * (an evicted job or lock is lost work). One attempt with a short timeout, one clear line.
 */
export async function checkRedis(url: string, timeoutMs = 5000): Promise<void> {
  const probe = new Redis(url, {
    lazyConnect: true,
    connectTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    enableOfflineQueue: false,
  });
  probe.on('error', () => undefined);
  const where = redactUrls(url);
  try {
    try {
      await probe.connect();
    } catch (err) {
      throw new UserError(
        'EREDIS',
        `cannot reach Redis at ${where} (${err instanceof Error ? err.message : String(err)}): start it, or point --redis / BALE_REDIS_URL at one that runs`,
      );
    }
    const info = await probe.info('memory').catch(() => '');
    const server = await probe.info('server').catch(() => '');
    const policy = /^maxmemory_policy:(\S+)/m.exec(info)?.[1];
    if (policy !== undefined && policy !== 'noeviction') {
      throw new UserError(
        'EREDIS',
        `Redis at ${where} has maxmemory-policy ${policy}: it may evict queued jobs and locks; set it to noeviction (CONFIG SET maxmemory-policy noeviction, and in redis.conf)`,
      );
    }
    const version = /^redis_version:(\d+)/m.exec(server)?.[1];
    if (version !== undefined && Number(version) < 5) {
      throw new UserError('EREDIS', `Redis at ${where} is version ${version}: the queues need Redis 5 or later`);
    }
  } finally {
    probe.disconnect();
  }
}

/** How ioredis and BullMQ say the connection is gone, as opposed to a command's own error. */
const LOST_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
  'ECONNABORTED',
]);

function lostReason(err: unknown): string | undefined {
  const e = err as { code?: unknown; message?: unknown } | undefined;
  if (typeof e?.code === 'string' && LOST_CODES.has(e.code)) return e.code;
  const message = typeof e?.message === 'string' ? e.message : '';
  return /Connection is closed|Stream isn't writeable|max retries per request/i.test(message) ? 'connection closed' : undefined;
}

/**
 * What an operator sees of Redis going away and coming back: one line when it is lost ("lost
 * Redis at redis://HOST:PORT (ECONNREFUSED), retrying") and one when it answers again ("Redis
 * back"). In between, every error ioredis and BullMQ report (each reconnect attempt, from each
 * queue and worker on the client) is that same outage and is not repeated. Other errors go to
 * `other`. Returns the handler to give every Queue's and Worker's 'error' event.
 */
export function watchRedis(
  redis: Redis,
  url: string,
  log: (line: string) => void,
  other: (err: unknown) => void = () => undefined,
): (err: unknown) => void {
  let lost = false;
  const onError = (err: unknown): void => {
    if (lost) return;
    const reason = lostReason(err);
    if (reason === undefined) {
      other(err);
      return;
    }
    lost = true;
    log(`lost Redis at ${redactUrls(url)} (${reason}), retrying`);
  };
  redis.on('error', onError);
  redis.on('ready', () => {
    if (!lost) return;
    lost = false;
    log('Redis back');
  });
  return onError;
}
