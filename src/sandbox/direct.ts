import { UserError } from '../errors/index.js';
import { checkCommand, rlimitArgv } from './bwrap-args.js';
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

export interface DirectOptions {
  /** Run even when bale is root (`--sandbox direct --i-know`). @defaultValue false */
  allowRoot?: boolean;
  /** @defaultValue process.getuid() === 0 */
  asRoot?: boolean;
}

export const DIRECT_AS_ROOT =
  "refusing to run build scripts as root without a sandbox (--sandbox direct): a package's install script would run with full control of this machine; " +
  'install bubblewrap (apt-get install bubblewrap) and use --sandbox bubblewrap, run bale as an unprivileged user, or add --i-know if this machine is disposable';

/** No isolation at all: network, the whole host filesystem and read-only mounts are all writable
 * as far as this runner is concerned. For hosts where bubblewrap cannot work; as root only when told. */
export class DirectRunner implements Runner {
  readonly name = 'direct' as const;
  private readonly refused: boolean;

  constructor(opts: DirectOptions = {}) {
    this.refused = (opts.asRoot ?? process.getuid?.() === 0) && opts.allowRoot !== true;
  }

  async usable(): Promise<true | string> {
    return this.refused ? DIRECT_AS_ROOT : true;
  }

  async run(cmd: SandboxCommand): Promise<RunResult> {
    if (this.refused) throw new UserError('ESANDBOX', DIRECT_AS_ROOT);
    const host = toHostCommand(cmd);
    // The same resource limits as in the sandbox (prlimit), though nothing else is contained.
    const [file, ...args] = [...rlimitArgv(cmd.limits), host.file, ...host.args] as [string, ...string[]];
    return spawnLogged(file, args, {
      env: host.env,
      cwd: host.cwd,
      timeoutMs: cmd.timeoutMs ?? cmd.limits?.timeoutMs,
      logFile: cmd.logFile,
      ...(cmd.limits !== undefined
        ? { disk: { dirs: cmd.mounts.filter((m) => m.writable === true).map((m) => m.host), limit: cmd.limits.disk } }
        : {}),
    });
  }
}
