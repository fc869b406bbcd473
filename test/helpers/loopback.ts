/** What every fixture server does alike: listen on loopback only, and close without lingering. */
import type http from 'node:http';
import type { AddressInfo } from 'node:net';

/** Listen on 127.0.0.1 (port 0: any free one); resolves with the base URL, trailing slash included. */
export async function listenLoopback(server: http.Server, port = 0): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port, host: '127.0.0.1' }, () => resolve());
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
}

/** Stop pending fault timers, close the server and every keep-alive connection, so tests can exit. */
export function closeServer(server: http.Server, timers: Set<NodeJS.Timeout>): Promise<void> {
  for (const t of timers) clearTimeout(t);
  timers.clear();
  return new Promise<void>((resolve, reject) => {
    server.close((err) => (err ? reject(err) : resolve()));
    server.closeAllConnections();
  });
}
