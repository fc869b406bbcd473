import { UserError } from '../errors/index.js';
import { BubblewrapRunner, type BubblewrapOptions } from './bubblewrap.js';
import { DIRECT_AS_ROOT, DirectRunner } from './direct.js';
import type { Runner } from './types.js';

export type RunnerPreference = 'auto' | 'bubblewrap' | 'direct';

/** The one place that chooses a runner. 'auto' prefers isolation and says loudly when it cannot have it. */
export async function pickRunner(
  pref: RunnerPreference,
  warn: (line: string) => void,
  opts: BubblewrapOptions & { directAsRoot?: boolean } = {},
): Promise<Runner> {
  const asRoot = opts.asRoot ?? process.getuid?.() === 0;
  const direct = (): Runner => {
    const r = new DirectRunner({ asRoot, allowRoot: opts.directAsRoot === true });
    if (asRoot && opts.directAsRoot !== true) throw new UserError('ESANDBOX', DIRECT_AS_ROOT);
    return r;
  };
  switch (pref) {
    case 'direct':
      if (asRoot && opts.directAsRoot === true)
        warn('WARNING: --sandbox direct --i-know: build scripts run as root with no isolation at all');
      return direct();
    case 'bubblewrap':
    case 'auto': {
      const bwrap = new BubblewrapRunner({ ...opts, asRoot });
      const ok = await bwrap.usable();
      if (ok === true) return bwrap;
      if (pref === 'bubblewrap') throw new UserError('ESANDBOX', `sandbox 'bubblewrap' requested but unusable: ${ok}`);
      // As root, no silent fallback: the direct runner must be asked for by name.
      if (asRoot)
        throw new UserError(
          'ESANDBOX',
          `no sandbox for build scripts: ${ok}; as root bale will not run them unsandboxed unless told --sandbox direct --i-know`,
        );
      warn(`WARNING: builds run WITHOUT a sandbox (no network isolation, host filesystem visible) and may not be reproducible: ${ok}`);
      return direct();
    }
    default: {
      const never: never = pref;
      throw new UserError('ESANDBOX', `unknown sandbox ${JSON.stringify(never)}: use auto, bubblewrap or direct`);
    }
  }
}
