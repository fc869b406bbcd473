/**
 * An SPDX 2.3 SBOM for an image: one SPDX package per bale package, with its purl, the sha256 of
 * the .tar.gz (the layer a scanner sees) and DEPENDS_ON edges from the manifests. Built from the
 * image alone, with no clock and no random namespace, so the same image always gets the same
 * document and it can be signed or diffed beside the image file.
 */
import { createHash } from 'node:crypto';
import { baleVersion } from '../../util/package-root.js';
import type { ImageFile, ResolvedPackage } from '../types.js';
import { canonicalJsonPretty } from './canonical-json.js';
import { comparePackages, imageEpoch, packagesOfImage, rfc3339 } from './packages.js';

/** Not a real host (RFC 2606): the namespace only has to be a unique URI, never fetched. */
export const SPDX_NAMESPACE_BASE = 'https://bale.invalid/spdx/';

const DOCUMENT_ID = 'SPDXRef-DOCUMENT';

/** `SPDXRef-` + letters, digits, '.', '-' (SPDX 2.3 idstring); anything else becomes '-'. */
export function spdxId(name: string, version: string): string {
  return `SPDXRef-Package-${`${name}-${version}`.replace(/[^A-Za-z0-9.-]/g, '-')}`;
}

/** Ids for the packages in order; two that sanitise alike each get a digest of their exact name and version appended. */
function assignIds(ordered: readonly ResolvedPackage[]): Map<ResolvedPackage, string> {
  const count = new Map<string, number>();
  for (const p of ordered) count.set(spdxId(p.name, p.version), (count.get(spdxId(p.name, p.version)) ?? 0) + 1);
  const ids = new Map<ResolvedPackage, string>();
  for (const p of ordered) {
    const id = spdxId(p.name, p.version);
    const exact = createHash('sha256').update(`${p.name}\0${p.version}`).digest('hex');
    ids.set(p, (count.get(id) ?? 0) > 1 ? `${id}-${exact}` : id);
  }
  return ids;
}

/** A digest of the package set: what makes the namespace unique to this content. */
function setDigest(ordered: readonly ResolvedPackage[]): string {
  const hash = createHash('sha256');
  for (const p of ordered) hash.update(`${p.name}\0${p.version}\0${p.sha256}\n`);
  return hash.digest('hex');
}

function spdxPackage(p: ResolvedPackage, id: string): Record<string, unknown> {
  return {
    SPDXID: id,
    name: p.name,
    versionInfo: p.version,
    downloadLocation: 'NOASSERTION',
    filesAnalyzed: false,
    licenseConcluded: 'NOASSERTION',
    licenseDeclared: 'NOASSERTION',
    copyrightText: 'NOASSERTION',
    checksums: [{ algorithm: 'SHA256', checksumValue: p.sha256 }],
    externalRefs: [{ referenceCategory: 'PACKAGE-MANAGER', referenceType: 'purl', referenceLocator: p.purl }],
  };
}

interface Relationship {
  spdxElementId: string;
  relationshipType: 'DESCRIBES' | 'DEPENDS_ON';
  relatedSpdxElement: string;
}

/** DESCRIBES for every package, then DEPENDS_ON for each dependency that is in the image. */
function relationships(ordered: readonly ResolvedPackage[], ids: Map<ResolvedPackage, string>): Relationship[] {
  const byKey = new Map<string, ResolvedPackage>();
  for (const p of ordered) byKey.set(`${p.name}\0${p.version}`, p);
  const out: Relationship[] = ordered.map((p) => ({
    spdxElementId: DOCUMENT_ID,
    relationshipType: 'DESCRIBES',
    relatedSpdxElement: ids.get(p)!,
  }));
  for (const p of ordered) {
    const seen = new Set<string>();
    for (const d of [...p.manifest.depends].sort(comparePackages)) {
      const dep = byKey.get(`${d.name}\0${d.version}`);
      if (dep === undefined || dep === p || seen.has(ids.get(dep)!)) continue;
      seen.add(ids.get(dep)!);
      out.push({ spdxElementId: ids.get(p)!, relationshipType: 'DEPENDS_ON', relatedSpdxElement: ids.get(dep)! });
    }
  }
  return out;
}

/** The SPDX 2.3 JSON document for `image` (canonical: sorted keys, two-space indent, final newline). */
export function spdxSbom(image: ImageFile, packages: ResolvedPackage[]): string {
  const ordered = packagesOfImage(image, packages);
  const ids = assignIds(ordered);
  const name = `${image.name}:${image.tag}`;
  const doc = {
    spdxVersion: 'SPDX-2.3',
    dataLicense: 'CC0-1.0',
    SPDXID: DOCUMENT_ID,
    name,
    documentNamespace: `${SPDX_NAMESPACE_BASE}${encodeURIComponent(image.name)}-${encodeURIComponent(image.tag)}-${setDigest(ordered)}`,
    creationInfo: { created: rfc3339(imageEpoch(ordered)), creators: [`Tool: bale-${baleVersion()}`] },
    packages: ordered.map((p) => spdxPackage(p, ids.get(p)!)),
    relationships: relationships(ordered, ids),
  };
  return canonicalJsonPretty(doc);
}
