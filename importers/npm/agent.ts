import http from 'node:http';
import https from 'node:https';
import type net from 'node:net';
import tls from 'node:tls';
import { IDLE_TIMEOUT_CODE } from '../../src/http/pacote.js';
import { stallText, type HttpTimeouts } from '../../src/http/timeouts.js';
import type { NpmOptions } from './npmrc.js';
import { registryFor } from './npmrc.js';

/**
 * One keep-alive agent for every registry request of an import. With a `cafile` in .npmrc, npm's
 * own agent parses the whole CA bundle again for every new TLS socket (~25 ms each); one secure
 * context built once removes that. Only used when every configured registry speaks the same
 * protocol and no proxy is set; otherwise npm's agent handles the mix.
 *
 * A socket silent for `t.idleMs` (connecting, awaiting headers, or mid-body) is destroyed with
 * EIDLETIMEOUT, as npm's own agent does: pacote has no idle timeout of its own on a tarball stream,
 * and the fast path (quick-fetch.ts) none on a packument's body.
 */
export function sharedAgent(o: NpmOptions, maxSockets: number, t: HttpTimeouts): http.Agent | undefined {
  if (o.proxy !== undefined || o.httpsProxy !== undefined) return undefined;
  const registries = Object.entries(o)
    .filter(([k, v]) => (k === 'registry' || k.endsWith(':registry')) && typeof v === 'string')
    .map(([, v]) => new URL(v as string).protocol);
  const protocols = new Set([...registries, new URL(registryFor('x', o)).protocol]);
  if (protocols.size !== 1) return undefined;
  if (protocols.has('http:')) return idleBounded(new http.Agent({ keepAlive: true, maxSockets, timeout: t.idleMs }), t);
  const secureContext = tls.createSecureContext(typeof o.ca === 'string' ? { ca: o.ca } : {});
  return idleBounded(
    new https.Agent({ keepAlive: true, maxSockets, timeout: t.idleMs, secureContext, rejectUnauthorized: o.strictSSL !== false }),
    t,
  );
}

/**
 * The agent's `timeout` only emits 'timeout' on a socket in use (node destroys free ones itself);
 * every socket it creates is destroyed on it here, so a stalled request fails instead of hanging.
 */
function idleBounded<A extends http.Agent>(agent: A, t: HttpTimeouts): A {
  const target = agent as unknown as { createConnection: (opts: unknown, cb?: unknown) => net.Socket };
  const create = target.createConnection.bind(agent);
  target.createConnection = (opts, cb) => {
    const socket = create(opts, cb);
    socket.on('timeout', () => socket.destroy(Object.assign(new Error(stallText('idle', t)), { code: IDLE_TIMEOUT_CODE })));
    return socket;
  };
  return agent;
}
