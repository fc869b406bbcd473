/**
 * What Debian's advisories (OSV's Debian:12 records, the security tracker) call a binary package:
 * its source package and the source's version (zlib1g 1:1.2.13.dfsg-1 is zlib 1:1.2.13.dfsg-1;
 * a binNMU's +b1 is not the source's). Read from the host apt's lists, the same index bale's
 * Debian importer resolves against.
 */
import type { AdvisoryNamer, PackageRef } from '../../src/ecosystems/descriptor.js';
import { showPackageStanzas } from './apt.js';

const key = (p: PackageRef): string => `${p.name}@${p.version}`;

export const debAdvisoryNames: AdvisoryNamer = async (packages, warn) => {
  const out = new Map<string, PackageRef>();
  if (packages.length === 0) return out;
  const stanzas = await showPackageStanzas(packages);
  const byPin = new Map(stanzas.map((s) => [key(s), s]));
  // A version apt no longer lists (superseded by a security update): its name's current source, which
  // a package keeps from one version to the next; the source version is then the binary's.
  const byName = new Map(stanzas.map((s) => [s.name, s]));
  const unplaced: string[] = [];
  for (const p of packages) {
    const exact = byPin.get(key(p));
    const any = exact ?? byName.get(p.name);
    if (any === undefined) {
      unplaced.push(key(p));
      continue;
    }
    const source = exact !== undefined ? exact.source : { name: any.source.name, version: p.version };
    if (source.name !== p.name || source.version !== p.version) out.set(key(p), source);
  }
  if (unplaced.length > 0)
    warn(
      `apt lists no ${unplaced.slice(0, 5).join(', ')}${unplaced.length > 5 ? ` (and ${unplaced.length - 5} more)` : ''}: matched against Debian's advisories by their binary names, which name source packages (run apt-get update)`,
    );
  return out;
};
