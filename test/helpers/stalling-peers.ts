/**
 * Hostile peers on 127.0.0.1 for the stall tests: a server that accepts and never answers, one that
 * sends headers and part of a body then stalls, one that trickles a byte at a time, and a listening
 * socket whose accept queue is full, so a connection is never established.
 */
import { spawn } from 'node:child_process';
import http from 'node:http';
import net from 'node:net';
import { closeServer, listenLoopback } from './loopback.js';

export interface Peer {
  /** `http://127.0.0.1:PORT/`, trailing slash included. */
  url: string;
  /** Requests received (the full-backlog peer never receives one). */
  requests(): number;
  close(): Promise<void>;
}

/** What a stalling server does once it has a request. */
export type Stall =
  /** Reads the request, never answers. */
  | 'headers'
  /** Answers 200 with a Content-Length, sends PARTIAL_BODY bytes of it, then nothing. */
  | 'body'
  /** Answers 200, then one byte every TRICKLE_EVERY_MS, forever. */
  | 'trickle';

export const PARTIAL_BODY = 1536;
export const TRICKLE_EVERY_MS = 200;

export async function stallingServer(stall: Stall): Promise<Peer> {
  const timers = new Set<NodeJS.Timeout>();
  let requests = 0;
  const server = http.createServer((req, res) => {
    requests++;
    req.resume();
    if (stall === 'headers') return;
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': 10 * 1024 * 1024 });
    if (stall === 'body') {
      res.write(Buffer.alloc(PARTIAL_BODY, 0x20));
      return;
    }
    const t = setInterval(() => res.write(' '), TRICKLE_EVERY_MS);
    timers.add(t);
    res.on('close', () => {
      clearInterval(t);
      timers.delete(t);
    });
  });
  const url = await listenLoopback(server);
  return { url, requests: () => requests, close: () => closeServer(server, timers) };
}

/**
 * A socket that listens with a backlog of 0 and never accepts (a small Python process: node accepts
 * every connection itself), its accept queue filled by one connection: the kernel then drops every
 * further SYN, so a client's connect hangs until its own timeout, as with a blackholed address.
 */
export async function fullBacklog(): Promise<Peer> {
  const code = [
    'import socket, sys, time',
    's = socket.socket()',
    "s.bind(('127.0.0.1', 0))",
    's.listen(0)',
    'print(s.getsockname()[1], flush=True)',
    'sys.stdin.read()',
  ].join('\n');
  const py = spawn('python3', ['-c', code], { stdio: ['pipe', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    py.once('error', reject);
    py.stdout.once('data', (d: Buffer) => resolve(Number(String(d).trim())));
  });
  const filler = net.connect(port, '127.0.0.1');
  filler.on('error', () => undefined);
  await new Promise<void>((resolve) => filler.once('connect', () => resolve()));
  // A second connection may still slip into the queue on some kernels; its SYN is then what is dropped.
  const spare = net.connect(port, '127.0.0.1');
  spare.on('error', () => undefined);
  await new Promise((resolve) => setTimeout(resolve, 100));
  return {
    url: `http://127.0.0.1:${port}/`,
    requests: () => 0,
    close: async () => {
      filler.destroy();
      spare.destroy();
      py.stdin.end();
      py.kill();
    },
  };
}
