import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pickVersion, platformAllows, sampleVersions, type PickablePackument } from '../../../importers/npm/pick.js';
import { NodeTargets } from '../../../importers/npm/node-targets.js';

/** A packument with these versions (a trailing `!` marks one deprecated) and dist-tags. */
function packument(versions: string[], tags: Record<string, string> = {}): PickablePackument {
  const out: PickablePackument['versions'] = {};
  for (const v of versions) out[v.replace(/!$/, '')] = v.endsWith('!') ? { deprecated: 'do not use' } : {};
  return { 'dist-tags': tags, versions: out };
}

describe('pickVersion', () => {
  const cases: { name: string; p: PickablePackument; spec: string; want: string | undefined }[] = [
    {
      name: 'a dist-tag names its version',
      p: packument(['1.0.0', '2.0.0-beta.1'], { latest: '1.0.0', next: '2.0.0-beta.1' }),
      spec: 'next',
      want: '2.0.0-beta.1',
    },
    { name: 'the latest tag by name', p: packument(['1.0.0', '1.5.0'], { latest: '1.0.0' }), spec: 'latest', want: '1.0.0' },
    {
      name: 'a tag naming a version the packument lacks',
      p: packument(['1.0.0'], { latest: '1.0.0', next: '3.0.0' }),
      spec: 'next',
      want: undefined,
    },
    { name: 'an unknown tag', p: packument(['1.0.0'], { latest: '1.0.0' }), spec: 'canary', want: undefined },
    {
      name: 'an exact version, even below latest',
      p: packument(['1.0.0', '1.2.0', '2.0.0'], { latest: '2.0.0' }),
      spec: '1.2.0',
      want: '1.2.0',
    },
    { name: 'an exact deprecated version is still that version', p: packument(['1.0.0!', '1.1.0']), spec: '1.0.0', want: '1.0.0' },
    { name: 'an exact version that does not exist', p: packument(['1.0.0', '1.2.0']), spec: '1.1.0', want: undefined },
    { name: 'an exact version written loosely (v prefix)', p: packument(['1.2.3']), spec: 'v1.2.3', want: '1.2.3' },
    { name: 'an exact version written loosely (= prefix)', p: packument(['1.2.3']), spec: '=1.2.3', want: '1.2.3' },
    { name: 'spaces around the spec', p: packument(['1.0.0', '1.1.0']), spec: ' ^1.0.0 ', want: '1.1.0' },
    {
      name: 'latest preferred when it satisfies, over a higher match',
      p: packument(['1.0.0', '1.5.0', '1.9.0', '2.0.0'], { latest: '1.5.0' }),
      spec: '^1.0.0',
      want: '1.5.0',
    },
    {
      name: 'latest preferred for *, over a higher version',
      p: packument(['1.5.0', '2.0.0'], { latest: '1.5.0' }),
      spec: '*',
      want: '1.5.0',
    },
    {
      name: 'latest ignored when it does not satisfy',
      p: packument(['1.0.0', '1.5.0', '2.0.0', '2.1.0'], { latest: '1.5.0' }),
      spec: '^2.0.0',
      want: '2.1.0',
    },
    {
      name: 'latest ignored when the packument lacks it',
      p: packument(['1.0.0', '1.2.0'], { latest: '1.9.0' }),
      spec: '^1.0.0',
      want: '1.2.0',
    },
    {
      name: 'highest match without dist-tags',
      p: { versions: { '1.0.0': {}, '1.3.0': {}, '1.10.0': {} } },
      spec: '~1 || ^1',
      want: '1.10.0',
    },
    { name: 'highest non-deprecated match', p: packument(['1.0.0', '1.1.0', '1.2.0!', '1.3.0!']), spec: '^1.0.0', want: '1.1.0' },
    {
      name: 'deprecated: false is not deprecated',
      p: { versions: { '1.0.0': {}, '1.1.0': { deprecated: false } } },
      spec: '^1.0.0',
      want: '1.1.0',
    },
    { name: 'every match deprecated: the highest one', p: packument(['1.0.0!', '1.1.0!', '2.0.0']), spec: '^1.0.0', want: '1.1.0' },
    {
      name: 'prereleases excluded from a plain range',
      p: packument(['1.0.0', '1.1.0-beta.1', '2.0.0-rc.1']),
      spec: '>=1.0.0',
      want: '1.0.0',
    },
    {
      name: 'prereleases of the named tuple when the range names one',
      p: packument(['1.0.0', '1.1.0-beta.1', '1.1.0-beta.2', '1.2.0-beta.1']),
      spec: '^1.1.0-beta.1',
      want: '1.1.0-beta.2',
    },
    {
      name: 'a release above a prerelease range still matches',
      p: packument(['1.1.0-beta.1', '1.1.0']),
      spec: '^1.1.0-beta.1',
      want: '1.1.0',
    },
    { name: 'empty spec means latest', p: packument(['1.0.0', '2.0.0'], { latest: '1.0.0' }), spec: '', want: '1.0.0' },
    { name: '* means latest', p: packument(['1.0.0', '2.0.0'], { latest: '1.0.0' }), spec: '*', want: '1.0.0' },
    { name: 'empty spec without latest means highest', p: packument(['1.0.0', '2.0.0', '3.0.0-alpha.0']), spec: '', want: '2.0.0' },
    { name: '* without latest means highest release', p: packument(['0.1.0', '0.9.0', '0.10.0']), spec: '*', want: '0.10.0' },
    {
      name: '* takes a prerelease latest, as npm does',
      p: packument(['1.0.0', '2.0.0-rc.1'], { latest: '2.0.0-rc.1' }),
      spec: '*',
      want: '2.0.0-rc.1',
    },
    {
      name: 'a package with only prereleases: * takes latest',
      p: packument(['0.1.0-alpha.1', '0.1.0-alpha.2'], { latest: '0.1.0-alpha.2' }),
      spec: '',
      want: '0.1.0-alpha.2',
    },
    {
      name: 'a deprecated latest is passed over, as npm does',
      p: packument(['1.0.0', '1.1.0', '1.2.0!'], { latest: '1.2.0' }),
      spec: '^1.0.0',
      want: '1.1.0',
    },
    { name: 'x range', p: packument(['1.0.0', '1.4.2', '2.0.0']), spec: '1.x', want: '1.4.2' },
    { name: 'no version matches', p: packument(['1.0.0', '1.1.0'], { latest: '1.1.0' }), spec: '^2.0.0', want: undefined },
    { name: 'no versions at all', p: packument([]), spec: '*', want: undefined },
    { name: 'a key that is not semver is skipped by ranges', p: packument(['not-a-version', '1.0.0']), spec: '*', want: '1.0.0' },
    {
      name: 'a version written loosely in the packument is matched by a range',
      p: packument(['0.9.0', '1.0.0beta', '1.0.1']),
      spec: '>=1.0.1-0',
      want: '1.0.1',
    },
    { name: 'a loose prerelease is excluded like a strict one', p: packument(['0.9.0', '1.0.0beta']), spec: '*', want: '0.9.0' },
    { name: 'a loose version key asked for exactly', p: packument(['0.9.0', '1.0.0beta']), spec: '1.0.0beta', want: '1.0.0beta' },
  ];
  for (const c of cases) {
    it(c.name, () => {
      assert.equal(pickVersion(c.p, c.spec), c.want);
    });
  }

  it('does not depend on the order versions are listed in', () => {
    const versions = ['1.0.0', '1.2.0', '1.10.0', '1.9.0!', '1.1.0'];
    const forward = packument(versions);
    const backward = packument([...versions].reverse());
    assert.equal(pickVersion(forward, '^1.0.0'), '1.10.0');
    assert.equal(pickVersion(backward, '^1.0.0'), '1.10.0');
  });
});

