/** --from-file: the one reader of spec lists (import, request, build, enqueue). */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseSpecLines, specsFrom } from '../../src/cli/spec-file.js';
import { isUsageError } from '../../src/errors/index.js';
import { tempDir } from '../helpers/cli.js';

describe('spec lists', () => {
  let t: { dir: string; cleanup: () => Promise<void> };
  before(async () => {
    t = await tempDir('spec-file');
  });
  after(async () => t?.cleanup());

  it('takes one spec a line, without comments, blank lines or surrounding blanks', () => {
    assert.deepEqual(parseSpecLines('# roots\n\nnpm:a@1  # pinned\r\n  pypi:b\n\t\n#npm:c\ngem:d'), ['npm:a@1', 'pypi:b', 'gem:d']);
    assert.deepEqual(parseSpecLines(''), []);
  });

  it('puts the arguments first, then the file', async () => {
    const file = path.join(t.dir, 'roots.txt');
    await writeFile(file, 'npm:b\n# npm:c\nnpm:d\n');
    assert.deepEqual(await specsFrom(['npm:a'], file, 'import'), ['npm:a', 'npm:b', 'npm:d']);
  });

  it('refuses nothing at all as a usage error naming what would have been done', async () => {
    const file = path.join(t.dir, 'empty.txt');
    await writeFile(file, '# nothing yet\n\n');
    await assert.rejects(specsFrom([], file, 'import'), (err: unknown) => {
      assert.ok(isUsageError(err));
      assert.match((err as Error).message, /^nothing to import: name specs, or --from-file FILE/);
      return true;
    });
  });

  it('says the file is gone when it went after the flag was checked', async () => {
    await assert.rejects(specsFrom([], path.join(t.dir, 'gone.txt'), 'build'), /--from-file .*gone\.txt: no such file/);
  });
});
