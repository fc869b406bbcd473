/** The one table from error codes to the categories of a failed root (--keep-going, --report). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CATEGORY_OF_CODE, categoryOf, ROOT_CATEGORIES } from '../../src/errors/categories.js';
import { ERROR_CODES, type ErrorCode } from '../../src/errors/index.js';

describe('CATEGORY_OF_CODE', () => {
  const codes = Object.keys(ERROR_CODES) as ErrorCode[];
  const allowed = new Set<string>([...ROOT_CATEGORIES, 'other']);

  it('places every error code in a category, or explicitly in other', () => {
    assert.deepEqual(
      codes.filter((c) => !Object.hasOwn(CATEGORY_OF_CODE, c) || !allowed.has(CATEGORY_OF_CODE[c])),
      [],
    );
  });

  it('names no code that ERROR_CODES does not have', () => {
    assert.deepEqual(
      Object.keys(CATEGORY_OF_CODE).filter((c) => !Object.hasOwn(ERROR_CODES, c)),
      [],
    );
  });

  it('gives every category at least one code', () => {
    const used = new Set(Object.values(CATEGORY_OF_CODE));
    assert.deepEqual(
      ROOT_CATEGORIES.filter((c) => !used.has(c)),
      [],
    );
  });

  it('sorts what the importers throw as a maintainer reads it', () => {
    assert.equal(categoryOf('ENOTFOUND'), 'not found');
    assert.equal(categoryOf('ENOVERSION'), 'no matching version');
    assert.equal(categoryOf('ERESOLVE'), 'unsatisfiable');
    assert.equal(categoryOf('EBADPLATFORM'), 'platform');
    assert.equal(categoryOf('EREGISTRY'), 'registry failure');
    assert.equal(categoryOf('EBUILD'), 'build failure');
    assert.equal(categoryOf('EDEPFAILED'), 'build failure');
  });

  it('calls a code that is not bale’s other', () => {
    assert.equal(categoryOf('ECONNRESET'), 'other');
    assert.equal(categoryOf(''), 'other');
    assert.equal(categoryOf('toString'), 'other');
  });
});
