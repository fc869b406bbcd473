/**
 * `bale audit` and `compose --osv`: OSV advisories against images' packages. read.ts reads the
 * records, advisory-index.ts indexes them and matches a purl (ranges.ts evaluates one range),
 * audit.ts audits one image, report.ts writes the table and the JSON, targets.ts reads images.
 */
import { AdvisoryIndex } from './advisory-index.js';
import { readOsv, type ReadResult } from './read.js';

export { AdvisoryIndex, type Finding } from './advisory-index.js';
export { auditImage, type AuditTarget, type ImageAudit } from './audit.js';
export { auditJson, auditText, type AuditSummary } from './report.js';

export interface Advisories {
  index: AdvisoryIndex;
  read: Omit<ReadResult, 'records'> & { records: number };
}

/** The records under `path`, indexed; every record skipped is named through `warn`. */
export async function loadAdvisories(path: string, warn: (line: string) => void): Promise<Advisories> {
  const r = await readOsv(path, warn);
  const index = await AdvisoryIndex.build(r.records, warn);
  return { index, read: { files: r.files, withdrawn: r.withdrawn, malformed: r.malformed, records: r.records.length } };
}
