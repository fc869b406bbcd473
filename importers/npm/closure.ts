/** What an npm closure is made of (resolved nodes and edges, the dependency rules, the build target), shared by the ideal tree and the recipes. */
import npa from 'npm-package-arg';
import { UserError } from '../../src/errors/index.js';
import type { DependencyKind } from '../../src/recipe/index.js';
import { platformAllows } from './pick.js';
import type { NpmVersion } from './packument.js';

/** The platform bale builds for; optional dependencies for other platforms are left out. */
export const TARGET = { os: 'linux', cpu: 'x64', libc: 'glibc' } as const;

/** A version's os/cpu/libc admit the target (npm's checkPlatform). */
export function platformFits(m: Pick<NpmVersion, 'os' | 'cpu' | 'libc'>): boolean {
  return platformAllows(m.os, TARGET.os) && platformAllows(m.cpu, TARGET.cpu) && platformAllows(m.libc, TARGET.libc);
}

/** "os darwin, cpu any": what a version's platform fields say, for messages. */
export function targetText(m: Pick<NpmVersion, 'os' | 'cpu' | 'libc'>): string {
  const list = (v: string[] | string | undefined): string => {
    const items = (Array.isArray(v) ? v : v === undefined ? [] : [v]).filter((x) => x !== '');
    return items.length === 0 ? 'any' : items.join(' ');
  };
  const parts = [`os ${list(m.os)}`, `cpu ${list(m.cpu)}`];
  if (m.libc !== undefined) parts.push(`libc ${list(m.libc)}`);
  return parts.join(', ');
}

export interface ResolvedEdge {
  /** The name the dependent requires it by (differs from `name` for npm: aliases). */
  as: string;
  name: string;
  version: string;
  kind: DependencyKind;
}

export interface ResolvedNode {
  name: string;
  version: string;
  manifest: NpmVersion;
  /** Release time from the packument, when the registry sends it. */
  time: string | undefined;
  edges: ResolvedEdge[];
}

export interface Closure {
  roots: { name: string; version: string }[];
  nodes: Map<string, ResolvedNode>;
}

interface Wanted {
  as: string;
  spec: string;
  kind: DependencyKind;
}

/** What a version asks for: bundled dependencies come inside its tarball, optional peers are left to the user. */
export function wantedDependencies(m: NpmVersion): Wanted[] {
  const bundledField = m.bundleDependencies ?? m.bundledDependencies;
  const deps = { ...m.dependencies, ...m.optionalDependencies };
  const bundled = new Set(bundledField === true ? Object.keys(deps) : Array.isArray(bundledField) ? bundledField : []);
  const optional = m.optionalDependencies ?? {};
  const out: Wanted[] = [];
  for (const [as, spec] of Object.entries(deps)) {
    if (bundled.has(as)) continue;
    out.push({ as, spec, kind: Object.hasOwn(optional, as) ? 'optional' : 'runtime' });
  }
  for (const [as, spec] of Object.entries(m.peerDependencies ?? {})) {
    if (Object.hasOwn(deps, as) || m.peerDependenciesMeta?.[as]?.optional === true) continue;
    out.push({ as, spec, kind: 'peer' });
  }
  return out.sort((a, b) => (a.as < b.as ? -1 : a.as > b.as ? 1 : 0));
}

/** Registry name and range behind a dependency spec; aliases (`npm:real@^1`) resolve to the real name. */
export function registryTarget(as: string, spec: string, from: string): { name: string; range: string } {
  let parsed: npa.Result;
  try {
    parsed = npa.resolve(as, spec);
  } catch {
    throw new UserError('EUNSUPPORTED', `${from} depends on "${as}": "${spec}", which is not a valid npm spec`);
  }
  // @types/npm-package-arg predates aliases; the field exists at run time.
  const sub = (parsed as npa.Result & { subSpec?: npa.Result }).subSpec;
  if (parsed.type === 'alias' && sub?.name) {
    return { name: sub.name, range: sub.fetchSpec ?? '*' };
  }
  if (parsed.type === 'range' || parsed.type === 'version' || parsed.type === 'tag') {
    return { name: as, range: parsed.fetchSpec ?? '*' };
  }
  throw new UserError(
    'EUNSUPPORTED',
    `${from} depends on "${as}": "${spec}" (a ${parsed.type} dependency); bale pins registry packages only: add an override or use a registry version`,
  );
}
