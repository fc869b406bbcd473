/**
 * Building N pure wheels for 5 interpreters: packages per second per core, and how much of the
 * time goes to anything but unzip + install + pack (measured in-process on the same wheels).
 */
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { availableParallelism, tmpdir } from 'node:os';
import path from 'node:path';
import { readZip } from '../../src/archive/index.js';
import { installWheel } from '../../src/builder/pypi/wheel-install.js';
import { pack } from '../../src/packer/index.js';
import { writeRecipe } from '../../src/recipe/index.js';
import type { Recipe } from '../../src/recipe/index.js';
import { BALE_BIN } from '../helpers/cli.js';
import { makeWheel } from '../builder/pypi/make-wheel.js';
import { sh, timeIt } from './measure.js';

export interface Throughput {
  wheels: number;
  pythons: string[];
  packages: number;
  wall: number;
  cores: number;
  perSecondPerCore: number;
  coreWork: number;
  outsideShare: number;
}

const PYTHONS = ['3.9', '3.10', '3.11', '3.12', '3.13'];

function wheelFor(i: number): Buffer {
  const files = Array.from({ length: 20 }, (_, j) => ({
    name: `bench_pkg_${i}/mod_${j}.py`,
    data: `"""Module ${j} of bench-pkg-${i}."""\n${Array.from({ length: 60 }, (_, k) => `def f_${k}(x):\n    return x * ${k} + ${i}\n`).join('')}`,
  }));
  return makeWheel({ name: `bench-pkg-${i}`, version: '1.0.0', files: [{ name: `bench_pkg_${i}/__init__.py`, data: '' }, ...files] });
}

export async function benchPypiBuild(n = 40): Promise<Throughput> {
  const wheels = Array.from({ length: n }, (_, i) => ({
    name: `bench-pkg-${i}`,
    filename: `bench_pkg_${i}-1.0.0-py3-none-any.whl`,
    data: wheelFor(i),
  }));
  const server = http.createServer((req, res) => {
    const w = wheels.find((x) => req.url === `/files/${x.filename}`);
    if (w === undefined) {
      res.statusCode = 404;
      res.end();
      return;
    }
    res.end(w.data);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/files/`;
  const d = await mkdtemp(path.join(tmpdir(), 'bale-bench-pybuild-'));
  try {
    const recipes = path.join(d, 'r');
    for (const w of wheels) {
      const recipe: Recipe = {
        format: 1,
        purl: `pkg:pypi/${w.name}@1.0.0`,
        source_date_epoch: 1700000000,
        source: [
          {
            url: `${base}${w.filename}`,
            integrity: `sha256-${createHash('sha256').update(w.data).digest('base64')}`,
            kind: 'wheel',
            filename: w.filename,
          },
        ],
        dependency: [],
        build: { native: false, reasons: [], requires: [], interpreters: PYTHONS },
      };
      await writeRecipe(recipes, recipe);
    }
    const env = { XDG_CACHE_HOME: path.join(d, 'cache') };
    const args = (store: string): string[] => [
      BALE_BIN,
      'build',
      ...wheels.map((w) => `pypi:${w.name}@1.0.0`),
      '--python',
      PYTHONS.join(','),
      '--recipes',
      recipes,
      '--store',
      store,
    ];
    await sh(process.execPath, args(path.join(d, 'warm')), { env }); // fills the source cache
    const wall = await timeIt(() => sh(process.execPath, args(path.join(d, 'cold')), { env }));
    // The same unzip + install + pack, one core, in this process.
    const coreWork = await timeIt(async () => {
      for (const w of wheels) {
        for (const v of PYTHONS) {
          const entries = await readZip(w.data, { source: w.filename });
          const installed = installWheel(entries, { pythonVersion: v, distribution: w.name, version: '1.0.0' }, w.filename);
          await pack(installed.main, { sourceDateEpoch: 1700000000 });
        }
      }
    });
    const cores = availableParallelism();
    const packages = n * PYTHONS.length;
    return {
      wheels: n,
      pythons: PYTHONS,
      packages,
      wall,
      cores,
      perSecondPerCore: packages / wall / cores,
      coreWork,
      outsideShare: Math.max(0, 1 - coreWork / (wall * cores)),
    };
  } finally {
    server.close();
    await rm(d, { recursive: true, force: true });
  }
}
