import { posix } from 'node:path';
import { BaleError } from '../errors/index.js';
import type { BuildLimits } from '../limits/index.js';
import type { HostToolchain, Mount, SandboxCommand } from './types.js';

/** Fixed so that nothing a build records (uname -n, gethostname) depends on the machine. */
export const SANDBOX_HOSTNAME = 'bale';

function isCleanAbsolute(p: string): boolean {
  return p.startsWith('/') && !p.includes('\0') && posix.normalize(p) === p && (p === '/' || !p.endsWith('/'));
}

/** Rejects commands no runner can honour; these are bugs in the caller, not user errors. */
export function checkCommand(cmd: SandboxCommand): void {
  const bad = (what: string): never => {
    throw new BaleError('ESANDBOX', `invalid sandbox command: ${what}`);
  };
  const argv0 = cmd.argv[0];
  if (argv0 === undefined || !isCleanAbsolute(argv0)) bad(`argv[0] must be an absolute path, got ${JSON.stringify(argv0)}`);
  if (cmd.argv.some((a) => a.includes('\0'))) bad('argv contains a NUL byte');
  if (!isCleanAbsolute(cmd.cwd)) bad(`cwd must be a normalised absolute path, got ${JSON.stringify(cmd.cwd)}`);
  for (const [k, v] of Object.entries(cmd.env)) {
    if (k === '' || k.includes('=') || k.includes('\0') || v.includes('\0')) bad(`bad environment variable ${JSON.stringify(k)}`);
  }
  const seen = new Set<string>();
  for (const m of cmd.mounts) {
    if (!isCleanAbsolute(m.host)) bad(`mount host path must be absolute, got ${JSON.stringify(m.host)}`);
    // Binding over / would hide the toolchain and /proc.
    if (!isCleanAbsolute(m.sandbox) || m.sandbox === '/')
      bad(`mount sandbox path must be absolute and not /, got ${JSON.stringify(m.sandbox)}`);
    if (seen.has(m.sandbox)) bad(`two mounts at ${m.sandbox}`);
    seen.add(m.sandbox);
  }
  if (cmd.timeoutMs !== undefined && !(cmd.timeoutMs > 0)) bad(`timeoutMs must be positive, got ${cmd.timeoutMs}`);
  if (cmd.limits !== undefined) {
    for (const [k, v] of Object.entries(cmd.limits))
      if (!(Number.isSafeInteger(v) && v > 0)) bad(`limit ${k} must be a positive integer, got ${v}`);
  }
}

const depth = (p: string): number => p.split('/').length;

/** Parents before children, so a mount nested in another is not hidden by it; ties keep the caller's order. */
export function orderMounts(mounts: Mount[]): Mount[] {
  return mounts
    .map((m, i) => ({ m, i }))
    .sort((a, b) => depth(a.m.sandbox) - depth(b.m.sandbox) || a.i - b.i)
    .map(({ m }) => m);
}

/** How the sandbox drops privileges: bale's own uid decides (see `confinement()`). */
export interface Confinement {
  /** bale runs as root: bwrap keeps only what setpriv needs to become BUILD_UID, then setpriv drops it. */
  asRoot: boolean;
  /** The fd bwrap reads the seccomp program from, when there is one for this architecture. */
  seccompFd?: number;
  /** Size of the sandbox's /tmp (a tmpfs: memory, so bounded). */
  tmpBytes: number;
}

/** The uid and gid builds run as: `nobody`, inside and (when bale runs as root) outside too. */
export const BUILD_UID = 65534;
export const BUILD_GID = 65534;
/** util-linux, on every Debian (Essential): drop to BUILD_UID, then set resource limits, then exec. */
export const SETPRIV = '/usr/bin/setpriv';
export const PRLIMIT = '/usr/bin/prlimit';

/** Directories leading to a bind or link that bwrap must create: ancestors not bound themselves or inside a bind. */
function ancestorsToCreate(mounts: Mount[], host: HostToolchain): string[] {
  const targets = [...host.roBinds, ...(host.symlinks ?? []).map((l) => l.path), ...mounts.map((m) => m.sandbox)];
  const bound = [...host.roBinds, ...mounts.map((m) => m.sandbox), '/tmp'];
  const covered = (p: string): boolean =>
    bound.some((d) => p === d || p.startsWith(`${d}/`)) || (host.symlinks ?? []).some((l) => p === l.path || p.startsWith(`${l.path}/`));
  const out = new Set<string>();
  for (const t of targets) {
    const parts = t.split('/').slice(1, -1);
    for (let i = 1; i <= parts.length; i++) {
      const dir = `/${parts.slice(0, i).join('/')}`;
      if (!covered(dir)) out.add(dir);
    }
  }
  return [...out].sort((a, b) => depth(a) - depth(b) || (a < b ? -1 : a > b ? 1 : 0));
}

