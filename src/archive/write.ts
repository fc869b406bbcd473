/**
 * Materialising a PackEntry list on disk (sandbox builds need a real tree), without ever writing
 * outside destDir: the list is validated as a whole first (same rules as extraction), then every
 * path is walked from destDir's real path with lstat, never following a symlink already there.
 */
import { constants } from 'node:fs';
import { chmod, lstat, mkdir, open, realpath, symlink, unlink } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { join } from 'node:path';
import type { PackEntry } from '../packer/entry.js';
import { ancestorsOf, isNormalPath } from './paths.js';
import { EntryTree, unsafeEntry } from './tree.js';

// O_NOFOLLOW|O_EXCL: if anything (a symlink planted by a racing process) appears at the path
// between our check and the open, the open fails instead of writing through it.
const CREATE_FILE = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;

/**
 * Writes dirs, files (mode & 0o777 | 0o600, so the builder can read them) and symlinks under
 * destDir, in order. Refuses (UserError 'EARCHIVE', before writing anything) paths that are not
 * normal, writes through symlinks, and symlinks leaving the tree; refuses during the walk to pass
 * through a symlink or non-directory that was already in destDir. Existing files and symlinks at
 * an entry's path are replaced; an existing directory is kept for a dir entry, refused otherwise.
 */
export async function writeEntries(entries: PackEntry[], destDir: string): Promise<void> {
  const tree = new EntryTree(destDir);
  for (const entry of entries) {
    checkShape(entry, destDir);
    tree.add(entry);
  }
  const checked = tree.finish();
  await mkdir(destDir, { recursive: true });
  const writer = new SafeWriter(await realpath(destDir), destDir);
  for (const entry of checked) await writer.write(entry);
}

function checkShape(entry: PackEntry, destDir: string): void {
  if (!isNormalPath(entry.path)) {
    throw unsafeEntry(destDir, entry.path, 'not a normal relative path (absolute, empty, or with . or .. segments)');
  }
  if (entry.type !== 'file' && entry.type !== 'dir' && entry.type !== 'symlink') {
    throw unsafeEntry(destDir, entry.path, `unsupported entry type ${String(entry.type)}`);
  }
}

class SafeWriter {
  /** Relative paths known to be real directories (checked or created by us). */
  private readonly dirs = new Set<string>();

  constructor(
    private readonly root: string,
    private readonly shown: string,
  ) {}

  async write(entry: PackEntry): Promise<void> {
    await this.ensureParents(entry.path);
    const abs = join(this.root, entry.path);
    const existing = await lstatOrUndefined(abs);
    if (existing?.isDirectory()) {
      if (entry.type !== 'dir') throw unsafeEntry(this.shown, entry.path, `would replace the directory already there with a ${entry.type}`);
    } else if (existing) {
      // Replacing a symlink unlinks the link itself, never what it points to.
      await unlink(abs);
    }

    switch (entry.type) {
      case 'dir':
        if (!existing?.isDirectory()) await mkdir(abs);
        // Owner rwx: the builder must be able to enter and fill it, whatever the archive said.
        await chmod(abs, (entry.mode & 0o777) | 0o700);
        this.dirs.add(entry.path);
        return;
      case 'file': {
        const handle = await open(abs, CREATE_FILE, 0o600);
        try {
          await handle.writeFile(entry.data ?? Buffer.alloc(0));
          await handle.chmod((entry.mode & 0o777) | 0o600);
        } finally {
          await handle.close();
        }
        return;
      }
      case 'symlink':
        await symlink(entry.target ?? '', abs);
        return;
    }
  }

  /** Creates missing parents; refuses to pass through anything already there that is not a real directory. */
  private async ensureParents(path: string): Promise<void> {
    for (const dir of ancestorsOf(path)) {
      if (this.dirs.has(dir)) continue;
      const abs = join(this.root, dir);
      let st = await lstatOrUndefined(abs);
      if (!st) {
        await mkdir(abs, { mode: 0o755 }).catch((err: NodeJS.ErrnoException) => {
          if (err.code !== 'EEXIST') throw err;
        });
        st = await lstat(abs);
      }
      if (!st.isDirectory()) {
        const what = st.isSymbolicLink() ? 'a symlink' : 'not a directory';
        throw unsafeEntry(this.shown, path, `would be written through "${dir}", which is ${what} in the destination`);
      }
      this.dirs.add(dir);
    }
  }
}

async function lstatOrUndefined(path: string): Promise<Stats | undefined> {
  try {
    return await lstat(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}