describe('platformAllows', () => {
  const cases: { list: string[] | string | undefined; value: string; want: boolean }[] = [
    { list: undefined, value: 'linux', want: true },
    { list: [], value: 'linux', want: true },
    { list: [''], value: 'linux', want: true },
    { list: ['!darwin'], value: 'linux', want: true },
    { list: ['!darwin'], value: 'darwin', want: false },
    { list: ['!darwin', '!win32'], value: 'win32', want: false },
    { list: ['linux'], value: 'linux', want: true },
    { list: ['darwin', 'linux'], value: 'linux', want: true },
    { list: ['darwin', 'win32'], value: 'linux', want: false },
    { list: ['any'], value: 'linux', want: true },
    { list: ['linux', '!darwin'], value: 'linux', want: true },
    { list: ['linux', '!darwin'], value: 'darwin', want: false },
    { list: ['win32', '!darwin'], value: 'linux', want: false },
    { list: ['linux', '!linux'], value: 'linux', want: false },
    { list: 'linux', value: 'linux', want: true },
    { list: 'darwin', value: 'linux', want: false },
    { list: '!linux', value: 'linux', want: false },
    { list: '!darwin', value: 'linux', want: true },
    { list: '', value: 'linux', want: true },
  ];
  for (const c of cases) {
    it(`${JSON.stringify(c.list)} for ${c.value} -> ${c.want}`, () => {
      assert.equal(platformAllows(c.list, c.value), c.want);
    });
  }
});

