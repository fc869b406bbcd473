/**
 * Bad input, each case as a user would meet it: one line on stderr naming the input and what to do,
 * a non-zero exit, and nothing left in the recipes tree or the store (nor outside them).
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { bale, listFiles, oneErrorLine, tempDir } from '../helpers/cli.js';
import { startNpmRegistry } from '../helpers/npm-registry.js';
import type { FixtureRegistry } from '../helpers/npm-registry.js';
import { repoRoot } from '../helpers/npm-fixtures.js';

interface Case {
  name: string;
  args: (reg: string) => string[];
  /** What the one error line must say. */
  says: RegExp;
  exit?: number;
}

const CASES: Case[] = [
  { name: 'empty name', args: () => ['request', 'npm:'], says: /invalid package spec "npm:": empty package name/ },
  { name: 'no ecosystem', args: () => ['request', 'express'], says: /invalid package spec "express": missing ecosystem prefix/ },
  { name: 'unknown ecosystem', args: () => ['request', 'cargo:serde'], says: /unknown ecosystem "cargo"/ },
  { name: 'empty version', args: () => ['request', 'npm:express@'], says: /empty version/ },
  { name: 'bad purl', args: () => ['request', 'pkg:npm/'], says: /invalid package spec/ },
  {
    name: 'unknown package',
    args: (r) => ['request', 'npm:fx-does-not-exist', '--registry', r],
    says: /npm package "fx-does-not-exist" not found on http:\/\/127\.0\.0\.1:\d+\/: check the name/,
  },
  {
    name: 'unknown dependency names its chain',
    args: (r) => ['request', 'npm:fx-needs-missing', '--registry', r],
    says: /"fx-does-not-exist" \(required by fx-needs-missing@1\.0\.0\) not found/,
  },
  {
    name: 'no matching version',
    args: (r) => ['request', 'npm:fx-shared@^9', '--registry', r],
    says: /no version of npm package "fx-shared" matches "\^9"; newest: 2\.1\.0-beta\.1, 2\.0\.1/,
  },
  {
    name: 'registry 500',
    args: (r) => ['request', 'npm:fx-500', '--registry', r],
    says: /registry http:\/\/127\.0\.0\.1:\d+\/ failed for "fx-500" \(HTTP 500\): try again later/,
    exit: 75,
  },
  {
    name: 'dependency answers 500',
    args: (r) => ['request', 'npm:fx-needs-500', '--registry', r],
    says: /"fx-500" \(required by fx-needs-500@1\.0\.0\) \(HTTP 500\)/,
    exit: 75,
  },
  {
    name: 'registry garbage',
    args: (r) => ['request', 'npm:fx-garbage', '--registry', r],
    says: /sent something that is not a packument for "fx-garbage"/,
  },
  {
    name: 'integrity mismatch',
    args: (r) => ['request', 'npm:fx-tampered', '--registry', r],
    says: /fx-tampered-1\.0\.0\.tgz: integrity mismatch: expected sha512-.*, got sha512-/,
  },
  {
    name: 'truncated tarball',
    args: (r) => ['request', 'npm:fx-truncated', '--registry', r],
    says: /fx-truncated-1\.0\.0\.tgz: .*attempts/,
    exit: 75,
  },
  {
    name: 'tarball with ../',
    args: (r) => ['request', 'npm:fx-evil-dotdot', '--registry', r],
    says: /fx-evil-dotdot@1\.0\.0.*"package\/\.\.\/\.\.\/evil\.txt".*leaves the archive root/,
  },
  {
    name: 'tarball with absolute path',
    args: (r) => ['request', 'npm:fx-evil-abs', '--registry', r],
    says: /fx-evil-abs@1\.0\.0.*absolute/,
  },
  {
    name: 'tarball symlink out of the tree',
    args: (r) => ['request', 'npm:fx-evil-symlink', '--registry', r],
    says: /fx-evil-symlink@1\.0\.0.*"package\/escape/,
  },
  {
    name: 'tarball hardlink to /etc/passwd',
    args: (r) => ['request', 'npm:fx-evil-hardlink', '--registry', r],
    says: /fx-evil-hardlink@1\.0\.0.*link/,
  },
  {
    name: 'tarball with a device',
    args: (r) => ['request', 'npm:fx-evil-device', '--registry', r],
    says: /fx-evil-device@1\.0\.0.*device/,
  },
  {
    name: 'registry down',
    args: () => ['request', 'npm:fx-app', '--registry', 'http://127.0.0.1:9/'],
    says: /registry http:\/\/127\.0\.0\.1:9\/ failed for "fx-app" \(ECONNREFUSED\)/,
    exit: 75,
  },
  { name: 'bad --jobs', args: () => ['request', 'npm:fx-app', '--jobs', '0'], says: /--jobs 0: expected a whole number/, exit: 2 },
  {
    name: 'build without recipes',
    args: () => ['build', 'npm:fx-app@1.0.0'],
    says: /no recipe in .* matches npm:fx-app@1\.0\.0 \(no recipe exists for it\): run `bale import npm:fx-app@1\.0\.0`/,
  },
];

