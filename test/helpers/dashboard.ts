/**
 * A real `bale dashboard` process for the dashboard tests: started on a free port, its URL read
 * from the line it prints, stopped with SIGTERM.
 */
import { execa, type ResultPromise } from 'execa';
import { BALE_BIN, SHARED_XDG_CACHE } from './cli.js';
import { repoRoot } from './npm-fixtures.js';

export interface DashboardProcess {
  proc: ResultPromise;
  /** e.g. http://127.0.0.1:40123/ */
  url: string;
  log(): string;
  stop(): Promise<void>;
}

export async function startDashboardProcess(args: string[], env: Record<string, string> = {}): Promise<DashboardProcess> {
  const proc = execa(process.execPath, [BALE_BIN, 'dashboard', '--port', '0', ...args], {
    cwd: repoRoot(),
    env: { XDG_CACHE_HOME: SHARED_XDG_CACHE, ...env },
    reject: false,
    stdin: 'ignore',
    stdout: 'ignore',
    buffer: false,
  });
  let text = '';
  proc.stderr?.on('data', (d: Buffer) => (text += d.toString()));
  const deadline = Date.now() + 30_000;
  let url: string | undefined;
  while ((url = /^bale dashboard: (http:\/\/\S+\/) /m.exec(text)?.[1]) === undefined) {
    if (proc.exitCode !== null) throw new Error(`bale dashboard exited (${String(proc.exitCode)}):\n${text}`);
    if (Date.now() > deadline) throw new Error(`bale dashboard printed no address:\n${text}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    proc,
    url,
    log: () => text,
    stop: async () => {
      if (proc.exitCode === null) proc.kill('SIGTERM');
      await proc;
    },
  };
}
