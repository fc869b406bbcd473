/** Bounded reads of regular files only: devices, fifos, sockets and oversized files are refused at once. */
import assert from 'node:assert/strict';
import { mkdtemp, rm, symlink, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it, type TestContext } from 'node:test';
import { isUsageError, isUserError } from '../../src/errors/index.js';
import {
  fileKind,
  hashRegular,
  openRegular,
  readBounded,
  readBoundedSync,
  readBoundedText,
  READ_BOUNDS,
  type ReadBoundedOptions,
} from '../../src/util/read-file.js';
import { closeSockets, makeTarget, type TargetKind } from '../helpers/hostile-targets.js';

async function tempDir(t: TestContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'bale-read-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** A code other than the default EREADFILE: the refusals carry the code they were given. */
const opts: ReadBoundedOptions = { maxBytes: 1024, what: 'a recipe', code: 'ERECIPE', hint: 'give a recipe' };

/** Within `ms`, or the test fails: a read that blocks or never ends must not hang the suite. */
function soon<T>(p: Promise<T>, ms = 2000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`still reading after ${ms} ms`)), ms);
  });
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

const refused = (re: RegExp) => (e: unknown) => isUserError(e) && e.code === 'ERECIPE' && re.test(e.message) && !e.message.includes('\n');

after(closeSockets);

describe('readBounded', () => {
  it('reads a regular file, and one through a symlink', async (t) => {
    const dir = await tempDir(t);
    await writeFile(join(dir, 'r.toml'), 'purl = "x"\n');
    await symlink('r.toml', join(dir, 'link.toml'));
    assert.equal(await readBoundedText(join(dir, 'r.toml'), opts), 'purl = "x"\n');
    assert.equal((await readBounded(join(dir, 'link.toml'), opts)).toString(), 'purl = "x"\n');
    assert.equal(readBoundedSync(join(dir, 'link.toml'), opts).bytes.toString(), 'purl = "x"\n');
    await writeFile(join(dir, 'empty'), '');
    assert.equal((await readBounded(join(dir, 'empty'), opts)).length, 0);
    assert.equal(readBoundedSync(join(dir, 'empty'), opts).bytes.length, 0);
  });

  it('reads a file of exactly the bound, refuses one byte more, naming sizes', async (t) => {
    const dir = await tempDir(t);
    await writeFile(join(dir, 'ok'), Buffer.alloc(1024, 0x61));
    await writeFile(join(dir, 'big'), Buffer.alloc(1025, 0x61));
    assert.equal((await readBounded(join(dir, 'ok'), opts)).length, 1024);
    assert.equal(readBoundedSync(join(dir, 'ok'), opts).bytes.length, 1024);
    const says = refused(/big: 1025 bytes, more than the 1 KiB bale reads of a recipe: give a recipe$/);
    await assert.rejects(readBounded(join(dir, 'big'), opts), says);
    assert.throws(() => readBoundedSync(join(dir, 'big'), opts), says);
  });

  it('refuses a 10 GiB sparse file at once, without reading it', async (t) => {
    const dir = await tempDir(t);
    await writeFile(join(dir, 'huge.pub'), '');
    await truncate(join(dir, 'huge.pub'), 10 * 1024 ** 3);
    const o: ReadBoundedOptions = { maxBytes: READ_BOUNDS.key, what: 'a public key', code: 'ERECIPE' };
    await assert.rejects(
      soon(readBounded(join(dir, 'huge.pub'), o)),
      refused(/10737418240 bytes, more than the 64 KiB bale reads of a public key/),
    );
  });

  for (const dev of ['/dev/urandom', '/dev/zero', '/dev/null']) {
    it(`refuses ${dev} at once, directly and through a symlink`, async (t) => {
      const dir = await tempDir(t);
      await symlink(dev, join(dir, 'x.minisig'));
      const says = refused(/is a character device, not a regular file; bale reads a recipe only from a regular file: give a recipe$/);
      await assert.rejects(soon(readBounded(dev, opts)), says);
      await assert.rejects(soon(readBounded(join(dir, 'x.minisig'), opts)), says);
      assert.throws(() => readBoundedSync(join(dir, 'x.minisig'), opts), says);
    });
  }

  const kinds: [TargetKind, RegExp][] = [
    ['fifo', /is a fifo, not a regular file/],
    ['socket', /is a socket, not a regular file/],
    ['directory', /is a directory, not a regular file/],
  ];
  for (const [kind, says] of kinds) {
    it(`refuses a ${kind} without blocking`, async (t) => {
      const dir = await tempDir(t);
      await makeTarget(kind, join(dir, 'x'));
      await assert.rejects(soon(readBounded(join(dir, 'x'), opts)), refused(says));
      assert.throws(() => readBoundedSync(join(dir, 'x'), opts), refused(says));
    });
  }

  it('words fs errors as one line: "missing" for no such file, undefined when optional', async (t) => {
    const dir = await tempDir(t);
    const nope = join(dir, 'nope');
    const missing = refused(/nope: no such file: give a recipe$/);
    await assert.rejects(readBounded(nope, opts), missing);
    assert.throws(() => readBoundedSync(nope, opts), missing);
    await assert.rejects(
      readBounded(nope, { ...opts, label: 'recipe nope', missing: 'not found; import it' }),
      refused(/^recipe nope: not found; import it$/),
    );
    assert.equal(await readBounded(nope, { ...opts, optional: true }), undefined);
    assert.equal(readBoundedSync(nope, { ...opts, optional: true }), undefined);
    // A parent that is not a directory: not "missing", and not passed through either.
    await writeFile(join(dir, 'f'), 'x');
    await assert.rejects(
      readBounded(join(dir, 'f', 'x'), { ...opts, optional: true }),
      refused(/f\/x: cannot read it \(ENOTDIR\): give a recipe$/),
    );
  });

  it('is a usage error when the file was named by a flag', async () => {
    await assert.rejects(
      readBounded('/dev/zero', { ...opts, usage: true }),
      (e: unknown) => isUsageError(e) && /is a character device/.test((e as Error).message),
    );
  });

  it('names the file by its label when given one', async () => {
    await assert.rejects(
      readBounded('/dev/urandom', { ...opts, label: '--from-file /dev/urandom' }),
      refused(/^--from-file \/dev\/urandom: is a character device/),
    );
  });
});

