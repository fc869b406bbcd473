/**
 * The "Auditing" section of BENCHMARKS.md: `bale audit` against image files and a real registry
 * (audit.ts), and who-uses through the registry index (registry-index.ts).
 */
import type { AuditBench, RegistryAuditBench } from './audit.js';
import type { RegistryIndexBench } from './registry-index.js';

const s = (x: number): string => `${x.toFixed(2)} s`;

export async function benchAuditAll(runs: number): Promise<{ files: AuditBench; registry: RegistryAuditBench; index: RegistryIndexBench }> {
  const { benchAudit, benchAuditRegistry } = await import('./audit.js');
  const { benchRegistryIndex } = await import('./registry-index.js');
  return {
    files: await benchAudit(10_000, 200, runs),
    registry: await benchAuditRegistry(10_000, 200, runs),
    index: await benchRegistryIndex(runs),
  };
}

/** Met when both audits take under 5 s warm (issue 15). */
export const auditMet = (a: { files: AuditBench; registry: RegistryAuditBench }): boolean => a.files.warm < 5 && a.registry.warm < 5;

export function auditSection(a: { files: AuditBench; registry: RegistryAuditBench; index: RegistryIndexBench }, runs: number): string {
  const { files: f, registry: r, index: i } = a;
  return `## Auditing (OSV advisories, who-uses)

| what | first run | warm (median of ${runs}) | target |
|---|---|---|---|
| \`bale audit --osv\` ${f.records.toLocaleString('en-US')} records against ${f.images} image files of ${f.packagesPerImage} packages (--store for roots), ${f.affectedImages} affected | ${s(f.first)} | **${s(f.warm)}** | under 5 s |
| \`bale audit --osv\` ${r.records.toLocaleString('en-US')} records \`--registry\`: ${r.images} images of ${r.packagesPerImage} packages in a real docker-registry, through the cached index, ${r.affectedImages} affected | ${s(r.first)} | **${s(r.warm)}** | under 5 s |

Reading and indexing 100,000 records (one JSON file each, page cache warm), in process: ${s(f.load100k)}.
\`bale who-uses 'pkg:npm/bench-07@<1.10.0' --count\` over ${i.images} images of ${i.layersPerImage} layers in a real
docker-registry: ${s(i.cli.a)} with a warm index against ${s(i.cli.b)} cold (${i.cli.ratio.toFixed(2)}x); in process, every manifest
fetched (no cache) ${s(i.walk)}, the index cold ${s(i.cold)}, warm ${s(i.warm)} (a warm reading still lists every repository's tags
and HEADs each one, so it is never stale; it saves the manifest GETs).
`;
}
