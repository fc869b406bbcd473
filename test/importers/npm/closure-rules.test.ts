import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isUserError } from '../../../src/errors/index.js';
import { registryTarget, wantedDependencies } from '../../../importers/npm/closure.js';
import type { NpmVersion } from '../../../importers/npm/packument.js';

function manifest(fields: Partial<NpmVersion>): NpmVersion {
  return { name: 'parent', version: '1.0.0', dist: { tarball: 'https://registry.example/parent/-/parent-1.0.0.tgz' }, ...fields };
}

describe('wantedDependencies', () => {
  const cases: { name: string; m: Partial<NpmVersion>; want: ReturnType<typeof wantedDependencies> }[] = [
    { name: 'nothing declared', m: {}, want: [] },
    {
      name: 'dependencies are runtime, sorted by name',
      m: { dependencies: { zeta: '^1', alpha: '~2', '@scope/mid': '3' } },
      want: [
        { as: '@scope/mid', spec: '3', kind: 'runtime' },
        { as: 'alpha', spec: '~2', kind: 'runtime' },
        { as: 'zeta', spec: '^1', kind: 'runtime' },
      ],
    },
    {
      name: 'optionalDependencies are optional and override a dependencies entry of the same name',
      m: { dependencies: { a: '^1', fsevents: '^1' }, optionalDependencies: { fsevents: '^2', b: '1' } },
      want: [
        { as: 'a', spec: '^1', kind: 'runtime' },
        { as: 'b', spec: '1', kind: 'optional' },
        { as: 'fsevents', spec: '^2', kind: 'optional' },
      ],
    },
    {
      name: 'bundleDependencies as a list come inside the tarball',
      m: { dependencies: { a: '^1', b: '^1', c: '^1' }, bundleDependencies: ['b'] },
      want: [
        { as: 'a', spec: '^1', kind: 'runtime' },
        { as: 'c', spec: '^1', kind: 'runtime' },
      ],
    },
    {
      name: 'the bundledDependencies spelling works too',
      m: { dependencies: { a: '^1', b: '^1' }, bundledDependencies: ['a'] },
      want: [{ as: 'b', spec: '^1', kind: 'runtime' }],
    },
    {
      name: 'bundleDependencies: true bundles every dependency and optional dependency',
      m: { dependencies: { a: '^1' }, optionalDependencies: { b: '^1' }, bundleDependencies: true },
      want: [],
    },
    {
      name: 'bundleDependencies: true still leaves required peers to resolve',
      m: { dependencies: { a: '^1' }, peerDependencies: { react: '>=18' }, bundleDependencies: true },
      want: [{ as: 'react', spec: '>=18', kind: 'peer' }],
    },
    {
      name: 'bundleDependencies: false bundles nothing',
      m: { dependencies: { a: '^1' }, bundleDependencies: false },
      want: [{ as: 'a', spec: '^1', kind: 'runtime' }],
    },
    {
      name: 'a bundled optional dependency is not fetched either',
      m: { optionalDependencies: { a: '^1', b: '^1' }, bundleDependencies: ['a'] },
      want: [{ as: 'b', spec: '^1', kind: 'optional' }],
    },
    {
      name: 'required peers are wanted, optional peers are left to the user',
      m: {
        peerDependencies: { react: '^18', 'react-dom': '^18', typescript: '>=5' },
        peerDependenciesMeta: { typescript: { optional: true }, 'react-dom': { optional: false } },
      },
      want: [
        { as: 'react', spec: '^18', kind: 'peer' },
        { as: 'react-dom', spec: '^18', kind: 'peer' },
      ],
    },
    {
      name: 'a peer already in dependencies is wanted once, as the dependency',
      m: { dependencies: { react: '18.2.0' }, peerDependencies: { react: '^18', vue: '^3' } },
      want: [
        { as: 'react', spec: '18.2.0', kind: 'runtime' },
        { as: 'vue', spec: '^3', kind: 'peer' },
      ],
    },
    {
      name: 'a peer already in optionalDependencies stays optional',
      m: { optionalDependencies: { react: '^18' }, peerDependencies: { react: '^18' } },
      want: [{ as: 'react', spec: '^18', kind: 'optional' }],
    },
    {
      name: 'an alias keeps the name it is required by',
      m: { dependencies: { 'string-width-cjs': 'npm:string-width@^4.2.0' } },
      want: [{ as: 'string-width-cjs', spec: 'npm:string-width@^4.2.0', kind: 'runtime' }],
    },
    {
      name: 'every kind mixed, sorted by code unit across kinds',
      m: { dependencies: { b: '1', B: '1' }, optionalDependencies: { a: '1' }, peerDependencies: { '@p/x': '1' } },
      want: [
        { as: '@p/x', spec: '1', kind: 'peer' },
        { as: 'B', spec: '1', kind: 'runtime' },
        { as: 'a', spec: '1', kind: 'optional' },
        { as: 'b', spec: '1', kind: 'runtime' },
      ],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      assert.deepEqual(wantedDependencies(manifest(c.m)), c.want);
    });
  }
});

