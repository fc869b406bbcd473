/**
 * Trust benchmarks (issue 13), on the live npm registry and a real docker-registry:
 *
 *   rebuild  `bale rebuild oci://…/app:1` of the express image (empty cache and store)
 *            vs  `bale request npm:express@4.21.2` cold (empty cache and store)                 target <= 1.3
 *   policy   `bale pull … --require 2` (two builders' attestations checked)
 *            vs  `bale pull … --verify` (signatures only), each into an empty store              target <= 1.5
 *
 * Builder A composes and pushes the image once (with its key); builder B rebuilds it once with
 * --push so every package has two attestations for the policy runs.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { BALE_BIN } from '../helpers/cli.js';
import { startOciRegistry } from '../helpers/oci-registry.js';
import { alternate, sh, type Pair } from './measure.js';

export interface TrustBench {
  rebuild: Pair;
  policy: Pair;
  packages: number;
}

const IMAGE_SPECS = ['npm:express@4.21.2', 'npm:koa@2.15.3', 'npm:eslint@8.57.0'];

export async function benchTrust(runs: number): Promise<TrustBench> {
  const dir = await mkdtemp(path.join(tmpdir(), 'bale-bench-trust-'));
  const reg = await startOciRegistry();
  const bale = (args: string[], xdg: string, extra: Record<string, string> = {}): Promise<string> =>
    sh(process.execPath, [BALE_BIN, ...args], {
      cwd: dir,
      env: {
        XDG_CACHE_HOME: path.join(xdg, 'cache'),
        XDG_DATA_HOME: path.join(xdg, 'data'),
        XDG_CONFIG_HOME: path.join(xdg, 'cfg'),
        ...extra,
      },
    });
  let n = 0;
  const fresh = async (): Promise<string> => {
    const d = path.join(dir, `run${++n}`);
    await mkdir(d, { recursive: true });
    return d;
  };
  try {
    const R = `${reg.url}/bale`;
    const a = path.join(dir, 'a');
    for (const who of ['a', 'b']) await bale(['keygen', '--out', path.join(dir, who)], a);
    const key = (who: string): string => path.join(dir, `${who}.key`);
    await bale(
      [
        'image',
        'compose',
        ...IMAGE_SPECS,
        '--name',
        'app',
        '--tag',
        '1',
        '--store',
        R,
        '--key',
        key('a'),
        '-o',
        path.join(dir, 'app.image.toml'),
      ],
      a,
    );
    await bale(['push', path.join(dir, 'app.image.toml'), '--store', R, '--to', R, '--key', key('a')], a);
    const first = await bale(['rebuild', `${R}/app:1`, '--key', key('b'), '--push', '--json'], path.join(dir, 'b'));
    const packages = (JSON.parse(first) as { packages: unknown[] }).packages.length;

    const rebuildRun = async (): Promise<void> => {
      const d = await fresh();
      await bale(['rebuild', `${R}/app:1`, '--json'], d);
      await rm(d, { recursive: true, force: true });
    };
    const requestRun = async (): Promise<void> => {
      const d = await fresh();
      await bale(['request', ...IMAGE_SPECS, '--store', path.join(d, 's'), '--recipes', path.join(d, 'r'), '--json'], d);
      await rm(d, { recursive: true, force: true });
    };
    const trust = ['--trust', path.join(dir, 'a.pub'), '--trust', path.join(dir, 'b.pub')];
    const pull = (flags: string[]) => async (): Promise<void> => {
      const d = await fresh();
      await bale(['pull', `${R}/app:1`, ...flags, ...trust, '--store', path.join(d, 's'), '-o', path.join(d, 'app.image.toml')], d);
      await rm(d, { recursive: true, force: true });
    };
    const rebuild = await alternate(runs, rebuildRun, requestRun);
    const policy = await alternate(runs, pull(['--require', '2']), pull(['--verify']));
    return { rebuild, policy, packages };
  } finally {
    await reg.stop();
    await rm(dir, { recursive: true, force: true });
  }
}
