/** Pure tests of entry-path normalisation and symlink resolution. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ancestorsOf, isNormalPath, normaliseEntryPath, SymlinkResolver } from '../../src/archive/paths.js';

test('normaliseEntryPath: table', () => {
  const cases: Array<[name: string, strip: number, expected: ReturnType<typeof normaliseEntryPath>['kind'], path?: string]> = [
    ['package/index.js', 1, 'ok', 'index.js'],
    ['./package/lib//a.js', 1, 'ok', 'lib/a.js'],
    ['package/lib/', 1, 'ok', 'lib'],
    ['package/', 1, 'skip'],
    ['package', 1, 'skip'],
    ['./', 0, 'skip'],
    ['README', 1, 'skip'],
    ['other-top/x/y', 1, 'ok', 'x/y'],
    ['package/a/../b', 1, 'ok', 'b'],
    ['package/./a/./b', 1, 'ok', 'a/b'],
    ['a/b/c', 2, 'ok', 'c'],
    ['a/b/c', 0, 'ok', 'a/b/c'],
    ['package/../../evil.txt', 1, 'unsafe'],
    ['../x', 0, 'unsafe'],
    ['a/../../x', 1, 'unsafe'],
    ['/tmp/evil', 0, 'unsafe'],
    ['/package/x', 1, 'unsafe'],
    ['a\0b', 0, 'unsafe'],
  ];
  for (const [name, strip, kind, path] of cases) {
    const got = normaliseEntryPath(name, strip);
    assert.equal(got.kind, kind, `${name} (strip ${strip})`);
    if (path !== undefined) assert.deepEqual(got, { kind: 'ok', path }, name);
  }
});

test('isNormalPath and ancestorsOf', () => {
  assert.deepEqual(['a/b', 'a', 'a/./b', 'a//b', '/a', 'a/', '', '..', 'a/..'].map(isNormalPath), [
    true,
    true,
    false,
    false,
    false,
    false,
    false,
    false,
    false,
  ]);
  assert.deepEqual(ancestorsOf('a/b/c'), ['a', 'a/b']);
  assert.deepEqual(ancestorsOf('a'), []);
});

test('SymlinkResolver: inside, outside, through chains, loops', () => {
  const links = new Map([
    ['bin/cli', '../lib/cli.js'],
    ['lib/same', '.'],
    ['up', '..'],
    ['abs', '/etc/passwd'],
    ['d/x', '..'], // resolves to the root: fine on its own
    ['y', 'd/x/..'], // lexically "d", really the root's parent
    ['z', 'd/x/lib'],
    ['loop1', 'loop2'],
    ['loop2', 'loop1'],
    ['deep/a/b', '../../bin/cli'],
    ['empty', ''],
  ]);
  const r = new SymlinkResolver(links);
  assert.equal(r.escape('bin/cli'), undefined);
  assert.equal(r.escape('lib/same'), undefined);
  assert.equal(r.escape('d/x'), undefined);
  assert.equal(r.escape('z'), undefined);
  assert.equal(r.escape('deep/a/b'), undefined);
  assert.match(r.escape('up') ?? '', /leaves/);
  assert.match(r.escape('abs') ?? '', /leaves/);
  assert.match(r.escape('y') ?? '', /leaves/);
  assert.match(r.escape('empty') ?? '', /leaves/);
  assert.match(r.escape('loop1') ?? '', /loop/);
});

test('SymlinkResolver stays fast on a hostile web of links', () => {
  // Each link names the next one 30 times (l1/../l1/../...): without memoisation, 30^40 steps.
  const links = new Map<string, string>();
  for (let i = 0; i < 40; i++)
    links.set(
      `l${i}`,
      Array(30)
        .fill(`l${i + 1}`)
        .join('/../'),
    );
  links.set('l40', 'file');
  const started = Date.now();
  assert.equal(new SymlinkResolver(links).escape('l0'), undefined);
  assert.ok(Date.now() - started < 1000);
});
