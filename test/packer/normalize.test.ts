import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isUserError } from '../../src/errors/index.js';
import type { PackEntry } from '../../src/packer/entry.js';
import { checkPath, compareBytes, normalMode, planEntries, sortBytewise } from '../../src/packer/normalize.js';

const file = (path: string, mode = 0o644, text = path): PackEntry => ({ path, type: 'file', mode, data: Buffer.from(text) });
const dir = (path: string, mode = 0o755): PackEntry => ({ path, type: 'dir', mode });
const link = (path: string, target: string): PackEntry => ({ path, type: 'symlink', mode: 0o777, target });

/** Asserts a UserError whose message names `path`. */
function refuses(entries: PackEntry[], path: string, re: RegExp): void {
  assert.throws(
    () => planEntries(entries),
    (err: unknown) => isUserError(err) && err.message.includes(JSON.stringify(path)) && re.test(err.message),
  );
}

describe('normalMode', () => {
  const cases: [PackEntry['type'], number, number][] = [
    ['file', 0o644, 0o644],
    ['file', 0o664, 0o644], // group write dropped
    ['file', 0o600, 0o644],
    ['file', 0o666, 0o644],
    ['file', 0o4755, 0o755], // setuid dropped
    ['file', 0o100, 0o755], // any execute bit makes it executable
    ['file', 0o010, 0o755],
    ['file', 0o001, 0o755],
    ['file', 0o1777, 0o755], // sticky dropped
    ['dir', 0o700, 0o755],
    ['dir', 0o2775, 0o755], // setgid dir
    ['symlink', 0o755, 0o777],
  ];
  for (const [type, input, want] of cases) {
    it(`${type} ${input.toString(8)} -> ${want.toString(8)}`, () => assert.equal(normalMode(type, input), want));
  }
});

describe('checkPath', () => {
  for (const good of ['a', 'usr/lib/x.js', 'usr/lib/node_modules/.bale/a@1.0.0/node_modules/a', 'a..b/c']) {
    it(`accepts ${good}`, () => assert.doesNotThrow(() => checkPath(good)));
  }
  for (const bad of ['', '/usr/bin/x', 'usr//x', 'usr/x/', './usr', 'usr/./x', 'usr/../x', '..', 'a\0b']) {
    it(`refuses ${JSON.stringify(bad)}`, () =>
      assert.throws(
        () => checkPath(bad),
        (e: unknown) => isUserError(e),
      ));
  }
});

describe('bytewise order', () => {
  it('compares UTF-8 bytes, not UTF-16 units or locale', () => {
    // U+FF5E is one UTF-16 unit but sorts after the surrogate pair of U+1F600 in UTF-16, not in UTF-8.
    assert.ok(compareBytes('\u{ff5e}', '\u{1f600}') < 0);
    assert.ok(compareBytes('B', 'a') < 0); // localeCompare would put 'a' first
    assert.deepEqual(
      sortBytewise(['b', 'a-c', 'a/', 'A', 'a/b'], (s) => s),
      ['A', 'a-c', 'a/', 'a/b', 'b'],
    );
  });
});

describe('planEntries', () => {
  it('sorts bytewise by tar name, directories with a trailing slash', () => {
    const plan = planEntries([file('usr/b'), dir('usr'), file('usr/a-c'), dir('usr/a'), file('usr/a/x'), file('usr/B')]);
    assert.deepEqual(
      plan.map((t) => t.name),
      ['usr/', 'usr/B', 'usr/a-c', 'usr/a/', 'usr/a/x', 'usr/b'],
    );
  });

  it('adds every missing ancestor directory with mode 0755', () => {
    const plan = planEntries([file('usr/lib/python3.11/site-packages/x.py'), dir('usr/lib', 0o700)]);
    assert.deepEqual(
      plan.map((t) => [t.name, t.type, t.mode.toString(8)]),
      [
        ['usr/', 'dir', '755'],
        ['usr/lib/', 'dir', '755'],
        ['usr/lib/python3.11/', 'dir', '755'],
        ['usr/lib/python3.11/site-packages/', 'dir', '755'],
        ['usr/lib/python3.11/site-packages/x.py', 'file', '644'],
      ],
    );
  });

  it('refuses the same path twice', () => {
    refuses([file('usr/x'), file('usr/x')], 'usr/x', /twice/);
    refuses([dir('usr'), file('usr')], 'usr', /twice/);
  });

  it('refuses an entry below a file or a symlink', () => {
    refuses([file('usr/lib'), file('usr/lib/x')], 'usr/lib/x', /is a file/);
    refuses([link('usr/lib', 'share'), file('usr/lib/x')], 'usr/lib/x', /is a symlink/);
  });

  it('refuses a bad path, naming it', () => {
    refuses([file('usr/../etc/passwd')], 'usr/../etc/passwd', /'\.\.'/);
    refuses([file('/etc/passwd')], '/etc/passwd', /absolute/);
  });

  it('refuses malformed entries', () => {
    refuses([{ path: 'a', type: 'file', mode: 0o644 }], 'a', /without data/);
    refuses([{ path: 'a', type: 'dir', mode: 0o755, data: Buffer.from('x') }], 'a', /with data/);
    refuses([{ path: 'a', type: 'symlink', mode: 0o777 }], 'a', /without a target/);
    refuses([{ path: 'a', type: 'fifo' as never, mode: 0o644 }], 'a', /unsupported type/);
  });

  it('accepts symlinks that stay inside the package', () => {
    const plan = planEntries([link('usr/bin/x', '../lib/y'), link('usr/lib/node_modules/a', '.bale/a@1/node_modules/a'), link('up', '.')]);
    assert.deepEqual(
      plan.filter((t) => t.type === 'symlink').map((t) => [t.name, t.mode]),
      [
        ['up', 0o777],
        ['usr/bin/x', 0o777],
        ['usr/lib/node_modules/a', 0o777],
      ],
    );
  });

  it('refuses symlinks that leave the package, naming the link', () => {
    refuses([link('a', '../../etc/passwd')], 'a', /outside the package root/);
    refuses([link('usr/bin/x', '/etc/passwd')], 'usr/bin/x', /absolute/);
    refuses([link('usr/bin/x', '../../../etc')], 'usr/bin/x', /outside/);
    // lexically fine, but usr/l is the root, so usr/l/.. is above it
    refuses([link('usr/l', '..'), link('usr/x', 'l/..')], 'usr/x', /outside/);
  });

  it('does not modify its input', () => {
    const input = [file('b', 0o664), file('a', 0o4755)];
    planEntries(input);
    assert.deepEqual(
      input.map((e) => [e.path, e.mode]),
      [
        ['b', 0o664],
        ['a', 0o4755],
      ],
    );
  });
});
