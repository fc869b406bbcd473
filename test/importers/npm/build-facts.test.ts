/**
 * Which packages are built per Node: prebuilt platform packages, bundled Node-API prebuilds, a
 * binding.gyp the metadata does not flag, and which tarballs the importer reads to know.
 * Script and file names are those of the real packages named in each case.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildFacts, factsOf, needsTarball, platformPrebuilts, type TarballFacts } from '../../../importers/npm/build-facts.js';
import type { ResolvedEdge, ResolvedNode } from '../../../importers/npm/closure.js';
import type { NpmVersion } from '../../../importers/npm/packument.js';
import { buildDecision, toRecipe } from '../../../importers/npm/to-recipe.js';
import { parseOverrides } from '../../../src/overrides/table.js';
import { checkRecipe } from '../../../src/recipe/index.js';
import { sri } from '../../recipe/helpers.js';

function node(name: string, version: string, fields: Partial<NpmVersion> = {}, edges: ResolvedEdge[] = []): ResolvedNode {
  return {
    name,
    version,
    manifest: { name, version, dist: { tarball: `https://registry.npmjs.org/${name}/-/x-${version}.tgz` }, ...fields },
    time: undefined,
    edges,
  };
}

const closureOf = (...nodes: ResolvedNode[]): Map<string, ResolvedNode> => new Map(nodes.map((n) => [`${n.name}@${n.version}`, n]));

/** A tarball's entries: package.json from `pj`, then the other paths as files. */
function files(pj: Record<string, unknown>, ...paths: string[]): { path: string; type: string; data?: Buffer }[] {
  return [
    { path: 'package.json', type: 'file', data: Buffer.from(JSON.stringify(pj)) },
    ...paths.map((p) => ({ path: p, type: 'file', data: Buffer.alloc(0) })),
  ];
}

const glibc = node('@parcel/watcher-linux-x64-glibc', '2.6.0', { os: ['linux'], cpu: ['x64'], libc: ['glibc'] });
const watcher = node(
  '@parcel/watcher',
  '2.6.0',
  {
    hasInstallScript: true,
    dependencies: { 'node-addon-api': '^7.0.0' },
    optionalDependencies: { '@parcel/watcher-linux-x64-glibc': '2.6.0' },
  },
  [
    { as: '@parcel/watcher-linux-x64-glibc', name: '@parcel/watcher-linux-x64-glibc', version: '2.6.0', kind: 'optional' },
    { as: 'node-addon-api', name: 'node-addon-api', version: '7.1.1', kind: 'runtime' },
  ],
);

describe('platformPrebuilts', () => {
  it('an optional dependency for one os and cpu in the closure is the prebuilt binary', () => {
    assert.deepEqual(platformPrebuilts(watcher, closureOf(watcher, glibc)), ['@parcel/watcher-linux-x64-glibc']);
  });
  it('an optional dependency for every platform is not (ssh2 > cpu-features)', () => {
    const cpu = node('cpu-features', '0.0.10', { hasInstallScript: true });
    const ssh2 = node('ssh2', '1.17.0', { hasInstallScript: true }, [
      { as: 'cpu-features', name: 'cpu-features', version: '0.0.10', kind: 'optional' },
    ]);
    assert.deepEqual(platformPrebuilts(ssh2, closureOf(ssh2, cpu)), []);
  });
  it('a runtime dependency restricted to linux-x64 is not a prebuilt of this package', () => {
    const dep = node('linux-thing', '1.0.0', { os: ['linux'], cpu: ['x64'] });
    const p = node('p', '1.0.0', { hasInstallScript: true }, [
      { as: 'linux-thing', name: 'linux-thing', version: '1.0.0', kind: 'runtime' },
    ]);
    assert.deepEqual(platformPrebuilts(p, closureOf(p, dep)), []);
  });
});

