import { join } from 'node:path';
import { parse as parseToml } from 'smol-toml';
import * as z from '../util/zod.js';
import { UserError } from '../errors/index.js';
import { ecosystemCore } from '../ecosystems/core.js';
import type { Ecosystem } from '../purl/purl.js';
import { packageRoot } from '../util/package-root.js';
import { readBoundedText, READ_BOUNDS } from '../util/read-file.js';
import { LimitsSchema } from '../recipe/schema.js';

const DEBIAN_PKG = /^[a-z0-9][a-z0-9+.-]+$/;
const ONE_LINE = /^[^\n\r\0]+$/;
const PROVIDED = /^(?:\/[^\s\0]+|[A-Za-z0-9_][A-Za-z0-9_.+-]*)$/;

/** A `/`-separated relative path: no leading `/`, no `.`, `..` or empty segment, no backslash or control character. */
function isRelativeGlob(p: string): boolean {
  if (p === '' || /[\\\x00-\x1f]/.test(p)) return false;
  return p.split('/').every((seg) => seg !== '' && seg !== '.' && seg !== '..');
}

/** One row of `overrides/<ecosystem>.toml`: what a package needs that its metadata does not say. */
export const OverrideRowSchema = z
  .strictObject({
    name: z.string().check(z.minLength(1)),
    /** Version range in the ecosystem's own syntax; absent = every version. */
    versions: z.optional(z.string().check(z.minLength(1))),
    /** Debian packages needed on the build host. */
    build: z._default(z.array(z.string().check(z.regex(DEBIAN_PKG))), []),
    /** Packages an image needs at run time. */
    runtime: z._default(z.array(z.string().check(z.regex(DEBIAN_PKG))), []),
    env: z._default(z.record(z.string().check(z.regex(/^[A-Za-z_][A-Za-z0-9_]*$/)), z.string()), {}),
    /** Extra exact build requirements (purls). */
    requires: z._default(z.array(z.string()), []),
    /**
     * PyPI: `runtime` is needed with a wheel too, not only when bale builds the sdist, because the
     * package loads the library by name at run time (ctypes, cffi ABI mode), runs it as a command, or
     * its wheels link it without bundling it (pyodbc and libodbc.so.2). Without it a PyPI row applies
     * to sdists only: a manylinux wheel bundles what it links. Absent means false.
     */
    wheel_runtime: z.optional(z.boolean()),
    /** Install scripts known to do nothing a package needs (funding banners): build it as pure. */
    ignore_scripts: z._default(z.boolean(), false),
    /** Where the row comes from: upstream docs, a distro recipe. */
    note: z.optional(z.string()),
    /**
     * Ecosystem-specific build flags, passed through word for word, in order. RubyGems: the words after
     * `--` in `gem install <gem> -- <flags>` (extconf.rb options such as `--use-system-libraries`).
     * PyPI: PEP 517 config settings, each `KEY=VALUE` as given to `--config-settings`; a key given more
     * than once becomes a list, in order (meson-python's `setup-args=-Dblas=openblas`). npm: unused.
     * Absent when the row has none.
     */
    flags: z.optional(z.array(z.string().check(z.minLength(1), z.regex(ONE_LINE, 'a flag is one line of text')))),
    /**
     * Paths to delete from the built package, relative to where the package's files are installed
     * (PyPI: site-packages; RubyGems: the gem's own directory; npm: the package directory). `*` matches
     * within one path segment and `**` any number of segments: e.g. a shared namespace `__init__.py`
     * that several distributions would otherwise all own. Absent when the row has none.
     */
    drop: z.optional(
      z.array(z.string().check(z.refine(isRelativeGlob, 'not a relative path (no leading "/", no ".", ".." or empty segments)'))),
    ),
    /**
     * Bounds over bale's defaults for this package (src/limits): `{ timeout = "45m", unpacked_size = "6GiB" }`
     * for a build known to be long or an archive known to be huge. Copied into the recipe's [build.limits].
     */
    limits: z.optional(LimitsSchema),
    /**
     * What a build looks for, mapped to the Debian package that provides it, so an error can name the
     * package instead of the missing file: a command looked up on PATH (`pg_config`) or an absolute
     * path (`/usr/include/yaml.h`). Every value must also be in `build`. Absent when the row has none.
     */
    provides: z.optional(
      z.record(z.string().check(z.regex(PROVIDED, 'a command name or an absolute path')), z.string().check(z.regex(DEBIAN_PKG))),
    ),
  })
  .check(
    z.superRefine((row, ctx) => {
      for (const [what, pkg] of Object.entries(row.provides ?? {})) {
        if (!row.build.includes(pkg)) ctx.addIssue({ code: 'custom', path: ['provides', what], message: `${pkg} is not in build` });
      }
      if (row.wheel_runtime === true && row.runtime.length === 0)
        ctx.addIssue({ code: 'custom', path: ['wheel_runtime'], message: 'says runtime is needed with a wheel, but runtime is empty' });
    }),
  );
export type OverrideRow = z.output<typeof OverrideRowSchema>;

const TableSchema = z.strictObject({ package: z._default(z.array(OverrideRowSchema), []) });

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

  /** The first row for a name whose `versions` admits the version, by the ecosystem's own range rules. */
  match(name: string, version: string, admits: (version: string, range: string) => boolean): OverrideRow | undefined {
    return this.rowsFor(name).find((r) => r.versions === undefined || admits(version, r.versions));
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
    const problems = parsed.error.issues.map(
      (i) =>
        `${i.path
          .map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`))
          .join('')
          .replace(/^\./, '')}: ${i.message}`,
    );
    throw new UserError('EOVERRIDE', `override table ${file}: ${problems.join('; ')}`);
  }
  return new OverrideTable(parsed.data.package);
}

/**
 * An ecosystem's override table, the file its descriptor names (`overrides/rubygems.toml` for gems),
 * shipped with bale or from `dir`. A missing file, or an ecosystem without a table, is an empty table.
 */
export async function loadOverrides(ecosystem: Ecosystem, dir = join(packageRoot(), 'overrides')): Promise<OverrideTable> {
  const name = ecosystemCore(ecosystem).overrides;
  if (name === undefined) return new OverrideTable([]);
  const file = join(dir, name);
  // Missing is empty; a fifo, device or oversized table is named, not read forever or ignored.
  const text = await readBoundedText(file, {
    maxBytes: READ_BOUNDS.overrides,
    what: 'an override table',
    code: 'EOVERRIDES',
    hint: 'give --overrides a directory of override .toml files',
    optional: true,
  });
  return text === undefined ? new OverrideTable([]) : parseOverrides(text, file);
}
