import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { lstat, mkdir, readFile, truncate, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { execa } from 'execa';
import { isUserError } from '../../src/errors/index.js';
import { manifestJson } from '../../src/packer/manifest.js';
import { LocalStore } from '../../src/store/local-store.js';
import { allFiles, makeOutput, storeRoot } from './outputs.js';

const KEY = 'ab'.repeat(16);
const OTHER_KEY = 'cd'.repeat(16);
const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

describe('LocalStore put and lookup', () => {
  it('finds what was put, with the files laid out by name, version and hash', async (t) => {
    const store = new LocalStore(await storeRoot(t));
    const main = await makeOutput('node-express', '4.19.2');
    const bin = await makeOutput('node-express-bin', '4.19.2');
    const put = await store.put(KEY, [main, bin]);
    const hit = await store.lookup(KEY);
    assert.deepEqual(hit, put);
    const stem = `node-express-4.19.2-${main.sha256.slice(0, 12)}`;
    assert.deepEqual(hit?.[0], {
      name: 'node-express',
      version: '4.19.2',
      sha256: main.sha256,
      size: main.tgz.length,
      file: join(store.root, 'packages', `${stem}.tar.gz`),
      manifestFile: join(store.root, 'packages', `${stem}.manifest.json`),
    });
    assert.deepEqual(await readFile(hit?.[0]?.file ?? ''), main.tgz);
    assert.equal(await readFile(hit?.[0]?.manifestFile ?? '', 'utf8'), manifestJson(main.manifest));
    assert.deepEqual(await store.manifest(hit?.[1] ?? put[0]!), bin.manifest);
    const record = JSON.parse(await readFile(join(store.root, 'builds', `${KEY}.json`), 'utf8')) as { packages: { file: string }[] };
    assert.deepEqual(
      record.packages.map((p) => p.file),
      [`packages/${stem}.tar.gz`, `packages/node-express-bin-4.19.2-${bin.sha256.slice(0, 12)}.tar.gz`],
    );
  });

  it('misses a key never put, also in a store that does not exist yet', async (t) => {
    const store = new LocalStore(await storeRoot(t));
    assert.equal(await store.lookup(KEY), undefined);
    await store.put(KEY, [await makeOutput('a', '1')]);
    assert.equal(await store.lookup(OTHER_KEY), undefined);
  });

  it('misses when a package file the record names was deleted or truncated', async (t) => {
    const store = new LocalStore(await storeRoot(t));
    const [a, b] = await store.put(KEY, [await makeOutput('a', '1'), await makeOutput('b', '1')]);
    await unlink(b!.file);
    assert.equal(await store.lookup(KEY), undefined);
    await store.put(KEY, [await makeOutput('a', '1'), await makeOutput('b', '1')]);
    assert.ok(await store.lookup(KEY));
    await truncate(a!.file, 10);
    assert.equal(await store.lookup(KEY), undefined);
  });

  it('misses on a damaged record, or one pointing outside the store', async (t) => {
    const store = new LocalStore(await storeRoot(t));
    const [p] = await store.put(KEY, [await makeOutput('a', '1')]);
    const recordFile = join(store.root, 'builds', `${KEY}.json`);
    const good = await readFile(recordFile, 'utf8');
    await writeFile(recordFile, good.slice(0, 40));
    assert.equal(await store.lookup(KEY), undefined);
    await writeFile(recordFile, good.replace(`packages/a-1-${p!.sha256.slice(0, 12)}.tar.gz`, '../../etc/passwd'));
    assert.equal(await store.lookup(KEY), undefined);
    await writeFile(recordFile, good.replace(KEY, OTHER_KEY));
    assert.equal(await store.lookup(KEY), undefined);
  });

  it('re-puts the same content harmlessly', async (t) => {
    const store = new LocalStore(await storeRoot(t));
    const out = await makeOutput('a', '1');
    const first = await store.put(KEY, [out]);
    const before = await allFiles(store.root);
    assert.deepEqual(await store.put(KEY, [out]), first);
    assert.deepEqual(await allFiles(store.root), before);
    assert.deepEqual(await store.lookup(KEY), first);
  });

  it('leaves no temp files after put', async (t) => {
    const store = new LocalStore(await storeRoot(t));
    await store.put(KEY, [await makeOutput('a', '1'), await makeOutput('b', '2')]);
    const files = await allFiles(store.root);
    assert.equal(files.length, 7); // 2 x (tar.gz, sha256, manifest) + 1 record
    assert.ok(
      files.every((f) => !f.includes('.tmp-')),
      files.join(' '),
    );
  });

  it('ignores temp files a crashed put left behind', async (t) => {
    const store = new LocalStore(await storeRoot(t));
    const [p] = await store.put(KEY, [await makeOutput('a', '1')]);
    const out = await makeOutput('b', '1');
    const stem = `b-1-${out.sha256.slice(0, 12)}`;
    // What a put killed halfway through leaves: complete-looking temp files, no record.
    await writeFile(join(store.root, 'packages', `.${stem}.tar.gz.tmp-999-000000000000`), out.tgz);
    await writeFile(join(store.root, 'packages', `.${stem}.manifest.json.tmp-999-000000000000`), manifestJson(out.manifest));
    await writeFile(join(store.root, 'builds', `.${OTHER_KEY}.json.tmp-999-000000000000`), '{"format":');
    assert.deepEqual(
      (await store.list()).map((x) => x.name),
      ['a'],
    );
    assert.equal(await store.lookup(OTHER_KEY), undefined);
    assert.deepEqual(await store.lookup(KEY), [p]);
  });
});

describe('LocalStore put refusals', () => {
  it('refuses an output whose sha256 is not that of its archive, writing nothing', async (t) => {
    const root = await storeRoot(t);
    const store = new LocalStore(root);
    const good = await makeOutput('a', '1');
    const bad = { ...(await makeOutput('b', '1')), sha256: sha(Buffer.from('other')) };
    await assert.rejects(store.put(KEY, [good, bad]), (e: unknown) => isUserError(e) && /package b 1: archive sha256/.test(e.message));
    assert.equal(await store.lookup(KEY), undefined);
    assert.deepEqual(await store.list(), []);
  });

  it('refuses names and versions that are not safe file names', async (t) => {
    const store = new LocalStore(await storeRoot(t));
    for (const [name, version] of [
      ['../evil', '1'],
      ['a', '1/../../x'],
      ['.hidden', '1'],
    ] as const) {
      const out = await makeOutput('ok', '1');
      out.manifest = { ...out.manifest, name, version };
      await assert.rejects(
        store.put(KEY, [out]),
        (e: unknown) => isUserError(e) && e.message.includes(JSON.stringify(name === 'a' ? version : name)),
      );
    }
    assert.deepEqual(await store.list(), []);
  });

  it('refuses a build key that is not hex', async (t) => {
    const store = new LocalStore(await storeRoot(t));
    await assert.rejects(store.put('../../x/aaaaaaaaaaaaaaaa', []), /build key/);
    await assert.rejects(store.lookup('ZZZZZZZZZZZZZZZZ'), /build key/);
  });
});

describe('LocalStore list', () => {
  it('lists every package once, by name then version (1.9 before 1.10)', async (t) => {
    const store = new LocalStore(await storeRoot(t));
    await store.put('01'.repeat(8), [await makeOutput('b', '1.10.0'), await makeOutput('a', '2.0')]);
    await store.put('02'.repeat(8), [await makeOutput('b', '1.9.0'), await makeOutput('a', '2.0')]);
    await store.put('03'.repeat(8), [await makeOutput('B', '0.1')]);
    const listed = await store.list();
    assert.deepEqual(
      listed.map((p) => `${p.name} ${p.version}`),
      ['B 0.1', 'a 2.0', 'b 1.9.0', 'b 1.10.0'],
    );
    for (const p of listed) assert.equal(sha(await readFile(p.file)), p.sha256, p.file);
  });

  it('keeps two builds of one version apart (different hashes)', async (t) => {
    const store = new LocalStore(await storeRoot(t));
    await store.put(KEY, [await makeOutput('a', '1', 'first\n')]);
    await store.put(OTHER_KEY, [await makeOutput('a', '1', 'second\n')]);
    const listed = await store.list();
    assert.equal(listed.length, 2);
    assert.notEqual(listed[0]?.file, listed[1]?.file);
    assert.ok(await store.lookup(KEY));
    assert.ok(await store.lookup(OTHER_KEY));
  });

  it('leaves out a package whose archive is gone, and names a manifest that was edited', async (t) => {
    const store = new LocalStore(await storeRoot(t));
    const [a, b] = await store.put(KEY, [await makeOutput('a', '1'), await makeOutput('b', '1')]);
    await unlink(a!.file);
    assert.deepEqual(
      (await store.list()).map((p) => p.name),
      ['b'],
    );
    const m = await store.manifest(b!);
    await writeFile(b!.manifestFile, manifestJson({ ...m, version: '2' }));
    await assert.rejects(store.list(), (e: unknown) => isUserError(e) && e.message.startsWith(`${b!.manifestFile}: `));
  });
});

describe('LocalStore and files that are not regular files', () => {
  /** Within 2 s, or the test fails: a fifo read must not block. */
  const soon = <T>(p: Promise<T>): Promise<T> =>
    Promise.race([p, new Promise<never>((_, reject) => setTimeout(() => reject(new Error('blocked')), 2000).unref())]);

  it('refuses to put over a package file that is a fifo, leaving it a fifo', async (t) => {
    const store = new LocalStore(await storeRoot(t));
    const out = await makeOutput('node-a', '1.0.0');
    const tgz = join(store.root, 'packages', `node-a-1.0.0-${out.sha256.slice(0, 12)}.tar.gz`);
    await mkdir(join(store.root, 'packages'), { recursive: true });
    await execa('mkfifo', [tgz]);
    await assert.rejects(
      store.put(KEY, [out]),
      (e: unknown) => isUserError(e) && e.message.startsWith(`${tgz}: exists and is a fifo, not a regular file`),
    );
    assert.ok((await lstat(tgz)).isFIFO());
    assert.equal(await store.lookup(KEY), undefined, 'no build record written');
  });

  it('refuses a manifest or a build record that is a fifo, at once, naming it', async (t) => {
    const store = new LocalStore(await storeRoot(t));
    const [p] = await store.put(KEY, [await makeOutput('node-a', '1.0.0')]);
    await unlink(p!.manifestFile);
    await execa('mkfifo', [p!.manifestFile]);
    await assert.rejects(
      soon(store.list()),
      (e: unknown) =>
        isUserError(e) && e.message.startsWith(`${p!.manifestFile}: is a fifo, not a regular file; bale reads a package manifest only`),
    );
    const record = join(store.root, 'builds', `${KEY}.json`);
    await unlink(record);
    await execa('mkfifo', [record]);
    await assert.rejects(
      soon(store.lookup(KEY)),
      (e: unknown) => isUserError(e) && e.message.startsWith(`${record}: is a fifo, not a regular file; bale reads a build record only`),
    );
  });
});
