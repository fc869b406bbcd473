import http from 'node:http';
import https from 'node:https';
import tls from 'node:tls';
import type { NpmOptions } from './npmrc.js';
import { registryFor } from './npmrc.js';

/**
 * One keep-alive agent for every registry request of an import. With a `cafile` in .npmrc, npm's
 * own agent parses the whole CA bundle again for every new TLS socket (~25 ms each); one secure
 * context built once removes that. Only used when every configured registry speaks the same
 * protocol and no proxy is set; otherwise npm's agent handles the mix.
 */
export function sharedAgent(o: NpmOptions, maxSockets: number): http.Agent | undefined {
  if (o.proxy !== undefined || o.httpsProxy !== undefined) return undefined;
  const registries = Object.entries(o)
    .filter(([k, v]) => (k === 'registry' || k.endsWith(':registry')) && typeof v === 'string')
    .map(([, v]) => new URL(v as string).protocol);
  const protocols = new Set([...registries, new URL(registryFor('x', o)).protocol]);
  if (protocols.size !== 1) return undefined;
  if (protocols.has('http:')) return new http.Agent({ keepAlive: true, maxSockets });
  const secureContext = tls.createSecureContext(typeof o.ca === 'string' ? { ca: o.ca } : {});
  return new https.Agent({ keepAlive: true, maxSockets, secureContext, rejectUnauthorized: o.strictSSL !== false });
}