/** The bwrap argument list (without the bwrap binary itself) for one command. Pure. */
export function bwrapArgs(cmd: SandboxCommand, host: HostToolchain, how: Confinement): string[] {
  checkCommand(cmd);
  const args = [
    '--unshare-net',
    '--unshare-pid',
    '--unshare-ipc',
    '--unshare-uts',
    '--die-with-parent',
    // A new session stops the build from injecting keystrokes into our terminal (TIOCSTI).
    '--new-session',
    '--hostname',
    SANDBOX_HOSTNAME,
    '--clearenv',
  ];
  if (how.asRoot) {
    // Without a user namespace, root's capabilities would reach the host (remount, mknod): keep only
    // what setpriv needs to switch to BUILD_UID, which then drops those too.
    // CAP_DAC_READ_SEARCH lets bwrap chdir into the build's tree, which now belongs to BUILD_UID.
    args.push(
      '--cap-drop',
      'ALL',
      '--cap-add',
      'CAP_SETUID',
      '--cap-add',
      'CAP_SETGID',
      '--cap-add',
      'CAP_SETPCAP',
      '--cap-add',
      'CAP_DAC_READ_SEARCH',
    );
  } else {
    // Unprivileged: a user namespace mapping us to BUILD_UID, with no capabilities and no further namespaces.
    args.push('--unshare-user', '--uid', String(BUILD_UID), '--gid', String(BUILD_GID), '--disable-userns', '--cap-drop', 'ALL');
  }
  if (how.seccompFd !== undefined) args.push('--seccomp', String(how.seccompFd));
  // Sorted so the same command always gives the same argument list.
  for (const key of Object.keys(cmd.env).sort()) args.push('--setenv', key, cmd.env[key] as string);
  // bwrap would create these 0700, which BUILD_UID cannot enter (/etc for /etc/alternatives, ~/.pyenv/...).
  for (const dir of ancestorsToCreate(cmd.mounts, host)) args.push('--perms', '0755', '--dir', dir);
  for (const dir of host.roBinds) args.push('--ro-bind', dir, dir);
  for (const link of host.symlinks ?? []) args.push('--symlink', link.target, link.path);
  args.push('--proc', '/proc', '--dev', '/dev', '--perms', '1777', '--size', String(how.tmpBytes), '--tmpfs', '/tmp');
  // POSIX semaphores and shared memory (Python's multiprocessing, libfaketime) live here.
  args.push('--perms', '1777', '--size', String(how.tmpBytes), '--tmpfs', '/dev/shm');
  // After /tmp's tmpfs, so that mounts under /tmp stay visible.
  for (const m of orderMounts(cmd.mounts)) args.push(m.writable ? '--bind' : '--ro-bind', m.host, m.sandbox);
  // The sandbox's own root (the tmpfs holding the mount points) is read-only too: writable are /tmp,
  // /dev/shm and the writable binds, nothing else.
  args.push('--remount-ro', '/');
  args.push('--chdir', cmd.cwd, '--', ...confinedArgv(cmd, how));
  return args;
}

/** The command behind setpriv (as root) and prlimit, which apply the resource limits and exec it. Pure. */
export function confinedArgv(cmd: SandboxCommand, how: Pick<Confinement, 'asRoot'>): string[] {
  const drop = how.asRoot
    ? [
        SETPRIV,
        `--reuid=${BUILD_UID}`,
        `--regid=${BUILD_GID}`,
        '--clear-groups',
        '--inh-caps=-all',
        '--bounding-set=-all',
        '--no-new-privs',
        '--',
      ]
    : [];
  return [...drop, ...rlimitArgv(cmd.limits), ...cmd.argv];
}

/** prlimit's flags for a build's limits: each soft = hard, so the build cannot raise them. */
export function rlimitArgv(limits: BuildLimits | undefined): string[] {
  if (limits === undefined) return [];
  const seconds = Math.max(1, Math.ceil(limits.timeoutMs / 1000));
  return [
    PRLIMIT,
    `--as=${limits.memory}`,
    `--nproc=${limits.processes}`,
    `--fsize=${limits.disk}`,
    // CPU seconds per process: never more than the wall time allows anyway, but it names the cause.
    `--cpu=${seconds}`,
    '--core=0',
    '--',
  ];
}
