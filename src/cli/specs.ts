import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { UserError } from '../errors/index.js';
import { parseSpec } from '../purl/purl.js';
import type { Purl, Spec } from '../purl/purl.js';
import { ecosystem } from '../ecosystems/index.js';
import { listRecipeVersions } from '../recipe/index.js';

export type BuildRoot = { purl: Purl } | { file: string };

function isRecipeFile(arg: string): boolean {
  return arg.endsWith('.toml') || (!/^[a-z]+:/i.test(arg) && existsSync(arg));
}

/** `bale build` takes recipe files, or specs answered from the recipes already imported. */
export async function resolveBuildRoots(args: string[], recipesDir: string): Promise<BuildRoot[]> {
  const roots: BuildRoot[] = [];
  for (const arg of args) {
    if (isRecipeFile(arg)) {
      roots.push({ file: resolve(arg) });
      continue;
    }
    const spec: Spec = parseSpec(arg);
    if (spec.repository !== undefined) {
      throw new UserError(
        'ESPEC',
        `${arg}: bale build reads recipes imported before, never a registry, so repository_url would be ignored: drop it, or use bale request (or import) to resolve against it`,
      );
    }
    const versions = await listRecipeVersions(recipesDir, spec.type, spec.name);
    // How a range picks is the ecosystem's, loaded for the one asked: a `bale build` of one npm package does not load PEP 440.
    const pick = await ecosystem(spec.type).picker();
    const version =
      spec.range === undefined
        ? (pick(versions, '*') ?? versions.at(-1))
        : versions.includes(spec.range)
          ? spec.range
          : pick(versions, spec.range);
    if (version === undefined) {
      const have = versions.length > 0 ? `recipes exist for ${versions.slice(-5).join(', ')}` : 'no recipe exists for it';
      throw new UserError(
        'ENORECIPE',
        `no recipe in ${recipesDir} matches ${arg} (${have}): run \`bale import ${arg}\` or \`bale request ${arg}\``,
      );
    }
    roots.push({ purl: { type: spec.type, name: spec.name, version } });
  }
  return roots;
}
