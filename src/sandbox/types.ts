import type { BuildLimits } from '../limits/index.js';

/** A host directory or file made visible inside the sandbox. */
export interface Mount {
  /** Absolute path on the host. */
  host: string;
  /** Absolute path inside the sandbox. */
  sandbox: string;
  /** Bind read-write; otherwise read-only. @defaultValue false */
  writable?: boolean;
}

export interface SandboxCommand {
  /** argv[0] as seen inside the sandbox (absolute path). */
  argv: string[];
  /** The complete environment: nothing is inherited from bale's own process. Both runners add
   * PWD=cwd (bwrap always sets it after chdir; the direct runner matches). */
  env: Record<string, string>;
  /** Working directory inside the sandbox (absolute path). */
  cwd: string;
  /** Binds in addition to the host toolchain. */
  mounts: Mount[];
  /** Kill the whole process tree after this many milliseconds; `limits.timeoutMs` when absent. @defaultValue no limit */
  timeoutMs?: number;
  /**
   * Resource limits: wall time, address space, processes, file size (rlimits set inside the
   * sandbox) and bytes added to the disk through writable mounts (watched from outside).
   * @defaultValue none but timeoutMs
   */
  limits?: BuildLimits;
  /** Where to append combined stdout+stderr (a log file on the host); the caller shows its tail on failure.
   * @defaultValue output is discarded */
  logFile?: string;
}

export interface RunResult {
  /** The exit status; 128 + signal number when the process was killed by a signal. */
  exitCode: number;
  signal?: string;
  timedOut: boolean;
  /** Which limit stopped the command, when bale killed it for one. */
  limit?: 'timeout' | 'disk';
  /** What about the limit, when there is more to say than its name (the disk's free space ran out). */
  detail?: string;
}

export interface Runner {
  readonly name: 'bubblewrap' | 'direct';
  /** true, or a one-line reason why this runner cannot work here. */
  usable(): Promise<true | string>;
  run(cmd: SandboxCommand): Promise<RunResult>;
}

/** What of the host is visible read-only inside the sandbox, at the same paths. */
export interface HostToolchain {
  /** Host paths bound read-only at the same path (/usr, /etc/alternatives, /etc/ld.so.cache ...), only those that exist. */
  roBinds: string[];
  /** Top-level symlinks recreated as symlinks (/bin -> usr/bin on merged-/usr hosts), so paths resolve as on the host.
   * @defaultValue none */
  symlinks?: Array<{ path: string; target: string }>;
}
