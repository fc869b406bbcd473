import type http from 'node:http';
import { IDLE_TIMEOUT_CODE } from '../../src/http/pacote.js';
import { deadlineText, stallText, type Deadline, type HttpTimeouts, type StallPhase } from '../../src/http/timeouts.js';
import type { NpmOptions } from './npmrc.js';
import { packumentUrl, type Packument } from './packument.js';
import { loadModule } from '../../src/util/load-module.js';

const CORGI = 'application/vnd.npm.install-v1+json; q=1.0, application/json; q=0.8, */*';

/** The fast path's request stalled (a timeout or the deadline): `stall` says what. */
export class QuickStall extends Error {
  constructor(
    readonly url: string,
    readonly stall: string,
  ) {
    super(`${url}: ${stall}`);
    this.name = 'QuickStall';
  }
}

/**
 * The fast path for a packument: one GET on the shared keep-alive agent. Loading pacote costs
 * ~200 ms of a ~800 ms import, so a crawl of a public registry never loads it. Anything but a
 * plain 200 with a packument resolves undefined, and pacote then fetches the name with its retries,
 * error reporting and auth; registries with credentials in .npmrc always go through pacote.
 * A stall (connect, headers, body idle, or `deadline`) rejects with QuickStall instead: pacote
 * would ask the same server, so the caller counts it as an attempt.
 * @param agent the shared one (agent.ts): its idle bound is what ends a silent body
 * @param deadline the caller's, shared with what it does next
 */
export async function quickPackument(
  name: string,
  o: NpmOptions,
  agent: http.Agent | undefined,
  t: HttpTimeouts,
  deadline: Deadline,
): Promise<Packument | undefined> {
  if (agent === undefined || Object.keys(o).some((k) => k.startsWith('//'))) return undefined;
  const url = new URL(packumentUrl(name, o));
  const mod =
    url.protocol === 'https:'
      ? await loadModule<typeof import('node:https')>('node:https')
      : await loadModule<typeof import('node:http')>('node:http');
  return get(url, mod, agent, t, deadline);
}

function get(
  url: URL,
  mod: typeof import('node:http') | typeof import('node:https'),
  agent: http.Agent,
  t: HttpTimeouts,
  deadline: Deadline,
): Promise<Packument | undefined> {
  return new Promise((resolve, reject) => {
    let received = 0;
    let settled = false;
    let timer: NodeJS.Timeout | undefined;
    /** The wait a stall right now would be in: connect, then headers (each on a timer here), then the body (the agent's idle bound). */
    let phase: StallPhase = 'connect';
    const stall = (): string => stallText(phase, t, phase === 'idle' ? received : undefined);
    const finish = (): boolean => {
      if (settled) return false;
      settled = true;
      clearTimeout(timer);
      deadline.signal.removeEventListener('abort', onDeadline);
      return true;
    };
    const done = (doc: Packument | undefined): void => {
      if (finish()) resolve(doc);
    };
    const stalled = (what: string): void => {
      if (!finish()) return;
      req.destroy();
      reject(new QuickStall(url.href, what));
    };
    const enter = (next: StallPhase): void => {
      phase = next;
      clearTimeout(timer);
      const ms = next === 'connect' ? t.connectMs : next === 'headers' ? t.headersMs : undefined;
      if (ms !== undefined) timer = setTimeout(() => stalled(stall()), ms);
    };
    const onDeadline = (): void => stalled(deadlineText(deadline, received));
    // The shared agent destroys a socket idle too long (agent.ts): a stall in whatever phase we were.
    const onError = (err: NodeJS.ErrnoException): void => (err.code === IDLE_TIMEOUT_CODE ? stalled(stall()) : done(undefined));

    const req = mod.get(url, { agent, headers: { accept: CORGI, 'accept-encoding': 'identity' } }, (res) => {
      enter('idle');
      if (res.statusCode !== 200) {
        res.resume();
        done(undefined);
        return;
      }
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => {
        chunks.push(c);
        received += c.length;
      });
      res.on('end', () => {
        try {
          const doc = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Packument;
          done(doc !== null && typeof doc === 'object' && typeof doc.versions === 'object' && doc.versions !== null ? doc : undefined);
        } catch {
          done(undefined);
        }
      });
      res.on('error', onError);
    });
    req.on('socket', (socket) => {
      if (!socket.connecting) enter('headers');
      else {
        enter('connect');
        socket.once('connect', () => enter('headers'));
      }
    });
    req.on('error', onError);
    if (deadline.expired) onDeadline();
    else deadline.signal.addEventListener('abort', onDeadline, { once: true });
  });
}
