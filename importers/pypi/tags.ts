import { wheelTagTriples, type WheelName } from './filenames.js';

/**
 * Which wheels a target can install, best first: the list pypa/packaging's `sys_tags()` yields for
 * CPython on Linux with glibc (PEP 425 tags, PEP 600 `manylinux_x_y` with the PEP 513/571/599
 * aliases), computed for a target instead of read from the running interpreter. Two deliberate
 * differences, both documented on the fields/functions below:
 * - plain `linux_x86_64` wheels are refused unless `plainLinux` is set;
 * - `cpXY-none-any` is included, as packaging >= 22 does and pip always did (its get_supported()
 *   adds it); the sys_tags() of packaging 21.3, vendored by pip 23, omits it.
 * musllinux (PEP 656) wheels never match: the target is glibc. Free-threaded (`cp313t`) and debug
 * ABIs are not targets.
 */
export interface TagTarget {
  /** CPython minor version, `'3.11'`. */
  version: string;
  /**
   * glibc of the systems the packages are for: `manylinux_2_Y` wheels with Y above it are refused.
   * Normally the build host's (what the interpreter reports); configurable to target older systems.
   */
  glibc: [number, number];
  arch: 'x86_64';
  /**
   * Accept plain `linux_x86_64` wheels, ranked after every manylinux tag of the same interpreter and
   * ABI (as packaging < 26.3 orders them). Off by default: such wheels were built on one unknown
   * machine, link whatever libraries it had, and PyPI refuses them; bale builds the sdist instead.
   * For private indexes of wheels built for exactly this host.
   * @defaultValue false
   */
  plainLinux?: boolean;
}

/** The oldest Python 3 minor with the stable ABI (PEP 384): abi3 wheels go back to cp32. */
const ABI3_FLOOR = 2;
/** PEP 513 manylinux1 targets glibc 2.5: nothing older is a manylinux tag on x86_64. */
const OLDEST_GLIBC_MINOR = 5;
/** When glibc's major changes, the last minor of the previous major is unknown: packaging assumes 50. */
const LAST_GLIBC_MINOR = 50;
/** The legacy names of three manylinux_2_Y tags, yielded right after them (PEP 600). */
const LEGACY_MANYLINUX: ReadonlyMap<string, string> = new Map([
  ['2_17', 'manylinux2014'],
  ['2_12', 'manylinux2010'],
  ['2_5', 'manylinux1'],
]);

/** Platform tags for glibc Linux, best first: newest manylinux down to manylinux1, then linux_*. */
export function linuxPlatforms(t: Pick<TagTarget, 'glibc' | 'arch' | 'plainLinux'>): string[] {
  const [major, minor] = t.glibc;
  const out: string[] = [];
  for (let maj = major; maj >= 2; maj--) {
    const top = maj === major ? minor : LAST_GLIBC_MINOR;
    const bottom = maj === 2 ? OLDEST_GLIBC_MINOR : 0;
    for (let min = top; min >= bottom; min--) {
      out.push(`manylinux_${maj}_${min}_${t.arch}`);
      const legacy = LEGACY_MANYLINUX.get(`${maj}_${min}`);
      if (legacy !== undefined) out.push(`${legacy}_${t.arch}`);
    }
  }
  if (t.plainLinux === true) out.push(`linux_${t.arch}`);
  return out;
}

function parseTarget(t: TagTarget): { minor: number } {
  const m = /^3\.(0|[1-9]\d*)$/.exec(t.version);
  const ok = m !== null && t.arch === 'x86_64' && t.glibc.length === 2 && t.glibc.every((n) => Number.isInteger(n) && n >= 0);
  // A target comes from a discovered interpreter: a malformed one is a bug, not user input.
  if (!ok) throw new Error(`bad tag target ${JSON.stringify(t)}`);
  return { minor: Number(m[1]) };
}

const cache = new Map<string, readonly string[]>();

/** Every tag the target accepts, best first (see TagTarget for the two differences from packaging). */
export function supportedTags(t: TagTarget): string[] {
  return [...cachedTags(t)];
}

