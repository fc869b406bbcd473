/**
 * Reading a .deb without trusting it: `dpkg-deb` only unwraps the ar member and decompresses it
 * (xz, zstd, gzip: no codec needed in Node), writing the tar to stdout; nothing is unpacked on
 * disk. The tar is then read by the safe reader like any other archive.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import tar from 'tar-stream';
import { UserError } from '../errors/index.js';
import type { PackEntry } from '../packer/entry.js';
import { readTar } from './read.js';

/** Larger than any Debian package's data (texlive's biggest is ~1 GB unpacked). */
const MAX_TAR_BYTES = 2 ** 31;

/** Control-archive members dpkg runs or acts on at install time; bale runs none of them. */
export const MAINTAINER_SCRIPTS = ['preinst', 'postinst', 'prerm', 'postrm', 'config', 'triggers'] as const;

async function dpkgDeb(flag: '--fsys-tarfile' | '--ctrl-tarfile', deb: Buffer, source: string): Promise<Buffer> {
  // A file, not stdin: Node's child stdio is a socket, which dpkg-deb cannot open as /dev/stdin.
  const dir = await mkdtemp(join(tmpdir(), 'bale-deb-'));
  try {
    const file = join(dir, 'package.deb');
    await writeFile(file, deb, { mode: 0o600 });
    return await runDpkgDeb(flag, file, source);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function runDpkgDeb(flag: string, file: string, source: string): Promise<Buffer> {
  const r = await execa('dpkg-deb', [flag, file], {
    stdin: 'ignore',
    encoding: 'buffer',
    reject: false,
    maxBuffer: MAX_TAR_BYTES,
    env: { LC_ALL: 'C', PATH: process.env.PATH ?? '/usr/bin:/bin' },
    extendEnv: false,
  });
  if (r.exitCode === 0 && !r.isMaxBuffer) return Buffer.from(r.stdout);
  if ((r as { code?: string }).code === 'ENOENT') {
    throw new UserError('ETOOL', `${source}: dpkg-deb is not installed: bale reads .deb files with it (apt-get install dpkg)`);
  }
  const why = r.isMaxBuffer ? `more than ${MAX_TAR_BYTES} bytes unpacked` : Buffer.from(r.stderr).toString('utf8').trim().split('\n')[0] ?? `exit ${r.exitCode}`;
  throw new UserError('EARCHIVE', `${source}: not a valid .deb (${why}): the download is corrupt or not a Debian package; check the recipe's source`);
}

/** The files of the package, as dpkg would unpack them at `/` (absolute symlinks made relative). */
export async function readDebData(deb: Buffer, source: string): Promise<PackEntry[]> {
  return readTar(await dpkgDeb('--fsys-tarfile', deb, source), { source, rootedSymlinks: true });
}

/** Newest mtime in the data tar, in seconds: Debian clamps them to the changelog date, so it is the release time. */
export async function debDataMtime(deb: Buffer, source: string): Promise<number> {
  const data = await dpkgDeb('--fsys-tarfile', deb, source);
  const extract = tar.extract();
  let newest = 0;
  const done = (async () => {
    for await (const entry of extract) {
      const t = entry.header.mtime?.getTime();
      if (t !== undefined && Number.isFinite(t)) newest = Math.max(newest, Math.floor(t / 1000));
      entry.resume();
    }
  })();
  extract.end(data);
  try {
    await done;
  } catch (err) {
    throw new UserError('EARCHIVE', `${source}: the data archive is not a valid tar (${err instanceof Error ? err.message : String(err)}): the .deb is corrupt`);
  }
  return newest;
}

export interface DebControl {
  /** `control` fields (Package, Version, Architecture...), continuation lines joined. */
  fields: Map<string, string>;
  /** Which of MAINTAINER_SCRIPTS the package has, sorted. */
  scripts: string[];
}

/** The control archive, read safely: its fields and the maintainer scripts bale will not run. */
export async function readDebControl(deb: Buffer, source: string): Promise<DebControl> {
  const entries = await readTar(await dpkgDeb('--ctrl-tarfile', deb, source), { source: `${source} (control)` });
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
