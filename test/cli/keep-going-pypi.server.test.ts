/**
 * --keep-going for PyPI roots through the real CLI and the fixture index: a project that does not
 * exist (not found on every interpreter: its code kept, not ERESOLVE) and a version nothing
 * satisfies are set aside with their categories, the others imported, and each project page
 * fetched once however many attempts needed it.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { bale, listFiles, tempDir } from '../helpers/cli.js';
import { startPypiIndex, type FixtureIndex } from '../helpers/pypi-index.js';

describe('--keep-going over PyPI roots', () => {
  let t: { dir: string; cleanup: () => Promise<void> };
  let index: FixtureIndex;
  before(async () => {
    t = await tempDir('keep-going-pypi');
    index = await startPypiIndex();
  });
  after(async () => {
    await index?.close();
    await t?.cleanup();
  });

  test('the broken roots reported by category, the others imported, each page fetched once', async () => {
    const report = path.join(t.dir, 'report.json');
    const specs = ['pypi:fxp-lib@1.0.0', 'pypi:fxp-does-not-exist', 'pypi:fxp-app', 'pypi:fxp-lib@>=99'];
    const from = index.requests.length;
    const r = await bale(
      [
        'import',
        ...specs,
        '--python',
        '3.11',
        '--keep-going',
        '--report',
        report,
        '--index-url',
        index.simpleUrl,
        '--recipes',
        path.join(t.dir, 'recipes'),
      ],
      { env: { XDG_CACHE_HOME: path.join(t.dir, 'cache') } },
    );
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /^bale: not found: 1 root\(s\): pypi:fxp-does-not-exist$/m);
    const doc = JSON.parse(await readFile(report, 'utf8')) as { succeeded: number; failures: { spec: string; category: string }[] };
    assert.equal(doc.succeeded, 2);
    assert.deepEqual(
      doc.failures.map((f) => [f.spec, f.category]),
      [
        ['pypi:fxp-does-not-exist', 'not found'],
        // The PyPI resolver words "no version matches" as a resolution failure (ERESOLVE).
        ['pypi:fxp-lib@>=99', 'unsatisfiable'],
      ],
    );
    const files = await listFiles(path.join(t.dir, 'recipes'));
    assert.ok(files.includes('pypi/fxp-lib/1.0.0.toml'), files.join(' '));
    assert.ok(
      files.some((f) => f.startsWith('pypi/fxp-app/')),
      files.join(' '),
    );
    const pages = new Map<string, number>();
    for (const q of index.requests.slice(from)) if (/\/simple\/[^/]+\/$/.test(q.path)) pages.set(q.path, (pages.get(q.path) ?? 0) + 1);
    // A 404 is not remembered by the index client (the importer's early look and the resolver both
    // ask, as in a one-root import); every page that exists is fetched once.
    assert.deepEqual(
      [...pages].filter(([p, n]) => n > (p === '/simple/fxp-does-not-exist/' ? 2 : 1)),
      [],
    );
    assert.ok(pages.size >= 2);
  });
});
