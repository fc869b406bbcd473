import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { findEscapingSymlink } from '../../src/packer/symlinks.js';

describe('findEscapingSymlink', () => {
  // [link, target, other links of the package, refusal pattern or null when accepted]
  const cases: [string, string, Record<string, string>, RegExp | null][] = [
    ['usr/bin/x', '../lib/y', {}, null],
    ['usr/bin/x', '../../usr/lib/y', {}, null],
    ['usr/bin/x', './y/../z', {}, null],
    ['usr/bin/x', '../../..', {}, /outside/],
    ['a', '../../etc/passwd', {}, /outside/],
    ['a', '..', {}, /outside/],
    ['usr/lib/a/node_modules/b', '../../b/node_modules/b', {}, null],
    // through another link: usr/l is the root itself, so one more '..' leaves it
    ['usr/x', 'l/..', { 'usr/l': '..' }, /outside/],
    ['usr/x', 'l/y', { 'usr/l': '..' }, null],
    // through a link that goes deeper: '..' then climbs from the real place
    ['x', 'deep/../..', { deep: 'usr/lib/deep' }, null],
    ['x', 'deep/../../../..', { deep: 'usr/lib/deep' }, /outside/],
    ['x', 'abs/y', { abs: '/etc' }, /absolute symlink/],
    ['x', 'a', { a: 'b', b: 'a' }, /loop/],
    ['x', 'x', {}, /loop/],
  ];
  for (const [path, target, others, want] of cases) {
    it(`${path} -> ${target}${Object.keys(others).length ? ` with ${JSON.stringify(others)}` : ''}`, () => {
      const links = new Map(Object.entries(others));
      links.set(path, target);
      const why = findEscapingSymlink(path, target, links);
      if (want === null) assert.equal(why, undefined);
      else assert.match(why ?? '', want);
    });
  }
});
