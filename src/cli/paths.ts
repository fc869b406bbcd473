import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { defaultStoreRoot } from '../store/paths.js';

/** Where bale keeps things unless told otherwise (XDG base directories). */
export interface Paths {
  recipes: string;
  store: string;
  cache: string;
}

export function defaultPaths(env: NodeJS.ProcessEnv = process.env): Paths {
  const home = env.HOME ?? homedir();
  const data = env.XDG_DATA_HOME || join(home, '.local', 'share');
  const cache = env.XDG_CACHE_HOME || join(home, '.cache');
  return {
    recipes: env.BALE_RECIPES ? resolve(env.BALE_RECIPES) : join(data, 'bale', 'recipes'),
    // oci:// is a registry store (see src/store/open.ts), not a path.
    store: env.BALE_STORE ? (env.BALE_STORE.startsWith('oci://') ? env.BALE_STORE : resolve(env.BALE_STORE)) : defaultStoreRoot(env),
    cache: join(cache, 'bale'),
  };
}
