/**
 * One entry of a package tree, in memory. Everything between extraction and packing works on
 * lists of these: the npm builder never needs a staging directory for pure packages.
 */
export type EntryType = 'file' | 'dir' | 'symlink';

export interface PackEntry {
  /**
   * Path relative to the package root: '/'-separated, no leading '/' or './', no '..' segment,
   * no trailing '/' (the packer adds it to directories), e.g. `usr/lib/node_modules/x/index.js`.
   */
  path: string;
  type: EntryType;
  /** Mode bits as found; the packer normalises them (only the executable bit survives). */
  mode: number;
  /** Content, for files. */
  data?: Buffer;
  /** Link target, for symlinks: relative, and must stay inside the package root. */
  target?: string;
}
