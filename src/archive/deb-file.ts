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
import { readTarHeaders, readTarStream } from './read.js';

/** Control-archive members dpkg runs or acts on at install time; bale runs none of them. */
export const MAINTAINER_SCRIPTS = ['preinst', 'postinst', 'prerm', 'postrm', 'config', 'triggers'] as const;

export interface DebControl {
  /** `control` fields (Package, Version, Architecture...), continuation lines joined. */
  fields: Map<string, string>;
  /** Which of MAINTAINER_SCRIPTS the package has, sorted. */
  scripts: string[];
}

/**
 * The .deb written once to a private temp file (a file, not stdin: Node's child stdio is a socket,
 * which dpkg-deb cannot open as /dev/stdin), for as many reads as the caller needs; each read has
 * its own budget of `limits`, the ratio measured against the .deb. close() removes the file.
 */
export async function openDeb(deb: Buffer, source: string, limits?: ArchiveLimits): Promise<DebFile> {
  const dir = await mkdtemp(join(tmpdir(), 'bale-deb-'));
  const file = new DebFile(dir, deb.length, source, limits);
  try {
    await writeFile(file.path, deb, { mode: 0o600 });
  } catch (err) {
    await file.close();
    throw err;
  }
  return file;
}

/** An opened .deb (openDeb): its reads, and close(). */
export type { DebFile };

class DebFile {
  constructor(
    private readonly dir: string,
    private readonly size: number,
    readonly source: string,
    private readonly limits: ArchiveLimits | undefined,
  ) {}

  get path(): string {
    return join(this.dir, 'package.deb');
  }

  /** The control archive, read safely: its fields and the maintainer scripts bale will not run. */
  async control(): Promise<DebControl> {
    const source = `${this.source} (control)`;
    const entries = await this.dpkgDeb('--ctrl-tarfile', (ctrl) => readTarStream(ctrl, { source }, this.budget(source)));
    const control = entries.find((e) => e.path === 'control' && e.type === 'file');
    if (control?.data === undefined)
      throw new UserError('EARCHIVE', `${this.source}: the .deb has no control file: it is corrupt or not a Debian package`);
    const scripts = entries
      .filter((e) => (MAINTAINER_SCRIPTS as readonly string[]).includes(e.path))
      .map((e) => e.path)
      .sort();
    return { fields: parseControlStanza(control.data.toString('utf8')), scripts };
  }

  /** The files of the package, as dpkg would unpack them at `/` (absolute symlinks made relative). */
  data(): Promise<PackEntry[]> {
    return this.dpkgDeb('--fsys-tarfile', (data) =>
      readTarStream(data, { source: this.source, rootedSymlinks: true }, this.budget(this.source)),
    );
  }

  /** Newest mtime in the data tar, in seconds: Debian clamps them to the changelog date, so it is the release time. */
  async dataMtime(): Promise<number> {
    let newest = 0;
    await this.dpkgDeb('--fsys-tarfile', (data) =>
      readTarHeaders(data, this.source, this.budget(this.source), (header) => {
        const t = header.mtime?.getTime();
        if (t !== undefined && Number.isFinite(t)) newest = Math.max(newest, Math.floor(t / 1000));
      }),
    );
    return newest;
  }

  /** Removes the temp file; the reads end with it. */
  close(): Promise<void> {
    return rm(this.dir, { recursive: true, force: true });
  }

  private budget(source: string): UnpackBudget {
    return new UnpackBudget(source, this.size, this.limits);
  }

  /** Runs `dpkg-deb flag` on the .deb and hands its stdout, a tar, to `read` as a stream. */
  private async dpkgDeb<T>(flag: '--fsys-tarfile' | '--ctrl-tarfile', read: (tar: Readable) => Promise<T>): Promise<T> {
    const proc = execa('dpkg-deb', [flag, this.path], {
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
      throw new UserError('ETOOL', `${this.source}: dpkg-deb is not installed: bale reads .deb files with it (apt-get install dpkg)`);
    }
    const killedByUs = failure !== undefined && r.isTerminated;
    // A limit passed stops our reading: dpkg-deb then fails on its closed pipe, which says nothing about the .deb.
    const overLimit = failure !== undefined && isUserError(failure.err) && failure.err.code === 'ELIMIT';
    // Otherwise dpkg-deb's own complaint explains a broken .deb better than the cut-off tar it left behind.
    if (r.exitCode !== 0 && !killedByUs && !overLimit) {
      const why =
        Buffer.from(r.stderr ?? '')
          .toString('utf8')
          .trim()
          .split('\n')[0] || `exit ${r.exitCode ?? r.signal}`;
      throw new UserError(
        'EARCHIVE',
        `${this.source}: not a valid .deb (${why}): the download is corrupt or not a Debian package; check the recipe's source`,
      );
    }
    if (failure !== undefined) throw failure.err;
    return result as T;
  }
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
