import { execa } from 'execa';
import { UserError } from '../errors/index.js';
import type { RecipeNode } from './graph.js';

/** Which of these Debian packages are not installed on the build host (empty when dpkg is absent). */
export async function missingDebianPackages(names: string[]): Promise<string[]> {
  if (names.length === 0) return [];
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

/** Fail before a build starts when the override table's native build dependencies are missing. */
export async function checkNativeBuildDeps(node: RecipeNode): Promise<void> {
  const wanted = node.recipe.native?.build ?? [];
  const missing = await missingDebianPackages(wanted);
  if (missing.length > 0) {
    throw new UserError(
      'ENATIVE',
      `${node.id} needs native libraries missing on this build host: ${missing.join(', ')} (from the override table): install them with apt-get install ${missing.join(' ')}`,
    );
  }
}
