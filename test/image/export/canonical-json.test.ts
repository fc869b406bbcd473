/** Canonical JSON: one spelling per value, whatever the insertion order. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BaleError } from '../../../src/errors/index.js';
import { canonicalJson, canonicalJsonPretty } from '../../../src/image/export/canonical-json.js';

describe('canonicalJson', () => {
  it('sorts keys bytewise at every depth (integer-like keys too), no whitespace', () => {
    const v = { b: 1, a: { z: [3, { y: true, x: null }], '10': 'ten', '9': 'nine' }, é: 's', Z: '"q"' };
    assert.equal(canonicalJson(v), '{"Z":"\\"q\\"","a":{"10":"ten","9":"nine","z":[3,{"x":null,"y":true}]},"b":1,"é":"s"}');
    assert.deepEqual(JSON.parse(canonicalJson(v)), v);
  });

  it('drops undefined fields, keeps empty containers, refuses non-integers', () => {
    assert.equal(canonicalJson({ a: undefined, b: [], c: {} }), '{"b":[],"c":{}}');
    assert.throws(() => canonicalJson({ n: 1.5 }), BaleError);
    assert.throws(() => canonicalJson({ n: Number.NaN }), BaleError);
  });

  it('indents by two spaces with a final newline when pretty', () => {
    assert.equal(canonicalJsonPretty({ b: [1], a: {} }), '{\n  "a": {},\n  "b": [\n    1\n  ]\n}\n');
    assert.equal(canonicalJsonPretty({ b: [1], a: {} }), `${JSON.stringify({ a: {}, b: [1] }, null, 2)}\n`);
  });
});
