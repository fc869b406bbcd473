import type { Recipe, RecipeBuild } from '../recipe/index.js';
import type { OverrideRow } from './table.js';

/**
 * What an override row puts into a recipe, the same for every ecosystem: its build flags, files to
 * drop and environment in [build], its requirements added to build.requires, its Debian packages in
 * [native]. Empty parts are left out, so the recipe stays canonical.
 */
export function overrideBuild(row: OverrideRow | undefined): Pick<RecipeBuild, 'flags' | 'drop' | 'env' | 'limits'> {
  if (row === undefined) return {};
  return {
    ...(row.flags !== undefined && row.flags.length > 0 ? { flags: row.flags } : {}),
    ...(row.drop !== undefined && row.drop.length > 0 ? { drop: row.drop } : {}),
    ...(Object.keys(row.env).length > 0 ? { env: row.env } : {}),
    ...(row.limits !== undefined && Object.keys(row.limits).length > 0 ? { limits: row.limits } : {}),
  };
}

/** The row's [native] table, when it names any package. */
export function overrideNative(row: OverrideRow | undefined): Pick<Recipe, 'native'> {
  return row !== undefined && (row.build.length > 0 || row.runtime.length > 0)
    ? { native: { build: row.build, runtime: row.runtime } }
    : {};
}
