import { accessSync, constants } from 'node:fs';
import { chmod, lchown, readdir, stat } from 'node:fs/promises';
import { UserError } from '../errors/index.js';
import { delimiter, join } from 'node:path';
import { execa } from 'execa';
import { BUILD_GID, BUILD_UID, bwrapArgs, PRLIMIT, SETPRIV, type Confinement } from './bwrap-args.js';
import { seccompProgram } from './seccomp.js';
import { spawnLogged } from './spawn.js';
import { detectHostToolchain } from './toolchain.js';
import type { HostToolchain, RunResult, Runner, SandboxCommand } from './types.js';

/** Finds bwrap on bale's own PATH (the host's), or in the usual places when PATH is empty. */
export function findBwrap(pathEnv: string = process.env.PATH ?? ''): string | undefined {
  const dirs = [...pathEnv.split(delimiter).filter((d) => d.startsWith('/')), '/usr/bin', '/usr/local/bin'];
  for (const dir of dirs) {
    const candidate = join(dir, 'bwrap');
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // Not here.
    }
  }
  return undefined;
}

const TRUE_PROBE = ['/usr/bin/true', '/bin/true'];
/** One probe per bwrap binary and mode per process: creating namespaces either works on this kernel or not. */
const probes = new Map<string, Promise<true | string>>();

export interface BubblewrapOptions {
  /** Path to the bwrap binary. @defaultValue found on PATH */
  bwrap?: string;
  /** What of the host to expose read-only. @defaultValue detectHostToolchain() */
  toolchain?: HostToolchain;
  /** bale runs as root (capabilities to drop, a uid to switch to). @defaultValue process.getuid() === 0 */
  asRoot?: boolean;
}

/** /tmp inside the sandbox is memory: at most this much, or the build's disk limit when lower. */
export const SANDBOX_TMP_BYTES = 1024 * 1024 * 1024;

/** As root, builds run as BUILD_UID, which reads a read-only bind only when others may. */
async function assertReadableByOthers(path: string): Promise<void> {
  const st = await stat(path);
  const need = st.isDirectory() ? 0o005 : 0o004;
  if ((st.mode & need) !== need) {
    throw new UserError(
      'ESANDBOX',
      `${path} is not readable by other users, and builds run as uid ${BUILD_UID}: make it readable (chmod o+rX ${path}) or run bale as an unprivileged user`,
    );
  }
}

/**
 * As root, the build runs as BUILD_UID: give it what it may write (the build's own directories,
 * nothing else). The top stays enterable by others, like every directory bale binds.
 */
async function chownTree(dir: string, top = true): Promise<void> {
  await lchown(dir, BUILD_UID, BUILD_GID);
  if (top) await chmod(dir, 0o755);
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) await chownTree(p, false);
    else await lchown(p, BUILD_UID, BUILD_GID);
  }
}

export class BubblewrapRunner implements Runner {
  readonly name = 'bubblewrap' as const;
  readonly bwrap: string | undefined;
  readonly toolchain: HostToolchain;
  readonly asRoot: boolean;
  private readonly seccomp = seccompProgram();

  constructor(opts: BubblewrapOptions = {}) {
    this.bwrap = opts.bwrap ?? findBwrap();
    this.toolchain = opts.toolchain ?? detectHostToolchain();
    this.asRoot = opts.asRoot ?? process.getuid?.() === 0;
  }

  private confinement(disk: number | undefined): Confinement {
    return {
      asRoot: this.asRoot,
      ...(this.seccomp !== undefined ? { seccompFd: 3 } : {}),
      tmpBytes: Math.min(SANDBOX_TMP_BYTES, disk ?? SANDBOX_TMP_BYTES),
    };
  }

  private inputFds(): Buffer[] {
    return this.seccomp !== undefined ? [this.seccomp] : [];
  }

  usable(): Promise<true | string> {
    const bwrap = this.bwrap;
    if (bwrap === undefined) return Promise.resolve('bwrap not found on PATH: install bubblewrap (apt-get install bubblewrap)');
    const key = `${bwrap}|${this.asRoot ? 'root' : 'user'}`;
    let probe = probes.get(key);
    if (probe === undefined) {
      probe = this.probe(bwrap);
      probes.set(key, probe);
    }
    return probe;
  }

  /** Actually creates a sandbox with the flags builds use: a kernel without user namespaces, or a
   * container that forbids them, fails here rather than in the middle of a build. */
  private async probe(bwrap: string): Promise<true | string> {
    const trueBin = TRUE_PROBE.find((p) => {
      try {
        accessSync(p, constants.X_OK);
        return true;
      } catch {
        return false;
      }
    });
    if (trueBin === undefined) return 'cannot probe bubblewrap: no /usr/bin/true on this host';
    const limits = { timeoutMs: 30_000, memory: 1 << 30, processes: 64, disk: 1 << 20 };
    const args = bwrapArgs({ argv: [trueBin], env: {}, cwd: '/', mounts: [], limits }, this.toolchain, this.confinement(limits.disk));
    const sub = execa(bwrap, args, {
      env: {},
      extendEnv: false,
      stdio: ['ignore', 'pipe', 'pipe', ...this.inputFds().map(() => 'pipe' as const)],
      reject: false,
      timeout: 30_000,
    });
    for (const [i, data] of this.inputFds().entries()) (sub.stdio[3 + i] as NodeJS.WritableStream | undefined)?.end(data);
    const r = await sub;
    if (r.exitCode === 0) return true;
    if (r.exitCode === undefined && r.signal === undefined) return `cannot run ${bwrap}: install bubblewrap (apt-get install bubblewrap)`;
    const why = (typeof r.stderr === 'string' ? r.stderr : '').trim().split('\n').pop() || `exit ${r.exitCode ?? r.signal}`;
    if (/unrecognized option|Unknown option/i.test(why))
      return `${bwrap} is too old for bale's sandbox (${why}): install bubblewrap 0.8 or newer (Debian 12, Ubuntu 24.04)`;
    if (this.asRoot)
      return `bubblewrap cannot create a sandbox here (${why}): as root it needs ${SETPRIV} and ${PRLIMIT} (util-linux) and permission to create namespaces (a container may need --privileged or a seccomp profile allowing unshare)`;
    return `bubblewrap cannot create a sandbox here (${why}): enable unprivileged user namespaces (sysctl kernel.unprivileged_userns_clone=1)`;
  }

  async run(cmd: SandboxCommand): Promise<RunResult> {
    if (this.bwrap === undefined) throw new Error('BubblewrapRunner.run called without bwrap: check usable() first');
    const writable = cmd.mounts.filter((m) => m.writable === true).map((m) => m.host);
    if (this.asRoot) {
      for (const m of cmd.mounts) if (m.writable !== true) await assertReadableByOthers(m.host);
      for (const dir of writable) await chownTree(dir);
    }
    const args = bwrapArgs(cmd, this.toolchain, this.confinement(cmd.limits?.disk));
    // bwrap itself needs no environment: --clearenv/--setenv give the command its own.
    return spawnLogged(this.bwrap, args, {
      env: {},
      cwd: '/',
      timeoutMs: cmd.timeoutMs ?? cmd.limits?.timeoutMs,
      logFile: cmd.logFile,
      inputFds: this.inputFds(),
      ...(cmd.limits !== undefined ? { disk: { dirs: writable, limit: cmd.limits.disk } } : {}),
    });
  }
}
