/**
 * Where an ecosystem's advisories name a package otherwise than bale's purl does (OSV's Debian
 * records name source packages: zlib, not zlib1g), the name and version each purl is matched as,
 * asked once per ecosystem for every package of every image (its descriptor's advisoryNames).
 */
import type { PackageRef } from '../ecosystems/descriptor.js';
import { ECOSYSTEM_DESCRIPTORS } from '../ecosystems/index.js';
import { parsePurl, type Ecosystem } from '../purl/purl.js';

/** By purl text; purls whose advisories use the purl's own name and version are left out. */
export async function advisoryNamesOf(purls: Iterable<string>, warn: (line: string) => void): Promise<Map<string, PackageRef>> {
  const byEco = new Map<Ecosystem, { text: string; ref: PackageRef }[]>();
  for (const text of new Set(purls)) {
    let p: ReturnType<typeof parsePurl>;
    try {
      p = parsePurl(text);
    } catch {
      continue; // not a purl bale builds from: matched by nothing
    }
    if (ECOSYSTEM_DESCRIPTORS[p.type].advisoryNames === undefined) continue;
    const list = byEco.get(p.type) ?? [];
    list.push({ text, ref: { name: p.name, version: p.version } });
    byEco.set(p.type, list);
  }
  const out = new Map<string, PackageRef>();
  for (const [eco, list] of byEco) {
    const namer = await ECOSYSTEM_DESCRIPTORS[eco].advisoryNames!();
    const named = await namer(
      list.map((x) => x.ref),
      warn,
    );
    for (const x of list) {
      const as = named.get(`${x.ref.name}@${x.ref.version}`);
      if (as !== undefined) out.set(x.text, as);
    }
  }
  return out;
}
