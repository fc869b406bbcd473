import assert from 'node:assert/strict';
import { link, mkdir, mkdtemp, readFile, readdir, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { after, describe, it, type TestContext } from 'node:test';
import { isUserError } from '../../src/errors/index.js';
import {
  checkOutputDir,
  checkOutputFile,
  isTempName,
  parseTempName,
  replaceFileAtomic,
  TEMP_HOST,
  tempNameFor,
  writeFileAtomic,
} from '../../src/util/atomic-write.js';
import {
  assertUntouched,
  canMknod,
  charDevicePath,
  closeSockets,
  KIND_WORDS,
  makeTarget,
  snapshot,
  TARGET_KINDS,
  tempFilesIn,
} from '../helpers/hostile-targets.js';

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

  it('refuses a directory where the file goes, leaving it and no temp file', async (t) => {
    const dir = await tempDir(t);
    const target = join(dir, 'taken');
    await mkdir(target);
    await writeFile(join(target, 'inside'), 'keep');
    await assert.rejects(
      writeFileAtomic(target, 'new'),
      (e: unknown) => isUserError(e) && e.code === 'EOUTPUT' && /taken: exists and is a directory, not a regular file/.test(e.message),
    );
    assert.deepEqual(await readdir(dir), ['taken']);
    assert.equal(await readFile(join(target, 'inside'), 'utf8'), 'keep');
  });

  it('replaces a regular file by rename: a hard link to the old one keeps the old content', async (t) => {
    const dir = await tempDir(t);
    const file = join(dir, 'out');
    await writeFile(file, 'old');
    await link(file, join(dir, 'old'));
    const before = (await stat(file)).ino;
    await writeFileAtomic(file, 'new');
    assert.notEqual((await stat(file)).ino, before);
    assert.equal(await readFile(join(dir, 'old'), 'utf8'), 'old');
    assert.equal(await readFile(file, 'utf8'), 'new');
  });

  it('removes its temp file when writing it fails, leaving the target as it was', async (t) => {
    const dir = await tempDir(t);
    const file = join(dir, 'out');
    await writeFile(file, 'old');
    await assert.rejects(
      replaceFileAtomic(file, async (temp) => {
        await writeFile(temp, 'half');
        throw new Error('disk on fire');
      }),
      /disk on fire/,
    );
    assert.deepEqual(await readdir(dir), ['out']);
    assert.equal(await readFile(file, 'utf8'), 'old');
  });

  it('refuses a target that turns into a fifo while the temp file is written, untouched', async (t) => {
    const dir = await tempDir(t);
    const file = join(dir, 'out');
    await assert.rejects(
      replaceFileAtomic(file, async (temp) => {
        await writeFile(temp, 'new');
        await makeTarget('fifo', file);
      }),
      (e: unknown) => isUserError(e) && /exists and is a fifo/.test(e.message),
    );
    assert.ok((await stat(file)).isFIFO());
    assert.deepEqual(tempFilesIn(dir), []);
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

describe('outputs that are not regular files', () => {
  after(closeSockets);
  for (const kind of TARGET_KINDS) {
    it(`writeFileAtomic refuses ${kind === 'directory' ? 'a directory' : `a ${kind}`} in one line, untouched`, async (t) => {
      const dir = await tempDir(t);
      const target = kind === 'char device' ? charDevicePath(join(dir, 'out'), await canMknod(dir)) : join(dir, 'out');
      await makeTarget(kind, target);
      const seen = snapshot(target);
      await assert.rejects(
        writeFileAtomic(target, 'new', { label: '--rootfs out' }),
        (e: unknown) =>
          isUserError(e) &&
          e.code === 'EOUTPUT' &&
          e.message.startsWith('--rootfs out: ') &&
          KIND_WORDS[kind].test(e.message) &&
          !e.message.includes('\n'),
      );
      await assert.rejects(checkOutputFile(target), (e: unknown) => isUserError(e) && e.code === 'EOUTPUT');
      assertUntouched(seen);
      assert.deepEqual(tempFilesIn(dir), []);
    });
  }

  it('refuses a symlink to a regular file too (never written through), and a dangling one', async (t) => {
    const dir = await tempDir(t);
    await writeFile(join(dir, 'real'), 'keep');
    await symlink('real', join(dir, 'link'));
    await symlink('nowhere', join(dir, 'dangling'));
    await assert.rejects(
      writeFileAtomic(join(dir, 'link'), 'new'),
      /link: is a symbolic link to real \(a regular file\): bale never writes through or replaces a link/,
    );
    await assert.rejects(writeFileAtomic(join(dir, 'dangling'), 'new'), /is a symbolic link to nowhere \(dangling\)/);
    assert.equal(await readFile(join(dir, 'real'), 'utf8'), 'keep');
    assert.equal(snapshot(join(dir, 'link')).type, 'symlink');
  });

  it('names a parent that is not a directory as a user error', async (t) => {
    const dir = await tempDir(t);
    await writeFile(join(dir, 'file'), 'x');
    await assert.rejects(
      checkOutputFile(join(dir, 'file', 'out')),
      (e: unknown) => isUserError(e) && /cannot write there \(a parent is not a directory\)/.test(e.message),
    );
  });

  it('checkOutputDir: nothing or a directory is fine; a file, fifo or symlink to a directory is refused', async (t) => {
    const dir = await tempDir(t);
    assert.equal(await checkOutputDir(join(dir, 'new')), 'new');
    await mkdir(join(dir, 'd'));
    assert.equal(await checkOutputDir(join(dir, 'd')), 'exists');
    await writeFile(join(dir, 'f'), 'x');
    await makeTarget('fifo', join(dir, 'p'));
    await symlink('d', join(dir, 'l'));
    await assert.rejects(checkOutputDir(join(dir, 'f')), /exists and is a regular file, not a directory/);
    await assert.rejects(checkOutputDir(join(dir, 'p')), /exists and is a fifo, not a directory/);
    await assert.rejects(checkOutputDir(join(dir, 'l'), { label: '--oci l' }), /--oci l: is a symbolic link to d \(a directory\)/);
  });
});
