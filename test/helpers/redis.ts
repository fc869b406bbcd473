/**
 * A real redis-server for the queue tests, on a free loopback port, in its own directory, with
 * the append-only file on so a restart keeps every job (what an operator runs in production).
 */
import { mkdir } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { execa, type ResultPromise } from 'execa';

export interface RedisServer {
  url: string;
  port: number;
  dir: string;
  /** SHUTDOWN (the AOF is fsynced) and start again on the same port and directory. */
  restart(): Promise<void>;
  stop(): Promise<void>;
  /** Start it again after stop(), on the same port and directory (an outage of the caller's length). */
  start(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

async function ready(port: number, deadline: number): Promise<void> {
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const c = net.connect(port, '127.0.0.1');
      c.on('connect', () => {
        c.write('PING\r\n');
      });
      c.on('data', (d) => {
        c.destroy();
        resolve(d.toString().startsWith('+PONG'));
      });
      c.on('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`redis-server on port ${port} did not come up`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function startRedis(dir: string, extraArgs: string[] = []): Promise<RedisServer> {
  await mkdir(dir, { recursive: true });
  const port = await freePort();
  let proc: ResultPromise | undefined;
  const spawn = async (): Promise<void> => {
    proc = execa(
      'redis-server',
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--dir',
        dir,
        '--appendonly',
        'yes',
        '--appendfsync',
        'always',
        '--save',
        '',
        '--daemonize',
        'no',
        ...extraArgs,
      ],
      {
        reject: false,
        stdout: 'ignore',
        stderr: 'ignore',
      },
    );
    await ready(port, Date.now() + 10_000);
  };
  const stop = async (): Promise<void> => {
    if (proc === undefined) return;
    const p = proc;
    proc = undefined;
    // SHUTDOWN through the protocol so the AOF is flushed, as a service manager's stop would.
    await execa('redis-cli', ['-p', String(port), 'shutdown'], { reject: false });
    const exited = await Promise.race([p.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 5000))]);
    if (!exited) p.kill('SIGKILL');
  };
  await spawn();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    dir: path.resolve(dir),
    restart: async () => {
      await stop();
      await spawn();
    },
    stop,
    start: async () => {
      if (proc === undefined) await spawn();
    },
  };
}
