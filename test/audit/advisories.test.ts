/**
 * Reading and matching OSV records written from the schema for real advisories (fixtures/osv/real:
 * lodash, express, ip, flatmap-stream, requests, flask-cors, rack, zlib in Debian 12), plus the
 * records a reader must refuse or pass over: withdrawn, malformed (each named with its file and
 * field), GIT-only, other ecosystems and other Debian releases. The same records as an all.zip
 * give the same answers.
 */
import assert from 'node:assert/strict';
import { cp, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { execa } from 'execa';
import { loadAdvisories, auditImage, type Advisories } from '../../src/audit/index.js';
import { isUserError } from '../../src/errors/index.js';
import { parsePurl } from '../../src/purl/purl.js';
import { tempDir } from '../helpers/cli.js';
import { repoRoot } from '../helpers/npm-fixtures.js';

const REAL = path.join(repoRoot(), 'fixtures', 'osv', 'real');

/** Records that must not match, or must be refused, beside the real ones. */
const EXTRA: Record<string, unknown> = {
  // Withdrawn: it would affect every lodash.
  'withdrawn/BALE-TEST-WITHDRAWN-1.json': {
    id: 'BALE-TEST-WITHDRAWN-1',
    withdrawn: '2024-01-02T00:00:00Z',
    affected: [{ package: { ecosystem: 'npm', name: 'lodash' }, ranges: [{ type: 'SEMVER', events: [{ introduced: '0' }] }] }],
  },
  // GIT ranges need a commit graph: passed over, counted.
  'git/BALE-TEST-GIT-1.json': {
    id: 'BALE-TEST-GIT-1',
    affected: [
      {
        package: { ecosystem: 'npm', name: 'lodash' },
        ranges: [
          {
            type: 'GIT',
            repo: 'https://github.com/lodash/lodash',
            events: [{ introduced: '0' }, { fixed: 'c4847ebe7d14540bb28a8b932a9ce1b9ecbfee1a' }],
          },
        ],
      },
    ],
  },
  // Ecosystems bale does not build: not indexed, not an error.
  'go/GO-TEST-1.json': {
    id: 'BALE-TEST-GO-1',
    affected: [{ package: { ecosystem: 'Go', name: 'golang.org/x/net' }, ranges: [{ type: 'SEMVER', events: [{ introduced: '0' }] }] }],
  },
  // Only a purl names the package (the schema's ecosystem/name left out).
  'purl-only/BALE-TEST-PURL-1.json': {
    id: 'BALE-TEST-PURL-1',
    affected: [
      { package: { purl: 'pkg:npm/%40bale-test/scoped' }, ranges: [{ type: 'SEMVER', events: [{ introduced: '0' }, { fixed: '1.0.1' }] }] },
    ],
  },
  // Malformed: two kinds in one event object.
  'broken/two-kinds.json': {
    id: 'BALE-TEST-BROKEN-1',
    affected: [
      {
        package: { ecosystem: 'npm', name: 'lodash' },
        ranges: [{ type: 'SEMVER', events: [{ introduced: '0' }, { introduced: '1.0.0', fixed: '2.0.0' }] }],
      },
    ],
  },
  // Malformed: a fixed version PEP 440 cannot read.
  'broken/bad-version.json': {
    id: 'BALE-TEST-BROKEN-2',
    affected: [
      {
        package: { ecosystem: 'PyPI', name: 'requests' },
        ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: 'not a version' }] }],
      },
    ],
  },
  // Malformed: no id.
  'broken/no-id.json': { affected: [] },
};

async function writeTree(dir: string): Promise<void> {
  await cp(REAL, dir, { recursive: true });
  for (const [rel, body] of Object.entries(EXTRA)) {
    await mkdir(path.dirname(path.join(dir, rel)), { recursive: true });
    await writeFile(path.join(dir, rel), JSON.stringify(body));
  }
  await writeFile(path.join(dir, 'broken', 'not-json.json'), '{"id": "BALE-TEST-BROKEN-3", ');
  await writeFile(path.join(dir, 'broken', 'null.json'), 'null');
}

