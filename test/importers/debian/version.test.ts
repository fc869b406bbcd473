/** Debian version ordering, checked pair by pair against dpkg --compare-versions itself. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { compareDebVersions, satisfiesDeb, sortDebVersionsDescending } from '../../../importers/debian/version.js';

const VERSIONS = [
  '0',
  '1',
  '1.0',
  '1.0-0',
  '1.0-1',
  '1.0-1+b1',
  '1.0-1~bpo12+1',
  '1.0~rc1',
  '1.0~rc1-1',
  '1.0~~',
  '1.0~',
  '1.0a',
  '1.0+a',
  '1.0.1',
  '1.00',
  '1.000.1',
  '1:0.1',
  '2:0',
  '10',
  '9.9',
  '2.36-9+deb12u10',
  '2.36-9+deb12u9',
  '2.36-9+deb12u14',
  '2.36-9',
  '2.36-10',
  '1.2.13.dfsg-1',
  '1:1.2.13.dfsg-1',
  '1.2.13-1',
  '12.2.0-14+deb12u1',
  '12.2.0-14',
  'a',
  '1.0-a',
  '1.0-1a',
  '1.0-1.1',
  '0:1.0',
  '1.0+dfsg',
  '1.0+dfsg1',
  '3.0.22-1~deb12u2',
  '3.0.22-1',
  '20250419~deb12u2',
  '20230311+deb12u1',
];

const shq = (s: string): string => `'${s}'`;

/** One shell runs every comparison (a spawn per pair from Node costs seconds): what dpkg says for each `ours`. */
function dpkgAgrees(pairs: [string, string, number][]): boolean[] {
  const op = (n: number): string => (n < 0 ? 'lt' : n > 0 ? 'gt' : 'eq');
  const script = pairs.map(([a, b, ours]) => `dpkg --compare-versions ${shq(a)} ${op(ours)} ${shq(b)} && echo y || echo n`).join('\n');
  const r = spawnSync('sh', ['-c', script], { encoding: 'utf8' });
  return r.stdout
    .trim()
    .split('\n')
    .map((l) => l === 'y');
}

describe('compareDebVersions agrees with dpkg', () => {
  it(`on all ${(VERSIONS.length * (VERSIONS.length - 1)) / 2} pairs of a table of tricky versions`, () => {
    // dpkg is the oracle: the Debian importer needs it on the build host anyway (check-tools.sh).
    assert.equal(spawnSync('dpkg', ['--version']).status, 0, 'dpkg must be installed: the Debian importer and this oracle need it');
    const pairs: [string, string, number][] = [];
    const wrong: string[] = [];
    for (let i = 0; i < VERSIONS.length; i++) {
      for (let j = i + 1; j < VERSIONS.length; j++) {
        const a = VERSIONS[i]!;
        const b = VERSIONS[j]!;
        const ours = Math.sign(compareDebVersions(a, b));
        pairs.push([a, b, ours]);
        if (Math.sign(compareDebVersions(b, a)) !== -ours) wrong.push(`${b} vs ${a}: not antisymmetric`);
      }
    }
    const agrees = dpkgAgrees(pairs);
    assert.equal(agrees.length, pairs.length);
    pairs.forEach(([a, b, ours], k) => {
      if (!agrees[k]) wrong.push(`${a} vs ${b}: ours ${ours}, dpkg disagrees`);
    });
    assert.deepEqual(wrong, []);
  });
});

describe('satisfiesDeb and sorting', () => {
  it('relations', () => {
    assert.ok(satisfiesDeb('2.36-9+deb12u10', '>=', '2.34'));
    assert.ok(!satisfiesDeb('2.33', '>=', '2.34'));
    assert.ok(satisfiesDeb('1.0~rc1', '<<', '1.0'));
    assert.ok(satisfiesDeb('1:0.1', '>>', '9.9'));
    assert.ok(satisfiesDeb('1.0', '=', '0:1.0'));
    assert.ok(satisfiesDeb('1.0', '<=', '1.0') && satisfiesDeb('1.0', '<', '1.0') && satisfiesDeb('1.0', '>', '1.0'));
    assert.ok(!satisfiesDeb('1.0', '!=', '2.0'), 'an unknown relation satisfies nothing');
  });

  it('newest first, epochs first of all', () => {
    assert.deepEqual(sortDebVersionsDescending(['2.36-9+deb12u9', '1:1.0', '2.36-9+deb12u10', '2.36-9', '2.36-9~1']), [
      '1:1.0',
      '2.36-9+deb12u10',
      '2.36-9+deb12u9',
      '2.36-9',
      '2.36-9~1',
    ]);
  });
});
