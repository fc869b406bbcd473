/** The SPDX SBOM: valid SPDX 2.3 structure (checked here; no SPDX tools offline), deterministic, with dependency edges. */
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { spdxId, spdxSbom } from '../../../src/image/export/sbom.js';
import { baleVersion } from '../../../src/util/package-root.js';
import { imageOf, makePackage, specA, specB, tempDir } from './fixtures.js';

type Json = Record<string, unknown>;
const ID = /^SPDXRef-[A-Za-z0-9.-]+$/;
const RELATIONSHIPS = new Set(['DESCRIBES', 'DEPENDS_ON', 'CONTAINS', 'DEPENDENCY_OF']);

/** The SPDX 2.3 rules a reader relies on: required fields, their forms, ids unique and resolvable. */
function validateSpdx23(text: string): string[] {
  const problems: string[] = [];
  const need = (cond: boolean, what: string): void => void (cond || problems.push(what));
  const doc = JSON.parse(text) as Json;
  need(doc.spdxVersion === 'SPDX-2.3', 'spdxVersion');
  need(doc.dataLicense === 'CC0-1.0', 'dataLicense');
  need(doc.SPDXID === 'SPDXRef-DOCUMENT', 'SPDXID');
  need(typeof doc.name === 'string' && doc.name !== '', 'name');
  const ns = doc.documentNamespace;
  need(typeof ns === 'string' && /^[a-z][a-z0-9+.-]*:\/\/[^\s#]+$/.test(ns), 'documentNamespace: an absolute URI without #');
  const ci = doc.creationInfo as Json | undefined;
  need(typeof ci?.created === 'string' && /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/.test(ci.created), 'creationInfo.created');
  need(
    Array.isArray(ci?.creators) && ci.creators.length > 0 && ci.creators.every((c) => /^(Tool|Person|Organization): \S/.test(String(c))),
    'creationInfo.creators',
  );
  const ids = new Set<string>(['SPDXRef-DOCUMENT']);
  need(Array.isArray(doc.packages), 'packages');
  const packages = Array.isArray(doc.packages) ? (doc.packages as Json[]) : [];
  for (const [i, p] of packages.entries()) {
    const at = `packages[${i}]`;
    need(typeof p.SPDXID === 'string' && ID.test(p.SPDXID), `${at}.SPDXID`);
    need(!ids.has(String(p.SPDXID)), `${at}.SPDXID unique`);
    ids.add(String(p.SPDXID));
    need(typeof p.name === 'string' && p.name !== '', `${at}.name`);
    need(typeof p.downloadLocation === 'string' && p.downloadLocation !== '', `${at}.downloadLocation`);
    need(typeof p.filesAnalyzed === 'boolean', `${at}.filesAnalyzed`);
    for (const c of (p.checksums as Json[] | undefined) ?? []) {
      need(c.algorithm === 'SHA256' && /^[0-9a-f]{64}$/.test(String(c.checksumValue)), `${at}.checksums`);
    }
    for (const r of (p.externalRefs as Json[] | undefined) ?? []) {
      need(
        ['SECURITY', 'PACKAGE-MANAGER', 'PERSISTENT-ID', 'OTHER'].includes(String(r.referenceCategory)),
        `${at}.externalRefs.referenceCategory`,
      );
      need(
        typeof r.referenceType === 'string' && typeof r.referenceLocator === 'string' && !/\s/.test(r.referenceLocator),
        `${at}.externalRefs`,
      );
    }
  }
  for (const [i, r] of ((doc.relationships as Json[] | undefined) ?? []).entries()) {
    need(ids.has(String(r.spdxElementId)) && ids.has(String(r.relatedSpdxElement)), `relationships[${i}] refers to known ids`);
    need(RELATIONSHIPS.has(String(r.relationshipType)), `relationships[${i}].relationshipType`);
  }
  return problems;
}

async function setup(t: TestContext) {
  const dir = await tempDir(t);
  const store = join(dir, 'store');
  await mkdir(store);
  const a = await makePackage(store, specA);
  const b = await makePackage(store, specB);
  return { store, a, b, image: imageOf('example/app', 'v1', [a, b]) };
}

describe('spdxSbom', () => {
  it('is a valid SPDX 2.3 document describing every package with its purl and sha256', async (t) => {
    const { a, b, image } = await setup(t);
    const text = spdxSbom(image, [b, a]);
    assert.deepEqual(validateSpdx23(text), []);
    const doc = JSON.parse(text);
    assert.equal(doc.name, 'example/app:v1');
    assert.match(doc.documentNamespace, /^https:\/\/bale\.invalid\/spdx\/example%2Fapp-v1-[0-9a-f]{64}$/);
    assert.equal(doc.creationInfo.created, '2023-11-14T22:21:40Z');
    assert.deepEqual(doc.creationInfo.creators, [`Tool: bale-${baleVersion()}`]);
    assert.deepEqual(
      doc.packages.map((p: Json) => [p.name, p.versionInfo, p.SPDXID]),
      [
        ['node-a', '1.0.0', 'SPDXRef-Package-node-a-1.0.0'],
        ['node-b', '2.0.0', 'SPDXRef-Package-node-b-2.0.0'],
      ],
    );
    assert.deepEqual(doc.packages[1].checksums, [{ algorithm: 'SHA256', checksumValue: b.sha256 }]);
    assert.deepEqual(doc.packages[1].externalRefs, [
      { referenceCategory: 'PACKAGE-MANAGER', referenceLocator: b.purl, referenceType: 'purl' },
    ]);
    assert.equal(doc.packages[0].downloadLocation, 'NOASSERTION');
    assert.equal(doc.packages[0].filesAnalyzed, false);
  });

  it('has DESCRIBES for each package and DEPENDS_ON for dependencies inside the image only', async (t) => {
    const { a, b, image } = await setup(t);
    const doc = JSON.parse(spdxSbom(image, [a, b]));
    assert.deepEqual(doc.relationships, [
      { relatedSpdxElement: 'SPDXRef-Package-node-a-1.0.0', relationshipType: 'DESCRIBES', spdxElementId: 'SPDXRef-DOCUMENT' },
      { relatedSpdxElement: 'SPDXRef-Package-node-b-2.0.0', relationshipType: 'DESCRIBES', spdxElementId: 'SPDXRef-DOCUMENT' },
      { relatedSpdxElement: 'SPDXRef-Package-node-a-1.0.0', relationshipType: 'DEPENDS_ON', spdxElementId: 'SPDXRef-Package-node-b-2.0.0' },
    ]);
  });

  it('is deterministic: same image, same bytes (sorted keys); another package, another namespace', async (t) => {
    const { store, a, b, image } = await setup(t);
    const one = spdxSbom(image, [a, b]);
    assert.equal(spdxSbom(structuredClone(image), [b, a]), one);
    assert.ok(one.endsWith('}\n'));
    const keys = Object.keys(JSON.parse(one));
    assert.deepEqual(keys, [...keys].sort());
    const a2 = await makePackage(store, {
      ...specA,
      entries: [...specA.entries, { path: 'usr/lib/node_modules/a/x.js', type: 'file', mode: 0o644, data: Buffer.from('x') }],
    });
    const other = spdxSbom(imageOf('example/app', 'v1', [a2, b]), [a2, b]);
    assert.notEqual(JSON.parse(other).documentNamespace, JSON.parse(one).documentNamespace);
  });

  it('makes SPDX ids of letters, digits, "." and "-" only, distinct even when two names sanitise alike', async (t) => {
    assert.equal(spdxId('py3.11-foo_bar', '1.0+local'), 'SPDXRef-Package-py3.11-foo-bar-1.0-local');
    const { store } = await setup(t);
    const x = await makePackage(store, { ...specA, name: 'node-x_y' });
    const y = await makePackage(store, { ...specA, name: 'node-x-y' });
    const text = spdxSbom(imageOf('img', 't', [x, y]), [x, y]);
    assert.deepEqual(validateSpdx23(text), []);
    const ids = JSON.parse(text).packages.map((p: Json) => p.SPDXID as string);
    assert.equal(new Set(ids).size, 2);
    for (const id of ids) assert.match(id, ID);
  });

  it('describes an empty image', () => {
    const text = spdxSbom({ format: 1, name: 'empty', tag: 'latest', packages: [] }, []);
    assert.deepEqual(validateSpdx23(text), []);
    assert.equal(JSON.parse(text).creationInfo.created, '1970-01-01T00:00:00Z');
  });
});
