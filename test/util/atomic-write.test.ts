import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { isTempName, parseTempName, TEMP_HOST, tempNameFor, writeFileAtomic } from '../../src/util/atomic-write.js';

async function tempDir(t: TestContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'bale-atomic-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

describe('writeFileAtomic', () => {
  it('writes a new file and replaces an old one, leaving no temp file', async (t) => {
    const dir = await tempDir(t);
    const file = join(dir, 'x.json');
    await writeFileAtomic(file, 'one');
    await writeFileAtomic(file, Buffer.from('two'));
    assert.equal(await readFile(file, 'utf8'), 'two');
    assert.deepEqual(await readdir(dir), ['x.json']);
  });

  it('removes its temp file and keeps the old content when the rename fails', async (t) => {
    const dir = await tempDir(t);
    const target = join(dir, 'taken');
    await mkdir(target);
    await writeFile(join(target, 'inside'), 'keep');
    await assert.rejects(writeFileAtomic(target, 'new'), { code: 'EISDIR' });
    assert.deepEqual(await readdir(dir), ['taken']);
    assert.equal(await readFile(join(target, 'inside'), 'utf8'), 'keep');
  });

  it('fails when the directory does not exist, leaving nothing', async (t) => {
    const dir = await tempDir(t);
    await assert.rejects(writeFileAtomic(join(dir, 'no/such/file'), 'x'), { code: 'ENOENT' });
    assert.deepEqual(await readdir(dir), []);
  });
});

describe('temp names', () => {
  it('are hidden, in the same directory, marked .tmp-, and unique', () => {
    const a = tempNameFor('/store/packages/p.tar.gz');
    const b = tempNameFor('/store/packages/p.tar.gz');
    assert.equal(dirname(a), '/store/packages');
    assert.match(a, /\/\.p\.tar\.gz\.tmp-.+-\d+-[0-9a-f]{12}$/);
    assert.deepEqual(parseTempName(basename(a)), { host: TEMP_HOST, pid: process.pid });
    assert.equal(parseTempName('p.tar.gz'), undefined);
    assert.ok(isTempName(a));
    assert.notEqual(a, b);
    assert.ok(!isTempName('p.tar.gz'));
  });
});
