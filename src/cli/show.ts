import { UserError } from '../errors/index.js';
import type { StoredPackage } from '../store/index.js';
import type { PackageManifest } from '../packer/index.js';
import type { Env } from './env.js';
import { printJson, say } from './output.js';
import { resolveBuildRoots } from './specs.js';

interface Shown {
  package: StoredPackage;
  manifest: PackageManifest;
}

function describePackage(s: Shown): string {
  const m = s.manifest;
  const interp = m.interpreter === null ? 'any' : `${m.interpreter.kind} ${m.interpreter.version} (abi ${m.interpreter.abi})`;
  return [
    `${m.name} ${m.version}`,
    `  purl         ${m.purl}`,
    `  interpreter  ${interp}`,
    `  file         ${s.package.file}`,
    `  sha256       ${s.package.sha256}`,
    `  files        ${m.files.filter((f) => f.type !== 'dir').length}`,
    `  depends      ${m.depends.map((d) => `${d.name} ${d.version}`).join(', ') || '(none)'}`,
  ].join('\n');
}

/** `bale show npm:express@4.21.2` (a recipe and what was built from it) or `bale show node-express`. */
export async function cmdShow(arg: string, env: Env): Promise<void> {
  const { openStoreAt } = await import('../store/index.js');
  const store = await openStoreAt(env.opts.store, { cacheDir: env.paths.cache }); // a registry store: what this machine has
  const all = await store.list();
  if (/^[a-z]+:/i.test(arg) || arg.endsWith('.toml')) {
    const roots = await resolveBuildRoots([arg], env.opts.recipes);
    const { loadGraph } = await import('../builder/graph.js');
    const {
      roots: [node],
    } = await loadGraph(env.opts.recipes, roots);
    const r = node!.recipe;
    const built: Shown[] = [];
    for (const p of all) {
      const m = await store.manifest(p);
      if (m.purl === node!.id) built.push({ package: p, manifest: m });
    }
    if (env.opts.json) {
      printJson({
        recipe: { file: node!.file, digest: node!.digest, ...r },
        packages: built.map((b) => ({ ...b.package, interpreter: b.manifest.interpreter })),
      });
      return;
    }
    const lines = [
      `${r.purl}`,
      `  recipe       ${node!.file}`,
      `  digest       ${node!.digest}`,
      `  source       ${r.source.map((s) => s.url).join(', ')}`,
      `  build        ${r.build.native ? `a build step per interpreter (${r.build.reasons.join(', ')})` : 'no build step'}${r.build.interpreters.length > 0 ? `; imported for ${r.build.interpreters.join(', ')}` : ''}`,
      `  depends      ${r.dependency.map((d) => (d.name === d.purl.split('/').pop()?.split('@')[0] ? d.purl : `${d.name} = ${d.purl}`)).join(', ') || '(none)'}`,
      ...(r.native
        ? [
            `  native       build: ${r.native.build.join(' ') || '-'}; runtime: ${r.native.runtime.join(' ') || '-'}${r.native.sources ? `; for ${r.native.sources.join(', ')} only` : ''}`,
          ]
        : []),
      `  built        ${built.length === 0 ? `not yet (bale build ${arg})` : ''}`,
    ];
    say(lines.join('\n'));
    for (const b of built) say(describePackage(b).replace(/^/gm, '    '));
    return;
  }
  const at = arg.lastIndexOf('@');
  const [name, version] = at > 0 ? [arg.slice(0, at), arg.slice(at + 1)] : [arg, undefined];
  const matches = all.filter((p) => p.name === name && (version === undefined || p.version === version));
  if (matches.length === 0) {
    throw new UserError(
      'ENOPACKAGE',
      `no package "${arg}" in the store ${env.opts.store}: build it first, or give a spec like npm:express@4.21.2`,
    );
  }
  const shown = await Promise.all(matches.map(async (p) => ({ package: p, manifest: await store.manifest(p) })));
  if (env.opts.json) printJson(shown.map((s) => ({ ...s.package, manifest: s.manifest })));
  else say(shown.map(describePackage).join('\n'));
}
