/**
 * What every build gets, whichever ecosystem builds it: the constant build path, the environment
 * below, the C/C++ flags and umask 022 (set by spawn.ts around every command). The rest of the
 * sandbox (no network, no capabilities, uid 65534, the limits) is bwrap-args.ts's.
 *
 * A builder declares only its additions; the recipe's `build.env` comes last and may override
 * anything. Pure: nothing here reads the host.
 */

/** The build's work dir inside the sandbox: constant, so no host path reaches what a build makes. */
export const BUILD_DIR = '/build';

/** Builds must not depend on the caller's umask (reproducibility rule: umask 022). */
export const BUILD_UMASK = 0o022;

/** Searched after a builder's own directories; the host toolchain is bound read-only there. */
export const SYSTEM_PATH: readonly string[] = ['/usr/local/bin', '/usr/bin', '/bin'];

/**
 * Paths compiled into objects (__FILE__, assert messages): anything under the build dir becomes
 * /usr/src/..., the same whatever host dir backs it. A builder may add a more specific map after
 * it (GCC applies the last matching one).
 */
export const PREFIX_MAP = `-ffile-prefix-map=${BUILD_DIR}=/usr/src`;

/** -g0: no debug info, which would record build paths and compiler command lines. */
export const C_FLAGS = `-g0 ${PREFIX_MAP}`;

export interface BuildEnvBase {
  /** The recipe's `source_date_epoch`. */
  sourceDateEpoch: number;
  /** Parallel jobs for the build (`--jobs`); at least 1. */
  jobs: number;
  /** Directories searched before SYSTEM_PATH (the builder's tools, its interpreter's bin). @defaultValue [] */
  path?: readonly string[];
  /** C/C++ flags after C_FLAGS (e.g. a more specific prefix map). @defaultValue [] */
  cflags?: readonly string[];
}

/** Whole jobs, at least one. */
export function buildJobs(jobs: number): number {
  return Math.max(1, Math.floor(jobs));
}

/** C_FLAGS plus a builder's own, as one space-separated value. */
export function cFlags(extra: readonly string[] = []): string {
  return [C_FLAGS, ...extra].join(' ');
}

/** The variables every build gets, and their values. */
export function commonEnv(base: BuildEnvBase): Record<string, string> {
  const flags = cFlags(base.cflags);
  return {
    // The builder's directories first; a repeated directory is searched once, at its first place.
    PATH: [...new Set([...(base.path ?? []), ...SYSTEM_PATH])].join(':'),
    // The sandbox's tmpfs: no one's dotfiles, and whatever tools cache there is thrown away.
    HOME: '/tmp',
    TMPDIR: '/tmp',
    // Dates and text written by a build must not depend on the host's zone or locale.
    TZ: 'UTC',
    LANG: 'C.UTF-8',
    LC_ALL: 'C.UTF-8',
    // The time any tool that follows reproducible-builds.org stamps into its output.
    SOURCE_DATE_EPOCH: String(base.sourceDateEpoch),
    // Python run by any build (gyp, setup.py, meson): set order and hashes, no .pyc beside sources.
    PYTHONHASHSEED: '0',
    PYTHONDONTWRITEBYTECODE: '1',
    // Read by node-gyp (make -j) and friends; parallelism must not change the bytes.
    JOBS: String(buildJobs(base.jobs)),
    // Read by gcc/g++ through the build system (configure, setuptools, node-gyp's make, cmake).
    CFLAGS: flags,
    CXXFLAGS: flags,
  };
}

/**
 * A build's whole environment: every build's variables, then the builder's `additions` (which may
 * not redefine a common one: extend PATH and the C flags through `base`), then the recipe's
 * `build.env`, which wins. Pure.
 */
export function buildEnv(
  base: BuildEnvBase,
  additions: Record<string, string> = {},
  recipeEnv: Record<string, string> = {},
): Record<string, string> {
  const common = commonEnv(base);
  for (const k of Object.keys(additions)) {
    if (Object.hasOwn(common, k))
      throw new Error(`build-env: ${k} is set for every build; extend it through BuildEnvBase or leave it to the recipe's build.env`);
  }
  return { ...common, ...additions, ...recipeEnv };
}
