/**
 * What stays of a `gem install` tree: the gem's own files, its specification, the built
 * extensions and the executables' wrappers. Everything that records the build rather than the
 * gem goes (pure decisions on the entry list; the install tree is read once, by install.ts):
 *
 * - `cache/` (the .gem again), `build_info/` (the build flags, for `gem pristine`), `doc/`;
 * - in `extensions/<platform>/<api>/<full name>/`: `gem_make.out` and `mkmf.log` (they hold the
 *   build's paths, compiler output and timings); the `.so` files and `gem.build_complete` stay;
 * - in `gems/<full name>/`: whatever the gem did not ship that lies in an extension's directory
 *   (objects, Makefile, extconf.h, the `.so` before `make install`, `.sitearchdir.*.time` stamps,
 *   a vendored library's build tree), and anywhere else in it objects, Makefiles and build logs.
 *   The copy of an extension that RubyGems puts into the gem's lib dir stays, as in any install;
 * - directories left empty that the gem did not ship (`plugins/`, `extensions/` of a pure gem).
 *
 * The installed gemspec is kept as written: its `s.date` is the gem's own (from its metadata,
 * or SOURCE_DATE_EPOCH's day when it has none, set in the sandbox) and `installed_by_version`
 * is the RubyGems of the build Ruby, so it is the same on every build with that Ruby.
 */
import { BaleError } from '../../errors/index.js';
import type { PackEntry } from '../../packer/entry.js';
import { ancestorsOf } from '../../archive/paths.js';
import { BIN_DIR, extensionDir, gemDir, gemInstallDir, interpreterPath } from './layout.js';

export interface CleanupContext {
  /** RbConfig ruby_version, '3.1.0'. */
  abi: string;
  /** Ruby MAJOR.MINOR, '3.1': the shebang names `/usr/bin/ruby3.1`. */
  rubyVersion: string;
  /** Gem::Platform.local, 'x86_64-linux'. */
  gemPlatform: string;
  /** Gem.extension_api_version, '3.1.0'. */
  extensionApi: string;
  /** Gem::Specification#full_name, 'zext-0.1.0'. */
  fullName: string;
  /** Paths of data.tar.gz's entries, relative to the gem's directory. */
  shipped: ReadonlySet<string>;
  /** The spec's `extensions` (e.g. `ext/zext/extconf.rb`), relative to the gem's directory. */
  extensions: readonly string[];
}

export interface CleanedInstall {
  /** Everything but the executables, sorted as given. */
  main: PackEntry[];
  /** `usr/bin` and the executables' wrappers, with the shebang rewritten. */
  bin: PackEntry[];
  /** What was dropped, for logs and tests. */
  removed: string[];
}

/** Build products by name, wherever they are in the gem's directory (when the gem did not ship them). */
const LEFTOVER = /(^|\/)(Makefile|mkmf\.log|gem_make\.out|conftest\.[a-z]+|siteconf[^/]*\.rb|[^/]*\.o|\.[^/]*\.time)$/;
const EXTENSION_LOGS = new Set(['gem_make.out', 'mkmf.log']);

const under = (path: string, dir: string): boolean => path === dir || path.startsWith(`${dir}/`);

/**
 * `#!<...>/ruby<anything> <opts>` -> `#!/usr/bin/rubyX.Y <opts>`: RubyGems writes the build
 * Ruby's own path (Gem.ruby); the package runs with the image's versioned Ruby, as Debian names
 * it (/usr/bin/ruby3.1; /usr/bin/ruby is only the distribution's default, which may be another).
 */
export function rewriteShebang(data: Buffer, rubyVersion: string, shown: string): Buffer {
  const text = data.toString('utf8');
  const eol = text.indexOf('\n');
  const first = eol < 0 ? text : text.slice(0, eol);
  const m = /^#!\s*(\/\S*\/ruby[^\s/]*)((?:\s+\S+)*)\s*$/.exec(first);
  if (m === null) {
    throw new BaleError(
      'EGEMBIN',
      `${shown}: the executable RubyGems wrote does not start with a Ruby shebang (${JSON.stringify(first.slice(0, 80))}); bale cannot point it at ${interpreterPath(rubyVersion)}`,
    );
  }
  return Buffer.from(`#!${interpreterPath(rubyVersion)}${m[2]!}${eol < 0 ? '' : text.slice(eol)}`, 'utf8');
}

/** Splits and cleans the tree `gem install` left in the staging root (paths relative to it). */
export function cleanupInstall(entries: PackEntry[], ctx: CleanupContext): CleanedInstall {
  const home = gemDir(ctx.abi);
  const gemRoot = gemInstallDir(ctx.abi, ctx.fullName);
  const extRoot = extensionDir(ctx.abi, ctx.gemPlatform, ctx.extensionApi, ctx.fullName);
  const buildDirs = ctx.extensions.map((e) => e.split('/').slice(0, -1).join('/'));
  const skeleton = new Set([...ancestorsOf(home), home, ...ancestorsOf(BIN_DIR), BIN_DIR]);
  const shippedDirs = new Set<string>();
  for (const p of ctx.shipped) for (const d of [...ancestorsOf(p), p]) shippedDirs.add(`${gemRoot}/${d}`);

  const removed: string[] = [];
  const kept: PackEntry[] = [];
  const drop = (e: PackEntry): void => void removed.push(e.path);
  for (const e of entries) {
    if (['cache', 'build_info', 'doc'].some((d) => under(e.path, `${home}/${d}`))) drop(e);
    else if (under(e.path, extRoot) && e.type === 'file' && EXTENSION_LOGS.has(e.path.slice(e.path.lastIndexOf('/') + 1))) drop(e);
    else if (e.path.startsWith(`${gemRoot}/`) && e.type !== 'dir' && !ctx.shipped.has(e.path.slice(gemRoot.length + 1))) {
      const rel = e.path.slice(gemRoot.length + 1);
      if (buildDirs.some((d) => d === '' || under(rel, d)) || LEFTOVER.test(rel)) drop(e);
      else kept.push(e);
    } else if (under(e.path, home) || under(e.path, BIN_DIR) || skeleton.has(e.path)) kept.push(e);
    else throw new BaleError('EGEMTREE', `gem install of ${ctx.fullName} wrote ${e.path}, outside ${home} and ${BIN_DIR}`);
  }

  // A directory stays if something stays in it, or the gem shipped it.
  const occupied = new Set<string>();
  for (const e of kept) if (e.type !== 'dir') for (const d of ancestorsOf(e.path)) occupied.add(d);
  const main: PackEntry[] = [];
  const bin: PackEntry[] = [];
  for (const e of kept) {
    if (e.type === 'dir' && !occupied.has(e.path) && !shippedDirs.has(e.path)) {
      drop(e);
      continue;
    }
    if (!under(e.path, BIN_DIR)) main.push(e);
    else if (e.type === 'file') bin.push({ ...e, data: rewriteShebang(e.data ?? Buffer.alloc(0), ctx.rubyVersion, e.path) });
    else bin.push(e);
  }
  return { main, bin, removed };
}
