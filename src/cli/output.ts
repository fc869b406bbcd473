import type { TaskResult } from '../builder/index.js';
import { printable, redactUrls } from '../errors/index.js';
import type { WrittenRecipe } from './commands.js';

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
 * registry's text) cannot drive the terminal, and URL passwords are redacted.
 */
export function say(text: string): void {
  process.stdout.write(`${text.split('\n').map(printable).join('\n')}\n`);
}

/** The same on stderr (worker logs). */
export function tell(text: string): void {
  process.stderr.write(`${text.split('\n').map(printable).join('\n')}\n`);
}

/** JSON already escapes C0 controls; the rest a terminal acts on become \u escapes too (the same JSON value). */
const JSON_UNSAFE = /[\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

export function printJson(value: unknown): void {
  const text = JSON.stringify(value, null, 2).replace(JSON_UNSAFE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  process.stdout.write(`${redactUrls(text)}\n`);
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