describe('openRegular', () => {
  it('opens a regular file of any size for streaming, refuses a fifo', async (t) => {
    const dir = await tempDir(t);
    await writeFile(join(dir, 'f'), 'abc');
    const { fh, size } = await openRegular(join(dir, 'f'), { maxBytes: Number.MAX_SAFE_INTEGER, what: 'a file', code: 'ERECIPE' });
    assert.equal(size, 3);
    await fh.close();
    await makeTarget('fifo', join(dir, 'p'));
    await assert.rejects(soon(openRegular(join(dir, 'p'), { maxBytes: 1, what: 'a file', code: 'ERECIPE' })), refused(/is a fifo/));
  });
});

describe('hashRegular', () => {
  it('hashes a regular file of any size, refuses a fifo, words a missing file', async (t) => {
    const dir = await tempDir(t);
    await writeFile(join(dir, 'f'), 'abc');
    const { digest, size } = await hashRegular(join(dir, 'f'), 'sha256', { what: 'a file', code: 'ERECIPE' });
    assert.equal(digest.toString('hex'), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    assert.equal(size, 3);
    await makeTarget('fifo', join(dir, 'p'));
    await assert.rejects(soon(hashRegular(join(dir, 'p'), 'sha256', { what: 'a file', code: 'ERECIPE' })), refused(/is a fifo/));
    await assert.rejects(
      hashRegular(join(dir, 'nope'), 'sha256', { what: 'a file', code: 'ERECIPE', missing: 'gone' }),
      refused(/nope: gone$/),
    );
  });
});

describe('fileKind', () => {
  it('names what a path is', async () => {
    const { lstat } = await import('node:fs/promises');
    assert.equal(fileKind(await lstat('/dev/null')), 'a character device');
    assert.equal(fileKind(await lstat('/')), 'a directory');
  });
});