/** The advisory ids affecting a purl, and the upgrade that leaves them all. */
function check(a: Advisories, purl: string): { ids: string[]; fixed: (string | null)[]; upgrade: string | null } {
  const audit = auditImage({ image: 'x', source: undefined, packages: [{ name: 'p', version: '1', purl, depends: undefined }] }, a.index);
  const found = audit.affected[0];
  return {
    ids: found?.advisories.map((f) => f.id) ?? [],
    fixed: found?.advisories.map((f) => f.fixed ?? null) ?? [],
    upgrade: found?.upgrade ?? null,
  };
}

describe('OSV records: read, index, match', () => {
  let t: { dir: string; cleanup: () => Promise<void> };
  let fromDir: Advisories;
  let fromZip: Advisories;
  const warnings: string[] = [];

  before(async () => {
    t = await tempDir('osv');
    await writeTree(path.join(t.dir, 'db'));
    fromDir = await loadAdvisories(path.join(t.dir, 'db'), (w) => warnings.push(w));
    // osv.dev's all.zip: the records flat at the top of one zip.
    const files = (await execa('find', [path.join(t.dir, 'db'), '-name', '*.json'])).stdout.split('\n');
    // Written by Python's zipfile (CI installs python3, not zip), deflated, each record at the top.
    const script =
      'import sys, zipfile, os\nwith zipfile.ZipFile(sys.argv[1], "w", zipfile.ZIP_DEFLATED) as z:\n    for f in sys.argv[2:]:\n        z.write(f, os.path.basename(f))\n';
    await execa('python3', ['-c', script, path.join(t.dir, 'all.zip'), ...files]);
    fromZip = await loadAdvisories(path.join(t.dir, 'all.zip'), () => {});
  });
  after(() => t.cleanup());

  test('counts: withdrawn and malformed records are skipped, GIT ranges passed over', () => {
    assert.deepEqual(fromDir.read, { files: 18, withdrawn: 1, malformed: 4, records: 13 });
    assert.equal(fromDir.index.stats.malformed, 1); // the PEP 440 one, found once its ecosystem is known
    assert.equal(fromDir.index.stats.gitRanges, 1);
    assert.equal(fromDir.index.stats.indexed, 11); // all but the Go one
  });

  test('each malformed record is named with its file and field', () => {
    const at = (file: string) => warnings.find((w) => w.includes(file)) ?? '';
    assert.match(at('two-kinds.json'), /BALE-TEST-BROKEN-1: affected\[0\]\.ranges\[0\]\.events\[1\]: needs exactly one of/);
    assert.match(
      at('bad-version.json'),
      /BALE-TEST-BROKEN-2: affected\[0\]\.ranges\[0\]\.events\[1\]\.fixed: "not a version" is not a valid ECOSYSTEM version; record skipped/,
    );
    assert.match(at('no-id.json'), /no-id\.json: id: missing; skipped/);
    assert.match(at('not-json.json'), /not-json\.json: not JSON/);
    assert.match(at('null.json'), /null\.json: \(top\): not a JSON object; skipped/);
    assert.equal(warnings.length, 5);
  });

  test('npm: fixed, introduced, several intervals, last_affected, explicit versions', () => {
    assert.deepEqual(check(fromDir, 'pkg:npm/lodash@4.17.15'), {
      ids: ['GHSA-35jh-r3h4-6jhm', 'GHSA-p6mc-m468-83gw'],
      fixed: ['4.17.21', '4.17.19'],
      upgrade: '4.17.21', // the highest of the lowest fixes: below it one advisory still applies
    });
    assert.deepEqual(check(fromDir, 'pkg:npm/lodash@4.17.20').ids, ['GHSA-35jh-r3h4-6jhm']);
    assert.deepEqual(check(fromDir, 'pkg:npm/lodash@3.6.0').ids, ['GHSA-35jh-r3h4-6jhm']); // before 3.7.0's introduced
    assert.deepEqual(check(fromDir, 'pkg:npm/lodash@4.17.21').ids, []); // neither the withdrawn nor the GIT record
    assert.deepEqual(check(fromDir, 'pkg:npm/express@4.19.2'), { ids: ['GHSA-qw6h-vgh9-j6wx'], fixed: ['4.20.0'], upgrade: '4.20.0' });
    assert.deepEqual(check(fromDir, 'pkg:npm/express@5.0.0-beta.3').fixed, ['5.0.0']);
    assert.deepEqual(check(fromDir, 'pkg:npm/express@4.21.2').ids, []);
    assert.deepEqual(check(fromDir, 'pkg:npm/ip@2.0.1'), { ids: ['GHSA-2p57-rm9w-gvfp'], fixed: [null], upgrade: null });
    assert.deepEqual(check(fromDir, 'pkg:npm/ip@2.0.2').ids, []);
    assert.deepEqual(check(fromDir, 'pkg:npm/flatmap-stream@0.1.1').ids, ['GHSA-mh6f-8j2x-4483']);
    assert.deepEqual(check(fromDir, 'pkg:npm/flatmap-stream@0.1.2').ids, []);
    assert.deepEqual(check(fromDir, 'pkg:npm/%40bale-test/scoped@1.0.0').ids, ['BALE-TEST-PURL-1']);
  });

  test('PyPI: PEP 440 order, and names compared after PEP 503 normalization', () => {
    assert.deepEqual(check(fromDir, 'pkg:pypi/requests@2.31.0'), { ids: ['GHSA-9wx4-h78v-vm56'], fixed: ['2.32.0'], upgrade: '2.32.0' });
    assert.deepEqual(check(fromDir, 'pkg:pypi/requests@2.32.3').ids, []);
    // The record says Flask_Cors; bale's purl says flask-cors.
    assert.deepEqual(check(fromDir, 'pkg:pypi/flask-cors@4.0.0').ids, ['GHSA-84pr-m4jr-85g5']);
    assert.deepEqual(check(fromDir, 'pkg:pypi/Flask.CORS@4.0.1').ids, []);
  });

  test('RubyGems: one interval per release line, in Gem::Version order', () => {
    assert.deepEqual(check(fromDir, 'pkg:gem/rack@2.2.8').fixed, ['2.2.8.1']);
    assert.deepEqual(check(fromDir, 'pkg:gem/rack@3.0.9').fixed, ['3.0.9.1']);
    assert.deepEqual(check(fromDir, 'pkg:gem/rack@3.0.10').ids, []);
  });

  test("Debian: only Debian:12's range applies, in dpkg order", () => {
    assert.deepEqual(check(fromDir, 'pkg:deb/debian/zlib@1:1.2.12.dfsg-1').fixed, ['1:1.2.13.dfsg-1']);
    // Debian 11's fix is not bookworm's: still affected.
    assert.deepEqual(check(fromDir, 'pkg:deb/debian/zlib@1:1.2.11.dfsg-2+deb11u2').fixed, ['1:1.2.13.dfsg-1']);
    assert.deepEqual(check(fromDir, 'pkg:deb/debian/zlib@1:1.2.13.dfsg-1').ids, []);
  });

  test('all.zip gives the same records and answers as the directory', () => {
    assert.deepEqual(fromZip.read, fromDir.read);
    for (const purl of ['pkg:npm/lodash@4.17.15', 'pkg:pypi/flask-cors@4.0.0', 'pkg:gem/rack@2.2.8', 'pkg:deb/debian/zlib@1:1.2.12.dfsg-1'])
      assert.deepEqual(check(fromZip, purl), check(fromDir, purl), purl);
    assert.ok(parsePurl('pkg:npm/lodash@4.17.15')); // the purls above are ones bale writes
  });

  test('a path that is neither a directory, a .json nor a .zip is refused in one line', async () => {
    await assert.rejects(
      loadAdvisories(path.join(t.dir, 'nope'), () => {}),
      (err: unknown) => isUserError(err) && err.code === 'EOSV' && /--osv .*nope: no such file or directory/.test((err as Error).message),
    );
    await writeFile(path.join(t.dir, 'x.txt'), 'x');
    await assert.rejects(
      loadAdvisories(path.join(t.dir, 'x.txt'), () => {}),
      /not a \.json record or a \.zip/,
    );
    await mkdir(path.join(t.dir, 'empty'));
    await assert.rejects(
      loadAdvisories(path.join(t.dir, 'empty'), () => {}),
      /holds no \.json record and no \.zip/,
    );
  });
});
