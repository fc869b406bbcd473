/** A real HTTP server on 127.0.0.1 for fetcher tests, counting the requests each path receives. */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** `hit` is 1 for the first request to this path, 2 for the second, and so on. */
export type Handler = (req: IncomingMessage, res: ServerResponse, hit: number) => void;

export interface TestServer {
  url(path: string): string;
  hits(path: string): number;
  close(): Promise<void>;
}

export async function startServer(handler: Handler): Promise<TestServer> {
  const counts = new Map<string, number>();
  const server = createServer((req, res) => {
    const path = req.url ?? '/';
    const hit = (counts.get(path) ?? 0) + 1;
    counts.set(path, hit);
    handler(req, res, hit);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: (path) => `http://127.0.0.1:${port}${path}`,
    hits: (path) => counts.get(path) ?? 0,
    close: () =>
      new Promise<void>((resolve) => {
        // Hanging responses (timeout tests) would otherwise keep close() waiting forever.
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
