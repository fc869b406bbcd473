/**
 * `bale dashboard`: Fastify serving bale's page at / and Bull Board (the board BullMQ users
 * already know) at /queues, on one Redis connection. Read-only unless allowed to retry
 * (access.ts decides every request that is not a read).
 */
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import { fastify, type FastifyInstance } from 'fastify';
import type { AddressInfo } from 'node:net';
import { UserError } from '../../src/errors/index.js';
import { redactUrls } from '../../src/errors/printable.js';
import { ALL_QUEUES, checkRedis, connect, watchRedis } from '../connection.js';
import { Producer } from '../producer.js';
import { carriedToken, refusal, TOKEN_COOKIE, tokenMatches, type AccessPolicy } from './access.js';
import { fleetView } from './fleet-view.js';
import { page } from './html.js';
import { imagesReader, whoUsesIn } from './images-view.js';
import { storeReader } from './store-view.js';

export const BOARD_PATH = '/queues';

export interface DashboardOptions extends AccessPolicy {
  redisUrl: string;
  /** The store's local directory, and where it is as the operator named it. */
  storeRoot: string;
  storeLocation: string;
  /** `--images`: a directory of image files or oci://HOST/NAMESPACE, shown with a who-uses form. */
  images?: string;
  /** Where a registry's image index is cached (bale's cache directory); unset: each reading fetches every manifest. */
  cacheDir?: string;
  host: string;
  port: number;
  log: (line: string) => void;
}

export interface RunningDashboard {
  url: string;
  close(): Promise<void>;
}

function listenError(err: unknown, host: string, port: number): UserError {
  const code = (err as { code?: unknown }).code;
  const why =
    code === 'EADDRINUSE'
      ? 'the port is in use: pick another with --port'
      : code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND' || code === 'EAI_AGAIN'
        ? 'that address is not on this host: give one of its addresses with --host'
        : code === 'EACCES'
          ? 'ports below 1024 need privileges: pick another with --port'
          : err instanceof Error
            ? err.message
            : String(err);
  return new UserError('EDASHBOARD', `cannot serve the dashboard on ${host}:${port}: ${why}`);
}

export async function startDashboard(o: DashboardOptions): Promise<RunningDashboard> {
  await checkRedis(o.redisUrl);
  const redis = connect(o.redisUrl);
  const onError = watchRedis(redis, o.redisUrl, o.log);
  const producer = new Producer(redis, onError);
  const policy: AccessPolicy = { allowRetry: o.allowRetry, ...(o.token !== undefined ? { token: o.token } : {}) };
  const app: FastifyInstance = fastify({ logger: false });
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) =>
    done(null, Object.fromEntries(new URLSearchParams(String(body)))),
  );

  // Every request that is not a read: refused unless it is a retry this dashboard allows, and carries the token.
  app.addHook('onRequest', async (req, reply) => {
    const path = req.url.split('?')[0]!;
    const no = refusal(req.method, path, BOARD_PATH, policy);
    if (no !== undefined) return reply.code(no[0]).header('allow', 'GET, HEAD').type('text/plain').send(`${no[1]}\n`);
    // bale's form may carry the token in its body, checked by its handler.
    if (req.method !== 'GET' && req.method !== 'HEAD' && path !== '/retry' && policy.token !== undefined) {
      if (!tokenMatches(carriedToken(req.headers), policy.token))
        return reply
          .code(403)
          .type('text/plain')
          .send('retrying needs the dashboard token: open /?token=TOKEN once, or send Authorization: Bearer TOKEN\n');
    }
    // `/?token=…` (or any page's): keep it as a cookie for Bull Board's requests, and drop it from the address.
    const given = (req.query as { token?: unknown } | undefined)?.token;
    if ((req.method === 'GET' || req.method === 'HEAD') && typeof given === 'string' && policy.token !== undefined) {
      if (!tokenMatches(given, policy.token)) return reply.code(403).type('text/plain').send('wrong dashboard token\n');
      return reply
        .header('set-cookie', `${TOKEN_COOKIE}=${encodeURIComponent(given)}; Path=/; HttpOnly; SameSite=Strict`)
        .redirect(path, 303);
    }
    return undefined;
  });

  const board = new FastifyAdapter();
  createBullBoard({
    queues: ALL_QUEUES.map(
      (name) =>
        new BullMQAdapter(producer.queue(name), {
          readOnlyMode: !o.allowRetry,
          allowRetries: o.allowRetry,
        }),
    ),
    serverAdapter: board,
    options: { uiConfig: { boardTitle: 'bale fleet' } },
  });
  board.setBasePath(BOARD_PATH);
  await app.register(board.registerPlugin(), { prefix: BOARD_PATH });

  const store = storeReader(o.storeRoot, o.storeLocation);
  const ctx = { redis: redactUrls(o.redisUrl), allowRetry: o.allowRetry, tokenRequired: o.token !== undefined, boardPath: BOARD_PATH };
  const images = o.images !== undefined ? imagesReader(o.images, o.cacheDir) : undefined;
  app.get('/', async (req, reply) => {
    const uses = (req.query as { uses?: unknown } | undefined)?.uses;
    const [view, s, i] = await Promise.all([fleetView(producer), store(), images?.()]);
    const asked = typeof uses === 'string' && uses.trim() !== '' ? uses : undefined;
    const answered = asked !== undefined && i !== undefined ? await whoUsesIn(i, asked) : undefined;
    return reply
      .type('text/html; charset=utf-8')
      .header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'")
      .header('cache-control', 'no-store')
      .send(page(view, s, ctx, i, asked, answered));
  });
  app.post('/retry', async (req, reply) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const token = typeof body['token'] === 'string' ? body['token'] : carriedToken(req.headers);
    if (policy.token !== undefined && !tokenMatches(token, policy.token))
      return reply.code(403).type('text/plain').send('retrying needs the dashboard token\n');
    const queue = String(body['queue'] ?? '');
    const id = String(body['id'] ?? '');
    if (!ALL_QUEUES.includes(queue)) return reply.code(400).type('text/plain').send(`no queue ${queue}\n`);
    const job = await producer.queue(queue).getJob(id);
    if (job === undefined || (await job.getState()) !== 'failed')
      return reply.code(409).type('text/plain').send(`job ${id} of ${queue} is not a failed job\n`);
    await job.retry('failed');
    o.log(`retried ${job.name} (${queue})`);
    return reply.redirect('/#failed', 303);
  });

  const close = async (): Promise<void> => {
    await app.close();
    await producer.close();
    redis.disconnect();
  };
  try {
    await app.listen({ host: o.host, port: o.port });
  } catch (err) {
    await close();
    throw listenError(err, o.host, o.port);
  }
  const addr = app.server.address() as AddressInfo;
  const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  return { url: `http://${host}:${addr.port}/`, close };
}
