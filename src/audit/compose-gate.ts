/**
 * `bale image compose --osv`: an image is not composed with a package an advisory affects, unless
 * `--allow-vulnerable` says so (then each finding is a warning). Checked on the composed closure,
 * before the image file is written or anything staged reaches the store.
 */
import { UserError } from '../errors/index.js';
import type { PackageRef } from '../ecosystems/descriptor.js';
import type { AdvisoryIndex } from './advisory-index.js';
import { auditImage } from './audit.js';

export interface ComposedPackage {
  name: string;
  version: string;
  purl: string;
  depends: { name: string; version: string }[];
}

/** Refuses (EVULNERABLE, one line) or, with `allow`, warns through `warn`; returns the findings' count. */
export function gateComposed(
  label: string,
  packages: readonly ComposedPackage[],
  index: AdvisoryIndex,
  allow: boolean,
  warn: (line: string) => void,
  names: ReadonlyMap<string, PackageRef> = new Map(),
): number {
  const audit = auditImage({ image: label, source: undefined, packages: packages.map((p) => ({ ...p })) }, index, names);
  const findings = audit.affected.flatMap((a) => a.advisories.map((f) => ({ a, f })));
  if (findings.length === 0) return 0;
  const describe = ({ a, f }: (typeof findings)[number]): string =>
    `${a.packages[0]} ${a.version} is affected by ${f.id}${f.aliases.length > 0 ? ` (${f.aliases.join(', ')})` : ''}, ${f.fixed !== undefined ? `fixed in ${f.fixed}` : 'no fixed version known'}${a.roots !== undefined && a.roots.length > 0 ? `, brought in by ${a.roots.join(', ')}` : ''}`;
  if (!allow) {
    const more = findings.length > 1 ? ` (and ${findings.length - 1} more finding${findings.length > 2 ? 's' : ''})` : '';
    throw new UserError(
      'EVULNERABLE',
      `bale image compose ${label}: ${describe(findings[0]!)}${more}: upgrade it, or compose anyway with --allow-vulnerable`,
    );
  }
  for (const x of findings) warn(`bale: warning: ${label}: ${describe(x)} (composed: --allow-vulnerable)`);
  return findings.length;
}