describe('needsTarball', () => {
  const cases: { name: string; n: ResolvedNode; want: boolean }[] = [
    { name: 'an install script the metadata does not show', n: node('bufferutil', '4.1.0', { hasInstallScript: true }), want: true },
    {
      name: 'unix-dgram@2.0.7: no flag, but bindings and nan',
      n: node('unix-dgram', '2.0.7', { dependencies: { bindings: '^1.5.0', nan: '^2.20.0' } }),
      want: true,
    },
    {
      name: 'an addon helper as an optional dependency',
      n: node('x', '1.0.0', { optionalDependencies: { 'node-addon-api': '*' } }),
      want: true,
    },
    { name: 'a pure package', n: node('express', '4.21.2', { dependencies: { accepts: '~1.3.8' } }), want: false },
    {
      name: 'full metadata naming prebuild-install: no need',
      n: node('sqlite3', '6.0.1', { hasInstallScript: true, scripts: { install: 'prebuild-install -r napi || node-gyp rebuild' } }),
      want: false,
    },
    {
      name: 'full metadata naming node-gyp-build: its prebuilds are in the tarball',
      n: node('bufferutil', '4.1.0', { hasInstallScript: true, scripts: { install: 'node-gyp-build' } }),
      want: true,
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const reasons = c.n.manifest.hasInstallScript === true ? ['install-script'] : [];
      assert.equal(needsTarball(c.n, reasons), c.want);
    });
  }
});

describe('factsOf (npm lifecycle from the tarball)', () => {
  it('unix-dgram@2.0.7: a bare binding.gyp means node-gyp rebuild', () => {
    const f = factsOf(files({ name: 'unix-dgram', version: '2.0.7' }, 'binding.gyp', 'src/unix_dgram.cc'), 'unix-dgram', 't');
    assert.deepEqual(f, { scripts: [{ event: 'install', script: 'node-gyp rebuild' }], scripted: false, bindingGyp: true });
  });
  it('bufferutil@4.1.0: node-gyp-build with an untagged prebuild serves every Node', () => {
    const f = factsOf(
      files(
        { name: 'bufferutil', version: '4.1.0', scripts: { install: 'node-gyp-build' } },
        'binding.gyp',
        'prebuilds/linux-x64/bufferutil.node',
        'prebuilds/darwin-x64+arm64/bufferutil.node',
      ),
      'bufferutil',
      't',
    );
    assert.equal(f.prebuild, 'prebuilds/linux-x64/bufferutil.node');
  });
  it('argon2: cross-env before node-gyp-build, a glibc prebuild beside a musl one', () => {
    const f = factsOf(
      files(
        { name: 'argon2', version: '0.45.1', scripts: { install: 'cross-env ZERO_AR_DATE=1 node-gyp-build' } },
        'binding.gyp',
        'prebuilds/linux-x64/argon2.musl.node',
        'prebuilds/linux-x64/argon2.glibc.node',
      ),
      'argon2',
      't',
    );
    assert.equal(f.prebuild, 'prebuilds/linux-x64/argon2.glibc.node');
  });
  it('prebuilds for one ABI only, or musl only, serve no Node in general', () => {
    const f = factsOf(
      files(
        { name: 'x', version: '1.0.0', scripts: { install: 'node-gyp-build' } },
        'binding.gyp',
        'prebuilds/linux-x64/node.abi115.node',
        'prebuilds/linux-x64/x.musl.node',
        'prebuilds/linux-arm64/x.node',
      ),
      'x',
      't',
    );
    assert.equal(f.prebuild, undefined);
  });
  it('a Node-API prebuild tagged for an ABI still fits every Node (leveldown: node.napi.glibc.node)', () => {
    const f = factsOf(
      files(
        { name: 'leveldown', version: '6.1.1', scripts: { install: 'node-gyp-build' } },
        'prebuilds/linux-x64/node.napi.glibc.node',
        'prebuilds/linux-x64/node.napi.musl.node',
      ),
      'leveldown',
      't',
    );
    assert.equal(f.prebuild, 'prebuilds/linux-x64/node.napi.glibc.node');
  });
  it('prebuild-install downloads: a bundled prebuild does not matter', () => {
    const f = factsOf(
      files(
        { name: 'x', version: '1.0.0', scripts: { install: 'prebuild-install || node-gyp rebuild' } },
        'binding.gyp',
        'prebuilds/linux-x64/x.node',
      ),
      'x',
      't',
    );
    assert.equal(f.prebuild, undefined);
    assert.equal(f.scripted, true);
  });
  it('a postinstall beside node-gyp-build still runs: no prebuild shortcut', () => {
    const f = factsOf(
      files(
        { name: 'x', version: '1.0.0', scripts: { install: 'node-gyp-build', postinstall: 'node patch.js' } },
        'prebuilds/linux-x64/x.node',
      ),
      'x',
      't',
    );
    assert.equal(f.prebuild, undefined);
  });
});

