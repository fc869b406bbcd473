/**
 * The CLI's V8 code cache: one file per command, beside the bundle when that may be written, else
 * under the cache directory; reused while the bundle and Node are the same, rewritten when V8
 * refuses it, never in the way of the command. Unit tests of the naming and writing, then a copy
 * of the real bin.
 */
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { execa } from 'execa';
import { codeCacheDirs, codeCacheName, keepCodeCache, readCodeCache } from '../../src/cli/code-cache.js';
import { BALE_BIN, tempDir } from '../helpers/cli.js';

describe('code cache files', () => {
  it('are named by command, bundle and Node', () => {
    const a = codeCacheName(Buffer.from('bundle one'), ['build', 'npm:a@1']);
    assert.match(a, /^build-[0-9a-f]{32}\.v8$/);
    assert.equal(codeCacheName(Buffer.from('bundle one'), ['build', 'npm:b@2']), a, 'the specs do not matter');
    assert.notEqual(codeCacheName(Buffer.from('bundle two'), ['build']), a, 'another bundle, another cache');
    assert.match(codeCacheName(Buffer.from('bundle one'), ['--json', 'request', 'x']), /^request-/);
    assert.match(codeCacheName(Buffer.from('bundle one'), ['--version']), /^none-/);
    assert.match(codeCacheName(Buffer.from('bundle one'), ['../../etc']), /^none-/, 'only a name');
  });

  it('live beside the bundle first, then under <cache>/bale/code', () => {
    assert.deepEqual(codeCacheDirs('/opt/bale/bin/bale-cli.js', { XDG_CACHE_HOME: '/x/cache' }), [
      '/opt/bale/bin/code-cache',
      '/x/cache/bale/code',
    ]);
    assert.deepEqual(codeCacheDirs('/b/bale-cli.js', { HOME: '/home/u' }), ['/b/code-cache', '/home/u/.cache/bale/code']);
  });

  it('are written whole into the first place that takes them, replacing the same command of other bundles', async () => {
    const t = await tempDir('code-cache');
    try {
      const dirs = [join(t.dir, 'beside'), join(t.dir, 'user')];
      const old = codeCacheName(Buffer.from('old bundle'), ['build']);
      const other = codeCacheName(Buffer.from('old bundle'), ['build-all']);
      assert.ok(keepCodeCache(dirs, old, Buffer.from('old')));
      assert.ok(keepCodeCache(dirs, other, Buffer.from('other')));
      const current = codeCacheName(Buffer.from('new bundle'), ['build']);
      assert.ok(keepCodeCache(dirs, current, Buffer.from('new')));
      assert.deepEqual(readdirSync(dirs[0] as string).sort(), [current, other].sort());
      assert.deepEqual(readCodeCache(dirs, current), Buffer.from('new'));
      assert.equal(readCodeCache(dirs, old), undefined);
      assert.deepEqual(readdirSync(t.dir).sort(), ['beside'], 'the second place was not needed');
    } finally {
      await t.cleanup();
    }
  });

  it('fall back past an unusable place, and cannot fail a command when there is none', async () => {
    const t = await tempDir('code-cache');
    try {
      // A file where the directory goes stops root as well as anyone.
      writeFileSync(join(t.dir, 'beside'), 'not a directory');
      const dirs = [join(t.dir, 'beside'), join(t.dir, 'user')];
      const name = codeCacheName(Buffer.from('x'), ['build']);
      assert.ok(keepCodeCache(dirs, name, Buffer.from('data')));
      assert.deepEqual(readdirSync(join(t.dir, 'user')), [name]);
      assert.deepEqual(readCodeCache(dirs, name), Buffer.from('data'));
      writeFileSync(join(t.dir, 'none'), 'not a directory');
      assert.equal(keepCodeCache([join(t.dir, 'none')], name, Buffer.from('data')), false);
      assert.deepEqual(readdirSync(t.dir).sort(), ['beside', 'none', 'user'], 'no temp file is left');
    } finally {
      await t.cleanup();
    }
  });
});

describe('the bale bin with its code cache', () => {
  /** A copy of the built bin in its own directory under dist/ (its packages still resolve), and a cache home. */
  const withCopy = async (
    f: (run: (args: string[]) => Promise<{ code: number; stdout: string; stderr: string }>, bin: string, xdg: string) => Promise<void>,
  ) => {
    const bin = mkdtempSync(join(dirname(dirname(BALE_BIN)), 'bin-test-'));
    const t = await tempDir('code-cache-bin');
    try {
      for (const f of ['main.js', 'bale-cli.js']) copyFileSync(join(dirname(BALE_BIN), f), join(bin, f));
      const run = async (args: string[]) => {
        const r = await execa(process.execPath, [join(bin, 'main.js'), ...args], { env: { XDG_CACHE_HOME: t.dir }, reject: false });
        return { code: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr) };
      };
      await f(run, bin, t.dir);
    } finally {
      rmSync(bin, { recursive: true, force: true });
      await t.cleanup();
    }
  };
  const list = (dir: string): string[] => {
    try {
      return readdirSync(dir).sort();
    } catch {
      return [];
    }
  };

  it('writes a cache per command beside the bundle on first use, then runs from it without writing it again', async () => {
    await withCopy(async (run, bin, xdg) => {
      const first = await run(['--version']);
      assert.equal(first.code, 0, first.stderr);
      const [file] = list(join(bin, 'code-cache'));
      assert.match(file ?? '', /^none-[0-9a-f]{32}\.v8$/);
      assert.deepEqual(list(join(xdg, 'bale', 'code')), [], 'nothing in the user cache');
      const path = join(bin, 'code-cache', file as string);
      const written = statSync(path).mtimeMs;
      const again = await run(['--version']);
      assert.equal(again.code, 0, again.stderr);
      assert.equal(again.stdout, first.stdout);
      assert.equal(statSync(path).mtimeMs, written, 'V8 took the cache: nothing to write');
      const help = await run(['show', '--help']);
      assert.equal(help.code, 0, help.stderr);
      assert.equal(list(join(bin, 'code-cache')).length, 2, 'show has a cache of its own');
    });
  });

  it('runs past a corrupt cache and replaces it', async () => {
    await withCopy(async (run, bin) => {
      const first = await run(['--version']);
      assert.equal(first.code, 0, first.stderr);
      const path = join(bin, 'code-cache', list(join(bin, 'code-cache'))[0] as string);
      const good = readFileSync(path);
      const corrupt = Buffer.concat([good.subarray(0, 64), Buffer.alloc(4096, 0x5a)]);
      writeFileSync(path, corrupt);
      const r = await run(['--version']);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, first.stdout);
      assert.ok(!readFileSync(path).equals(corrupt), 'refused by V8, so written again');
      const rewritten = statSync(path).mtimeMs;
      assert.equal((await run(['--version'])).code, 0);
      assert.equal(statSync(path).mtimeMs, rewritten, 'and the new one is taken');
    });
  });

  it('keeps its cache in the user cache directory when the install cannot be written, and works with neither', async () => {
    await withCopy(async (run, bin, xdg) => {
      writeFileSync(join(bin, 'code-cache'), 'not a directory');
      const r = await run(['--version']);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /^\d+\.\d+\.\d+/);
      assert.match(list(join(xdg, 'bale', 'code'))[0] ?? '', /^none-[0-9a-f]{32}\.v8$/);
      rmSync(join(xdg, 'bale'), { recursive: true });
      writeFileSync(join(xdg, 'bale'), 'not a directory');
      const none = await run(['--version']);
      assert.equal(none.code, 0, none.stderr);
      assert.equal(none.stdout, r.stdout);
    });
  });
});
