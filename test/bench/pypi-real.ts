/**
 * `pypi-import-real`: `bale import pypi:httpx@0.28.1 --python 3.12` against pip's resolution of the
 * same, from the real PEP 503 index this kind of machine carries (real PyPI wheels, no PEP 658
 * metadata files), found through pip's own configuration (`global.extra-index-url`, a file:// URL)
 * as the shared acceptance check finds it, and served over loopback by `python3 -m http.server`.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { execa } from 'execa';
import { discoverPythons } from '../../src/interpreters/python.js';
import { BALE_BIN } from '../helpers/cli.js';
import { alternate, sh, type Pair } from './measure.js';

export interface RealIndexRow {
  name: string;
  what: string;
  against: string;
  pair: Pair;
  target: number;
}

/** The directory of the first configured extra index that has httpx, or undefined. */
async function realIndexDir(): Promise<string | undefined> {
  const r = await execa('pip', ['config', 'get', 'global.extra-index-url'], { reject: false });
  for (const u of String(r.stdout ?? '')
    .split(/\s+/)
    .filter((s) => s.startsWith('file://'))) {
    const dir = u.slice('file://'.length).replace(/\/simple\/?$/, '');
    if (existsSync(path.join(dir, 'simple/httpx'))) return dir;
  }
  return undefined;
}

function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => done(port));
    });
    s.on('error', fail);
  });
}

/** Undefined (with a note on stderr) on a machine without the real index or CPython 3.12. */
export async function benchPypiRealImport(runs: number): Promise<RealIndexRow | undefined> {
  const dir = await realIndexDir();
  const py = (await discoverPythons({ minors: ['3.12'] })).find((p) => p.version === '3.12');
  if (dir === undefined || py === undefined) {
    process.stderr.write(
      `pypi-import-real: skipped, ${dir === undefined ? "no real index in pip's global.extra-index-url" : 'no CPython 3.12'}\n`,
    );
    return undefined;
  }
  const port = await freePort();
  const server = execa('python3', ['-m', 'http.server', '--bind', '127.0.0.1', String(port), '--directory', dir], {
    stdio: 'ignore',
    reject: false,
  });
  const index = `http://127.0.0.1:${port}/simple/`;
  try {
    for (
      let i = 0;
      !(await fetch(`${index}httpx/`).then(
        (r) => r.ok,
        () => false,
      ));
      i++
    ) {
      if (i > 50) throw new Error(`python3 -m http.server did not answer on ${index}`);
      await sleep(100);
    }
    const fresh = (prefix: string): Promise<string> => mkdtemp(path.join(tmpdir(), `bale-bench-${prefix}-`));
    const bale = async (): Promise<void> => {
      const d = await fresh('pyreal');
      try {
        await sh(
          process.execPath,
          [BALE_BIN, 'import', 'pypi:httpx@0.28.1', '--python', '3.12', '--index-url', index, '--recipes', path.join(d, 'r')],
          { env: { XDG_CACHE_HOME: path.join(d, 'c') } },
        );
      } finally {
        await rm(d, { recursive: true, force: true });
      }
    };
    const pip = async (): Promise<void> => {
      const d = await fresh('pipreal');
      try {
        await sh(
          py.bin,
          [
            '-m',
            'pip',
            'install',
            '--isolated',
            '--no-cache-dir',
            '--dry-run',
            '--ignore-installed',
            '--quiet',
            '--report',
            path.join(d, 'r.json'),
            '--index-url',
            index,
            'httpx==0.28.1',
          ],
          {
            env: { PIP_CONFIG_FILE: '/dev/null', HOME: d },
          },
        );
      } finally {
        await rm(d, { recursive: true, force: true });
      }
    };
    return {
      name: 'pypi-import-real',
      what: `bale import pypi:httpx@0.28.1 --python 3.12 from the real index in ${dir} (real PyPI wheels, no PEP 658 files, served by python3 -m http.server: no Range, HTTP/1.0), cold`,
      against: `pip ${py.fullVersion} install --dry-run --ignore-installed --report httpx==0.28.1 from the same server, no cache`,
      pair: await alternate(runs, bale, pip),
      target: 0.5,
    };
  } finally {
    server.kill();
    await server.catch(() => undefined);
  }
}
