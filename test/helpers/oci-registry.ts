/**
 * The real CNCF distribution registry (Debian's `docker-registry`, 2.8) for the registry tests:
 * a free loopback port, filesystem storage in a temp dir, deletes enabled.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { request } from 'undici';
import { freePort } from './redis.js';

export interface OciRegistry {
  /** `oci://127.0.0.1:PORT` */
  url: string;
  /** `http://127.0.0.1:PORT` */
  httpUrl: string;
  /** `127.0.0.1:PORT`, as skopeo's docker:// references want it. */
  host: string;
  /** The filesystem driver's root: `docker/registry/v2/…` (tests tamper with blobs here). */
  storageDir: string;
  stop(): Promise<void>;
}

export async function startOciRegistry(): Promise<OciRegistry> {
  const dir = await mkdtemp(path.join(tmpdir(), 'bale-oci-registry-'));
  // A port picked free can be taken before the registry binds it: try another.
  for (let tries = 1; ; tries++) {
    try {
      return await startOn(dir, await freePort());
    } catch (err) {
      if (tries >= 3) {
        await rm(dir, { recursive: true, force: true });
        throw err;
      }
    }
  }
}

async function startOn(dir: string, port: number): Promise<OciRegistry> {
  const storageDir = path.join(dir, 'storage');
  const config = path.join(dir, 'config.yml');
  await writeFile(
    config,
    [
      'version: 0.1',
      'log:',
      '  level: error',
      '  accesslog:',
      '    disabled: true',
      'storage:',
      '  filesystem:',
      `    rootdirectory: ${storageDir}`,
      '  delete:',
      '    enabled: true',
      'http:',
      `  addr: 127.0.0.1:${port}`,
      '',
    ].join('\n'),
  );
  const proc: ResultPromise = execa('docker-registry', ['serve', config], {
    reject: false,
    stdout: 'ignore',
    stderr: 'pipe',
    buffer: true,
  });
  let exited = false;
  void proc.then(() => {
    exited = true;
  });
  const httpUrl = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (exited) {
      const r = await proc;
      throw new Error(`docker-registry exited at start (port ${port}): ${String(r.stderr).slice(0, 500)}`);
    }
    try {
      const res = await request(`${httpUrl}/v2/`);
      await res.body.dump();
      if (res.statusCode === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      proc.kill('SIGKILL');
      throw new Error(`docker-registry on port ${port} did not answer GET /v2/ within 15 s`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url: `oci://127.0.0.1:${port}`,
    httpUrl,
    host: `127.0.0.1:${port}`,
    storageDir,
    stop: async () => {
      if (!exited) {
        proc.kill('SIGTERM');
        // unref: a pending timer would keep the test process alive after a quick exit.
        const killer = setTimeout(() => proc.kill('SIGKILL'), 5000);
        killer.unref();
        await proc;
        clearTimeout(killer);
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}
