/**
 * The CLI's V8 code cache: one file per command under the cache directory, reused while the
 * bundle and Node are the same, rewritten when V8 refuses it, never in the way of the command.
 * Unit tests of the naming and writing, then the real bin.
 */
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { codeCacheFile, keepCodeCache, readCodeCache } from '../../src/cli/code-cache.js';
import { bale, tempDir } from '../helpers/cli.js';

describe('code cache files', () => {
  const env = { XDG_CACHE_HOME: '/x/cache' };

  it('are named by command, bundle and Node, under <cache>/bale/code', () => {
    const a = codeCacheFile(Buffer.from('bundle one'), ['build', 'npm:a@1'], env);
    assert.match(a ?? '', /^\/x\/cache\/bale\/code\/build-[0-9a-f]{32}\.v8$/);
    assert.equal(codeCacheFile(Buffer.from('bundle one'), ['build', 'npm:b@2'], env), a, 'the specs do not matter');
    assert.notEqual(codeCacheFile(Buffer.from('bundle two'), ['build'], env), a, 'another bundle, another cache');
    assert.match(codeCacheFile(Buffer.from('bundle one'), ['--json', 'request', 'x'], env) ?? '', /\/request-/);
    assert.match(codeCacheFile(Buffer.from('bundle one'), ['--version'], env) ?? '', /\/none-/);
    assert.match(codeCacheFile(Buffer.from('b'), ['build'], { HOME: '/home/u' }) ?? '', /^\/home\/u\/\.cache\/bale\/code\/build-/);
  });

  it('are written whole, replace the same command of other bundles, and leave the rest', async () => {
    const t = await tempDir('code-cache');
    try {
      const e = { XDG_CACHE_HOME: t.dir };
      const old = codeCacheFile(Buffer.from('old bundle'), ['build'], e) as string;
      const other = codeCacheFile(Buffer.from('old bundle'), ['build-all'], e) as string;
      keepCodeCache(old, Buffer.from('old'));
      keepCodeCache(other, Buffer.from('other'));
      const current = codeCacheFile(Buffer.from('new bundle'), ['build'], e) as string;
      keepCodeCache(current, Buffer.from('new'));
      const dir = join(t.dir, 'bale', 'code');
      assert.deepEqual(readdirSync(dir).sort(), [current, other].map((f) => f.slice(dir.length + 1)).sort());
      assert.deepEqual(readCodeCache(current), Buffer.from('new'));
      assert.equal(readCodeCache(old), undefined);
      assert.equal(readCodeCache(undefined), undefined);
    } finally {
      await t.cleanup();
    }
  });

  it('cannot fail a command: an unusable directory is passed over and no temp file is left', async () => {
    const t = await tempDir('code-cache');
    try {
      writeFileSync(join(t.dir, 'bale'), 'a file where the directory goes');
      const file = codeCacheFile(Buffer.from('x'), ['build'], { XDG_CACHE_HOME: t.dir }) as string;
      keepCodeCache(file, Buffer.from('data'));
      assert.deepEqual(readdirSync(t.dir), ['bale']);
    } finally {
      await t.cleanup();
    }
  });
});

describe('the bale bin with its code cache', () => {
  const caches = (xdg: string): string[] => {
    try {
      return readdirSync(join(xdg, 'bale', 'code')).sort();
    } catch {
      return [];
    }
  };

  it('writes a cache per command on first use, then runs from it without writing it again', async () => {
    const t = await tempDir('code-cache-bin');
    try {
      const env = { XDG_CACHE_HOME: t.dir };
      const first = await bale(['--version'], { env });
      assert.equal(first.code, 0, first.stderr);
      const [file] = caches(t.dir);
      assert.match(file ?? '', /^none-[0-9a-f]{32}\.v8$/);
      const path = join(t.dir, 'bale', 'code', file as string);
      const written = statSync(path).mtimeMs;
      const again = await bale(['--version'], { env });
      assert.equal(again.code, 0, again.stderr);
      assert.equal(again.stdout, first.stdout);
      assert.equal(statSync(path).mtimeMs, written, 'V8 took the cache: nothing to write');
      const help = await bale(['show', '--help'], { env });
      assert.equal(help.code, 0, help.stderr);
      assert.equal(caches(t.dir).length, 2, 'show has a cache of its own');
    } finally {
      await t.cleanup();
    }
  });

  it('runs past a corrupt cache and replaces it', async () => {
    const t = await tempDir('code-cache-bin');
    try {
      const env = { XDG_CACHE_HOME: t.dir };
      const first = await bale(['--version'], { env });
      assert.equal(first.code, 0, first.stderr);
      const path = join(t.dir, 'bale', 'code', caches(t.dir)[0] as string);
      const good = readFileSync(path);
      const corrupt = Buffer.concat([good.subarray(0, 64), Buffer.alloc(4096, 0x5a)]);
      writeFileSync(path, corrupt);
      const r = await bale(['--version'], { env });
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, first.stdout);
      assert.ok(!readFileSync(path).equals(corrupt), 'refused by V8, so written again');
      const rewritten = statSync(path).mtimeMs;
      assert.equal((await bale(['--version'], { env })).code, 0);
      assert.equal(statSync(path).mtimeMs, rewritten, 'and the new one is taken');
    } finally {
      await t.cleanup();
    }
  });

  it('works where no cache can be written', async () => {
    const t = await tempDir('code-cache-bin');
    try {
      mkdirSync(join(t.dir, 'ro'));
      writeFileSync(join(t.dir, 'ro', 'bale'), 'not a directory');
      const r = await bale(['--version'], { env: { XDG_CACHE_HOME: join(t.dir, 'ro') } });
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /^\d+\.\d+\.\d+/);
    } finally {
      await t.cleanup();
    }
  });
});
