import { UserError } from '../errors/index.js';
import { BubblewrapRunner, type BubblewrapOptions } from './bubblewrap.js';
import { DirectRunner } from './direct.js';
import type { Runner } from './types.js';

export type RunnerPreference = 'auto' | 'bubblewrap' | 'direct';

/** The one place that chooses a runner. 'auto' prefers isolation and says loudly when it cannot have it. */
export async function pickRunner(
  pref: RunnerPreference,
  warn: (line: string) => void,
  opts: BubblewrapOptions = {},
): Promise<Runner> {
  switch (pref) {
    case 'direct':
      return new DirectRunner();
    case 'bubblewrap':
    case 'auto': {
      const bwrap = new BubblewrapRunner(opts);
      const ok = await bwrap.usable();
      if (ok === true) return bwrap;
      if (pref === 'bubblewrap') throw new UserError('ESANDBOX', `sandbox 'bubblewrap' requested but unusable: ${ok}`);
      warn(`WARNING: builds run WITHOUT a sandbox (no network isolation, host filesystem visible) and may not be reproducible: ${ok}`);
      return new DirectRunner();
    }
    default: {
      const never: never = pref;
      throw new UserError('ESANDBOX', `unknown sandbox ${JSON.stringify(never)}: use auto, bubblewrap or direct`);
    }
  }
}
