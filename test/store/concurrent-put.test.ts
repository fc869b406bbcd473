/**
 * Two real processes put the same build key at the same time, many times over, while this
 * process keeps looking it up. Every hit must be complete and every file must match its hash.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { execa } from 'execa';
import { LocalStore } from '../../src/store/local-store.js';
import type { StoredPackage } from '../../src/store/store.js';
import { allFiles, storeRoot } from './outputs.js';

const KEY = 'fe'.repeat(20);
const ROUNDS = 25;
const storeModule = fileURLToPath(new URL('../../src/store/local-store.js', import.meta.url));
const outputsModule = fileURLToPath(new URL('./outputs.js', import.meta.url));
const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

/** A child that builds two packages (content tagged by `tag`) and puts them ROUNDS times. */
async function childScript(dir: string): Promise<string> {
  const script = join(dir, 'put-child.mjs');
  await writeFile(
    script,
    `import { LocalStore } from ${JSON.stringify(storeModule)};
     import { makeOutput } from ${JSON.stringify(outputsModule)};
     const [root, key, tag, rounds, startAt] = process.argv.slice(2);
     const outputs = [await makeOutput('a', '1', 'a ' + tag + '\\n'), await makeOutput('a-bin', '1', 'bin ' + tag + '\\n')];
     const store = new LocalStore(root);
     while (Date.now() < Number(startAt)) {} // start together with the other child
     for (let i = 0; i < Number(rounds); i++) await store.put(key, outputs);`,
  );
  return script;
}

async function checkComplete(hit: StoredPackage[]): Promise<void> {
  assert.deepEqual(
    hit.map((p) => p.name),
    ['a', 'a-bin'],
  );
  for (const p of hit) {
    const data = await readFile(p.file);
    assert.equal(data.length, p.size, p.file);
    assert.equal(sha(data), p.sha256, p.file);
    await readFile(p.manifestFile); // exists
  }
}

async function race(t: TestContext, tags: [string, string]): Promise<LocalStore> {
  const root = await storeRoot(t);
  const script = await childScript(dirname(root));
  const startAt = String(Date.now() + 1500); // both children are loaded by then
  const children = tags.map((tag) => execa(process.execPath, [script, root, KEY, tag, String(ROUNDS), startAt]));
  const store = new LocalStore(root);
  let running = true;
  const done = Promise.all(children).finally(() => (running = false));
  let hits = 0;
  try {
    while (running) {
      const hit = await store.lookup(KEY);
      if (hit !== undefined) {
        await checkComplete(hit);
        hits++;
      }
      await new Promise((r) => setTimeout(r, 2));
    }
  } finally {
    // Never let the children outlive the test: they would write into a removed temp dir.
    await Promise.allSettled(children);
  }
  await done;
  assert.ok(hits > 0, 'the reader saw the build at least once while it was being written');
  return store;
}

describe('LocalStore: concurrent puts of one key from two processes', () => {
  it('leaves a consistent store when both write the same content', async (t) => {
    const store = await race(t, ['same', 'same']);
    await checkComplete((await store.lookup(KEY)) ?? []);
    assert.deepEqual(
      (await store.list()).map((p) => p.name),
      ['a', 'a-bin'],
    );
    assert.ok((await allFiles(store.root)).every((f) => !f.includes('.tmp-')));
  });

  it('leaves a consistent store when the two builds differ (a non-reproducible build)', async (t) => {
    const store = await race(t, ['one', 'two']);
    const hit = (await store.lookup(KEY)) ?? [];
    await checkComplete(hit);
    // The record is one child's, whole: both packages carry the same tag.
    const tags = await Promise.all(hit.map(async (p) => (gunzipSync(await readFile(p.file)).includes(' one\n') ? 'one' : 'two')));
    assert.equal(new Set(tags).size, 1, tags.join(' '));
    assert.deepEqual(
      (await store.list()).map((p) => p.name),
      ['a', 'a', 'a-bin', 'a-bin'],
    );
    assert.ok((await allFiles(store.root)).every((f) => !f.includes('.tmp-')));
  });
});
