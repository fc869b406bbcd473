/**
 * npm's ways of shipping a compiled addon without compiling it, as pure rules the importer (which
 * decides whether a package is built per Node) and the builder (which decides how) both follow.
 */

/** Environment assignments before a command: `cross-env A=1 cmd` and `A=1 cmd` run `cmd`. */
function commandOf(script: string): string[] {
  const words = script.trim().split(/\s+/);
  let i = 0;
  if (words[i] === 'cross-env') i++;
  while (i < words.length && /^[A-Za-z_][A-Za-z0-9_]*=\S*$/.test(words[i]!)) i++;
  return words.slice(i);
}

/**
 * `node-gyp-build` (and its fork for optional packages) loads a matching prebuild and compiles only
 * when none loads or when npm_config_build_from_source says so: it never downloads anything.
 */
export function isLoaderCheck(script: string): boolean {
  const cmd = commandOf(script);
  return cmd.length === 1 && (cmd[0] === 'node-gyp-build' || cmd[0] === 'node-gyp-build-optional-packages');
}

/** Tags of a prebuild file name as node-gyp-build reads them (`name.napi.glibc.node`). */
interface PrebuildTags {
  runtime?: string;
  napi: boolean;
  abi?: string;
  uv?: string;
  armv?: string;
  libc?: string;
}

function prebuildTags(file: string): PrebuildTags | undefined {
  const parts = file.split('.');
  if (parts.pop() !== 'node') return undefined;
  const tags: PrebuildTags = { napi: false };
  for (const t of parts) {
    if (t === 'node' || t === 'electron' || t === 'node-webkit') tags.runtime = t;
    else if (t === 'napi') tags.napi = true;
    else if (t.startsWith('abi')) tags.abi = t.slice(3);
    else if (t.startsWith('uv')) tags.uv = t.slice(2);
    else if (t.startsWith('armv')) tags.armv = t.slice(4);
    else if (t === 'glibc' || t === 'musl') tags.libc = t;
  }
  return tags;
}

/**
 * A prebuild in the package's own `prebuilds/linux-x64/` that node-gyp-build would load on every
 * Node with glibc (Node-API, or untagged, which it takes as fitting any ABI); undefined when none does.
 */
export function nodeIndependentPrebuild(paths: string[]): string | undefined {
  const dir = 'prebuilds/linux-x64/';
  return paths
    .filter((p) => p.startsWith(dir) && !p.slice(dir.length).includes('/'))
    .sort()
    .find((p) => {
      const t = prebuildTags(p.slice(dir.length));
      if (t === undefined) return false;
      return (
        (t.runtime === undefined || t.runtime === 'node') &&
        (t.abi === undefined || t.napi) &&
        (t.libc === undefined || t.libc === 'glibc') &&
        t.uv === undefined &&
        t.armv === undefined
      );
    });
}

/**
 * `npm_config_build_from_source=true` for a per-Node build, unless every script only loads a
 * bundled prebuild: then a prebuild for this ABI is used as npm would, else it compiles anyway.
 * Other scripts (prebuild-install, node-pre-gyp, custom ones) would download a binary: told to compile.
 */
export function buildFromSource(scripts: { script: string }[]): boolean {
  return !scripts.every((s) => isLoaderCheck(s.script));
}
