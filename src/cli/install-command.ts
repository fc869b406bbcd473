/**
 * `bale install <spec|package...> --root DIR`: the out-of-tree installer. The closure of what was
 * asked (specs requested like `request`, built when missing; or package names from the store) is
 * laid into DIR, for a Dockerfile COPY or a chroot: only the asked-for packages' -bin packages
 * (their top-level links and executables), dependencies at the versions the closure names, every
 * path checked as an image's, and no package database. Builds go through a staging store: the
 * store gets them and the recipes are written only once the root is laid (like compose).
 */
import { UsageError } from '../errors/index.js';
import { staged } from './commands.js';
import type { Env } from './env.js';
import { printJson, say } from './output.js';
import { rootPackages } from './roots.js';
import { openStore } from './signing.js';
import { targetsFailed } from './targets.js';

export interface InstallFlags {
  /** Checked as parsed (flags.emptyDirectory): absolute, missing or an empty directory. */
  root?: string;
}

export async function cmdInstall(args: string[], o: InstallFlags, env: Env): Promise<void> {
  if (o.root === undefined)
    throw new UsageError(
      'bale install: say where: --root DIR (a new or empty directory), e.g. bale install npm:express@4.21.2 --root ./root',
    );
  const store = await openStore(env.opts.store, env.opts, env.paths.cache);
  const {
    value: { packages, entries, failures },
  } = await staged(store, env, 'install-', async (staging) => {
    const asked = await rootPackages(args, env, staging);
    const { closure } = await import('../image/compose.js');
    const laid = await closure(asked.roots, staging);
    const { layRoot } = await import('../install/lay.js');
    const { entries: n } = await layRoot(laid, o.root!, `--root ${o.root}`);
    return { value: { packages: laid, entries: n, failures: asked.failures }, resolved: asked.resolved };
  });
  const listed = packages.map((p) => ({ name: p.name, version: p.version, sha256: p.sha256, purl: p.purl }));
  if (env.opts.json) printJson({ root: o.root, entries, packages: listed, failures });
  else say(`${o.root}: ${packages.length} packages, ${entries} files, directories and links`);
  if (failures.length > 0) throw targetsFailed(failures, true); // --keep-going: laid what built
}
