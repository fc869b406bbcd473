import type { TaskResult } from '../builder/index.js';
import { escapeJsonUnsafe, printableLines, redactUrls } from '../errors/printable.js';

/** A recipe writeRecipes wrote, or found already there. */
export interface WrittenRecipe {
  purl: string;
  file: string;
  /** false when the file already held exactly these bytes. */
  changed: boolean;
}

export interface PackageLine {
  name: string;
  version: string;
  purl: string;
  interpreter: string | null;
  file: string;
  sha256: string;
  size: number;
  cached: boolean;
}

export function packageLines(results: TaskResult[]): PackageLine[] {
  const lines: PackageLine[] = [];
  for (const r of results) {
    for (const p of r.packages) {
      lines.push({
        name: p.name,
        version: p.version,
        purl: r.task.node.id,
        interpreter: r.task.target.interpreter === null ? null : `${r.task.target.interpreter.kind}${r.task.target.interpreter.version}`,
        file: p.file,
        sha256: p.sha256,
        size: p.size,
        cached: r.cached,
      });
    }
  }
  return lines.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.version < b.version ? -1 : a.version > b.version ? 1 : 0));
}

/**
 * Lines for the user on stdout, each made printable: what they echo (specs, file names, a
 * registry's text) cannot drive the terminal, and URL credentials are redacted.
 */
export function say(text: string): void {
  process.stdout.write(`${printableLines(text)}\n`);
}

/** The same on stderr (worker logs). */
export function tell(text: string): void {
  process.stderr.write(`${printableLines(text)}\n`);
}

/** JSON on stdout: what a terminal acts on as \u escapes (the same JSON value), URL credentials redacted. */
export function printJson(value: unknown): void {
  process.stdout.write(`${redactUrls(escapeJsonUnsafe(JSON.stringify(value, null, 2)))}\n`);
}

export function printImport(roots: string[], recipes: WrittenRecipe[]): void {
  const changed = recipes.filter((x) => x.changed).length;
  for (const root of roots) say(`pinned ${root}`);
  say(`${recipes.length} recipes (${changed} written, ${recipes.length - changed} unchanged)`);
}

export function printPackages(lines: PackageLine[]): void {
  for (const l of lines) say(`${l.sha256.slice(0, 16)}  ${l.file}${l.cached ? '  (cached)' : ''}`);
  const built = new Set(lines.filter((l) => !l.cached).map((l) => l.file)).size;
  say(`${lines.length} packages (${built} built, ${lines.length - built} from the store)`);
}
