import type http from 'node:http';
import type { NpmOptions } from './npmrc.js';
import { packumentUrl, type Packument } from './packuments.js';

const CORGI = 'application/vnd.npm.install-v1+json; q=1.0, application/json; q=0.8, */*';

/**
 * The fast path for a packument: one GET on the shared keep-alive agent. Loading pacote costs
 * ~200 ms of a ~800 ms import, so a crawl of a public registry never loads it. Anything but a
 * plain 200 with a packument resolves undefined, and pacote then fetches the name with its retries,
 * error reporting and auth; registries with credentials in .npmrc always go through pacote.
 */
export async function quickPackument(name: string, o: NpmOptions, agent: http.Agent | undefined): Promise<Packument | undefined> {
  if (agent === undefined || Object.keys(o).some((k) => k.startsWith('//'))) return undefined;
  const url = new URL(packumentUrl(name, o));
  const mod = url.protocol === 'https:' ? await import('node:https') : await import('node:http');
  return new Promise((resolve) => {
    const req = mod.get(url, { agent, headers: { accept: CORGI, 'accept-encoding': 'identity' } }, (res) => {
      if (res.statusCode !== 200) {
        res.resume();
        resolve(undefined);
        return;
      }
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        try {
          const doc = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Packument;
          resolve(doc !== null && typeof doc === 'object' && typeof doc.versions === 'object' && doc.versions !== null ? doc : undefined);
        } catch {
          resolve(undefined);
        }
      });
      res.on('error', () => resolve(undefined));
    });
    req.on('error', () => resolve(undefined));
    req.setTimeout(10_000, () => req.destroy());
  });
}
