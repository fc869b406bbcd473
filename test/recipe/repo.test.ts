import assert from 'node:assert/strict';
import { lstat, mkdir, mkdtemp, readdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { execa } from 'execa';
import type { Purl } from '../../src/purl/purl.js';
import { formatRecipe, listRecipeVersions, readRecipe, recipePath, writeRecipe, type Recipe } from '../../src/recipe/index.js';
import { sampleRecipe, sri } from './helpers.js';

let root: string;
before(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'bale-recipes-'));
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

/** Every file under `dir`, relative, sorted. */
async function tree(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)))
    .sort();
}

/** Within 2 s, or the test fails: reading a fifo or a device must not block. */
function soon<T>(p: Promise<T>): Promise<T> {
  return Promise.race([p, new Promise<never>((_, reject) => setTimeout(() => reject(new Error('blocked')), 2000).unref())]);
}

function withVersion(version: string): Recipe {
  return { ...sampleRecipe(), purl: `pkg:npm/better-sqlite3@${version}` };
}

describe('recipePath', () => {
  const ok: Array<[Purl, string]> = [
    [{ type: 'npm', name: 'express', version: '4.21.2' }, 'npm/express/4.21.2.toml'],
    [{ type: 'npm', name: '@types/node', version: '20.11.0' }, 'npm/@types/node/20.11.0.toml'],
    [{ type: 'pypi', name: 'Foo_Bar', version: '1.0' }, 'pypi/foo-bar/1.0.toml'],
    [{ type: 'gem', name: 'rack', version: '3.0.8' }, 'gem/rack/3.0.8.toml'],
  ];
  for (const [purl, want] of ok) {
    it(`${purl.type}:${purl.name}@${purl.version} -> ${want}`, () => {
      assert.equal(recipePath('/r', purl), path.join('/r', want));
    });
  }

  const bad: Purl[] = [
    { type: 'npm', name: 'express', version: '../../etc/passwd' },
    { type: 'npm', name: 'express', version: '..' },
    { type: 'npm', name: 'express', version: '.hidden' },
    { type: 'npm', name: 'express', version: 'a\\b' },
    { type: 'npm', name: 'express', version: '' },
    { type: 'npm', name: '..', version: '1.0.0' },
    { type: 'npm', name: '@types/..', version: '1.0.0' },
    { type: 'npm', name: '@types/node/x', version: '1.0.0' },
    { type: 'npm', name: '@/node', version: '1.0.0' },
    { type: 'npm', name: 'a/b', version: '1.0.0' },
    { type: 'pypi', name: '../x', version: '1.0' },
    { type: 'gem', name: 'a/b', version: '1.0' },
    { type: 'gem', name: 'x\u0000y', version: '1.0' },
    { type: 'cargo' as 'npm', name: 'serde', version: '1.0.0' },
  ];
  for (const purl of bad) {
    it(`rejects ${JSON.stringify(purl)}`, () => {
      assert.throws(() => recipePath('/r', purl), { name: 'UserError', code: 'ESPEC' });
    });
  }
});

