/**
 * A lying server in front of a real fixture server (npm registry, PyPI index): every request is
 * forwarded to `upstream` as is, and a test rewrites the answers it wants to lie about (a
 * packument naming another package, a PEP 691 page of another project, a tarball URL that is
 * `file:///etc/passwd`), so a hostile registry needs no fixture of its own.
 */
import http from 'node:http';
import { closeServer, listenLoopback } from './loopback.js';

export interface ProxiedAnswer {
  /** The request path as sent, e.g. `/fx-shared` or `/simple/fxp-lib/`. */
  path: string;
  status: number;
  /** Media type without parameters, lowercase ('' when none). */
  contentType: string;
  body: Buffer;
}

/** A replacement body for an answer, or undefined to pass it through untouched. */
export type Rewrite = (answer: ProxiedAnswer) => string | Buffer | undefined;

export interface LyingProxy {
  /** `http://127.0.0.1:PORT/`, with the trailing slash. */
  url: string;
  close(): Promise<void>;
}

/** JSON bodies rewritten by `edit` (which changes the parsed document in place) when `match` says so. */
export function rewriteJson(match: (a: ProxiedAnswer) => boolean, edit: (doc: Record<string, unknown>) => void): Rewrite {
  return (a) => {
    if (a.status !== 200 || !match(a)) return undefined;
    const doc = JSON.parse(a.body.toString('utf8')) as Record<string, unknown>;
    edit(doc);
    return JSON.stringify(doc);
  };
}

export interface LyingProxyOptions {
  /** Sent upstream instead of the client's Accept (e.g. `text/html`, for a PEP 503 page whatever the client asked). */
  accept?: string;
}

export async function startLyingProxy(upstream: string, rewrite: Rewrite, opts: LyingProxyOptions = {}): Promise<LyingProxy> {
  const origin = new URL(upstream).origin;
  let self = '';
  const server = http.createServer((req, res) => {
    void (async () => {
      const path = req.url ?? '/';
      const headers: Record<string, string> = { 'accept-encoding': 'identity' };
      const accept = opts.accept ?? req.headers.accept;
      if (accept !== undefined) headers['accept'] = accept;
      const up = await fetch(origin + path, { headers, redirect: 'manual' });
      const body = Buffer.from(await up.arrayBuffer());
      const type = up.headers.get('content-type') ?? '';
      const answer: ProxiedAnswer = { path, status: up.status, contentType: type.split(';')[0]!.trim().toLowerCase(), body };
      const replaced = rewrite(answer);
      const out = replaced === undefined ? body : Buffer.from(replaced);
      const location = up.headers.get('location');
      res.writeHead(up.status, {
        ...(type === '' ? {} : { 'content-type': type }),
        'content-length': out.length,
        // Redirects stay on the proxy, so the lie is told on every hop.
        ...(location === null ? {} : { location: location.startsWith(origin) ? self + location.slice(origin.length + 1) : location }),
      });
      res.end(out);
    })().catch((err: unknown) => {
      if (res.headersSent) res.destroy();
      else {
        res.writeHead(502, { 'content-type': 'text/plain' });
        res.end(`lying proxy: ${String(err)}\n`);
      }
    });
  });
  self = await listenLoopback(server);
  return { url: self, close: () => closeServer(server, new Set()) };
}
