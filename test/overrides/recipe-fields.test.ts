import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { overrideBuild, overrideNative } from '../../src/overrides/recipe-fields.js';
import { parseOverrides } from '../../src/overrides/table.js';

const table = parseOverrides(
  [
    '[[package]]\nname = "x"\nversions = "<2"\nbuild = ["libfoo-dev"]\nnote = "old"',
    '[[package]]\nname = "x"\nflags = ["--a", "--b"]\ndrop = ["ns/__init__.py"]\nenv = { K = "v" }\nnote = "any"',
  ].join('\n\n'),
  'test.toml',
);
const below = (v: string, range: string): boolean => Number(v) < Number(range.slice(1));

describe('override rows into recipes', () => {
  it('match: the first row whose range admits the version, by the ecosystem’s rule', () => {
    assert.equal(table.match('x', '1', below)?.note, 'old');
    assert.equal(table.match('x', '3', below)?.note, 'any');
    assert.equal(table.match('y', '1', below), undefined);
  });

  it('build fields and [native] only when they say something', () => {
    assert.deepEqual(overrideBuild(undefined), {});
    assert.deepEqual(overrideNative(undefined), {});
    assert.deepEqual(overrideBuild(table.match('x', '1', below)), {});
    assert.deepEqual(overrideNative(table.match('x', '1', below)), { native: { build: ['libfoo-dev'], runtime: [] } });
    assert.deepEqual(overrideBuild(table.match('x', '3', below)), { flags: ['--a', '--b'], drop: ['ns/__init__.py'], env: { K: 'v' } });
    assert.deepEqual(overrideNative(table.match('x', '3', below)), {});
  });
});
