/**
 * Build records: `builds/<buildKey>.json`, written last by put(), naming the packages one build
 * produced. A record is only trusted when every path in it is exactly the one its name, version
 * and hash lead to, so an edited record cannot point outside the store.
 */
import * as z from '../util/zod.js';
import { packageFiles, packageStem } from './paths.js';

export interface RecordPackage {
  name: string;
  version: string;
  sha256: string;
  size: number;
  /** Relative to the store root. */
  file: string;
  manifest: string;
}

export interface BuildRecord {
  format: 1;
  build_key: string;
  packages: RecordPackage[];
}

const recordSchema = z.strictObject({
  format: z.literal(1),
  build_key: z.string(),
  packages: z.array(
    z.strictObject({
      name: z.string(),
      version: z.string(),
      sha256: z.string(),
      size: z.number().check(z.int(), z.gte(0)),
      file: z.string(),
      manifest: z.string(),
    }),
  ),
});

/** Fixed key order, 2-space indent, trailing newline: same build, same record bytes. */
export function recordJson(r: BuildRecord): string {
  const packages = r.packages.map((p) => ({
    name: p.name,
    version: p.version,
    sha256: p.sha256,
    size: p.size,
    file: p.file,
    manifest: p.manifest,
  }));
  return `${JSON.stringify({ format: r.format, build_key: r.build_key, packages }, null, 2)}\n`;
}

function pathsAreCanonical(p: RecordPackage): boolean {
  try {
    const files = packageFiles(packageStem(p.name, p.version, p.sha256));
    return p.file === files.tgz && p.manifest === files.manifest;
  } catch {
    return false;
  }
}

/** The record, or undefined when it is unreadable, for another key, or names paths it should not. */
export function parseRecord(text: string, buildKey: string): BuildRecord | undefined {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return undefined;
  }
  const r = recordSchema.safeParse(raw);
  if (!r.success || r.data.build_key !== buildKey) return undefined;
  return r.data.packages.every(pathsAreCanonical) ? r.data : undefined;
}
