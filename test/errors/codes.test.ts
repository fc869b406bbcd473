/** The table of error codes cannot rot: every code in it is still thrown somewhere, and each reads as one line. */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import { ERROR_CODES, type ErrorCode } from '../../src/errors/index.js';
import { repoRoot } from '../helpers/npm-fixtures.js';
import { walk } from '../helpers/walk.js';

const SOURCE_DIRS = ['src', 'importers', 'queue'];
const TABLE = 'src/errors/codes.ts';

/**
 * Every quoted E... literal in the .ts sources, the table itself left out. Comment lines do not
 * count: a code a doc comment still names but nothing throws is unused.
 */
async function quotedCodes(): Promise<Set<string>> {
  const root = repoRoot();
  const found = new Set<string>();
  for (const dir of SOURCE_DIRS) {
    for (const rel of await walk(path.join(root, dir))) {
      const file = `${dir}/${rel}`;
      if (!file.endsWith('.ts') || file === TABLE) continue;
      for (const line of (await readFile(path.join(root, file), 'utf8')).split('\n')) {
        if (/^\s*(\/\/|\/\*|\*)/.test(line)) continue;
        for (const m of line.matchAll(/['"](E[A-Z0-9]+)['"]/g)) found.add(m[1]!);
      }
    }
  }
  return found;
}

const codes = Object.keys(ERROR_CODES) as ErrorCode[];

describe('ERROR_CODES: the one list of what a BaleError can carry', () => {
  it('has codes', () => assert.ok(codes.length > 0));

  it('names every code as E followed by capitals and digits', () => {
    assert.deepEqual(
      codes.filter((c) => !/^E[A-Z0-9]+$/.test(c)),
      [],
    );
  });

  it('gives each code a meaning of one non-empty line', () => {
    const bad = codes.filter((c) => ERROR_CODES[c].trim() === '' || /[\r\n\u2028\u2029]/.test(ERROR_CODES[c]));
    assert.deepEqual(bad, []);
  });

  it('lists only codes the sources under src, importers and queue still use', async () => {
    const used = await quotedCodes();
    assert.ok(used.size > 0, 'no sources found: is the checkout where repoRoot() says?');
    assert.deepEqual(
      codes.filter((c) => !used.has(c)),
      [],
      'remove these from src/errors/codes.ts, or throw them again',
    );
  });
});
