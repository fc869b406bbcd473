import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { formatRecipe, parseRecipe, recipeDigest } from '../../src/recipe/index.js';
import { fixture, sampleRecipe, sri } from './helpers.js';

describe('recipeDigest', () => {
  it('is the hex sha256 of the canonical text', () => {
    const r = sampleRecipe();
    assert.equal(recipeDigest(r), createHash('sha256').update(formatRecipe(r)).digest('hex'));
    assert.match(recipeDigest(r), /^[0-9a-f]{64}$/);
  });

  it('is stable across calls and copies', () => {
    assert.equal(recipeDigest(sampleRecipe()), recipeDigest(sampleRecipe()));
  });

  it('ignores whitespace, comments, key order and list order', () => {
    const clean = parseRecipe(fixture('valid-pypi-every-field.toml'), 'clean.toml');
    const messy = parseRecipe(fixture('valid-pypi-every-field-messy.toml'), 'messy.toml');
    assert.equal(recipeDigest(messy), recipeDigest(clean));
  });

  const edits: Array<[string, (r: ReturnType<typeof sampleRecipe>) => void]> = [
    ['a source hash', (r) => (r.source[0]!.integrity = sri(9))],
    ['a dependency version', (r) => (r.dependency[0]!.purl = 'pkg:npm/prebuild-install@7.1.2')],
    ['a dependency kind', (r) => (r.dependency[0]!.kind = 'optional')],
    ['the epoch', (r) => (r.source_date_epoch += 1)],
    ['a build env value', (r) => (r.build.env = { CFLAGS: '-O2' })],
    ['a runtime package', (r) => r.native!.runtime.push('libc6')],
  ];
  for (const [what, edit] of edits) {
    it(`changes when ${what} changes`, () => {
      const r = sampleRecipe();
      edit(r);
      assert.notEqual(recipeDigest(r), recipeDigest(sampleRecipe()));
    });
  }
});