function cachedTags(t: TagTarget): readonly string[] {
  const key = `${t.version}|${t.glibc.join('.')}|${t.arch}|${t.plainLinux === true}`;
  let tags = cache.get(key);
  if (tags === undefined) {
    tags = Object.freeze(computeTags(t));
    cache.set(key, tags);
  }
  return tags;
}

function computeTags(t: TagTarget): string[] {
  const { minor } = parseTarget(t);
  const platforms = linuxPlatforms(t);
  const cp = `cp3${minor}`;
  const out: string[] = [];
  const each = (interp: string, abi: string): void => {
    for (const p of platforms) out.push(`${interp}-${abi}-${p}`);
  };
  // cpython_tags: the interpreter's own ABI, the stable ABI, no ABI; then older stable-ABI wheels.
  each(cp, cp);
  if (minor >= ABI3_FLOOR) each(cp, 'abi3');
  each(cp, 'none');
  for (let m = minor - 1; m >= ABI3_FLOOR; m--) each(`cp3${m}`, 'abi3');
  // compatible_tags: pyXY, py3, then every older py3Z, on each platform; then the `any` platform.
  const pyVersions = [`py3${minor}`, 'py3'];
  for (let m = minor - 1; m >= 0; m--) pyVersions.push(`py3${m}`);
  for (const py of pyVersions) each(py, 'none');
  out.push(`${cp}-none-any`);
  for (const py of pyVersions) out.push(`${py}-none-any`);
  return out;
}

const indexes = new WeakMap<readonly string[], Map<string, number>>();

function indexOf(supported: readonly string[]): Map<string, number> {
  let index = indexes.get(supported);
  if (index === undefined) {
    index = new Map();
    supported.forEach((tag, i) => {
      const key = tag.toLowerCase();
      if (!index!.has(key)) index!.set(key, i);
    });
    indexes.set(supported, index);
  }
  return index;
}

/** The best (lowest) position in `supported` of any tag triple the wheel declares; undefined if none. */
export function wheelRank(w: WheelName, supported: readonly string[]): number | undefined {
  const index = indexOf(supported);
  let best: number | undefined;
  for (const triple of wheelTagTriples(w)) {
    const i = index.get(triple);
    if (i !== undefined && (best === undefined || i < best)) best = i;
  }
  return best;
}

/**
 * PEP 427 build tags sort as (leading digits as a number, rest as a string); a wheel without one
 * sorts before any with one. Higher wins, as in pip.
 */
export function compareBuildTags(a: string | undefined, b: string | undefined): number {
  if (a === b) return 0;
  if (a === undefined) return -1;
  if (b === undefined) return 1;
  const split = (s: string): [bigint, string] => {
    const digits = /^\d+/.exec(s)?.[0] ?? '0';
    return [BigInt(digits), s.slice(digits.length)];
  };
  const [an, ar] = split(a);
  const [bn, br] = split(b);
  if (an !== bn) return an < bn ? -1 : 1;
  return ar < br ? -1 : ar > br ? 1 : 0;
}

/**
 * The wheel of one release the target should install: the best rank; on a tie the highest build
 * tag, then the bytewise-smallest file name, so the choice never depends on the index's order.
 */
export function pickWheel<T extends { wheel: WheelName }>(candidates: T[], t: TagTarget): T | undefined {
  const supported = cachedTags(t);
  let best: { c: T; rank: number } | undefined;
  for (const c of candidates) {
    const rank = wheelRank(c.wheel, supported);
    if (rank === undefined) continue;
    if (best === undefined || better(c.wheel, rank, best.c.wheel, best.rank)) best = { c, rank };
  }
  return best?.c;
}

function better(a: WheelName, aRank: number, b: WheelName, bRank: number): boolean {
  if (aRank !== bRank) return aRank < bRank;
  const build = compareBuildTags(a.build, b.build);
  if (build !== 0) return build > 0;
  return a.filename < b.filename;
}
