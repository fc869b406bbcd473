import { checkCommand } from './bwrap-args.js';
import { spawnLogged } from './spawn.js';
import type { Mount, RunResult, Runner, SandboxCommand } from './types.js';

const escapeRe = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Rewrites sandbox paths to host paths wherever a path can start inside a value: the whole value,
 * PATH-like lists, `--prefix=/build`, `-ffile-prefix-map=/build=.`, space-separated flags.
 * The longest matching mount wins, so nested mounts map to their own host dirs. Pure. */
export function translatePaths(value: string, mounts: Mount[]): string {
  const mapped = mounts.filter((m) => m.sandbox !== m.host).sort((a, b) => b.sandbox.length - a.sandbox.length);
  if (mapped.length === 0) return value;
  const hostOf = new Map(mapped.map((m) => [m.sandbox, m.host]));
  const alternatives = mapped.map((m) => escapeRe(m.sandbox)).join('|');
  // A path starts at the beginning or after a separator, and must end at a component boundary
  // ('/build' maps '/build/x' but not '/buildx').
  const re = new RegExp(`(^|[\\s:=,;"'])(${alternatives})(?=$|[/\\s:=,;"'])`, 'g');
  return value.replace(re, (_all, lead: string, path: string) => lead + (hostOf.get(path) ?? path));
}

/** The command as it runs on the host: same argv, env and cwd with sandbox paths translated. Pure. */
export function toHostCommand(cmd: SandboxCommand): { file: string; args: string[]; env: Record<string, string>; cwd: string } {
  checkCommand(cmd);
  const t = (v: string): string => translatePaths(v, cmd.mounts);
  const [file, ...args] = cmd.argv.map(t) as [string, ...string[]];
  const cwd = t(cmd.cwd);
  // PWD as bwrap sets it, so the environment a build sees is the same under both runners.
  const env = { ...Object.fromEntries(Object.entries(cmd.env).map(([k, v]) => [k, t(v)])), PWD: cwd };
  return { file, args, env, cwd };
}

/** No isolation at all: network, the whole host filesystem and read-only mounts are all writable
 * as far as this runner is concerned. For hosts where bubblewrap cannot work. */
export class DirectRunner implements Runner {
  readonly name = 'direct' as const;

  async usable(): Promise<true> {
    return true;
  }

  run(cmd: SandboxCommand): Promise<RunResult> {
    const host = toHostCommand(cmd);
    return spawnLogged(host.file, host.args, { env: host.env, cwd: host.cwd, timeoutMs: cmd.timeoutMs, logFile: cmd.logFile });
  }
}
