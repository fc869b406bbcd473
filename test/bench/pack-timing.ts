/**
 * Not a test: times readTree() + pack() on a directory against
 * `tar --sort=name ... | gzip -n -6`, best of N runs each.
 * Usage: node pack-timing.js [dir=node_modules/typescript] [runs=5]
 */
import { spawn } from 'node:child_process';
import { basename, dirname, resolve } from 'node:path';
import { pack } from '../../src/packer/pack.js';
import { readTree } from '../../src/packer/read-tree.js';

const dir = resolve(process.argv[2] ?? 'node_modules/typescript');
const runs = Number(process.argv[3] ?? 5);
const EPOCH = 1700000000;

/** tar piped into gzip without a shell; resolves with the compressed size. */
function tarGzip(): Promise<number> {
  return new Promise((done, fail) => {
    const tar = spawn('tar', ['--sort=name', '--mtime=@' + EPOCH, '--owner=0', '--group=0', '--numeric-owner',
      '-cf', '-', '-C', dirname(dir), basename(dir)], { stdio: ['ignore', 'pipe', 'inherit'] });
    const gzip = spawn('gzip', ['-n', '-6'], { stdio: ['pipe', 'pipe', 'inherit'] });
    tar.stdout.pipe(gzip.stdin);
    let size = 0;
    gzip.stdout.on('data', (c: Buffer) => (size += c.length));
    gzip.on('error', fail);
    gzip.on('close', (code) => (code === 0 ? done(size) : fail(new Error(`gzip exited ${String(code)}`))));
  });
}

async function best(label: string, run: () => Promise<string>): Promise<number> {
  let min = Infinity;
  let info = '';
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint();
    info = await run();
    min = Math.min(min, Number(process.hrtime.bigint() - t0) / 1e6);
  }
  console.log(`${label.padEnd(22)} ${min.toFixed(0).padStart(6)} ms  ${info}`);
  return min;
}

const entries = await readTree(dir);
await best('readTree', async () => `${(await readTree(dir)).length} entries`);
const packOnly = await best('pack', async () => `${(await pack(entries, { sourceDateEpoch: EPOCH })).tgz.length} bytes`);
const both = await best('readTree + pack', async () => {
  const r = await pack(await readTree(dir), { sourceDateEpoch: EPOCH });
  return `${r.tgz.length} bytes`;
});
const ref = await best('tar | gzip -n -6', async () => `${await tarGzip()} bytes`);
console.log(`ratio pack/ref ${(packOnly / ref).toFixed(2)}, (readTree+pack)/ref ${(both / ref).toFixed(2)}`);
