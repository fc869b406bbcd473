import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse as parseToml } from 'smol-toml';
import { z } from 'zod';
import { UserError } from '../errors/index.js';
import type { Ecosystem } from '../purl/purl.js';
import { packageRoot } from '../util/package-root.js';

const DEBIAN_PKG = /^[a-z0-9][a-z0-9+.-]+$/;

/** One row of `overrides/<ecosystem>.toml`: what a package needs that its metadata does not say. */
export const OverrideRowSchema = z.strictObject({
  name: z.string().min(1),
  /** Version range in the ecosystem's own syntax; absent = every version. */
  versions: z.string().min(1).optional(),
  /** Debian packages needed on the build host. */
  build: z.array(z.string().regex(DEBIAN_PKG)).default([]),
  /** Packages an image needs at run time. */
  runtime: z.array(z.string().regex(DEBIAN_PKG)).default([]),
  env: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/), z.string()).default({}),
  /** Extra exact build requirements (purls). */
  requires: z.array(z.string()).default([]),
  /** Install scripts known to do nothing a package needs (funding banners): build it as pure. */
  ignore_scripts: z.boolean().default(false),
  /** Where the row comes from: upstream docs, a distro recipe. */
  note: z.string().optional(),
});
export type OverrideRow = z.output<typeof OverrideRowSchema>;

const TableSchema = z.strictObject({ package: z.array(OverrideRowSchema).default([]) });

export class OverrideTable {
  private readonly byName = new Map<string, OverrideRow[]>();

  constructor(rows: OverrideRow[]) {
    for (const r of rows) {
      const list = this.byName.get(r.name) ?? [];
      list.push(r);
      this.byName.set(r.name, list);
    }
  }

  /** Rows for a name, in file order; the ecosystem's importer matches `versions` with its own rules. */
  rowsFor(name: string): OverrideRow[] {
    return this.byName.get(name) ?? [];
  }

  get size(): number {
    let n = 0;
    for (const l of this.byName.values()) n += l.length;
    return n;
  }
}

export function parseOverrides(text: string, file: string): OverrideTable {
  let doc: unknown;
  try {
    doc = parseToml(text);
  } catch (err) {
    throw new UserError('EOVERRIDE', `override table ${file}: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`);
  }
  const parsed = TableSchema.safeParse(doc);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('').replace(/^\./, '')}: ${i.message}`);
    throw new UserError('EOVERRIDE', `override table ${file}: ${problems.join('; ')}`);
  }
  return new OverrideTable(parsed.data.package);
}

/** `overrides/<ecosystem>.toml` shipped with bale, or from `dir`. A missing file is an empty table. */
export async function loadOverrides(ecosystem: Ecosystem, dir = join(packageRoot(), 'overrides')): Promise<OverrideTable> {
  const file = join(dir, `${ecosystem}.toml`);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return new OverrideTable([]);
  }
  return parseOverrides(text, file);
}
