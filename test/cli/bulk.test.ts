/** How a --keep-going run is worded: roots matched to their arguments, summary lines, the report. */
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { argsOfRoots, failedRoot, finishRoots, reportDocument, rootsNotBuilt, summaryLines } from '../../src/cli/bulk.js';
import { parseSpec, type Purl } from '../../src/purl/purl.js';
import { tempDir } from '../helpers/cli.js';

const npm = (name: string, version: string): Purl => ({ type: 'npm', name, version });

describe('bulk run wording', () => {
  let t: { dir: string; cleanup: () => Promise<void> };
  before(async () => {
    t = await tempDir('bulk');
  });
  after(async () => t?.cleanup());

  it('matches pinned roots to the arguments kept, in order, skipping those set aside', () => {
    const group = ['npm:a@^1', 'npm:gone', 'npm:b'].map((arg) => ({ arg, spec: parseSpec(arg) }));
    const r = {
      roots: [npm('a', '1.2.0'), npm('b', '3.0.0')],
      recipes: [],
      rootFailures: [{ spec: group[1]!.spec, code: 'ENOTFOUND' as const, error: 'x' }],
    };
    assert.deepEqual(argsOfRoots(group, r), [
      ['pkg:npm/a@1.2.0', 'npm:a@^1'],
      ['pkg:npm/b@3.0.0', 'npm:b'],
    ]);
  });

  it('calls a root not built when its build, or one it needs, failed', () => {
    const argOf = new Map([
      ['pkg:npm/a@1.0.0', 'npm:a'],
      ['pkg:npm/b@1.0.0', 'npm:b'],
    ]);
    const failed = rootsNotBuilt([npm('a', '1.0.0'), npm('b', '1.0.0')], argOf, [
      { target: 'node 22.11.0', package: 'pkg:npm/c@1.0.0', error: 'install script exited 1', code: 'EBUILD' },
      { target: 'node 22.11.0', package: 'pkg:npm/b@1.0.0', error: 'not built: c failed', code: 'EDEPFAILED', skipped: true },
    ]);
    assert.deepEqual(failed, [{ spec: 'npm:b', code: 'EDEPFAILED', error: 'not built: c failed', category: 'build failure' }]);
  });

  it('sums up each category on one line, five specs at most', () => {
    const failed = [
      ...['1', '2', '3', '4', '5', '6', '7'].map((n) => failedRoot(`npm:x${n}`, 'ENOTFOUND', 'no')),
      failedRoot('npm:y', 'EREGISTRY', 'HTTP 500'),
      failedRoot('npm:z', 'ECONNRESET', 'reset'),
    ];
    assert.deepEqual(summaryLines(failed), [
      'bale: not found: 7 root(s): npm:x1, npm:x2, npm:x3, npm:x4, npm:x5 and 2 more',
      'bale: registry failure: 1 root(s): npm:y',
      'bale: other: 1 root(s): npm:z',
    ]);
  });

  it('counts the report by category', () => {
    const doc = reportDocument('import', 10, [failedRoot('npm:a', 'ENOVERSION', 'no'), failedRoot('npm:b', 'ENOVERSION', 'no')]);
    assert.deepEqual(
      { ...doc, failures: undefined },
      {
        command: 'import',
        roots: 10,
        succeeded: 8,
        failed: 2,
        categories: { 'no matching version': 2 },
        failures: undefined,
      },
    );
  });

  it('writes the report (replacing an old one) and words the error in the order the roots were given', async () => {
    const file = path.join(t.dir, 'report.json');
    await writeFile(file, 'old');
    const failed = [failedRoot('npm:c', 'EBUILD', 'failed'), failedRoot('npm:a', 'ENOTFOUND', 'no')];
    const err = await finishRoots('request', ['npm:a', 'npm:b', 'npm:c'], failed, { report: file });
    assert.equal(err?.code, 'EROOTS');
    assert.match(
      err!.message,
      /^2 of 3 root\(s\) failed \(not found 1, build failure 1\); kept the other 1 \(--keep-going\); each is named in /,
    );
    const doc = JSON.parse(await readFile(file, 'utf8')) as { failures: { spec: string }[] };
    assert.deepEqual(
      doc.failures.map((f) => f.spec),
      ['npm:a', 'npm:c'],
    );
    assert.equal(await finishRoots('import', ['npm:a'], [], {}), undefined);
  });
});
