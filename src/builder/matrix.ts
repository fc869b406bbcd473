/**
 * What builders for interpreter-matrix ecosystems (PyPI, RubyGems) share: which recipe parts apply to
 * one interpreter, the package a build yields with its optional -bin companion.
 */
import { UserError } from '../errors/index.js';
import type { PackEntry } from '../packer/entry.js';
import { parsePurl } from '../purl/purl.js';
import type { RecipeSource } from '../recipe/index.js';
import type { PackageOutput } from '../store/index.js';
import { assemble } from './assemble.js';
import type { RecipeNode } from './graph.js';
import type { Target } from './types.js';

/** A source or dependency without `interpreters` applies to every one. */
export const applies = (x: { interpreters?: string[] | undefined }, v: string): boolean =>
  x.interpreters === undefined || x.interpreters.includes(v);

/** `3.11.7` -> `3.11`: the version recipes and package names use. */
export const minorOf = (t: Target): string => t.interpreter!.version.split('.').slice(0, 2).join('.');

/** The recipe's file for one interpreter; `flag` names the import option that would add it. */
export function sourceFor(node: RecipeNode, v: string, interpreter: string, flag: string): RecipeSource {
  const s = node.recipe.source.find((x) => applies(x, v));
  if (s === undefined)
    throw new UserError('ERECIPE', `recipe ${node.file} has no source for ${interpreter} ${v}: re-import it with ${flag} ${v}`);
  return s;
}

/**
 * The main package (with its run-time dependencies for this interpreter, by package name) and,
 * when there are executables, the -bin package that depends on it.
 */
export async function assembleWithBin(
  node: RecipeNode,
  target: Target,
  o: { main: PackEntry[]; bin: PackEntry[]; packageName: (name: string, bin?: boolean) => string },
): Promise<PackageOutput[]> {
  const v = minorOf(target);
  const mainName = o.packageName(node.purl.name);
  const depends = node.recipe.dependency
    .filter((d) => applies(d, v))
    .map((d) => ({ name: o.packageName(d.name), version: parsePurl(d.purl).version }));
  const outputs = [await assemble(node, target, { name: mainName, entries: o.main, depends })];
  if (o.bin.length > 0) {
    outputs.push(
      await assemble(node, target, {
        name: o.packageName(node.purl.name, true),
        entries: o.bin,
        depends: [{ name: mainName, version: node.purl.version }],
      }),
    );
  }
  return outputs;
}
