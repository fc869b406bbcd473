import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isUserError } from '../../src/errors/index.js';
import { assertNoConflicts, findConflicts, type OwnedPackage } from '../../src/image/conflicts.js';

const pkg = (name: string, version: string, files: [string, string][]): OwnedPackage => ({
  name,
  version,
  files: files.map(([path, type]) => ({ path, type })),
});
const dir = (p: string): [string, string] => [p, 'dir'];
const file = (p: string): [string, string] => [p, 'file'];
const link = (p: string): [string, string] => [p, 'symlink'];

describe('findConflicts: an image is a set, each path owned once', () => {
  test('shared directories are fine; distinct files are fine', () => {
    const a = pkg('node-a', '1.0.0', [dir('usr/'), dir('usr/lib/'), file('usr/lib/a.js')]);
    const b = pkg('node-b', '2.0.0', [dir('usr/'), dir('usr/lib/'), file('usr/lib/b.js')]);
    assert.deepEqual(findConflicts([a, b]), []);
  });

  test('two packages owning one file: named with both packages', () => {
    const a = pkg('py3.11-ns-a', '1.0', [dir('usr/'), file('usr/lib/python3.11/site-packages/ns/__init__.py')]);
    const b = pkg('py3.11-ns-b', '1.0', [dir('usr/'), file('usr/lib/python3.11/site-packages/ns/__init__.py')]);
    const c = findConflicts([a, b]);
    assert.equal(c.length, 1);
    assert.equal(c[0]!.path, 'usr/lib/python3.11/site-packages/ns/__init__.py');
    assert.throws(
      () => assertNoConflicts([a, b]),
      (e: unknown) =>
        isUserError(e) &&
        e.message ===
          'conflict: py3.11-ns-a 1.0 and py3.11-ns-b 1.0 both own usr/lib/python3.11/site-packages/ns/__init__.py: an image holds each file once; leave one out, or move the file with an override (drop)',
    );
  });

  test('a directory in one package and a file or symlink in another collide', () => {
    const a = pkg('a', '1', [dir('usr/share/x/')]);
    const b = pkg('b', '1', [link('usr/share/x')]);
    assert.deepEqual(
      findConflicts([a, b]).map((c) => c.path),
      ['usr/share/x'],
    );
    assert.deepEqual(
      findConflicts([b, a]).map((c) => c.path),
      ['usr/share/x'],
    );
  });

  test("nothing beneath another package's symlink or file", () => {
    const a = pkg('a', '1', [link('usr/lib/thing')]);
    const b = pkg('b', '1', [dir('usr/lib/thing/'), file('usr/lib/thing/x')]);
    const c = findConflicts([a, b]);
    assert.ok(c.length >= 1);
    assert.ok(c.some((x) => x.path.startsWith('usr/lib/thing')));
  });

  test('two versions of one name are named as alternatives', () => {
    const a = pkg('node22-addon', '1.0.0', [file('usr/lib/node_modules/addon/build/Release/a.node')]);
    const b = pkg('node22-addon', '2.0.0', [file('usr/lib/node_modules/addon/build/Release/a.node')]);
    assert.throws(
      () => assertNoConflicts([a, b]),
      (e: unknown) =>
        isUserError(e) &&
        /^node22-addon 1\.0\.0 and 2\.0\.0 are alternatives \(two versions of one name\) and both own usr\/lib\/node_modules\/addon\/build\/Release\/a\.node/.test(
          e.message,
        ),
    );
  });

  test('every conflict is counted in the message', () => {
    const a = pkg('a', '1', [file('x'), file('y'), file('z')]);
    const b = pkg('b', '1', [file('x'), file('y'), file('z')]);
    assert.throws(
      () => assertNoConflicts([a, b]),
      (e: unknown) => isUserError(e) && e.message.includes('both own x') && e.message.endsWith('(and 2 more conflicting path(s))'),
    );
  });

  test('one package never conflicts with itself', () => {
    const a = pkg('a', '1', [dir('usr/'), dir('usr/bin/'), file('usr/bin/a'), link('usr/bin/b')]);
    assert.deepEqual(findConflicts([a]), []);
  });
});
