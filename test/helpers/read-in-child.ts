/**
 * Runs one archive reader in a fresh Node process and reports what it returned or threw, with the
 * process's peak resident memory (VmHWM from /proc/self/status): a reader that buffers a bomb
 * shows it there, whatever the garbage collector did since. Run directly, this file is the child:
 * `node read-in-child.js <tgz|tar|zip|gem|deb> <file> [limits as JSON]`.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import type { ArchiveLimits } from '../../src/limits/index.js';

export type ArchiveKind = 'tgz' | 'tar' | 'zip' | 'gem' | 'deb';

export interface ChildRead {
  /** Entries read, when the reader returned. */
  entries?: number;
  /** The error's name, code and message, when it threw. */
  error?: { name: string; code?: string; message: string };
  /** Peak resident set size of the child, in bytes. */
  peakRss: number;
}

const SELF = fileURLToPath(import.meta.url);

export async function readInChild(kind: ArchiveKind, file: string, source: string, limits?: ArchiveLimits): Promise<ChildRead> {
  const r = await execa(process.execPath, [SELF, kind, file, source, ...(limits === undefined ? [] : [JSON.stringify(limits)])], {
    reject: false,
    timeout: 120_000,
  });
  const line = String(r.stdout).trim().split('\n').at(-1) ?? '';
  if (r.exitCode !== 0 || !line.startsWith('{'))
    throw new Error(`the reader's child process failed (exit ${r.exitCode}):\n${r.stderr}\n${r.stdout}`);
  return JSON.parse(line) as ChildRead;
}

function peakRss(): number {
  const m = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'));
  if (m === null) throw new Error('no VmHWM in /proc/self/status');
  return Number(m[1]) * 1024;
}

async function child(kind: ArchiveKind, file: string, source: string, limits: ArchiveLimits | undefined): Promise<void> {
  const { readTar, readTarGz, readZip } = await import('../../src/archive/index.js');
  const { readGemFile } = await import('../../src/archive/gem-file.js');
  const { openDeb } = await import('../../src/archive/deb-file.js');
  const data = readFileSync(file);
  const read: Record<ArchiveKind, () => Promise<unknown[]>> = {
    tgz: () => readTarGz(data, { source, stripComponents: 1, limits }),
    tar: () => readTar(data, { source, stripComponents: 1, limits }),
    zip: () => readZip(data, { source, limits }),
    gem: async () => (await readGemFile(data, source, limits)).data,
    deb: async () => {
      const deb = await openDeb(data, source, limits);
      try {
        return await deb.data();
      } finally {
        await deb.close();
      }
    },
  };
  let out: ChildRead;
  try {
    const entries = await read[kind]();
    out = { entries: entries.length, peakRss: peakRss() };
  } catch (err) {
    const e = err as Error & { code?: string };
    out = { error: { name: e.name, ...(e.code === undefined ? {} : { code: e.code }), message: e.message }, peakRss: peakRss() };
  }
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

if (process.argv[1] === SELF) {
  const [kind, file, source, limits] = process.argv.slice(2);
  await child(kind as ArchiveKind, file!, source!, limits === undefined ? undefined : (JSON.parse(limits) as ArchiveLimits));
}
