/**
 * Reading a .deb without trusting it: `dpkg-deb` only unwraps the ar member and decompresses it
 * (xz, zstd, gzip: no codec needed in Node), writing the tar to stdout; nothing is unpacked on
 * disk. The tar is read from the pipe by the safe reader as it comes, each byte counted against
 * the limits, and dpkg-deb is killed as soon as one is passed.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { execa } from 'execa';
import { isUserError, UserError } from '../errors/index.js';
import type { ArchiveLimits } from '../limits/index.js';
import type { PackEntry } from '../packer/entry.js';
import { UnpackBudget } from './budget.js';
import { readTarStream } from './read.js';
import { walkTar } from './tar-walk.js';

/** Control-archive members dpkg runs or acts on at install time; bale runs none of them. */
export const MAINTAINER_SCRIPTS = ['preinst', 'postinst', 'prerm', 'postrm', 'config', 'triggers'] as const;

/** Runs `dpkg-deb flag` on the .deb and hands its stdout, a tar, to `read` as a stream. */
async function withDpkgDeb<T>(flag: '--fsys-tarfile' | '--ctrl-tarfile', deb: Buffer, source: string, read: (tar: Readable) => Promise<T>): Promise<T> {
  // A file, not stdin: Node's child stdio is a socket, which dpkg-deb cannot open as /dev/stdin.
  const dir = await mkdtemp(join(tmpdir(), 'bale-deb-'));
  try {
    const file = join(dir, 'package.deb');
    await writeFile(file, deb, { mode: 0o600 });
    return await runDpkgDeb(flag, file, source, read);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function runDpkgDeb<T>(flag: string, file: string, source: string, read: (tar: Readable) => Promise<T>): Promise<T> {
  const proc = execa('dpkg-deb', [flag, file], {
    stdin: 'ignore',
    encoding: 'buffer',
    buffer: { stdout: false, stderr: true },
    maxBuffer: { stderr: 64 * 1024 },
    reject: false,
    env: { LC_ALL: 'C', PATH: process.env.PATH ?? '/usr/bin:/bin' },
    extendEnv: false,
  });
  let result: T | undefined;
  let failure: { err: unknown } | undefined;
  try {
    result = await read(proc.stdout);
  } catch (err) {
    failure = { err };
    proc.kill();
  }
  const r = await proc;
  if ((r as { code?: string }).code === 'ENOENT') {
    throw new UserError('ETOOL', `${source}: dpkg-deb is not installed: bale reads .deb files with it (apt-get install dpkg)`);
  }
  // dpkg-deb's own complaint explains a broken .deb better than the cut-off tar it left behind.
  const killedByUs = failure !== undefined && r.isTerminated;
  if (r.exitCode !== 0 && !killedByUs && !(failure !== undefined && isUserError(failure.err) && failure.err.code === 'ELIMIT')) {
    const why = Buffer.from(r.stderr ?? '').toString('utf8').trim().split('\n')[0] || `exit ${r.exitCode ?? r.signal}`;
    throw new UserError('EARCHIVE', `${source}: not a valid .deb (${why}): the download is corrupt or not a Debian package; check the recipe's source`);
  }
  if (failure !== undefined) throw failure.err;
  return result as T;
}

/**
 * The files of the package, as dpkg would unpack them at `/` (absolute symlinks made relative),
 * within `limits` (the ratio measured against the .deb).
 */
export async function readDebData(deb: Buffer, source: string, limits?: ArchiveLimits): Promise<PackEntry[]> {
  const budget = new UnpackBudget(source, deb.length, limits);
  return withDpkgDeb('--fsys-tarfile', deb, source, (data) => readTarStream(data, { source, rootedSymlinks: true }, budget));
}

/** Newest mtime in the data tar, in seconds: Debian clamps them to the changelog date, so it is the release time. */
export async function debDataMtime(deb: Buffer, source: string, limits?: ArchiveLimits): Promise<number> {
  const budget = new UnpackBudget(source, deb.length, limits);
  return withDpkgDeb('--fsys-tarfile', deb, source, async (data) => {
    let newest = 0;
    const notTar = (err: unknown): UserError =>
      new UserError('EARCHIVE', `${source}: the data archive is not a valid tar (${err instanceof Error ? err.message : String(err)}): the .deb is corrupt`, { cause: err });
    const onEntry = (header: { mtime?: Date }): void => {
      const t = header.mtime?.getTime();
      if (t !== undefined && Number.isFinite(t)) newest = Math.max(newest, Math.floor(t / 1000));
    };
    try {
      await walkTar(data, budget, notTar, onEntry, false);
    } catch (err) {
      throw isUserError(err) ? err : notTar(err);
    }
    return newest;
  });
}

export interface DebControl {
  /** `control` fields (Package, Version, Architecture...), continuation lines joined. */
  fields: Map<string, string>;
  /** Which of MAINTAINER_SCRIPTS the package has, sorted. */
  scripts: string[];
}

/** The control archive, read safely: its fields and the maintainer scripts bale will not run. */
export async function readDebControl(deb: Buffer, source: string, limits?: ArchiveLimits): Promise<DebControl> {
  const budget = new UnpackBudget(`${source} (control)`, deb.length, limits);
  const entries = await withDpkgDeb('--ctrl-tarfile', deb, source, (ctrl) => readTarStream(ctrl, { source: `${source} (control)` }, budget));
  const control = entries.find((e) => e.path === 'control' && e.type === 'file');
  if (control?.data === undefined) throw new UserError('EARCHIVE', `${source}: the .deb has no control file: it is corrupt or not a Debian package`);
  const scripts = entries.filter((e) => (MAINTAINER_SCRIPTS as readonly string[]).includes(e.path)).map((e) => e.path).sort();
  return { fields: parseControlStanza(control.data.toString('utf8')), scripts };
}

/** One deb822 stanza: `Field: value` lines, continuation lines (leading space) appended. */
export function parseControlStanza(text: string): Map<string, string> {
  const fields = new Map<string, string>();
  let last: string | undefined;
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    if (/^[ \t]/.test(line)) {
      if (last !== undefined) fields.set(last, `${fields.get(last)}\n${line.trim()}`);
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    last = line.slice(0, colon);
    fields.set(last, line.slice(colon + 1).trim());
  }
  return fields;
}
