import { rmSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { processAlive as alive } from './alive.js';

/**
 * Scratch directories for builds. Each is made enterable by the sandbox's unprivileged uid (mkdtemp
 * makes them 0700), carries bale's pid in its name, and is removed however bale exits: normally by
 * its owner, on a signal or process.exit by an exit hook, and after a SIGKILL by the next bale
 * that sweeps the parent directory.
 */

const live = new Set<string>();
let hooked = false;

const PID_IN_NAME = /-p(\d+)-[A-Za-z0-9]{6}$/;

export interface Scratch {
  dir: string;
  remove(): Promise<void>;
}

export async function makeScratch(parent: string, prefix: string): Promise<Scratch> {
  if (!hooked) {
    hooked = true;
    process.on('exit', () => {
      for (const d of live) rmSync(d, { recursive: true, force: true });
    });
  }
  await mkdir(parent, { recursive: true });
  const dir = await mkdtemp(join(parent, `${prefix}p${process.pid}-`));
  live.add(dir);
  await chmod(dir, 0o755);
  return {
    dir,
    remove: async () => {
      // A killed build's last processes can still be writing while the kernel tears its sandbox
      // down: removal then meets a directory that refills (ENOTEMPTY). fs.rm retries exactly that.
      await rm(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 50 });
      live.delete(dir);
    },
  };
}

/** Removes scratch directories whose bale is gone (SIGKILL, power loss). Returns how many. */
export async function sweepScratch(parent: string): Promise<number> {
  let names: string[];
  try {
    names = await readdir(parent);
  } catch {
    return 0;
  }
  let n = 0;
  for (const name of names) {
    const pid = Number(PID_IN_NAME.exec(name)?.[1]);
    if (!Number.isInteger(pid) || pid === process.pid || alive(pid)) continue;
    await rm(join(parent, name), { recursive: true, force: true, maxRetries: 10, retryDelay: 50 });
    n++;
  }
  return n;
}
