/**
 * Which [native] packages one build uses: a recipe pinning a wheel for one interpreter and an sdist
 * for another needs the row's packages for the sdist build only, and a wheel never needs `build`.
 * The dpkg query is the real one (the named packages are absent from every host).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkNativeBuildDeps, nativeFor } from '../../src/builder/native-deps.js';
import type { RecipeNode } from '../../src/builder/graph.js';
import type { Target } from '../../src/builder/types.js';
import { parsePurl } from '../../src/purl/purl.js';
import { checkRecipe, type Recipe, type RecipeNative } from '../../src/recipe/index.js';

const SHA = `sha256-${Buffer.alloc(32, 7).toString('base64')}`;
const DEV = 'libbale-test-missing-dev';
const LIB = 'libbale-test-missing1';

function node(native: RecipeNative | undefined, purl = 'pkg:pypi/fxp-blas@1.0.0'): RecipeNode {
  const recipe: Recipe = checkRecipe(
    {
      format: 1,
      purl,
      source_date_epoch: 315532800,
      source: [
        {
          url: 'http://127.0.0.1/fxp_blas-1.0.0-cp311-cp311-manylinux_2_17_x86_64.whl',
          integrity: SHA,
          kind: 'wheel',
          interpreters: ['3.11'],
        },
        { url: 'http://127.0.0.1/fxp_blas-1.0.0.tar.gz', integrity: SHA, kind: 'sdist', interpreters: ['3.12'] },
      ],
      dependency: [],
      build: { native: true, reasons: ['sdist'], requires: [], interpreters: ['3.11', '3.12'] },
      ...(native !== undefined ? { native } : {}),
    },
    'test.toml',
  );
  return { purl: parsePurl(purl), id: purl, recipe, digest: 'x', file: 'test.toml' };
}

const py = (v: string): Target => ({ id: `py${v}.0`, prefix: `py${v}`, interpreter: { kind: 'cpython', version: `${v}.0`, abi: 'x' } });

describe('nativeFor: what one build of a recipe uses', () => {
  it('sources = ["sdist"]: nothing for the wheel, build and runtime for the sdist', () => {
    const n = node({ build: [DEV], runtime: [LIB], sources: ['sdist'] });
    assert.deepEqual(nativeFor(n, py('3.11')), { build: [], runtime: [] });
    assert.deepEqual(nativeFor(n, py('3.12')), { build: [DEV], runtime: [LIB], kind: 'sdist' });
  });

  it('no sources (every kind): the wheel needs the runtime packages, never the build ones', () => {
    const n = node({ build: [DEV], runtime: [LIB] });
    assert.deepEqual(nativeFor(n, py('3.11')), { build: [], runtime: [LIB], kind: 'wheel' });
    assert.deepEqual(nativeFor(n, py('3.12')), { build: [DEV], runtime: [LIB], kind: 'sdist' });
  });

  it('no [native] table: nothing', () => {
    assert.deepEqual(nativeFor(node(undefined), py('3.12')), { build: [], runtime: [] });
  });
});

describe('checkNativeBuildDeps over the builds planned', () => {
  it('the wheel build passes although the sdist build of the same recipe would not', async () => {
    const n = node({ build: [DEV], runtime: [LIB], sources: ['sdist'] });
    await checkNativeBuildDeps([{ node: n, target: py('3.11') }]);
    await assert.rejects(
      checkNativeBuildDeps([
        { node: n, target: py('3.11') },
        { node: n, target: py('3.12') },
      ]),
      (err: Error & { code?: string }) => {
        assert.equal(err.code, 'ENATIVE');
        assert.equal(
          err.message,
          `pkg:pypi/fxp-blas@1.0.0 needs native libraries missing on this build host: ${DEV} (from the override table, for a build from its sdist): install them with apt-get install ${DEV}`,
        );
        return true;
      },
    );
  });

  it('names the first package with its own missing packages, and the others in the apt-get line', async () => {
    const blas = node({ build: [DEV], runtime: [], sources: ['sdist'] });
    const other = node({ build: ['libbale-test-other-dev'], runtime: [], sources: ['sdist'] }, 'pkg:pypi/fxp-other@1.0.0');
    await assert.rejects(
      checkNativeBuildDeps([
        { node: blas, target: py('3.12') },
        { node: other, target: py('3.12') },
      ]),
      (err: Error) => {
        assert.equal(
          err.message,
          `pkg:pypi/fxp-blas@1.0.0 needs native libraries missing on this build host: ${DEV} (from the override table, for a build from its sdist) (and 1 more package needs libbale-test-other-dev): install them with apt-get install ${DEV} libbale-test-other-dev`,
        );
        return true;
      },
    );
  });
});
