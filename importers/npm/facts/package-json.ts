import { posix } from 'node:path';
import { UserError } from '../../../src/errors/index.js';
import type { PackEntry } from '../../../src/packer/entry.js';

/** What the builder needs from a package's own package.json, after extraction. */
export interface PackageInfo {
  bin: Record<string, string>;
  scripts: Record<string, string>;
  hasBindingGyp: boolean;
}

/** A path inside the package, normalised; `undefined` when it would leave the package. */
function inside(file: string): string | undefined {
  const n = posix.normalize(file.replace(/\\/g, '/')).replace(/^(\.\/)+/, '');
  return n === '' || n === '.' || n.startsWith('../') || n === '..' || n.startsWith('/') ? undefined : n;
}

/** npm's bin rules: a string uses the unscoped package name; `directories.bin` lists a folder. */
export function binEntries(pj: Record<string, unknown>, name: string, files: PackEntry[]): Record<string, string> {
  const out: Record<string, string> = {};
  const add = (bin: string, file: string): void => {
    const binName = posix.basename(bin.replace(/\\/g, '/'));
    const target = inside(file);
    if (binName === '' || binName === '.' || binName === '..' || target === undefined) return;
    out[binName] = target;
  };
  const bin = pj.bin;
  if (typeof bin === 'string') add(name.split('/').pop()!, bin);
  else if (bin !== null && typeof bin === 'object') {
    for (const [k, v] of Object.entries(bin as Record<string, unknown>)) if (typeof v === 'string') add(k, v);
  } else {
    const dirs = pj.directories as { bin?: unknown } | undefined;
    const dir = typeof dirs?.bin === 'string' ? inside(dirs.bin) : undefined;
    if (dir !== undefined) {
      for (const f of files) if (f.type === 'file' && f.path.startsWith(`${dir}/`)) add(posix.basename(f.path), f.path);
    }
  }
  return out;
}

export function readPackageInfo(files: PackEntry[], name: string, source: string): PackageInfo {
  const entry = files.find((f) => f.path === 'package.json' && f.type === 'file');
  if (entry?.data === undefined) {
    throw new UserError('EARCHIVE', `${source} has no package.json at its top: not an npm package tarball`);
  }
  let pj: Record<string, unknown>;
  try {
    pj = JSON.parse(entry.data.toString('utf8')) as Record<string, unknown>;
  } catch {
    throw new UserError('EARCHIVE', `${source}: package.json is not valid JSON`);
  }
  const scripts: Record<string, string> = {};
  if (pj.scripts !== null && typeof pj.scripts === 'object') {
    for (const [k, v] of Object.entries(pj.scripts as Record<string, unknown>)) if (typeof v === 'string') scripts[k] = v;
  }
  return {
    bin: binEntries(pj, name, files),
    scripts,
    hasBindingGyp: files.some((f) => f.path === 'binding.gyp' && f.type === 'file'),
  };
}

/** The lifecycle npm runs on install, in order; a binding.gyp without install scripts means `node-gyp rebuild`. */
export function installScripts(info: PackageInfo): { event: string; script: string }[] {
  const s = info.scripts;
  const out: { event: string; script: string }[] = [];
  if (s.preinstall) out.push({ event: 'preinstall', script: s.preinstall });
  if (s.install) out.push({ event: 'install', script: s.install });
  else if (info.hasBindingGyp && !s.preinstall) out.push({ event: 'install', script: 'node-gyp rebuild' });
  if (s.postinstall) out.push({ event: 'postinstall', script: s.postinstall });
  return out;
}
