import { PREBUILT_KINDS } from '../ecosystems/core.js';
import { UserError } from '../errors/index.js';
import type { RecipeNative, SourceKind } from '../recipe/index.js';
import type { RecipeNode } from './graph.js';
import { applies, minorOf } from './matrix.js';
import type { Target } from './types.js';
import { loadModule } from '../util/load-module.js';

/** Which of these Debian packages are not installed on the build host (empty when dpkg is absent). */
export async function missingDebianPackages(names: string[]): Promise<string[]> {
  if (names.length === 0) return [];
  const { execa } = await loadModule<typeof import('execa')>('execa');
  // biome-ignore lint/suspicious/noTemplateCurlyInString: dpkg-query's own ${field} format
  const r = await execa('dpkg-query', ['-W', '-f', '${Package} ${db:Status-Status}\\n', ...names], {
    reject: false,
    env: { LC_ALL: 'C' },
    extendEnv: false,
  });
  if (r.exitCode !== 0 && r.stdout === '' && /ENOENT|not found/i.test(String(r.stderr ?? r.shortMessage ?? ''))) return [];
  const installed = new Set(
    String(r.stdout)
      .split('\n')
      .map((l) => l.trim().split(' '))
      .filter((p) => p[1] === 'installed')
      .map((p) => p[0]!.split(':')[0]),
  );
  return names.filter((n) => !installed.has(n));
}

/** The kinds of the recipe's sources one target uses (a source without `interpreters` serves every one). */
function sourceKinds(node: RecipeNode, target: Target): SourceKind[] {
  const v = target.interpreter === null ? undefined : minorOf(target);
  return [...new Set(node.recipe.source.filter((s) => v === undefined || applies(s, v)).map((s) => s.kind))];
}

/** What of the recipe's [native] table one build uses, and the source kind it applied to. */
export interface NativeUse {
  build: string[];
  runtime: string[];
  /** The source kind the packages applied to; undefined when none did. */
  kind?: SourceKind;
}

/**
 * The [native] packages one build of a recipe needs: none when `native.sources` leaves out the
 * kind of source this target uses (numpy's row applies to its sdist, not to its manylinux wheel),
 * and never `build` packages for a source that is installed rather than built (a wheel).
 */
export function nativeFor(node: RecipeNode, target: Target): NativeUse {
  const n: RecipeNative | undefined = node.recipe.native;
  if (n === undefined) return { build: [], runtime: [] };
  const kinds = sourceKinds(node, target).filter((k) => n.sources === undefined || n.sources.includes(k));
  if (kinds.length === 0) return { build: [], runtime: [] };
  // A kind its ecosystem installs as it comes, never compiled, needs no `build` packages.
  const built = kinds.find((k) => !PREBUILT_KINDS.has(k));
  return { build: built === undefined ? [] : n.build, runtime: n.runtime, kind: built ?? kinds[0]! };
}

/**
 * Fail before any build starts when the override table's native build dependencies are missing,
 * naming the first package that needs them and every missing one (one dpkg query for the lot).
 * Only what each build uses counts: a wheel chosen for one interpreter needs none of its sdist's.
 */
export async function checkNativeBuildDeps(tasks: { node: RecipeNode; target: Target }[]): Promise<void> {
  const uses = tasks.map((t) => ({ node: t.node, use: nativeFor(t.node, t.target) }));
  const wanted = [...new Set(uses.flatMap((u) => u.use.build))].sort();
  const missing = new Set(await missingDebianPackages(wanted));
  if (missing.size === 0) return;
  const first = uses.find((u) => u.use.build.some((p) => missing.has(p)))!;
  const own = first.use.build.filter((p) => missing.has(p));
  const all = [...missing];
  // Name the first package's own missing packages; the rest of the closure's go into the apt-get line.
  const others = new Set(
    uses.filter((u) => u !== first && u.use.build.some((p) => missing.has(p) && !own.includes(p))).map((u) => u.node.id),
  );
  const more =
    others.size === 0
      ? ''
      : ` (and ${others.size} more package${others.size === 1 ? ' needs' : 's need'} ${all.filter((p) => !own.includes(p)).join(', ')})`;
  // Say which source the packages are for when the recipe limits them to some kinds: a wheel would need none.
  const forWhat = first.node.recipe.native?.sources !== undefined ? `, for a build from its ${first.use.kind}` : '';
  throw new UserError(
    'ENATIVE',
    `${first.node.id} needs native libraries missing on this build host: ${own.join(', ')} (from the override table${forWhat})${more}: install them with apt-get install ${all.join(' ')}`,
  );
}
