/**
 * Bulk runs through the real CLI against the fixture npm registry serving 300 generated roots and
 * some broken on purpose, one per category: `import --from-file --keep-going --report` imports the
 * rest (their recipes written), names each broken root with its category in the report, exits 1
 * with one summary line per category, and fetches each packument once however many roots need it.
 * Without --keep-going the same list writes nothing. `request` and `build` report a failed build
 * as a build failure of its root and keep what built.
 */
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { bale, listFiles, oneErrorLine, tempDir, type BaleRun } from '../helpers/cli.js';
import { generatedRoots, genName, SHARED, type BrokenRoot } from '../helpers/npm-generated.js';
import { startNpmRegistry, type FixtureRegistry } from '../helpers/npm-registry.js';

interface Report {
  command: string;
  roots: number;
  succeeded: number;
  failed: number;
  categories: Record<string, number>;
  failures: { spec: string; code: string; error: string; category: string }[];
}

const COUNT = 300;

describe('bulk runs: --from-file, --keep-going, --report', () => {
  let t: { dir: string; cleanup: () => Promise<void> };
  let reg: FixtureRegistry;
  let healthy: string[];
  let broken: BrokenRoot[];
  const dir = (x: string): string => path.join(t.dir, x);
  const run = (s: string, args: string[]): Promise<BaleRun> =>
    bale([...args, '--registry', reg.url, '--store', dir(`${s}/store`), '--recipes', dir(`${s}/recipes`)], {
      env: { XDG_CACHE_HOME: dir('cache') },
    });
  /** A roots file: the specs with comments and blank lines between them, as a maintainer keeps one. */
  const rootsFile = async (name: string, specs: string[]): Promise<string> => {
    const lines = ['# roots of the bulk test', ''];
    for (const [i, s] of specs.entries()) {
      lines.push(i % 50 === 0 ? `${s}   # every fiftieth has a comment` : s);
      if (i % 97 === 0) lines.push('');
    }
    await writeFile(dir(name), `${lines.join('\n')}\n`);
    return dir(name);
  };
  const readReport = async (file: string): Promise<Report> => JSON.parse(await readFile(file, 'utf8')) as Report;

  before(async () => {
    t = await tempDir('keep-going');
    const g = await generatedRoots(COUNT);
    healthy = g.healthy;
    broken = g.broken;
    reg = await startNpmRegistry({ extraPackages: g.packages });
  });
  after(async () => {
    await reg?.close();
    await t?.cleanup();
  });

  /** The broken roots an import sees, spread through the healthy ones. */
  const mixed = (): { specs: string[]; failing: BrokenRoot[] } => {
    const failing = broken.filter((b) => b.buildOnly !== true);
    const specs = [...healthy];
    for (const [i, b] of failing.entries()) specs.splice(7 + i * 31, 0, b.spec);
    return { specs, failing };
  };

  test('without --keep-going one broken root fails the import and nothing is written', async () => {
    const file = await rootsFile('all-or-nothing.txt', mixed().specs);
    const r = await run('strict', ['import', '--from-file', file]);
    assert.equal(r.code, 1, r.stderr);
    oneErrorLine(r.stderr);
    assert.deepEqual(await listFiles(dir('strict/recipes')), []);
  });

  test('--report without --keep-going is a usage error, before anything is resolved', async () => {
    const before = reg.requests.length;
    const r = await run('usage', ['import', 'npm:fx-left', '--report', dir('usage.json')]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(oneErrorLine(r.stderr), /--report .*add --keep-going/);
    assert.equal(reg.requests.length, before, 'no registry request');
  });

  test('import --keep-going imports the rest, reports each broken root by category, fetches each packument once', async () => {
    const { specs, failing } = mixed();
    const file = await rootsFile('roots.txt', specs);
    const report = dir('import-report.json');
    const from = reg.requests.length;
    const started = Date.now();
    const r = await run('bulk', ['import', '--from-file', file, '--keep-going', '--report', report]);
    const took = Date.now() - started;
    assert.equal(r.code, 1, r.stderr);

    // One summary line per category, then the one error line.
    const lines = r.stderr.split('\n').filter((l) => l.startsWith('bale: '));
    const categories = [...new Set(failing.map((b) => b.category))];
    for (const c of categories) {
      const these = failing.filter((b) => b.category === c);
      assert.equal(lines.filter((l) => l.startsWith(`bale: ${c}: ${these.length} root(s): `)).length, 1, `${c}:\n${r.stderr}`);
    }
    const errors = lines.filter((l) => l.startsWith('bale: error: '));
    assert.equal(errors.length, 1, r.stderr);
    assert.match(
      errors[0]!,
      new RegExp(`^bale: error: ${failing.length} of ${specs.length} root\\(s\\) failed .*kept the other ${COUNT} \\(--keep-going\\)`),
    );
    assert.equal(lines.length, categories.length + 1, r.stderr);

    const doc = await readReport(report);
    assert.equal(doc.command, 'import');
    assert.equal(doc.roots, specs.length);
    assert.equal(doc.succeeded, COUNT);
    assert.equal(doc.failed, failing.length);
    assert.deepEqual(
      doc.failures.map((f) => [f.spec, f.category]),
      failing.map((b) => [b.spec, b.category]),
    );
    for (const f of doc.failures) {
      assert.match(f.code, /^E[A-Z0-9]+$/);
      assert.ok(f.error.length > 0 && !f.error.includes('\n'), f.error);
    }
    assert.equal(doc.failures.find((f) => f.spec === 'npm:fx-gen-gitdep')!.code, 'EUNSUPPORTED');
    assert.equal(doc.failures.find((f) => f.spec === 'npm:fx-darwin-only')!.code, 'EBADPLATFORM');

    // Every healthy root's recipe, and the shared one; none of a broken root.
    const files = new Set(await listFiles(dir('bulk/recipes')));
    for (let i = 0; i < COUNT; i++) assert.ok(files.has(`npm/${genName(i)}/1.0.0.toml`), genName(i));
    assert.ok(files.has(`npm/${SHARED}/1.2.0.toml`));
    for (const b of ['fx-gen-gitdep', 'fx-darwin-only', 'fx-needs-missing'])
      assert.ok(![...files].some((f) => f.startsWith(`npm/${b}/`)), b);
    assert.equal(files.size, COUNT + 1);

    // One crawl: a packument is fetched once however many roots (and attempts) need it.
    const fetched = new Map<string, number>();
    for (const q of reg.requests.slice(from)) if (!q.path.includes('/-/')) fetched.set(q.path, (fetched.get(q.path) ?? 0) + 1);
    assert.equal(fetched.get(`/${SHARED}`), 1);
    // A name answered with an error is asked again by pacote's own fallbacks (corgi, then full JSON;
    // a 500 with retries), as in a one-root import; never once per root or per attempt.
    const failed = new Set(['/fx-gen-nope', '/fx-does-not-exist', '/fx-garbage', '/fx-500']);
    const twice = [...fetched].filter(([p, n]) => n > 1 && !failed.has(p));
    assert.deepEqual(twice, [], 'packuments fetched more than once');
    assert.ok(fetched.size > COUNT, `${fetched.size} packuments`);
    for (const p of failed) assert.ok((fetched.get(p) ?? 0) <= (p === '/fx-500' ? 4 : 3), `${p}: ${fetched.get(p)}`);
    assert.ok(took < 60_000, `took ${took} ms`);
  });

  test('a second run of the same list changes no recipe, and --json lists the failed roots', async () => {
    const { specs, failing } = mixed();
    const file = await rootsFile('roots-again.txt', specs);
    const r = await run('bulk', ['import', '--from-file', file, '--keep-going', '--json']);
    assert.equal(r.code, 1, r.stderr);
    const out = JSON.parse(r.stdout) as { recipes: { changed: boolean }[]; failedRoots: { spec: string; category: string }[] };
    assert.equal(out.recipes.filter((x) => x.changed).length, 0);
    assert.deepEqual(
      out.failedRoots.map((f) => f.spec),
      failing.map((b) => b.spec),
    );
  });

  test('request --keep-going builds the rest; a failed build is a build failure of its root', async () => {
    const specs = [healthy[0]!, 'npm:fx-gen-fails@1.0.0', 'npm:fx-gen-nope', healthy[1]!];
    const file = await rootsFile('request.txt', specs.slice(1));
    const report = dir('request-report.json');
    const r = await run('req', ['request', specs[0]!, '--from-file', file, '--keep-going', '--report', report]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /^bale: not found: 1 root\(s\): npm:fx-gen-nope$/m);
    assert.match(r.stderr, /^bale: build failure: 1 root\(s\): npm:fx-gen-fails@1\.0\.0$/m);
    const doc = await readReport(report);
    assert.equal(doc.succeeded, 2);
    // In the order given, though the failed build was found after the root that did not resolve.
    assert.deepEqual(
      doc.failures.map((f) => [f.spec, f.category, f.code]),
      [
        ['npm:fx-gen-fails@1.0.0', 'build failure', 'EBUILD'],
        ['npm:fx-gen-nope', 'not found', 'ENOTFOUND'],
      ],
    );
    const stored = await listFiles(dir('req/store'));
    for (const n of [genName(0), genName(1), SHARED])
      assert.ok(
        stored.some((f) => f.includes(`node-${n}-`)),
        `${n} in ${stored.join(' ')}`,
      );
    assert.ok(!stored.some((f) => f.includes('fx-gen-fails')));
    // The tree holds what was built: the failed root's recipe is not written, the others' are.
    const recipes = await listFiles(dir('req/recipes'));
    assert.ok(!recipes.some((f) => f.includes('fx-gen-fails')), recipes.join(' '));
    assert.ok(recipes.some((f) => f.includes(genName(0))));
  });

  test('build --from-file --keep-going: a spec with no recipe is not found, the rest built from the store', async () => {
    // import writes the recipe of the root whose build fails (it only resolves).
    const imp = await run('req', ['import', 'npm:fx-gen-fails@1.0.0']);
    assert.equal(imp.code, 0, imp.stderr);
    const file = await rootsFile('build.txt', [healthy[0]!, 'npm:fx-gen-nope', healthy[1]!, 'npm:fx-gen-fails@1.0.0']);
    const report = dir('build-report.json');
    const r = await run('req', ['build', '--from-file', file, '--keep-going', '--report', report, '--json']);
    assert.equal(r.code, 1, r.stderr);
    const doc = await readReport(report);
    assert.equal(doc.command, 'build');
    assert.deepEqual(
      doc.failures.map((f) => [f.spec, f.category]),
      [
        ['npm:fx-gen-nope', 'not found'],
        ['npm:fx-gen-fails@1.0.0', 'build failure'],
      ],
    );
    const out = JSON.parse(r.stdout) as { packages: { name: string; cached: boolean }[] };
    assert.ok(out.packages.some((p) => p.name === `node-${genName(0)}` && p.cached));
  });
});
