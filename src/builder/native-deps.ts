import { UserError } from '../errors/index.js';
import type { RecipeNode } from './graph.js';

/** Which of these Debian packages are not installed on the build host (empty when dpkg is absent). */
export async function missingDebianPackages(names: string[]): Promise<string[]> {
  if (names.length === 0) return [];
  const { execa } = await import('execa');
  const r = await execa('dpkg-query', ['-W', '-f', '${Package} ${db:Status-Status}\\n', ...names], { reject: false, env: { LC_ALL: 'C' }, extendEnv: false });
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

/**
 * Fail before any build starts when the override table's native build dependencies are missing,
 * naming the first package that needs them and every missing one (one dpkg query for the lot).
 */
export async function checkNativeBuildDeps(nodes: RecipeNode[]): Promise<void> {
  const wanted = [...new Set(nodes.flatMap((n) => n.recipe.native?.build ?? []))].sort();
  const missing = new Set(await missingDebianPackages(wanted));
  if (missing.size === 0) return;
  const first = nodes.find((n) => (n.recipe.native?.build ?? []).some((p) => missing.has(p)))!;
  const all = [...missing];
  throw new UserError(
    'ENATIVE',
    `${first.id} needs native libraries missing on this build host: ${all.join(', ')} (from the override table): install them with apt-get install ${all.join(' ')}`,
  );
}