describe('buildDecision', () => {
  const none: TarballFacts = { scripts: [], scripted: false, bindingGyp: false };
  const cases: {
    name: string;
    n: ResolvedNode;
    facts: Parameters<typeof buildDecision>[1];
    want: { native: boolean; reasons: string[] };
  }[] = [
    {
      name: 'the metadata alone',
      n: node('x', '1.0.0', { hasInstallScript: true }),
      facts: {},
      want: { native: true, reasons: ['install-script'] },
    },
    {
      name: 'a platform prebuilt: Node-independent',
      n: watcher,
      facts: { prebuilt: ['@parcel/watcher-linux-x64-glibc'] },
      want: { native: false, reasons: ['install-script', 'prebuilt:@parcel/watcher-linux-x64-glibc'] },
    },
    {
      name: 'unix-dgram: the tarball shows a binding.gyp',
      n: node('unix-dgram', '2.0.7'),
      facts: { tarball: { scripts: [{ event: 'install', script: 'node-gyp rebuild' }], scripted: false, bindingGyp: true } },
      want: { native: true, reasons: ['binding.gyp'] },
    },
    {
      name: 'a bundled Node-API prebuild',
      n: node('bufferutil', '4.1.0', { hasInstallScript: true }),
      facts: {
        tarball: {
          scripts: [{ event: 'install', script: 'node-gyp-build' }],
          scripted: true,
          bindingGyp: true,
          prebuild: 'prebuilds/linux-x64/bufferutil.node',
        },
      },
      want: { native: false, reasons: ['binding.gyp', 'install-script', 'prebuilt:prebuilds/linux-x64/bufferutil.node'] },
    },
    {
      name: 'a suspect with no binding.gyp after all',
      n: node('y', '1.0.0', { dependencies: { bindings: '1' } }),
      facts: { tarball: none },
      want: { native: false, reasons: [] },
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      assert.deepEqual(buildDecision(c.n, c.facts, undefined), c.want);
    });
  }

  it('the recipe of a prebuilt package is valid and says why it is not built', () => {
    const recipe = toRecipe(watcher, sri(7), undefined, { prebuilt: ['@parcel/watcher-linux-x64-glibc'] });
    const checked = checkRecipe(recipe, 'x.toml');
    assert.equal(checked.build.native, false);
    assert.deepEqual(checked.build.reasons, ['install-script', 'prebuilt:@parcel/watcher-linux-x64-glibc']);
  });
});

describe('buildFacts', () => {
  const reads = (): { read: () => Promise<TarballFacts>; count: () => number } => {
    let n = 0;
    const read = (): Promise<TarballFacts> => {
      n += 1;
      return Promise.resolve({ scripts: [], scripted: false, bindingGyp: false });
    };
    return { read, count: () => n };
  };
  it('a platform prebuilt needs no tarball', async () => {
    const r = reads();
    assert.deepEqual(await buildFacts(watcher, closureOf(watcher, glibc), undefined, r.read), {
      prebuilt: ['@parcel/watcher-linux-x64-glibc'],
    });
    assert.equal(r.count(), 0);
  });
  it('a pure package needs no tarball', async () => {
    const r = reads();
    assert.deepEqual(await buildFacts(node('ms', '2.1.3'), new Map(), undefined, r.read), {});
    assert.equal(r.count(), 0);
  });
  it('ignored scripts need no tarball', async () => {
    const r = reads();
    const row = parseOverrides('[[package]]\nname = "core-js"\nignore_scripts = true', 't.toml').rowsFor('core-js')[0]!;
    assert.deepEqual(await buildFacts(node('core-js', '3.0.0', { hasInstallScript: true }), new Map(), row, r.read), {});
    assert.equal(r.count(), 0);
  });
  it('an install script the metadata does not spell out is read from the tarball', async () => {
    const r = reads();
    const f = await buildFacts(node('bufferutil', '4.1.0', { hasInstallScript: true }), new Map(), undefined, r.read);
    assert.equal(r.count(), 1);
    assert.ok(f.tarball !== undefined);
  });
});
