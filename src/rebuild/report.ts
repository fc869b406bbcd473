/** One package's rebuild as a command prints it and a queue job returns it. */
import type { Outcome } from './rebuild.js';

export interface RebuildReport {
  name: string;
  version: string;
  /** The sha256 the original claims. */
  sha256: string;
  result: 'reproduced' | 'mismatch' | 'could not rebuild';
  rebuilt_sha256?: string;
  why?: string;
  /** For a mismatch: the differing files and fields (and diffoscope's report when asked). */
  differences?: string[];
}

export function toReport(o: Outcome, differences: string[] = []): RebuildReport {
  const { name, version, sha256 } = o.original;
  return {
    name,
    version,
    sha256,
    result: o.kind === 'failed' ? 'could not rebuild' : o.kind,
    ...(o.kind !== 'failed' ? { rebuilt_sha256: o.rebuilt.sha256 } : { why: o.why }),
    ...(differences.length > 0 ? { differences } : {}),
  };
}

const sha12 = (s: string): string => s.slice(0, 12);

export function reportLine(r: RebuildReport): string {
  if (r.result === 'reproduced') return `reproduced ${r.name} ${r.version} ${sha12(r.sha256)}`;
  if (r.result === 'mismatch')
    return `MISMATCH ${r.name} ${r.version}: expected ${sha12(r.sha256)}, rebuilt ${sha12(r.rebuilt_sha256 ?? '')}`;
  return `could not rebuild ${r.name} ${r.version}: ${r.why ?? 'no reason given'}`;
}
