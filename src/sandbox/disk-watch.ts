import { lstat, readdir, statfs } from 'node:fs/promises';
import { join } from 'node:path';

/** Below this much free space on a build's filesystem the build is stopped, whatever its own limit. */
export const DISK_FLOOR = 256 * 1024 * 1024;
const POLL_MS = 1000;

/** Bytes a directory tree occupies on disk (allocated blocks, not apparent sizes: sparse files count as they cost). */
export async function diskUsage(dir: string): Promise<number> {
  let total = 0;
  const walk = async (d: string): Promise<void> => {
    let names: string[];
    try {
      names = await readdir(d);
    } catch {
      return;
    }
    for (const n of names) {
      const p = join(d, n);
      const st = await lstat(p).catch(() => undefined);
      if (st === undefined) continue;
      total += st.blocks * 512;
      if (st.isDirectory()) await walk(p);
    }
  };
  await walk(dir);
  return total;
}

async function freeBytes(dir: string): Promise<number | undefined> {
  try {
    const s = await statfs(dir);
    return s.bavail * s.bsize;
  } catch {
    return undefined;
  }
}

/**
 * Watches what a build adds to the disk through its writable directories. A free-space check is
 * cheap (statfs), so it runs every second; the trees are only walked when the filesystem lost
 * more than `limit` since the start (other writers count there too), to tell whose bytes they are.
 * Calls `exceeded` once: with a detail when free space ran out, without when the build passed `limit`. Returns a stop function.
 */
export function watchDisk(dirs: string[], limit: number, exceeded: (detail?: string) => void): () => void {
  if (dirs.length === 0) return () => undefined;
  let stopped = false;
  let busy = false;
  let baseline: { free: number; used: number } | undefined;
  const tick = async (): Promise<void> => {
    if (busy || stopped) return;
    busy = true;
    try {
      const free = await freeBytes(dirs[0]!);
      if (free === undefined || stopped) return;
      if (baseline === undefined) {
        baseline = { free, used: (await Promise.all(dirs.map(diskUsage))).reduce((a, b) => a + b, 0) };
        return;
      }
      if (free < DISK_FLOOR) {
        stopped = true;
        exceeded(`the disk holding ${dirs[0]} is down to ${Math.floor(free / 1048576)} MiB free`);
        return;
      }
      if (baseline.free - free <= limit) return;
      const used = (await Promise.all(dirs.map(diskUsage))).reduce((a, b) => a + b, 0);
      if (!stopped && used - baseline.used > limit) {
        stopped = true;
        exceeded();
      }
    } finally {
      busy = false;
    }
  };
  void tick();
  const timer = setInterval(() => void tick(), POLL_MS);
  timer.unref();
  return () => {
    stopped = true;
    clearInterval(timer);
  };
}
