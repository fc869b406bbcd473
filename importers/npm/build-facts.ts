/**
 * Whether a package is built per Node, from what npm itself would run, for the few packages the
 * metadata leaves in doubt. The packument says `hasInstallScript`, not which script, and says
 * nothing of a `binding.gyp` a publisher's tool did not flag (unix-dgram@2.0.7): for those the
 * tarball is read, once, into the source cache the builder reads (`bale request` fetches it once).
 */
import { installScripts, readPackageInfo } from './facts/package-json.js';
import { isLoaderCheck, nodeIndependentPrebuild } from './facts/prebuilds.js';
import type { SourceFetcher } from '../../src/fetch/index.js';
import type { OverrideRow } from '../../src/overrides/table.js';
import type { ResolvedNode } from './closure.js';

/** What the tarball says about building: npm's install lifecycle for it, and any bundled prebuild it would load. */
export interface TarballFacts {
  /** The scripts npm runs on install, `node-gyp rebuild` for a bare binding.gyp included. */
  scripts: { event: string; script: string }[];
  /** package.json names a preinstall, install or postinstall script. */
  scripted: boolean;
  bindingGyp: boolean;
  /** `prebuilds/linux-x64/<file>.node` usable on every Node, when every script only loads such a prebuild. */
  prebuild?: string;
}

/**
 * Packages an addon is made with: a dependent with no install script and no gypfile flag may still
 * carry a binding.gyp that npm compiles. Only these are read beyond the metadata's word.
 */
const ADDON_HELPERS = new Set([
  'bindings',
  'nan',
  'node-addon-api',
  'node-gyp-build',
  'node-gyp-build-optional-packages',
  'prebuild-install',
  'node-pre-gyp',
  '@mapbox/node-pre-gyp',
  'cmake-js',
  'node-gyp',
  'napi-macros',
  'node-api-headers',
]);

/** Why a package must run something at build time, from what the metadata tells without its tarball. */
export function metadataReasons(node: ResolvedNode): string[] {
  const reasons: string[] = [];
  if (node.manifest.gypfile === true) reasons.push('binding.gyp');
  const s = node.manifest.scripts ?? {};
  const scripted = ['preinstall', 'install', 'postinstall'].some((k) => typeof s[k] === 'string' && s[k] !== '');
  if (node.manifest.hasInstallScript === true || scripted) reasons.push('install-script');
  return reasons;
}

/**
 * The package's prebuilt binaries as platform packages in the closure: an optional dependency built
 * for one os and cpu (`@parcel/watcher-linux-x64-glibc`), kept because it fits linux-x64-glibc.
 * Such packages' install scripts only check for it, or compile when asked to.
 */
export function platformPrebuilts(node: ResolvedNode, closure: ReadonlyMap<string, ResolvedNode>): string[] {
  const listed = (v: string[] | string | undefined): boolean => (Array.isArray(v) ? v.length > 0 : typeof v === 'string' && v !== '');
  return node.edges
    .filter((e) => e.kind === 'optional')
    .map((e) => closure.get(`${e.name}@${e.version}`))
    .filter((d) => d !== undefined && listed(d.manifest.os) && listed(d.manifest.cpu))
    .map((d) => d!.name);
}

/** Whether the importer reads this package's tarball: its scripts are unknown, or it may hide a binding.gyp. */
export function needsTarball(node: ResolvedNode, reasons: string[]): boolean {
  const s = node.manifest.scripts;
  // Full metadata (some registries send it) spells the scripts out: only a loader check needs the files.
  if (reasons.length > 0 && s !== undefined)
    return ['preinstall', 'install', 'postinstall'].some((k) => typeof s[k] === 'string' && isLoaderCheck(s[k]));
  if (reasons.length > 0) return true;
  const deps = { ...node.manifest.dependencies, ...node.manifest.optionalDependencies };
  return Object.keys(deps).some((d) => ADDON_HELPERS.has(d));
}

/** The facts of a tarball's entries (paths relative to the package root). */
export function factsOf(files: { path: string; type: string; data?: Buffer }[], name: string, source: string): TarballFacts {
  const info = readPackageInfo(files as Parameters<typeof readPackageInfo>[0], name, source);
  const scripts = installScripts(info);
  const loaderOnly = scripts.length > 0 && scripts.every((s) => isLoaderCheck(s.script));
  const prebuild = loaderOnly ? nodeIndependentPrebuild(files.filter((f) => f.type === 'file').map((f) => f.path)) : undefined;
  const scripted = ['preinstall', 'install', 'postinstall'].some((k) => (info.scripts[k] ?? '') !== '');
  return { scripts, scripted, bindingGyp: info.hasBindingGyp, ...(prebuild === undefined ? {} : { prebuild }) };
}

/** Fetches (or reads from the source cache) the pinned tarball and reads its facts. */
export async function tarballFacts(node: ResolvedNode, integrity: string, fetcher: SourceFetcher): Promise<TarballFacts> {
  const url = node.manifest.dist.tarball;
  const source = `npm package ${node.name}@${node.version} (${url})`;
  // Loaded here: most imports read no tarball, and the archive reader is not free to load.
  const { readTarGz } = await import('../../src/archive/index.js');
  const files = await readTarGz(await fetcher.fetch({ url, integrity }), { source, stripComponents: 1 });
  return factsOf(files, node.name, source);
}

/** What decides a package's build beyond its metadata: a prebuilt platform package, or its tarball's facts. */
export interface BuildFacts {
  /** Platform packages in the closure that bring the package's binary. */
  prebuilt?: string[];
  tarball?: TarballFacts;
}

/** The facts for one package; `read` fetches its tarball, asked only when the metadata leaves a doubt. */
export async function buildFacts(
  node: ResolvedNode,
  closure: ReadonlyMap<string, ResolvedNode>,
  override: OverrideRow | undefined,
  read: () => Promise<TarballFacts>,
): Promise<BuildFacts> {
  const reasons = metadataReasons(node);
  const prebuilt = reasons.length > 0 ? platformPrebuilts(node, closure) : [];
  if (prebuilt.length > 0) return { prebuilt };
  return override?.ignore_scripts !== true && needsTarball(node, reasons) ? { tarball: await read() } : {};
}

/** A source fetcher created on first use: most imports never read a tarball. */
export function lazyFetcher(cacheDir: string): { get: () => Promise<SourceFetcher>; close: () => Promise<void> } {
  let f: Promise<SourceFetcher> | undefined;
  return {
    get: () => (f ??= import('../../src/fetch/index.js').then((m) => new m.SourceFetcher({ cacheDir }))),
    close: async () => {
      if (f !== undefined) await (await f).close();
    },
  };
}
