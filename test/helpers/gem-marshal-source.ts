/**
 * A RubyGems source that serves only the Marshal index, as nginx, an S3 bucket or `gem server`
 * serve a `gem generate_index` directory: the fixture gems (gem-dists.ts) copied into
 * `<dir>/gems/`, then the real `gem generate_index -d <dir>` run at test time (under a second), and
 * the directory served as plain files over HTTP on 127.0.0.1. No compact index, no JSON API: every
 * other path is a 404. `replace()` swaps a file's bytes or status, for faults.
 */
import { execFile } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { gemFixtureDists } from './gem-dists.js';
import { closeServer, listenLoopback } from './loopback.js';

const execFileP = promisify(execFile);

export interface MarshalSource {
  /** `http://127.0.0.1:PORT/`, with the trailing slash. */
  url: string;
  /** The served directory (`gems/`, `specs.4.8.gz`, `quick/Marshal.4.8/...`). */
  dir: string;
  /** Every request path, in order. */
  requests: string[];
  /** Serve these bytes (or this status) for a file path (`specs.4.8.gz`) instead of the file; `null` restores it. */
  replace(file: string, with_: Buffer | number | null): void;
  close(): Promise<void>;
}

/** `gem generate_index` over the fixture gems, in a fresh directory (deleted by close()). */
export async function generateIndexDir(): Promise<string> {
  const dists = await gemFixtureDists();
  const dir = await mkdtemp(path.join(tmpdir(), 'bale-gem-marshal-'));
  await mkdir(path.join(dir, 'gems'));
  for (const f of await readdir(path.join(dists.dir, 'gems'))) await copyFile(path.join(dists.dir, 'gems', f), path.join(dir, 'gems', f));
  const home = path.join(dir, '.home');
  await mkdir(home);
  await execFileP('gem', ['generate_index', '--norc', '-d', dir], {
    env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: home, LC_ALL: 'C.UTF-8', TZ: 'UTC' },
  });
  await rm(home, { recursive: true });
  return dir;
}

export async function startMarshalSource(): Promise<MarshalSource> {
  const dir = await generateIndexDir();
  const requests: string[] = [];
  const replaced = new Map<string, Buffer | number>();
  const server = http.createServer((req, res) => {
    requests.push(req.url ?? '');
    const rel = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname).replace(/^\/+/, '');
    const send = (status: number, body: Buffer): void => {
      res.writeHead(status, { 'content-type': 'application/octet-stream', 'content-length': body.length }).end(body);
    };
    const swap = replaced.get(rel);
    if (typeof swap === 'number') return send(swap, Buffer.from(`HTTP ${swap}\n`));
    if (swap !== undefined) return send(200, swap);
    const file = path.join(dir, rel);
    if (rel === '' || rel.split('/').some((s) => s === '..' || s.startsWith('.')) || !file.startsWith(dir + path.sep))
      return send(404, Buffer.from('Not Found\n'));
    readFile(file).then(
      (body) => send(200, body),
      () => send(404, Buffer.from('Not Found\n')),
    );
  });
  const url = await listenLoopback(server);
  return {
    url,
    dir,
    requests,
    replace(file, with_) {
      if (with_ === null) replaced.delete(file);
      else replaced.set(file, with_);
    },
    async close() {
      await closeServer(server, new Set());
      await rm(dir, { recursive: true, force: true });
    },
  };
}