describe('bad input: one clear line, non-zero exit, nothing written', () => {
  let reg: FixtureRegistry;
  let t: { dir: string; cleanup: () => Promise<void> };
  before(async () => {
    reg = await startNpmRegistry();
    t = await tempDir('bad');
  });
  after(async () => {
    await reg.close();
    await t.cleanup();
  });

  for (const [i, c] of CASES.entries()) {
    test(c.name, async () => {
      const recipes = path.join(t.dir, `r${i}`);
      const store = path.join(t.dir, `s${i}`);
      const r = await bale([...c.args(reg.url), '--recipes', recipes, '--store', store], {
        env: { XDG_CACHE_HOME: path.join(t.dir, `c${i}`) },
      });
      assert.equal(r.code, c.exit ?? 1, `${r.stderr}\n${r.stdout}`);
      assert.match(oneErrorLine(r.stderr), c.says);
      assert.deepEqual(await listFiles(recipes), []);
      assert.deepEqual(await listFiles(store), []);
    });
  }

  test('hostile tarballs wrote nothing outside the build', () => {
    assert.equal(existsSync('/tmp/bale-evil-abs.txt'), false);
    assert.equal(existsSync(path.join(t.dir, 'evil.txt')), false);
    assert.equal(existsSync(path.join(repoRoot(), 'evil.txt')), false);
  });

  test('a missing native build library is named before the build starts, nothing written', async () => {
    const overrides = path.join(t.dir, 'overrides');
    await mkdir(overrides, { recursive: true });
    await writeFile(
      path.join(overrides, 'npm.toml'),
      '[[package]]\nname = "fx-native"\nbuild = ["libbale-test-missing-dev", "make"]\nruntime = ["libbale-test-missing1"]\n',
    );
    const recipes = path.join(t.dir, 'rn');
    const store = path.join(t.dir, 'sn');
    const r = await bale([
      'request',
      'npm:fx-native@1.0.0',
      '--overrides',
      overrides,
      '--registry',
      reg.url,
      '--recipes',
      recipes,
      '--store',
      store,
    ]);
    assert.equal(r.code, 1, r.stderr);
    const line = oneErrorLine(r.stderr);
    assert.match(
      line,
      /pkg:npm\/fx-native@1\.0\.0 needs native libraries missing on this build host: libbale-test-missing-dev \(from the override table\): install them with apt-get install libbale-test-missing-dev$/,
    );
    assert.deepEqual(await listFiles(recipes), []);
    assert.deepEqual(await listFiles(store), [], 'checked before any build started');
  });

  test('a malformed recipe names the file and every bad key', async () => {
    const file = path.join(repoRoot(), 'fixtures', 'recipes', 'invalid-several-problems.toml');
    assert.ok(existsSync(file), 'fixture exists');
    const r = await bale(['build', file, '--recipes', path.join(t.dir, 'rr'), '--store', path.join(t.dir, 'ss')]);
    assert.equal(r.code, 1, r.stderr);
    const line = oneErrorLine(r.stderr);
    assert.match(line, /invalid-several-problems\.toml/);
    assert.ok(line.split(';').length >= 2, line);
    assert.deepEqual(await listFiles(path.join(t.dir, 'ss')), []);
  });
});
