/**
 * The import rules of .dependency-cruiser.cjs hold on the tree (`npm run check:imports` runs in
 * pretest), and each rule really catches what its name says: a two-file tree breaking it, cruised
 * with the same configuration, must fail naming that rule and only that rule.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { execa } from 'execa';

const ROOT = resolve(import.meta.dirname, '../../..');
const CONFIG = join(ROOT, '.dependency-cruiser.cjs');
const DEPCRUISE = join(ROOT, 'node_modules/.bin/depcruise');

interface Violation {
  rule: { name: string };
  from: string;
  to: string;
}

/** Cruises `dir` (its src/, importers/, queue/) with the project's rules; the violations found. */
async function violations(dir: string): Promise<Violation[]> {
  const roots = ['src', 'importers', 'queue'];
  const r = await execa(DEPCRUISE, [...roots, '--config', CONFIG, '--output-type', 'json'], { cwd: dir, reject: false });
  assert.ok(r.stdout.startsWith('{'), `depcruise gave no report (exit ${String(r.exitCode)}): ${r.stderr.slice(0, 500)}`);
  return (JSON.parse(r.stdout) as { summary: { violations: Violation[] } }).summary.violations;
}

/** A tree of TypeScript files (path -> imports), each exporting something so it is a module. */
async function tree(base: string, files: Record<string, string[]>): Promise<string> {
  const dir = await mkdtemp(join(base, 'tree-'));
  await writeFile(
    join(dir, 'tsconfig.json'),
    JSON.stringify({ compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', strict: true } }),
  );
  for (const root of ['src', 'importers', 'queue']) await mkdir(join(dir, root), { recursive: true });
  for (const [file, imports] of Object.entries(files)) {
    await mkdir(dirname(join(dir, file)), { recursive: true });
    const lines = imports.map((to) => {
      let rel = posixRelative(dirname(file), to).replace(/\.ts$/, '.js');
      if (!rel.startsWith('.')) rel = `./${rel}`;
      return `import '${rel}';`;
    });
    await writeFile(join(dir, file), [...lines, 'export const x = 1;', ''].join('\n'));
  }
  return dir;
}

function posixRelative(from: string, to: string): string {
  const a = from.split('/');
  const b = to.split('/');
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return [...a.slice(i).map(() => '..'), ...b.slice(i)].join('/');
}

// Each rule, broken by the smallest import that breaks it.
const BREAKS: Record<string, Record<string, string[]>> = {
  'no-circular': { 'src/image/a.ts': ['src/image/b.ts'], 'src/image/b.ts': ['src/image/a.ts'] },
  'core-imports-only-core': { 'src/recipe/schema.ts': ['src/fetch/http.ts'], 'src/fetch/http.ts': [] },
  'importers-write-recipes-not-packages': { 'importers/npm/index.ts': ['src/store/index.ts'], 'src/store/index.ts': [] },
  'ecosystem-facts-are-pure': { 'importers/npm/facts/package-json.ts': ['src/archive/read.ts'], 'src/archive/read.ts': [] },
  'builder-never-imports-importers': { 'src/builder/npm/index.ts': ['importers/npm/closure.ts'], 'importers/npm/closure.ts': [] },
  'packer-and-store-know-no-ecosystem': { 'src/store/local-store.ts': ['src/interpreters/node.ts'], 'src/interpreters/node.ts': [] },
  'store-never-imports-image': { 'src/store/local-store.ts': ['src/image/compose.ts'], 'src/image/compose.ts': [] },
  'oci-below-registry-store-image': { 'src/oci/media.ts': ['src/registry/client.ts'], 'src/registry/client.ts': [] },
  'http-core-imports-only-core': { 'src/http/retry.ts': ['src/fetch/http.ts'], 'src/fetch/http.ts': [] },
  'nothing-in-src-imports-queue': { 'src/builder/index.ts': ['queue/jobs.ts'], 'queue/jobs.ts': [] },
  'nothing-imports-the-cli': { 'queue/worker.ts': ['src/cli/output.ts'], 'src/cli/output.ts': [] },
};

describe('import rules (.dependency-cruiser.cjs)', { concurrency: 2 }, () => {
  let base: string;
  before(async () => {
    base = await mkdtemp(join(tmpdir(), 'bale-rules-'));
  });
  after(async () => {
    await rm(base, { recursive: true, force: true });
  });

  it('names every rule of the configuration in this test', async () => {
    const { createRequire } = await import('node:module');
    const config = createRequire(import.meta.url)(CONFIG) as { forbidden: { name: string }[] };
    assert.deepEqual(config.forbidden.map((r) => r.name).sort(), Object.keys(BREAKS).sort());
  });

  for (const [rule, files] of Object.entries(BREAKS)) {
    it(`${rule}: a tree breaking it fails with that rule's name`, async () => {
      const found = await violations(await tree(base, files));
      assert.ok(found.length > 0, `${rule}: no violation found`);
      assert.deepEqual([...new Set(found.map((v) => v.rule.name))], [rule]);
    });
  }

  it('allowed imports pass: the lazy descriptor thunk, a builder reading facts, the CLI loading queue/', async () => {
    const found = await violations(
      await tree(base, {
        'importers/npm/ecosystem.ts': ['src/builder/npm/index.ts', 'importers/npm/ecosystem-core.ts'],
        'importers/npm/ecosystem-core.ts': [],
        'src/builder/npm/index.ts': ['importers/npm/facts/package-json.ts', 'src/packer/pack.ts', 'src/store/index.ts'],
        'importers/npm/facts/package-json.ts': ['src/errors/index.ts', 'src/packer/entry.ts'],
        'src/errors/index.ts': [],
        'src/packer/entry.ts': [],
        'src/packer/pack.ts': ['src/errors/index.ts'],
        'src/store/index.ts': ['src/oci/media.ts'],
        'src/oci/media.ts': [],
        'src/cli/main.ts': ['queue/worker.ts', 'importers/npm/ecosystem.ts'],
        'queue/worker.ts': ['src/builder/npm/index.ts'],
      }),
    );
    assert.deepEqual(found, []);
  });
});
