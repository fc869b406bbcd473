/**
 * Which roots bring an affected package in: from a store's manifests (names and versions) or a
 * registry layer's `dev.bale.depends` (`name@version`), a package and its `-bin` counted as one root,
 * and unknown rather than wrong when part of the image does not say its depends.
 */
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { AdvisoryIndex } from '../../src/audit/advisory-index.js';
import { auditImage, type AuditedPackage } from '../../src/audit/audit.js';
import { parseOsvRecord } from '../../src/audit/osv-schema.js';
import { layerDepends, settleDepends } from '../../src/audit/targets.js';

const pkg = (name: string, purl: string, depends?: [string, string][]): AuditedPackage => ({
  name,
  version: purl.slice(purl.lastIndexOf('@') + 1),
  purl,
  depends: depends?.map(([n, v]) => ({ name: n, version: v })),
});

// app (and its -bin) -> lib-a -> shared; app -> lib-b; tool -> shared; other -> lib-b. shared 1.0.0 is affected.
const IMAGE: AuditedPackage[] = [
  pkg('node-app', 'pkg:npm/app@1.0.0', [
    ['node-lib-a', '1.0.0'],
    ['node-lib-b', '1.0.0'],
  ]),
  pkg('node-app-bin', 'pkg:npm/app@1.0.0', [['node-app', '1.0.0']]),
  pkg('node-lib-a', 'pkg:npm/lib-a@1.0.0', [['node-shared', '1.0.0']]),
  pkg('node-lib-b', 'pkg:npm/lib-b@1.0.0', []),
  pkg('node-shared', 'pkg:npm/shared@1.0.0', []),
  pkg('node-tool', 'pkg:npm/tool@2.0.0', [['node-shared', '1.0.0']]),
  pkg('node-other', 'pkg:npm/other@1.0.0', [['node-lib-b', '1.0.0']]),
];

describe('roots of an affected package', () => {
  let index: AdvisoryIndex;
  before(async () => {
    const record = parseOsvRecord({
      id: 'BALE-TEST-SHARED',
      affected: [
        { package: { ecosystem: 'npm', name: 'shared' }, ranges: [{ type: 'SEMVER', events: [{ introduced: '0' }, { fixed: '1.0.1' }] }] },
      ],
    });
    index = await AdvisoryIndex.build([{ record, source: 'test' }], () => {});
  });
  const roots = (packages: AuditedPackage[]) =>
    auditImage({ image: 'x:1', source: undefined, packages }, index).affected.map((a) => [a.packages.join(' '), a.roots]);

  test("from the store's depends: the roots that reach it, a package and its -bin as one", () => {
    assert.deepEqual(roots(IMAGE), [['node-shared', ['node-app', 'node-tool']]]);
  });

  test("from a registry layer's dev.bale.depends (name@version): the same roots", () => {
    // As the registry index gives layers: the annotation absent where a package depends on nothing.
    const layers = IMAGE.map((p) => ({
      image: 'x:1',
      manifestDigest: 'sha256:0',
      digest: 'sha256:1',
      name: p.name,
      version: p.version,
      purl: p.purl,
      ...(p.depends!.length > 0 ? { depends: p.depends!.map((d) => ({ name: d.name, version: d.version! })) } : {}),
    }));
    const packages = layers.map((l) => ({ name: l.name, version: l.version, purl: l.purl, depends: layerDepends(l) }));
    const settled = settleDepends({ image: 'x:1', source: undefined, packages }).packages;
    assert.deepEqual(roots(settled), [['node-shared', ['node-app', 'node-tool']]]);
  });

  test('an image holding two versions of a package: only the dependents of the affected version are its roots', () => {
    // lib-b needs shared 1.0.1 (fixed); only tool and lib-a (through app) reach the affected 1.0.0.
    const two = [
      ...IMAGE.map((p) => (p.name === 'node-lib-b' ? { ...p, depends: [{ name: 'node-shared', version: '1.0.1' }] } : p)),
      pkg('node-shared', 'pkg:npm/shared@1.0.1', []),
    ];
    assert.deepEqual(roots(two), [['node-shared', ['node-app', 'node-tool']]]);
    const onlyOther = two.map((p) => (p.name === 'node-tool' ? { ...p, depends: [] } : p));
    assert.deepEqual(roots(onlyOther), [['node-shared', ['node-app']]]);
  });

  test('unknown, not guessed, when a package does not say its depends', () => {
    const partial = IMAGE.map((p) => (p.name === 'node-lib-a' ? { ...p, depends: undefined } : p));
    assert.deepEqual(roots(partial), [['node-shared', undefined]]);
    // An image whose layers carry no annotation at all (pushed before bale wrote it) stays unknown.
    const none = IMAGE.map((p) => ({ ...p, depends: undefined }));
    assert.deepEqual(settleDepends({ image: 'x:1', source: undefined, packages: none }).packages, none);
  });

  test('an affected root is its own root', () => {
    assert.deepEqual(roots([pkg('node-shared', 'pkg:npm/shared@1.0.0', [])]), [['node-shared', ['node-shared']]]);
  });
});
