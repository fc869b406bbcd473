/** How a package archive in the store is read, by the registry store, `bale push` and the image exports. */
import type { ReadBoundedOptions } from '../util/read-file.js';

/**
 * How a package file is read or hashed: a regular file only (a device or fifo in the store is
 * refused, not read forever), of at most `maxBytes` when given, every failure one line naming it.
 */
export function packageRead(p: { name: string; version: string }, maxBytes?: number): ReadBoundedOptions {
  return {
    ...(maxBytes !== undefined ? { maxBytes } : {}),
    what: `the package ${p.name} ${p.version}`,
    code: 'EPACKAGEFILE',
    hint: 'fetch or rebuild the package into the store',
  };
}
