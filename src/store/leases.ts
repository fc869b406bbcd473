/**
 * Leases: what a running build needs, written where `bale gc` reads it (nix's temp roots). A
 * build holds a lease naming its build key and the keys of the builds it runs against from before
 * it checks its inputs until its packages are stored; gc keeps what live leases name, and every
 * package file newer than the oldest one (a build's own outputs, before its record exists).
 *
 * The handshake: a builder writes its lease, then looks for a collector's mark; gc writes its
 * mark, then reads the leases. Either gc sees the lease, or the builder sees the mark and waits
 * for gc to finish, then checks that its inputs are still in the store.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { UserError } from '../errors/index.js';
import { processAlive } from '../util/alive.js';
import { TEMP_HOST, writeFileAtomic } from '../util/atomic-write.js';
import type { LeaseBoard, Store } from './store.js';

export const LEASES_DIR = 'leases';
/** The end of a collector's mark's name (`<host>-<pid>.gc.mark`), in the leases directory. */
export const GC_MARK = 'gc.mark';
/** A lease or mark of another host is believed this long (its pid means nothing here). */
export const FOREIGN_LEASE_MS = 24 * 3600_000;
const WAIT_MS = 100;

interface LeaseBody {
  host: string;
  pid: number;
  keys: string[];
}

export interface Lease {
  file: string;
  host: string;
  pid: number;
  keys: string[];
  /** When it was taken (ms since the epoch). */
  since: number;
}

const isMissing = (err: unknown): boolean => (err as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';

/** Whether a lease or mark of `host`/`pid` written at `mtimeMs` still stands. */
export function standing(host: string, pid: number, mtimeMs: number, now = Date.now()): boolean {
  return host === TEMP_HOST ? processAlive(pid) : now - mtimeMs < FOREIGN_LEASE_MS;
}

async function readJson(file: string): Promise<{ body: LeaseBody; mtimeMs: number } | undefined> {
  try {
    const [text, st] = await Promise.all([readFile(file, 'utf8'), stat(file)]);
    const body = JSON.parse(text) as LeaseBody;
    if (typeof body.host !== 'string' || typeof body.pid !== 'number' || !Array.isArray(body.keys)) return undefined;
    return { body, mtimeMs: st.mtimeMs };
  } catch {
    return undefined; // gone, or half a file: not a lease
  }
}

/** Every lease in the store, standing or not (gc removes the dead ones of this host). */
export async function readLeases(storeRoot: string): Promise<{ live: Lease[]; dead: Lease[] }> {
  const dir = join(storeRoot, LEASES_DIR);
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    if (isMissing(err)) return { live: [], dead: [] };
    throw err;
  }
  const live: Lease[] = [];
  const dead: Lease[] = [];
  for (const name of names) {
    if (!name.endsWith('.lease.json') || name.startsWith('.')) continue;
    const got = await readJson(join(dir, name));
    if (got === undefined) continue;
    const lease = { file: join(dir, name), host: got.body.host, pid: got.body.pid, keys: got.body.keys, since: got.mtimeMs };
    (standing(lease.host, lease.pid, lease.since) ? live : dead).push(lease);
  }
  return { live, dead };
}

/** Whether a collector is at work on this store (a mark stands: each gc writes its own). */
async function collecting(storeRoot: string): Promise<boolean> {
  const dir = join(storeRoot, LEASES_DIR);
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    if (!name.endsWith(GC_MARK) || name.startsWith('.')) continue;
    const got = await readJson(join(dir, name));
    if (got !== undefined && standing(got.body.host, got.body.pid, got.mtimeMs)) return true;
  }
  return false;
}

/** gc's mark: written before it reads the leases, removed when it is done. */
export async function markCollecting(storeRoot: string): Promise<() => Promise<void>> {
  const file = join(storeRoot, LEASES_DIR, `${TEMP_HOST}-${process.pid}.${GC_MARK}`);
  await mkdir(join(storeRoot, LEASES_DIR), { recursive: true });
  await writeFileAtomic(file, JSON.stringify({ host: TEMP_HOST, pid: process.pid, keys: [] }));
  return () => unlink(file).catch(() => undefined);
}

/** The local store's board: files in `<root>/leases`, a process's lease believed while it runs. */
export function localLeases(store: Store): LeaseBoard {
  const dir = join(store.root, LEASES_DIR);
  return {
    async take(keys) {
      const file = join(dir, `${TEMP_HOST}-${process.pid}-${randomBytes(6).toString('hex')}.lease.json`);
      await mkdir(dir, { recursive: true });
      await writeFileAtomic(file, JSON.stringify({ host: TEMP_HOST, pid: process.pid, keys }), { durable: false });
      return () => unlink(file).catch(() => undefined);
    },
    collecting: () => collecting(store.root),
    has: async (key) => (await store.lookup(key)) !== undefined,
  };
}

/**
 * Run `work` under a lease naming `key` and `inputs` (build keys), on the store's board: once no
 * collector is at work, each input is checked to be in the store still, since a collector may have
 * removed it before it saw the lease. The lease goes however `work` ends.
 */
export async function withLease<T>(store: Store, key: string, inputs: readonly string[], work: () => Promise<T>): Promise<T> {
  const board = store.leases ?? localLeases(store);
  const release = await board.take([key, ...inputs]);
  try {
    await untilCollected(board);
    for (const k of inputs) {
      if (!(await board.has(k))) {
        throw new UserError(
          'EGCRACE',
          `build ${k.slice(0, 12)}, which this build runs against, was removed from ${store.location} (bale gc) before this build took its lease: build again`,
        );
      }
    }
    return await work();
  } finally {
    await release();
  }
}

/** Wait while a collector's mark stands (after taking a lease: the collector either saw it or is waited for). */
export async function untilCollected(board: LeaseBoard): Promise<void> {
  while (await board.collecting()) await new Promise((r) => setTimeout(r, board.pollMs ?? WAIT_MS));
}
