/**
 * gc's decisions without a store: what roots, images, the grace period and leases keep, and how
 * keeping spreads (a build's packages together, a package's inputs, its recipe texts).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { planGc, type KeepRules } from '../../src/gc/plan.js';
import type { ScannedPackage, StoreScan } from '../../src/gc/scan.js';
import { FOREIGN_LEASE_MS, standing } from '../../src/store/leases.js';
import { TEMP_HOST } from '../../src/util/atomic-write.js';

const OLD = 1_000;
const NOW = 10_000_000;
const hex = (c: string, n = 64): string => c.repeat(n);
const file = (path: string, mtimeMs = OLD) => ({ path, size: 10, mtimeMs });

function pkg(name: string, c: string, extra: Partial<ScannedPackage> = {}): ScannedPackage {
  const stem = `${name}-1.0.0-${hex(c, 12)}`;
  return {
    stem,
    files: [file(`/s/packages/${stem}.tar.gz`), file(`/s/packages/${stem}.manifest.json`), file(`/s/packages/${stem}.tar.gz.minisig`)],
    recipeDigest: hex(c),
    recipes: [hex(c)],
    inputs: [],
    ...extra,
  };
}

/** Store: app (built against lib), lib, lib-bin (same build as lib), other; a record per build; recipe texts. */
function store(): StoreScan {
  const lib = pkg('node-lib', 'b');
  const libBin = pkg('node-lib-bin', 'c', { recipeDigest: hex('b'), recipes: [hex('b')] });
  const app = pkg('node22-app', 'a', { inputs: [{ build_key: hex('1'), name: 'node-lib', version: '1.0.0', sha256: hex('b') }] });
  const other = pkg('node-other', 'd');
  const packages = new Map([app, lib, libBin, other].map((p) => [p.stem, p]));
  return {
    packages,
    records: [
      { key: hex('1'), file: file('/s/builds/1.json'), stems: [lib.stem, libBin.stem] },
      { key: hex('2'), file: file('/s/builds/2.json'), stems: [app.stem] },
      { key: hex('3'), file: file('/s/builds/3.json'), stems: [other.stem] },
    ],
    recipes: new Map(['a', 'b', 'd'].map((c) => [hex(c), file(`/s/recipes/${hex(c)}.toml`)])),
  };
}

const rules = (r: Partial<KeepRules>): KeepRules => ({ rootDigests: new Set(), imageStems: new Set(), cutoff: NOW, leases: [], ...r });
const removed = (r: Partial<KeepRules>, scan = store()): string[] =>
  planGc(scan, rules(r))
    .packages.map((p) => p.stem.split('-1.0.0-')[0]!)
    .sort();

describe('planGc', () => {
  test('a root keeps its packages, their inputs, the inputs’ whole build and the recipe texts they name', () => {
    const plan = planGc(store(), rules({ rootDigests: new Set([hex('a')]) }));
    assert.deepEqual(
      plan.packages.map((p) => p.stem),
      [`node-other-1.0.0-${hex('d', 12)}`],
    );
    assert.deepEqual(
      plan.records.map((r) => r.key),
      [hex('3')],
    );
    assert.deepEqual(
      plan.recipes.map((r) => r.digest),
      [hex('d')],
    );
    assert.deepEqual(plan.kept, { packages: 3, records: 2, recipes: 2 });
  });

  test('an image keeps its packages; one package of a build keeps the build', () => {
    assert.deepEqual(removed({ imageStems: new Set([`node-lib-bin-1.0.0-${hex('c', 12)}`]) }), ['node-other', 'node22-app']);
  });

  test('the grace period keeps recent files (and what they need); nothing kept removes everything old', () => {
    const scan = store();
    scan.packages.get(`node22-app-1.0.0-${hex('a', 12)}`)!.files[2]!.mtimeMs = NOW + 5;
    assert.deepEqual(removed({}, scan), ['node-other']);
    assert.deepEqual(removed({}), ['node-lib', 'node-lib-bin', 'node-other', 'node22-app']);
  });

  test('a lease keeps the builds it names, and every package newer than it', () => {
    assert.deepEqual(removed({ leases: [{ keys: [hex('1')], since: NOW * 2 }] }), ['node-other', 'node22-app']);
    assert.deepEqual(removed({ leases: [{ keys: [], since: OLD }] }), []);
  });

  test('a lease naming package stems (a registry store pushing them) keeps them, and their builds', () => {
    const other = `node-other-1.0.0-${hex('d', 12)}`;
    // NOW * 2: no file is newer than it, so only the stems keep anything.
    assert.deepEqual(removed({ leases: [{ keys: [], since: NOW * 2, stems: [other] }] }), ['node-lib', 'node-lib-bin', 'node22-app']);
    assert.deepEqual(removed({ leases: [{ keys: [], since: NOW * 2, stems: ['node-gone-1.0.0-000000000000'] }] }).length, 4);
  });

  test('a package without a manifest (being written) stays while recent, and goes with all its files after', () => {
    const scan = store();
    const half = pkg('node-half', 'e', {
      recipeDigest: undefined,
      files: [file('/s/packages/node-half-1.0.0-eeeeeeeeeeee.tar.gz', NOW + 1)],
    });
    scan.packages.set(half.stem, half);
    assert.ok(!removed({ imageStems: new Set() }, scan).includes('node-half'));
    half.files[0]!.mtimeMs = OLD;
    assert.ok(removed({}, scan).includes('node-half'));
  });
});

describe('leases', () => {
  test('this host’s lease stands while its process runs; another host’s for a day', () => {
    assert.equal(standing(TEMP_HOST, process.pid, 0), true);
    assert.equal(standing(TEMP_HOST, 2 ** 22 + 12345, Date.now()), false);
    assert.equal(standing('elsewhere', 1, Date.now() - FOREIGN_LEASE_MS + 60_000), true);
    assert.equal(standing('elsewhere', 1, Date.now() - FOREIGN_LEASE_MS - 1), false);
  });
});
