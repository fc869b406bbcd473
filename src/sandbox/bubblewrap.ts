import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { execa } from 'execa';
import { bwrapArgs } from './bwrap-args.js';
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
/** One probe per bwrap binary per process: creating namespaces either works on this kernel or not. */
const probes = new Map<string, Promise<true | string>>();

export interface BubblewrapOptions {
  /** Path to the bwrap binary. @defaultValue found on PATH */
  bwrap?: string;
  /** What of the host to expose read-only. @defaultValue detectHostToolchain() */
  toolchain?: HostToolchain;
}

export class BubblewrapRunner implements Runner {
  readonly name = 'bubblewrap' as const;
  readonly bwrap: string | undefined;
  readonly toolchain: HostToolchain;

  constructor(opts: BubblewrapOptions = {}) {
    this.bwrap = opts.bwrap ?? findBwrap();
    this.toolchain = opts.toolchain ?? detectHostToolchain();
  }

  usable(): Promise<true | string> {
    const bwrap = this.bwrap;
    if (bwrap === undefined) return Promise.resolve('bwrap not found on PATH: install bubblewrap (apt-get install bubblewrap)');
    let probe = probes.get(bwrap);
    if (probe === undefined) {
      probe = this.probe(bwrap);
      probes.set(bwrap, probe);
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
    const args = bwrapArgs({ argv: [trueBin], env: {}, cwd: '/', mounts: [] }, this.toolchain);
    const r = await execa(bwrap, args, { env: {}, extendEnv: false, stdin: 'ignore', reject: false, timeout: 30_000 });
    if (r.exitCode === 0) return true;
    if (r.exitCode === undefined && r.signal === undefined) return `cannot run ${bwrap}: install bubblewrap (apt-get install bubblewrap)`;
    const why = (typeof r.stderr === 'string' ? r.stderr : '').trim().split('\n').pop() || `exit ${r.exitCode ?? r.signal}`;
    return `bubblewrap cannot create a sandbox here (${why}): enable unprivileged user namespaces (sysctl kernel.unprivileged_userns_clone=1) or use the direct runner`;
  }

  async run(cmd: SandboxCommand): Promise<RunResult> {
    if (this.bwrap === undefined) throw new Error('BubblewrapRunner.run called without bwrap: check usable() first');
    const args = bwrapArgs(cmd, this.toolchain);
    // bwrap itself needs no environment: --clearenv/--setenv give the command its own.
    return spawnLogged(this.bwrap, args, { env: {}, cwd: '/', timeoutMs: cmd.timeoutMs, logFile: cmd.logFile });
  }
}
