import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { constants } from 'node:os';
import { dirname } from 'node:path';
import { execa } from 'execa';
import { BaleError } from '../errors/index.js';
import { BUILD_UMASK } from './build-env.js';
import { watchDisk } from './disk-watch.js';
import type { RunResult } from './types.js';

export interface SpawnOptions {
  env: Record<string, string>;
  /** Host working directory of the spawned process. */
  cwd: string;
  timeoutMs?: number;
  logFile?: string;
  /** Data the child reads from fds 3, 4, ... (pipes closed after the data: bwrap's --seccomp FD reads to EOF). */
  inputFds?: Buffer[];
  /** Kill the command when it adds more than `limit` bytes to these directories' disk. */
  disk?: { dirs: string[]; limit: number };
}

/** Process groups running now: killed when bale exits, however it exits (a signal, process.exit). */
const running = new Set<number>();
let exitHookInstalled = false;
function track(pid: number): () => boolean {
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.on('exit', () => {
      for (const p of running) killGroup(p);
    });
  }
  running.add(pid);
  return () => running.delete(pid);
}

function killGroup(pid: number): void {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

/** Starts `file args` with exactly `env`, umask 022, output appended to logFile, and kills its
 * whole process group on timeout. Spawn failures (missing binary, missing cwd) become exit 127
 * with the reason in the log, as a shell would report them. */
export async function spawnLogged(file: string, args: string[], opts: SpawnOptions): Promise<RunResult> {
  let fd: number | 'ignore' = 'ignore';
  if (opts.logFile !== undefined) {
    mkdirSync(dirname(opts.logFile), { recursive: true });
    fd = openSync(opts.logFile, 'a');
  }
  // execa's types list only fds 3-9, but any open fd is handed straight to the child: no pipe
  // through this process, so a killed build cannot leave us waiting on an open stream.
  const out = fd as unknown as 3 | 'ignore';
  let stoppedBy: Pick<RunResult, 'limit' | 'detail'> | undefined;
  let timer: NodeJS.Timeout | undefined;
  let stopWatch = (): void => undefined;
  let untrack = (): boolean => false;
  const inputs = opts.inputFds ?? [];
  try {
    const subprocess = withUmask(() =>
      execa(file, args, {
        env: opts.env,
        extendEnv: false,
        cwd: opts.cwd,
        stdio: ['ignore', out, out, ...inputs.map(() => 'pipe' as const)] as unknown as ['ignore', 3, 3],
        buffer: false,
        reject: false,
        // Its own process group, so a timeout can kill every descendant at once.
        detached: true,
      }),
    );
    for (const [i, data] of inputs.entries()) (subprocess.stdio[3 + i] as NodeJS.WritableStream | undefined)?.end(data);
    if (subprocess.pid !== undefined) {
      const pid = subprocess.pid;
      untrack = track(pid);
      const stop = (why: Pick<RunResult, 'limit' | 'detail'>): void => {
        stoppedBy ??= why;
        killGroup(pid);
      };
      if (opts.timeoutMs !== undefined) timer = setTimeout(() => stop({ limit: 'timeout' }), opts.timeoutMs);
      if (opts.disk !== undefined)
        stopWatch = watchDisk(opts.disk.dirs, opts.disk.limit, (detail) =>
          stop({ limit: 'disk', ...(detail !== undefined ? { detail } : {}) }),
        );
    }
    const result = await subprocess;
    const stopped = { timedOut: stoppedBy?.limit === 'timeout', ...(stoppedBy ?? {}) };
    if (result.exitCode !== undefined) return { exitCode: result.exitCode, ...stopped };
    if (result.signal !== undefined) {
      return { exitCode: 128 + (constants.signals[result.signal] ?? 0), signal: result.signal, ...stopped };
    }
    if (typeof fd === 'number') writeSync(fd, `bale: cannot run ${file}: ${result.shortMessage}\n`);
    return { exitCode: 127, ...stopped };
  } finally {
    if (timer !== undefined) clearTimeout(timer);
    stopWatch();
    untrack();
    if (typeof fd === 'number') closeSync(fd);
  }
}

/** fork+exec happen synchronously inside execa(), so the child inherits the umask set here and the
 * caller's umask is back before any other code runs. */
function withUmask<T>(start: () => T): T {
  let previous: number;
  try {
    previous = process.umask(BUILD_UMASK);
  } catch (err) {
    throw new BaleError('ESANDBOX', 'sandbox runners must run on the main thread: a worker thread cannot set the umask', { cause: err });
  }
  try {
    return start();
  } finally {
    process.umask(previous);
  }
}