describe('sampleVersions', () => {
  it('lists the highest versions first, semver order, skipping what is not semver', () => {
    const p = packument(['0.1.0', '1.0.0', '1.10.0', '1.2.0', 'garbage', '2.0.0-rc.1', '1.9.0!']);
    assert.deepEqual(sampleVersions(p), ['2.0.0-rc.1', '1.10.0', '1.9.0', '1.2.0', '1.0.0']);
    assert.deepEqual(sampleVersions(p, 2), ['2.0.0-rc.1', '1.10.0']);
  });

  it('is empty without versions and shorter than n when there are few', () => {
    assert.deepEqual(sampleVersions(packument([])), []);
    assert.deepEqual(sampleVersions(packument(['1.0.0', '0.5.0'])), ['1.0.0', '0.5.0']);
  });
});

describe('pickVersion with target Nodes (engines)', () => {
  const p: PickablePackument = {
    'dist-tags': { latest: '8.1.0' },
    versions: {
      '7.8.0': { engines: { node: '>=6' } },
      '7.9.0': { engines: { node: '>=6' }, deprecated: 'old' },
      '8.1.0': { engines: { node: '>=22' } },
      '8.2.0': { engines: { node: '>=24' } },
    },
  };
  const cases: { name: string; spec: string; node: string[]; want: string | undefined }[] = [
    { name: 'latest is passed over when its engines leave out a target', spec: '>=7', node: ['20'], want: '7.8.0' },
    { name: 'latest kept when its engines admit every target', spec: '>=7', node: ['22'], want: '8.1.0' },
    { name: 'every target must be admitted', spec: '>=7', node: ['20', '22'], want: '7.8.0' },
    { name: 'the highest admitting every target, below a higher one that does not', spec: '^8', node: ['22', '23'], want: '8.1.0' },
    { name: 'none admits every target: the one admitting most, over a higher one', spec: '^8', node: ['20', '22'], want: '8.1.0' },
    { name: 'none admits the target: as npm, the highest live match', spec: '^8', node: ['20'], want: '8.2.0' },
    { name: 'an exact version is that version whatever its engines', spec: '8.1.0', node: ['20'], want: '8.1.0' },
  ];
  for (const c of cases) {
    it(c.name, () => assert.equal(pickVersion(p, c.spec, NodeTargets.from(c.node, '20.20.2')), c.want));
  }
});
