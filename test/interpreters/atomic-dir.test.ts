import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { installDirAtomically } from '../../src/interpreters/atomic-dir.js';

const root = mkdtempSync(join(tmpdir(), 'bale-atomic-'));
after(() => rmSync(root, { recursive: true, force: true }));
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

test('concurrent installs: one wins, the result is one complete copy, no temp dirs left', async () => {
  const dir = join(root, 'node/22.0.0');
  const fill =
    (id: number) =>
    async (tmp: string): Promise<void> => {
      await mkdir(join(tmp, 'bin'), { recursive: true });
      await writeFile(join(tmp, 'bin/node'), `copy ${id}`);
      await sleep(50); // every call is mid-fill before any renames
      await writeFile(join(tmp, 'done'), `copy ${id}`);
    };
  const results = await Promise.all([1, 2, 3, 4].map((id) => installDirAtomically(dir, fill(id))));
  assert.equal(results.filter(Boolean).length, 1);
  assert.equal(readFileSync(join(dir, 'bin/node'), 'utf8'), readFileSync(join(dir, 'done'), 'utf8'));
  assert.deepEqual(readdirSync(join(root, 'node')), ['22.0.0']);
  assert.equal(await installDirAtomically(dir, fill(5)), false, 'an existing dir is reused');
});

test('a failed fill leaves nothing behind', async () => {
  const dir = join(root, 'broken/1.0.0');
  await assert.rejects(
    installDirAtomically(dir, async (tmp) => {
      await mkdir(tmp);
      await writeFile(join(tmp, 'half'), 'x');
      throw new Error('download cut');
    }),
    /download cut/,
  );
  assert.deepEqual(readdirSync(join(root, 'broken')), []);
});
