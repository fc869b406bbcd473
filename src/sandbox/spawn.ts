import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { constants } from 'node:os';
import { dirname } from 'node:path';
import { execa } from 'execa';
import { BaleError } from '../errors/index.js';
import type { RunResult } from './types.js';

export interface SpawnOptions {
  env: Record<string, string>;
  /** Host working directory of the spawned process. */
  cwd: string;
  timeoutMs?: number;
  logFile?: string;
}

/** Builds must not depend on the caller's umask (reproducibility rule: umask 022). */
const BUILD_UMASK = 0o022;

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
  let timedOut = false;
  let timer: NodeJS.Timeout | undefined;
  try {
    const subprocess = withUmask(() =>
      execa(file, args, {
        env: opts.env,
        extendEnv: false,
        cwd: opts.cwd,
        stdin: 'ignore',
        stdout: out,
        stderr: out,
        buffer: false,
        reject: false,
        // Its own process group, so a timeout can kill every descendant at once.
        detached: true,
      }),
    );
    if (opts.timeoutMs !== undefined && subprocess.pid !== undefined) {
      const pid = subprocess.pid;
      timer = setTimeout(() => {
        timedOut = true;
        try {
          process.kill(-pid, 'SIGKILL');
        } catch {
          // Already gone.
        }
      }, opts.timeoutMs);
    }
    const result = await subprocess;
    if (result.exitCode !== undefined) return { exitCode: result.exitCode, timedOut };
    if (result.signal !== undefined) {
      return { exitCode: 128 + (constants.signals[result.signal] ?? 0), signal: result.signal, timedOut };
    }
    if (typeof fd === 'number') writeSync(fd, `bale: cannot run ${file}: ${result.shortMessage}\n`);
    return { exitCode: 127, timedOut };
  } finally {
    if (timer !== undefined) clearTimeout(timer);
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