describe('writeRecipe / readRecipe', () => {
  it('writes canonical text at the recipe path, leaving no temp files', async () => {
    const r = sampleRecipe();
    const { file, changed } = await writeRecipe(root, r);
    assert.equal(file, path.join(root, 'npm/better-sqlite3/12.4.1.toml'));
    assert.equal(changed, true);
    assert.equal(await readFile(file, 'utf8'), formatRecipe(r));
    assert.deepEqual(await tree(root), ['npm/better-sqlite3/12.4.1.toml']);
    assert.deepEqual(await readRecipe(file), await readRecipe(file));
    assert.equal(formatRecipe(await readRecipe(file)), formatRecipe(r));
  });

  it('does not rewrite identical bytes: changed=false and the mtime is kept', async () => {
    const { file } = await writeRecipe(root, sampleRecipe());
    const past = new Date('2001-02-03T04:05:06Z');
    await utimes(file, past, past);
    const again = await writeRecipe(root, sampleRecipe());
    assert.deepEqual(again, { file, changed: false });
    assert.equal((await stat(file)).mtimeMs, past.getTime());
  });

  it('rewrites a hand-formatted file canonically', async () => {
    const { file } = await writeRecipe(root, sampleRecipe());
    await writeFile(file, `# my notes\n${formatRecipe(sampleRecipe()).replace(/ = /g, '=')}`);
    assert.equal((await writeRecipe(root, sampleRecipe())).changed, true);
    assert.equal(await readFile(file, 'utf8'), formatRecipe(sampleRecipe()));
  });

  it('writes scoped packages into the scope directory', async () => {
    const r = { ...sampleRecipe(), purl: 'pkg:npm/%40types/node@20.11.0' };
    const { file } = await writeRecipe(root, r);
    assert.equal(file, path.join(root, 'npm/@types/node/20.11.0.toml'));
  });

  it('refuses an invalid recipe and writes nothing', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'bale-recipes-bad-'));
    try {
      const r = { ...sampleRecipe(), source_date_epoch: 5 };
      await assert.rejects(writeRecipe(dir, r), (err: Error & { code?: string }) => {
        assert.equal(err.code, 'ERECIPE');
        assert.match(err.message, /^recipe .*npm\/better-sqlite3\/12\.4\.1\.toml: source_date_epoch: must be at least/);
        return true;
      });
      const badPurl = { ...sampleRecipe(), purl: 'npm:oops@^1' };
      await assert.rejects(writeRecipe(dir, badPurl), /recipe \(new recipe for "npm:oops@\^1"\): purl: /);
      assert.deepEqual(await tree(dir), []);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('reports a target it cannot replace', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'bale-recipes-fail-'));
    try {
      await mkdir(path.join(dir, 'npm/better-sqlite3/12.4.1.toml/occupied'), { recursive: true });
      await assert.rejects(writeRecipe(dir, sampleRecipe()), {
        code: 'EOUTPUT',
        message: /12\.4\.1\.toml: exists and is a directory, not a regular file/,
      });
      assert.deepEqual(await readdir(path.join(dir, 'npm/better-sqlite3')), ['12.4.1.toml']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses a recipe path that is a fifo, at once, leaving it a fifo', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'bale-recipes-fifo-'));
    try {
      const file = path.join(dir, 'npm/better-sqlite3/12.4.1.toml');
      await mkdir(path.dirname(file), { recursive: true });
      await execa('mkfifo', [file]);
      await assert.rejects(soon(writeRecipe(dir, sampleRecipe())), {
        code: 'EOUTPUT',
        message: /12\.4\.1\.toml: exists and is a fifo, not a regular file/,
      });
      assert.ok((await lstat(file)).isFIFO());
      await assert.rejects(soon(readRecipe(file)), { code: 'ERECIPE', message: /^recipe .*12\.4\.1\.toml: is a fifo, not a regular file/ });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses /dev/urandom and a recipe over 1 MiB at once', async () => {
    await assert.rejects(soon(readRecipe('/dev/urandom')), {
      code: 'ERECIPE',
      message: /^recipe \/dev\/urandom: is a character device, not a regular file/,
    });
    const big = path.join(root, 'big.toml');
    await writeFile(big, Buffer.alloc(1024 * 1024 + 1, 0x23));
    await assert.rejects(readRecipe(big), {
      code: 'ERECIPE',
      message: /big\.toml: 1048577 bytes, more than the 1 MiB bale reads of a recipe/,
    });
  });

  it('says how to create a missing recipe', async () => {
    const file = path.join(root, 'npm/nope/1.0.0.toml');
    await assert.rejects(readRecipe(file), (err: Error & { code?: string }) => {
      assert.equal(err.code, 'ERECIPE');
      assert.equal(err.message, `recipe ${file}: not found; run \`bale import <spec>\` to create it`);
      return true;
    });
  });

  it('reports unreadable and non-UTF-8 files', async () => {
    await assert.rejects(readRecipe(root), {
      code: 'ERECIPE',
      message: /: is a directory, not a regular file; bale reads a recipe only from a regular file/,
    });
    const bin = path.join(root, 'latin1.toml');
    await writeFile(bin, Buffer.from([0x66, 0x6f, 0x72, 0x6d, 0x61, 0x74, 0x20, 0x3d, 0x20, 0xff, 0x0a]));
    await assert.rejects(readRecipe(bin), { code: 'ERECIPE', message: /latin1\.toml: not valid UTF-8/ });
  });

  it('names the file in validation errors', async () => {
    const file = path.join(root, 'bad.toml');
    await writeFile(file, 'format = 1\n');
    await assert.rejects(readRecipe(file), (err: Error & { code?: string }) => {
      assert.equal(err.code, 'ERECIPE');
      assert.ok(err.message.startsWith(`recipe ${file}: purl: required key is missing`), err.message);
      return true;
    });
  });
});

describe('listRecipeVersions', () => {
  it('lists the versions with a recipe, ignoring temp and foreign files', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'bale-recipes-list-'));
    try {
      for (const v of ['2.0.0', '10.0.0', '1.0.0']) await writeRecipe(dir, withVersion(v));
      const pkg = path.join(dir, 'npm/better-sqlite3');
      await writeFile(path.join(pkg, '.3.0.0.toml.tmp-1-abc'), '');
      await writeFile(path.join(pkg, 'README.md'), '');
      await mkdir(path.join(pkg, 'sub.toml'));
      assert.deepEqual(await listRecipeVersions(dir, 'npm', 'better-sqlite3'), ['1.0.0', '10.0.0', '2.0.0']);
      assert.deepEqual(await listRecipeVersions(dir, 'npm', 'absent'), []);
      assert.deepEqual(await listRecipeVersions(dir, 'pypi', 'better-sqlite3'), []);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('finds scoped npm packages and normalised pypi names', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'bale-recipes-scoped-'));
    try {
      await writeRecipe(dir, { ...sampleRecipe(), purl: 'pkg:npm/%40types/node@20.11.0' });
      assert.deepEqual(await listRecipeVersions(dir, 'npm', '@types/node'), ['20.11.0']);
      await assert.rejects(listRecipeVersions(dir, 'npm', '@types/../../x'), { code: 'ESPEC' });
      const pypi: Recipe = {
        ...sampleRecipe(),
        purl: 'pkg:pypi/foo-bar@1.0',
        source: [{ url: 'https://files.pythonhosted.org/foo_bar-1.0.tar.gz', integrity: sri(5), kind: 'sdist' }],
        dependency: [],
        build: { native: false, reasons: [], requires: [], interpreters: [] },
      };
      await writeRecipe(dir, pypi);
      assert.deepEqual(await listRecipeVersions(dir, 'pypi', 'Foo_Bar'), ['1.0']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
