/** What gc tests check after a run: every package left in a store is whole (no orphaned sidecars) and matches its checksum. */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { listFiles } from '../helpers/cli.js';

/** Every package in `store` is whole: each stem has its archive, manifest and checksum, and the archive matches it. */
export async function assertWhole(store: string): Promise<string[]> {
  const files = (await listFiles(path.join(store, 'packages'))).filter((f) => !f.startsWith('.'));
  const stems = new Set(files.map((f) => /^(.+-[0-9a-f]{12})\./.exec(f)![1]!));
  for (const stem of stems) {
    for (const ext of ['.tar.gz', '.manifest.json', '.sha256'])
      assert.ok(files.includes(stem + ext), `${stem}: ${ext} missing (orphaned sidecars?)`);
    const tgz = await readFile(path.join(store, 'packages', `${stem}.tar.gz`));
    const sum = (await readFile(path.join(store, 'packages', `${stem}.sha256`), 'utf8')).split(' ')[0]!;
    assert.equal(createHash('sha256').update(tgz).digest('hex'), sum, `${stem}: archive does not match its checksum`);
    assert.ok(stem.endsWith(sum.slice(0, 12)));
  }
  return [...stems].sort();
}
