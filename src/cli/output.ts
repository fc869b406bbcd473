import type { TaskResult } from '../builder/index.js';
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

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

export function printImport(roots: string[], recipes: WrittenRecipe[]): void {
  const changed = recipes.filter((x) => x.changed).length;
  for (const root of roots) process.stdout.write(`pinned ${root}\n`);
  process.stdout.write(`${recipes.length} recipes (${changed} written, ${recipes.length - changed} unchanged)\n`);
}

export function printPackages(lines: PackageLine[]): void {
  for (const l of lines) process.stdout.write(`${l.sha256.slice(0, 16)}  ${l.file}${l.cached ? '  (cached)' : ''}\n`);
  const built = new Set(lines.filter((l) => !l.cached).map((l) => l.file)).size;
  process.stdout.write(`${lines.length} packages (${built} built, ${lines.length - built} from the store)\n`);
}
