/**
 * Debian packages: the .deb's data, as dpkg would unpack it at `/`, becomes the package as is
 * (lib/x86_64-linux-gnu, lib64, etc and usr kept where they are); nothing runs. The maintainer
 * scripts (postinst, triggers...) are dropped and named in the manifest, so an image can tell what
 * dpkg would have done (ldconfig, alternatives, users) that it has to do itself.
 */
import type { DebControl } from '../../archive/deb-file.js';
import { UserError } from '../../errors/index.js';
import type { PackEntry } from '../../packer/entry.js';
import { parsePurl } from '../../purl/purl.js';
import type { PackageOutput } from '../../store/index.js';
import { assemble } from '../assemble.js';
import type { RecipeNode } from '../graph.js';
import type { BuildContext, BuildDependency, EcosystemBuilder, Target } from '../types.js';

/** `deb-libc6`: the Debian name, which is already unique within one distribution. */
export const debPackageName = (name: string): string => `deb-${name}`;

const ANY: Target = { id: 'any', prefix: 'deb', interpreter: null };

export class DebBuilder implements EcosystemBuilder {
  readonly ecosystem = 'deb' as const;

  async targets(): Promise<Target[]> {
    return [ANY];
  }

  /** Unpacking needs no other package. */
  buildDependencies(): BuildDependency[] {
    return [];
  }

  async build(ctx: BuildContext): Promise<PackageOutput[]> {
    const { node, target } = ctx;
    const src = node.recipe.source[0]!;
    const label = src.filename ?? src.url;
    const deb = await ctx.sources.fetch({ url: src.url, integrity: src.integrity });
    // Loaded here, like the sandbox: execa stays out of builds that never read a .deb.
    const { openDeb } = await import('../../archive/deb-file.js');
    const file = await openDeb(deb, label, ctx.limits);
    let control: DebControl;
    let entries: PackEntry[];
    try {
      control = await file.control();
      checkIdentity(node, control.fields, label);
      entries = await file.data();
    } finally {
      await file.close();
    }
    const depends = node.recipe.dependency.map((d) => ({ name: debPackageName(d.name), version: parsePurl(d.purl).version }));
    return [await assemble(node, target, { name: debPackageName(node.purl.name), entries, depends, droppedScripts: control.scripts })];
  }
}

/** A recipe pinned to the wrong .deb (a hand edit) would file one package's files under another's name. */
function checkIdentity(node: RecipeNode, fields: Map<string, string>, label: string): void {
  const got = `${fields.get('Package') ?? '?'} ${fields.get('Version') ?? '?'}`;
  if (got !== `${node.purl.name} ${node.purl.version}`) {
    throw new UserError(
      'ERECIPE',
      `recipe ${node.file}: its source ${label} is ${got}, not ${node.purl.name} ${node.purl.version}: fix the source URL and integrity, or re-import`,
    );
  }
}
