import { posix } from 'node:path';
import { BaleError } from '../errors/index.js';
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
    if (!isCleanAbsolute(m.sandbox) || m.sandbox === '/') bad(`mount sandbox path must be absolute and not /, got ${JSON.stringify(m.sandbox)}`);
    if (seen.has(m.sandbox)) bad(`two mounts at ${m.sandbox}`);
    seen.add(m.sandbox);
  }
  if (cmd.timeoutMs !== undefined && !(cmd.timeoutMs > 0)) bad(`timeoutMs must be positive, got ${cmd.timeoutMs}`);
}

const depth = (p: string): number => p.split('/').length;

/** Parents before children, so a mount nested in another is not hidden by it; ties keep the caller's order. */
export function orderMounts(mounts: Mount[]): Mount[] {
  return mounts
    .map((m, i) => ({ m, i }))
    .sort((a, b) => depth(a.m.sandbox) - depth(b.m.sandbox) || a.i - b.i)
    .map(({ m }) => m);
}

/** The bwrap argument list (without the bwrap binary itself) for one command. Pure. */
export function bwrapArgs(cmd: SandboxCommand, host: HostToolchain): string[] {
  checkCommand(cmd);
  const args = [
    '--unshare-net', '--unshare-pid', '--unshare-ipc', '--unshare-uts',
    '--die-with-parent',
    // A new session stops the build from injecting keystrokes into our terminal (TIOCSTI).
    '--new-session',
    '--hostname', SANDBOX_HOSTNAME,
    '--clearenv',
  ];
  // Sorted so the same command always gives the same argument list.
  for (const key of Object.keys(cmd.env).sort()) args.push('--setenv', key, cmd.env[key] as string);
  for (const dir of host.roBinds) args.push('--ro-bind', dir, dir);
  for (const link of host.symlinks ?? []) args.push('--symlink', link.target, link.path);
  args.push('--proc', '/proc', '--dev', '/dev', '--tmpfs', '/tmp');
  // After /tmp's tmpfs, so that mounts under /tmp stay visible.
  for (const m of orderMounts(cmd.mounts)) args.push(m.writable ? '--bind' : '--ro-bind', m.host, m.sandbox);
  args.push('--chdir', cmd.cwd, '--', ...cmd.argv);
  return args;
}
