/**
 * Auditing at scale, offline: 10,000 generated OSV records (one file each, as an advisory
 * database's git clone holds them) against 200 image files of 100 packages each, through the CLI
 * as a user runs it (`bale audit --osv DIR *.image.toml --json`), warm (the files in the page cache
 * after a first run). Target (issue 15): under 5 s. Also the load alone of 100,000 records, in
 * process: the reader's "in seconds" claim.
 *
 * The registry half (benchAuditRegistry): 200 images pushed to a real docker-registry, audited
 * through `--registry`.
 *
 * Run: `npm run build && node dist/test/bench/audit.js files|registry [records] [images]`.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { loadAdvisories } from '../../src/audit/index.js';
import { formatImageFile } from '../../src/image/image-file.js';
import type { ImageFile } from '../../src/image/types.js';
import { parseImageFile } from '../../src/image/image-file.js';
import { BALE_BIN } from '../helpers/cli.js';
import { startNpmRegistry } from '../helpers/npm-registry.js';
import { startOciRegistry } from '../helpers/oci-registry.js';
import { timeIt } from './measure.js';

export interface AuditBench {
  records: number;
  images: number;
  packagesPerImage: number;
  /** Seconds: the first run, then the median of the warm ones. */
  first: number;
  warm: number;
  affectedImages: number;
  /** Seconds to read and index 100,000 records in process. */
  load100k: number;
}

/** Package names the records and images draw from: every record names one, images hold 100 each. */
const NAMES = 5000;
const PER_IMAGE = 100;
const hex = (n: number): string => n.toString(16).padStart(64, '0');

/** `count` records under `dir`, 2,000 per folder; record i affects bench-(i % NAMES) before 1.(i % 7).0. */
export async function writeRecords(dir: string, count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    const sub = path.join(dir, `d${Math.floor(i / 2000)}`);
    if (i % 2000 === 0) await mkdir(sub, { recursive: true });
    const record = {
      schema_version: '1.6.0',
      id: `BENCH-${i}`,
      modified: '2024-01-01T00:00:00Z',
      aliases: [`CVE-2024-${10000 + i}`],
      summary: `generated advisory ${i}`,
      details: 'x'.repeat(400),
      affected: [
        {
          package: { ecosystem: 'npm', name: `bench-${i % NAMES}`, purl: `pkg:npm/bench-${i % NAMES}` },
          ranges: [{ type: 'SEMVER', events: [{ introduced: '0' }, { fixed: `1.${i % 7}.0` }] }],
          versions: [`0.${i % 5}.0`],
        },
      ],
      database_specific: { severity: 'MODERATE' },
    };
    await writeFile(path.join(sub, `BENCH-${i}.json`), JSON.stringify(record, null, 2));
  }
}

/** `count` image files; image k holds bench-(k*37+j) at 1.0.0 (affected when the record's fix is above 1.0.0). */
export async function writeImages(dir: string, count: number): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const files: string[] = [];
  for (let k = 0; k < count; k++) {
    const seen = new Set<number>();
    const image: ImageFile = { format: 1, name: `img-${k}`, tag: '1', packages: [] };
    for (let j = 0; j < PER_IMAGE; j++) {
      const n = (k * 37 + j * 101) % (NAMES * 2); // half the names no record knows
      if (seen.has(n)) continue;
      seen.add(n);
      image.packages.push({
        name: `node-bench-${n}`,
        version: '1.0.0',
        sha256: hex(k * PER_IMAGE + j),
        size: 1000,
        tar_sha256: hex(k * PER_IMAGE + j + 1),
        purl: `pkg:npm/bench-${n}@1.0.0`,
      });
    }
    const file = path.join(dir, `img-${k}.image.toml`);
    await writeFile(file, formatImageFile(image));
    files.push(file);
  }
  return files;
}