describe('registryTarget', () => {
  const ok: { as: string; spec: string; want: { name: string; range: string } }[] = [
    { as: 'debug', spec: '^4.3.1', want: { name: 'debug', range: '^4.3.1' } },
    { as: 'debug', spec: '>=2 <3 || 4.x', want: { name: 'debug', range: '>=2 <3 || 4.x' } },
    { as: 'debug', spec: '*', want: { name: 'debug', range: '*' } },
    { as: 'debug', spec: '', want: { name: 'debug', range: '' } },
    { as: 'ms', spec: '2.1.3', want: { name: 'ms', range: '2.1.3' } },
    { as: 'react', spec: 'next', want: { name: 'react', range: 'next' } },
    { as: '@types/node', spec: '^20', want: { name: '@types/node', range: '^20' } },
    { as: 'string-width-cjs', spec: 'npm:string-width@^4.2.0', want: { name: 'string-width', range: '^4.2.0' } },
    { as: 'old', spec: 'npm:real@1.0.0', want: { name: 'real', range: '1.0.0' } },
    { as: 'old', spec: 'npm:real', want: { name: 'real', range: '*' } },
    { as: 'old', spec: 'npm:real@beta', want: { name: 'real', range: 'beta' } },
    { as: 'types', spec: 'npm:@types/node@20.11.0', want: { name: '@types/node', range: '20.11.0' } },
    { as: '@my/alias', spec: 'npm:@real/pkg@^2', want: { name: '@real/pkg', range: '^2' } },
  ];
  for (const c of ok) {
    it(`${c.as}: ${JSON.stringify(c.spec)} -> ${c.want.name} ${JSON.stringify(c.want.range)}`, () => {
      assert.deepEqual(registryTarget(c.as, c.spec, 'parent@1.0.0'), c.want);
    });
  }

  const refused: { as: string; spec: string; kind: RegExp }[] = [
    { as: 'lib', spec: 'github:someone/lib', kind: /a git dependency/ },
    { as: 'lib', spec: 'someone/lib#v1', kind: /a git dependency/ },
    { as: 'lib', spec: 'git+https://example.com/lib.git', kind: /a git dependency/ },
    { as: 'lib', spec: 'file:../lib', kind: /a directory dependency/ },
    { as: 'lib', spec: 'file:lib-1.0.0.tgz', kind: /a file dependency/ },
    { as: 'lib', spec: 'https://example.com/lib-1.0.0.tgz', kind: /a remote dependency/ },
    { as: 'lib', spec: 'npm:git+https://example.com/lib.git', kind: /not a valid npm spec/ },
  ];
  for (const c of refused) {
    it(`refuses ${c.spec} naming the dependent and the spec`, () => {
      assert.throws(
        () => registryTarget(c.as, c.spec, 'parent@1.0.0'),
        (err: Error & { code?: string }) => {
          assert.ok(isUserError(err), 'a UserError');
          assert.equal(err.code, 'EUNSUPPORTED');
          assert.ok(err.message.includes('parent@1.0.0'), err.message);
          assert.ok(err.message.includes(`"${c.as}"`), err.message);
          assert.ok(err.message.includes(`"${c.spec}"`), err.message);
          assert.match(err.message, c.kind);
          assert.ok(!err.message.includes('\n'));
          return true;
        },
      );
    });
  }
});
