/** npm's prebuilt-binary rules: which install scripts only load a bundled prebuild, which are told to compile. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildFromSource, isLoaderCheck, nodeIndependentPrebuild } from '../../../importers/npm/facts/prebuilds.js';

describe('isLoaderCheck', () => {
  const cases: { script: string; want: boolean }[] = [
    { script: 'node-gyp-build', want: true },
    { script: '  node-gyp-build  ', want: true },
    { script: 'cross-env ZERO_AR_DATE=1 node-gyp-build', want: true },
    { script: 'node-gyp-build-optional-packages', want: true },
    { script: 'node-gyp-build && node post.js', want: false },
    { script: 'prebuild-install -r napi || node-gyp rebuild', want: false },
    { script: 'node-pre-gyp install --fallback-to-build', want: false },
    { script: 'node-gyp rebuild', want: false },
    { script: 'node scripts/build-from-source.js', want: false },
  ];
  for (const c of cases) it(JSON.stringify(c.script), () => assert.equal(isLoaderCheck(c.script), c.want));
});

describe('buildFromSource', () => {
  it('node-gyp-build alone may use a prebuild for this ABI', () => assert.equal(buildFromSource([{ script: 'node-gyp-build' }]), false));
  it('prebuild-install would download: compile', () =>
    assert.equal(buildFromSource([{ script: 'prebuild-install || node-gyp rebuild' }]), true));
  it('any other script beside the loader: compile', () =>
    assert.equal(buildFromSource([{ script: 'node-gyp-build' }, { script: 'node install.js' }]), true));
});

describe('nodeIndependentPrebuild', () => {
  const cases: { name: string; paths: string[]; want: string | undefined }[] = [
    { name: 'untagged', paths: ['prebuilds/linux-x64/tree-sitter.node'], want: 'prebuilds/linux-x64/tree-sitter.node' },
    { name: 'napi + glibc', paths: ['prebuilds/linux-x64/node.napi.glibc.node'], want: 'prebuilds/linux-x64/node.napi.glibc.node' },
    { name: 'musl only', paths: ['prebuilds/linux-x64/x.musl.node'], want: undefined },
    { name: 'one ABI', paths: ['prebuilds/linux-x64/node.abi115.node'], want: undefined },
    { name: 'electron only', paths: ['prebuilds/linux-x64/electron.napi.node'], want: undefined },
    { name: 'armv7 tag', paths: ['prebuilds/linux-x64/x.armv7.node'], want: undefined },
    { name: 'another platform', paths: ['prebuilds/linux-arm64/x.node', 'prebuilds/darwin-x64/x.node'], want: undefined },
    { name: 'deeper than the platform folder', paths: ['prebuilds/linux-x64/sub/x.node'], want: undefined },
    { name: 'not an addon', paths: ['prebuilds/linux-x64/README.md'], want: undefined },
  ];
  for (const c of cases) it(c.name, () => assert.equal(nodeIndependentPrebuild(c.paths), c.want));
});