export async function benchAudit(records = 10_000, images = 200, runs = 3): Promise<AuditBench> {
  const dir = await mkdtemp(path.join(tmpdir(), 'bale-bench-audit-'));
  try {
    await writeRecords(path.join(dir, 'osv'), records);
    const files = await writeImages(path.join(dir, 'images'), images);
    let affectedImages = 0;
    const audit = async (): Promise<void> => {
      const r = await execa(
        process.execPath,
        [BALE_BIN, 'audit', '--osv', path.join(dir, 'osv'), ...files, '--store', path.join(dir, 'store'), '--json'],
        { reject: false, stdin: 'ignore', env: { XDG_CONFIG_HOME: path.join(dir, 'config') }, maxBuffer: 1 << 30 },
      );
      if (r.exitCode !== 1 && r.exitCode !== 0) throw new Error(`bale audit failed (${r.exitCode}): ${String(r.stderr).slice(-500)}`);
      affectedImages = (JSON.parse(String(r.stdout)) as { affected_images: string[] }).affected_images.length;
    };
    const first = await timeIt(audit);
    const warmRuns: number[] = [];
    for (let i = 0; i < runs; i++) warmRuns.push(await timeIt(audit));
    warmRuns.sort((a, b) => a - b);
    await rm(path.join(dir, 'osv'), { recursive: true, force: true });
    await writeRecords(path.join(dir, 'osv100k'), 100_000);
    await timeIt(() => loadAdvisories(path.join(dir, 'osv100k'), () => {})); // warm the page cache
    const load100k = await timeIt(async () => {
      const a = await loadAdvisories(path.join(dir, 'osv100k'), () => {});
      if (a.read.records !== 100_000) throw new Error(`read ${a.read.records} records`);
    });
    return {
      records,
      images,
      packagesPerImage: PER_IMAGE,
      first,
      warm: warmRuns[Math.floor(warmRuns.length / 2)]!,
      affectedImages,
      load100k,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export interface RegistryAuditBench {
  records: number;
  images: number;
  packagesPerImage: number;
  /** Seconds: the first `bale audit --registry`, then the median of the warm ones. */
  first: number;
  warm: number;
  affectedImages: number;
}

/**
 * The registry half: `images` images pushed by bale to a real docker-registry (one composed image
 * of the npm fixtures, renamed, signed and pushed again: the same blobs, distinct manifests), then
 * `bale audit --osv DIR --registry` against `records` records, one of which affects fx-shared 1.0.0.
 */
export async function benchAuditRegistry(records = 10_000, images = 200, runs = 3): Promise<RegistryAuditBench> {
  const dir = await mkdtemp(path.join(tmpdir(), 'bale-bench-audit-registry-'));
  const npm = await startNpmRegistry();
  const oci = await startOciRegistry();
  const env = { XDG_CONFIG_HOME: path.join(dir, 'config'), BALE_SIGNING_KEY: path.join(dir, 'me.key') };
  const bale = async (args: string[], ok: number[] = [0]): Promise<string> => {
    const r = await execa(process.execPath, [BALE_BIN, ...args], { reject: false, stdin: 'ignore', env, maxBuffer: 1 << 30 });
    if (!ok.includes(r.exitCode ?? -1)) throw new Error(`bale ${args[0]} failed (${r.exitCode}): ${String(r.stderr).slice(-500)}`);
    return String(r.stdout);
  };
  try {
    await writeRecords(path.join(dir, 'osv'), records - 1);
    await writeFile(
      path.join(dir, 'osv', 'fx-shared.json'),
      JSON.stringify({
        id: 'BENCH-FX-SHARED',
        affected: [
          {
            package: { ecosystem: 'npm', name: 'fx-shared' },
            ranges: [{ type: 'SEMVER', events: [{ introduced: '0' }, { fixed: '1.0.1' }] }],
          },
        ],
      }),
    );
    await bale(['keygen', '--out', path.join(dir, 'me')]);
    const store = ['--store', path.join(dir, 's')];
    await bale([
      'image',
      'compose',
      'npm:fx-app@1.0.0',
      '--name',
      'app',
      '--tag',
      '1',
      '-o',
      path.join(dir, 'app.image.toml'),
      '--registry',
      npm.url,
      ...store,
      '--recipes',
      path.join(dir, 'r'),
    ]);
    const { readFile } = await import('node:fs/promises');
    const base = parseImageFile(await readFile(path.join(dir, 'app.image.toml'), 'utf8'), 'app.image.toml');
    const files: string[] = [];
    for (let k = 0; k < images; k++) {
      const file = path.join(dir, `img-${k}.image.toml`);
      await writeFile(file, formatImageFile({ ...base, name: `img-${k}` }));
      files.push(file);
    }
    await bale(['sign', ...files]);
    for (const f of files) await bale(['push', f, '--to', `${oci.url}/bench`, ...store]);
    let affectedImages = 0;
    const audit = async (): Promise<void> => {
      const out = await bale(['audit', '--osv', path.join(dir, 'osv'), '--registry', `${oci.url}/bench`, '--json'], [0, 1]);
      affectedImages = (JSON.parse(out) as { affected_images: string[] }).affected_images.length;
    };
    const first = await timeIt(audit);
    const warmRuns: number[] = [];
    for (let i = 0; i < runs; i++) warmRuns.push(await timeIt(audit));
    warmRuns.sort((a, b) => a - b);
    return {
      records,
      images,
      packagesPerImage: base.packages.length,
      first,
      warm: warmRuns[Math.floor(warmRuns.length / 2)]!,
      affectedImages,
    };
  } finally {
    await oci.stop();
    await npm.close();
    await rm(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [what, records, images] = process.argv.slice(2);
  const r =
    what === 'registry'
      ? await benchAuditRegistry(Number(records) || undefined, Number(images) || undefined)
      : await benchAudit(Number(records) || undefined, Number(images) || undefined);
  console.log(JSON.stringify(r, null, 2));
}
