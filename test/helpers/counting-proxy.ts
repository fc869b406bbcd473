/**
 * A plain HTTP proxy in front of a real server (the docker-registry) that forwards every request
 * as is (method, headers, body) and records `METHOD /path` for each, so a test can count what a
 * client really asked for without touching the client.
 */
import http from 'node:http';
import { closeServer, listenLoopback } from './loopback.js';

export interface CountingProxy {
  /** `http://127.0.0.1:PORT/` */
  url: string;
  /** `127.0.0.1:PORT`, for an oci:// URL. */
  host: string;
  /** Every request so far, `HEAD /v2/bale/app/manifests/1`, in arrival order. */
  requests: string[];
  /** How many requests so far match `pattern` (on `METHOD /path`, the query left out). */
  count(pattern: RegExp): number;
  /** The requests matching `pattern` that were made before, each again as often as it was repeated. */
  repeated(pattern: RegExp): string[];
  reset(): void;
  close(): Promise<void>;
}

export async function startCountingProxy(upstream: string): Promise<CountingProxy> {
  const target = new URL(upstream);
  const requests: string[] = [];
  const server = http.createServer((req, res) => {
    requests.push(`${req.method ?? ''} ${(req.url ?? '/').split('?')[0]}`);
    const up = http.request(
      { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: { ...req.headers, host: target.host } },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    up.on('error', (err) => {
      if (res.headersSent) res.destroy();
      else {
        res.writeHead(502, { 'content-type': 'text/plain' });
        res.end(`counting proxy: ${String(err)}\n`);
      }
    });
    req.pipe(up);
  });
  const url = await listenLoopback(server);
  return {
    url,
    host: new URL(url).host,
    requests,
    count: (pattern) => requests.filter((r) => pattern.test(r)).length,
    repeated: (pattern) => {
      const seen = new Set<string>();
      const again: string[] = [];
      for (const r of requests.filter((q) => pattern.test(q))) {
        if (seen.has(r)) again.push(r);
        seen.add(r);
      }
      return again;
    },
    reset: () => {
      requests.length = 0;
    },
    close: () => closeServer(server, new Set()),
  };
}
