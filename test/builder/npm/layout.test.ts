import assert from 'node:assert/strict';
import { posix } from 'node:path';
import { describe, it } from 'node:test';
import { isUserError } from '../../../src/errors/index.js';
import type { PackEntry } from '../../../src/packer/entry.js';
import { binEntries as linkEntries, mainEntries } from '../../../src/builder/npm/entries.js';
import {
  binLink,
  dependencyLink,
  flatName,
  NODE_MODULES,
  packageDir,
  packageName,
  rootLink,
  STORE,
  versionDir,
} from '../../../src/builder/npm/layout.js';
import { keepBuilt } from '../../../src/builder/npm/native.js';
import { binEntries, installScripts, readPackageInfo, type PackageInfo } from '../../../importers/npm/facts/package-json.js';

/** Where a relative symlink at `path` points, as a path from the package root. */
function resolveLink(link: { path: string; target: string }): string {
  assert.ok(!posix.isAbsolute(link.target), `${link.target} must be relative`);
  return posix.relative('/', posix.resolve('/', posix.dirname(link.path), link.target));
}

function file(path: string, mode = 0o644, data = ''): PackEntry {
  return { path, type: 'file', mode, data: Buffer.from(data) };
}

function dir(path: string): PackEntry {
  return { path, type: 'dir', mode: 0o755 };
}

describe('layout paths', () => {
  it('flatName puts a scope in one segment', () => {
    assert.equal(flatName('express'), 'express');
    assert.equal(flatName('@types/node'), '@types+node');
  });

  it('versionDir and packageDir', () => {
    assert.equal(STORE, 'usr/lib/node_modules/.bale');
    assert.equal(versionDir('ms', '2.1.3'), 'usr/lib/node_modules/.bale/ms@2.1.3/node_modules');
    assert.equal(packageDir('ms', '2.1.3'), 'usr/lib/node_modules/.bale/ms@2.1.3/node_modules/ms');
    assert.equal(versionDir('@types/node', '20.11.0'), 'usr/lib/node_modules/.bale/@types+node@20.11.0/node_modules');
    assert.equal(packageDir('@types/node', '20.11.0'), 'usr/lib/node_modules/.bale/@types+node@20.11.0/node_modules/@types/node');
  });

  const links: { name: string; dependent: [string, string]; as: string; dep: [string, string]; path: string; target: string }[] = [
    {
      name: 'unscoped to unscoped',
      dependent: ['debug', '4.3.7'],
      as: 'ms',
      dep: ['ms', '2.1.3'],
      path: 'usr/lib/node_modules/.bale/debug@4.3.7/node_modules/ms',
      target: '../../ms@2.1.3/node_modules/ms',
    },
    {
      name: 'scoped dependent',
      dependent: ['@babel/core', '7.26.0'],
      as: 'debug',
      dep: ['debug', '4.3.7'],
      path: 'usr/lib/node_modules/.bale/@babel+core@7.26.0/node_modules/debug',
      target: '../../debug@4.3.7/node_modules/debug',
    },
    {
      name: 'scoped dependency',
      dependent: ['express', '4.21.2'],
      as: '@types/node',
      dep: ['@types/node', '20.11.0'],
      path: 'usr/lib/node_modules/.bale/express@4.21.2/node_modules/@types/node',
      target: '../../../@types+node@20.11.0/node_modules/@types/node',
    },
    {
      name: 'scoped to scoped',
      dependent: ['@babel/core', '7.26.0'],
      as: '@babel/types',
      dep: ['@babel/types', '7.26.0'],
      path: 'usr/lib/node_modules/.bale/@babel+core@7.26.0/node_modules/@babel/types',
      target: '../../../@babel+types@7.26.0/node_modules/@babel/types',
    },
    {
      name: 'an alias, unscoped name for a scoped package',
      dependent: ['cliui', '8.0.1'],
      as: 'string-width-cjs',
      dep: ['@isaacs/string-width', '4.2.3'],
      path: 'usr/lib/node_modules/.bale/cliui@8.0.1/node_modules/string-width-cjs',
      target: '../../@isaacs+string-width@4.2.3/node_modules/@isaacs/string-width',
    },
    {
      name: 'an alias, scoped name for an unscoped package',
      dependent: ['x', '1.0.0'],
      as: '@my/ms',
      dep: ['ms', '2.0.0'],
      path: 'usr/lib/node_modules/.bale/x@1.0.0/node_modules/@my/ms',
      target: '../../../ms@2.0.0/node_modules/ms',
    },
    {
      name: 'another version of its own name',
      dependent: ['a', '2.0.0'],
      as: 'a',
      dep: ['a', '1.0.0'],
      path: 'usr/lib/node_modules/.bale/a@2.0.0/node_modules/a',
      target: '../../a@1.0.0/node_modules/a',
    },
  ];
  for (const c of links) {
    it(`dependencyLink: ${c.name}`, () => {
      const l = dependencyLink({ name: c.dependent[0], version: c.dependent[1] }, c.as, { name: c.dep[0], version: c.dep[1] });
      assert.deepEqual(l, { path: c.path, target: c.target });
      assert.equal(resolveLink(l), packageDir(c.dep[0], c.dep[1]));
      assert.ok(l.path.startsWith(`${versionDir(c.dependent[0], c.dependent[1])}/`));
    });
  }

  it('rootLink, unscoped and scoped, resolves to the package', () => {
    const a = rootLink('express', '4.21.2');
    assert.deepEqual(a, { path: 'usr/lib/node_modules/express', target: '.bale/express@4.21.2/node_modules/express' });
    assert.equal(resolveLink(a), packageDir('express', '4.21.2'));
    const b = rootLink('@types/node', '20.11.0');
    assert.deepEqual(b, { path: 'usr/lib/node_modules/@types/node', target: '../.bale/@types+node@20.11.0/node_modules/@types/node' });
    assert.equal(resolveLink(b), packageDir('@types/node', '20.11.0'));
    assert.equal(posix.dirname(a.path), NODE_MODULES);
  });

  const bins: { name: string; version: string; bin: string; file: string; target: string }[] = [
    {
      name: 'mime',
      version: '1.6.0',
      bin: 'mime',
      file: 'cli.js',
      target: '../lib/node_modules/.bale/mime@1.6.0/node_modules/mime/cli.js',
    },
    {
      name: 'typescript',
      version: '5.6.3',
      bin: 'tsc',
      file: 'bin/tsc',
      target: '../lib/node_modules/.bale/typescript@5.6.3/node_modules/typescript/bin/tsc',
    },
    {
      name: '@biomejs/biome',
      version: '1.9.4',
      bin: 'biome',
      file: 'bin/biome',
      target: '../lib/node_modules/.bale/@biomejs+biome@1.9.4/node_modules/@biomejs/biome/bin/biome',
    },
  ];
  for (const c of bins) {
    it(`binLink: ${c.name} ${c.bin}`, () => {
      const l = binLink(c.name, c.version, c.bin, c.file);
      assert.deepEqual(l, { path: `usr/bin/${c.bin}`, target: c.target });
      assert.equal(resolveLink(l), `${packageDir(c.name, c.version)}/${c.file}`);
    });
  }

  const names: { name: string; tag: string; bin: boolean; want: string }[] = [
    { name: 'express', tag: '', bin: false, want: 'node-express' },
    { name: 'express', tag: '', bin: true, want: 'node-express-bin' },
    { name: 'better-sqlite3', tag: '22', bin: false, want: 'node22-better-sqlite3' },
    { name: 'better-sqlite3', tag: '22', bin: true, want: 'node22-better-sqlite3-bin' },
    { name: 'bcrypt', tag: '*', bin: false, want: 'node*-bcrypt' },
    { name: '@types/node', tag: '', bin: false, want: 'node-@types+node' },
    { name: '@img/sharp', tag: '20', bin: true, want: 'node20-@img+sharp-bin' },
  ];
  for (const c of names) {
    it(`packageName(${c.name}, ${JSON.stringify(c.tag)}, ${c.bin}) = ${c.want}`, () => {
      assert.equal(packageName(c.name, c.tag, c.bin), c.want);
    });
  }

  it('packageName without the bin argument is the main package', () => {
    assert.equal(packageName('ms', ''), 'node-ms');
  });
});

describe('mainEntries', () => {
  const pkg = { name: 'tool', version: '1.0.0' };
  const base = packageDir('tool', '1.0.0');

  it('prefixes paths, makes bin files executable, links dependencies', () => {
    const files = [dir(''), file('package.json'), dir('bin'), file('bin/tool.js'), file('lib/index.js'), file('bin/helper.sh', 0o600)];
    const out = mainEntries(
      pkg,
      files,
      [
        { as: 'ms', name: 'ms', version: '2.1.3' },
        { as: 'tool', name: 'tool', version: '0.9.0' },
        { as: '@s/alias', name: 'real', version: '3.0.0' },
      ],
      { tool: 'bin/tool.js', helper: 'bin/helper.sh', folder: 'bin' },
    );
    assert.deepEqual(out, [
      { path: `${base}/package.json`, type: 'file', mode: 0o644, data: Buffer.from('') },
      { path: `${base}/bin`, type: 'dir', mode: 0o755 },
      { path: `${base}/bin/tool.js`, type: 'file', mode: 0o755, data: Buffer.from('') },
      { path: `${base}/lib/index.js`, type: 'file', mode: 0o644, data: Buffer.from('') },
      { path: `${base}/bin/helper.sh`, type: 'file', mode: 0o711, data: Buffer.from('') },
      { path: `${versionDir('tool', '1.0.0')}/ms`, type: 'symlink', mode: 0o777, target: '../../ms@2.1.3/node_modules/ms' },
      { path: `${versionDir('tool', '1.0.0')}/@s/alias`, type: 'symlink', mode: 0o777, target: '../../../real@3.0.0/node_modules/real' },
    ]);
  });

  it('skips a dependency on its own name, whatever its version', () => {
    const out = mainEntries(pkg, [file('index.js')], [{ as: 'tool', name: 'tool', version: '1.0.0' }], {});
    assert.deepEqual(
      out.map((e) => e.path),
      [`${base}/index.js`],
    );
  });

  it('keeps file data and symlink targets of the package itself', () => {
    const link: PackEntry = { path: 'alias.js', type: 'symlink', mode: 0o777, target: 'index.js' };
    const out = mainEntries(pkg, [file('index.js', 0o644, 'module.exports = 1\n'), link], [], {});
    assert.deepEqual(out[0]?.data, Buffer.from('module.exports = 1\n'));
    assert.deepEqual(out[1], { ...link, path: `${base}/alias.js` });
  });
});

describe('entries binEntries (the -bin subpackage)', () => {
  it('the top-level link and one link per executable', () => {
    const out = linkEntries({ name: '@s/tool', version: '2.0.0' }, { tool: 'cli.js', 'tool-x': 'bin/x.js' });
    assert.deepEqual(out, [
      { path: 'usr/lib/node_modules/@s/tool', type: 'symlink', mode: 0o777, target: '../.bale/@s+tool@2.0.0/node_modules/@s/tool' },
      { path: 'usr/bin/tool', type: 'symlink', mode: 0o777, target: '../lib/node_modules/.bale/@s+tool@2.0.0/node_modules/@s/tool/cli.js' },
      {
        path: 'usr/bin/tool-x',
        type: 'symlink',
        mode: 0o777,
        target: '../lib/node_modules/.bale/@s+tool@2.0.0/node_modules/@s/tool/bin/x.js',
      },
    ]);
    for (const e of out) assert.ok(resolveLink({ path: e.path, target: e.target! }).startsWith(packageDir('@s/tool', '2.0.0')));
  });

  it('only the top-level link without executables', () => {
    assert.deepEqual(linkEntries({ name: 'ms', version: '2.1.3' }, {}), [
      { path: 'usr/lib/node_modules/ms', type: 'symlink', mode: 0o777, target: '.bale/ms@2.1.3/node_modules/ms' },
    ]);
  });
});

describe('package.json binEntries', () => {
  const files = [file('package.json'), file('bin/a.js'), file('bin/b'), dir('bin/sub'), file('bin/sub/c.js'), file('lib/x.js')];
  const cases: { name: string; pj: Record<string, unknown>; pkg: string; want: Record<string, string> }[] = [
    { name: 'a string bin uses the package name', pj: { bin: './cli.js' }, pkg: 'tool', want: { tool: 'cli.js' } },
    { name: 'a string bin of a scoped package uses the bare name', pj: { bin: 'cli.js' }, pkg: '@scope/tool', want: { tool: 'cli.js' } },
    { name: 'an object bin', pj: { bin: { a: 'bin/a.js', b: './bin/b' } }, pkg: 'tool', want: { a: 'bin/a.js', b: 'bin/b' } },
    { name: 'a scoped bin name uses its last segment', pj: { bin: { '@scope/cmd': 'bin/a.js' } }, pkg: 'tool', want: { cmd: 'bin/a.js' } },
    {
      name: 'paths are normalised inside the package',
      pj: { bin: { a: 'bin/../bin/./a.js', w: 'bin\\win.js' } },
      pkg: 'tool',
      want: { a: 'bin/a.js', w: 'bin/win.js' },
    },
    {
      name: 'paths escaping the package are ignored',
      pj: { bin: { up: '../outside.js', deep: 'bin/../../x.js', abs: '/usr/bin/env', root: '.', ok: 'bin/a.js' } },
      pkg: 'tool',
      want: { ok: 'bin/a.js' },
    },
    {
      name: 'bin names that are not names are ignored',
      pj: { bin: { '..': 'bin/a.js', '': 'bin/b', '.': 'bin/b' } },
      pkg: 'tool',
      want: {},
    },
    { name: 'non-string values are ignored', pj: { bin: { a: 5, b: null, c: 'bin/b' } }, pkg: 'tool', want: { c: 'bin/b' } },
    {
      name: 'directories.bin lists the files of a folder, nested ones too',
      pj: { directories: { bin: './bin' } },
      pkg: 'tool',
      want: { 'a.js': 'bin/a.js', b: 'bin/b', 'c.js': 'bin/sub/c.js' },
    },
    {
      name: 'bin wins over directories.bin',
      pj: { bin: { a: 'bin/a.js' }, directories: { bin: 'bin' } },
      pkg: 'tool',
      want: { a: 'bin/a.js' },
    },
    { name: 'directories.bin escaping the package is ignored', pj: { directories: { bin: '../bin' } }, pkg: 'tool', want: {} },
    { name: 'directories.bin that is not a string', pj: { directories: { bin: ['bin'] } }, pkg: 'tool', want: {} },
    { name: 'no bin at all', pj: { name: 'tool' }, pkg: 'tool', want: {} },
    { name: 'bin: null', pj: { bin: null }, pkg: 'tool', want: {} },
  ];
  for (const c of cases) {
    it(c.name, () => {
      assert.deepEqual(binEntries(c.pj, c.pkg, files), c.want);
    });
  }
});

describe('readPackageInfo', () => {
  it('reads bins, string scripts and binding.gyp', () => {
    const pj = { name: 'addon', bin: 'cli.js', scripts: { install: 'node-gyp rebuild', test: 'x', bad: 3 } };
    const info = readPackageInfo(
      [file('package.json', 0o644, JSON.stringify(pj)), file('binding.gyp'), file('cli.js')],
      'addon',
      'addon-1.0.0.tgz',
    );
    assert.deepEqual(info, { bin: { addon: 'cli.js' }, scripts: { install: 'node-gyp rebuild', test: 'x' }, hasBindingGyp: true });
  });

  it('a binding.gyp that is not a top-level file does not count', () => {
    const info = readPackageInfo([file('package.json', 0o644, '{}'), file('deps/binding.gyp'), dir('binding.gyp')], 'x', 'x.tgz');
    assert.deepEqual(info, { bin: {}, scripts: {}, hasBindingGyp: false });
  });

  const broken: { name: string; files: PackEntry[]; message: RegExp }[] = [
    { name: 'no package.json', files: [file('index.js')], message: /x-1\.0\.0\.tgz has no package\.json/ },
    { name: 'package.json only deeper down', files: [file('lib/package.json', 0o644, '{}')], message: /no package\.json/ },
    { name: 'package.json as a directory', files: [dir('package.json')], message: /no package\.json/ },
    {
      name: 'package.json that is not JSON',
      files: [file('package.json', 0o644, '{"name": ')],
      message: /x-1\.0\.0\.tgz: package\.json is not valid JSON/,
    },
  ];
  for (const c of broken) {
    it(`refuses ${c.name} as EARCHIVE`, () => {
      assert.throws(
        () => readPackageInfo(c.files, 'x', 'x-1.0.0.tgz'),
        (err: Error & { code?: string }) => isUserError(err) && err.code === 'EARCHIVE' && c.message.test(err.message),
      );
    });
  }
});

describe('installScripts', () => {
  const info = (scripts: Record<string, string>, hasBindingGyp = false): PackageInfo => ({ bin: {}, scripts, hasBindingGyp });
  const cases: { name: string; info: PackageInfo; want: string[] }[] = [
    { name: 'nothing', info: info({ test: 'x', prepare: 'y' }), want: [] },
    {
      name: 'npm order whatever the key order',
      info: info({ postinstall: 'c', install: 'b', preinstall: 'a' }),
      want: ['preinstall:a', 'install:b', 'postinstall:c'],
    },
    { name: 'binding.gyp alone means node-gyp rebuild', info: info({}, true), want: ['install:node-gyp rebuild'] },
    {
      name: 'binding.gyp with only a postinstall',
      info: info({ postinstall: 'node after.js' }, true),
      want: ['install:node-gyp rebuild', 'postinstall:node after.js'],
    },
    {
      name: 'binding.gyp with an install script runs that instead',
      info: info({ install: 'prebuild-install || node-gyp rebuild' }, true),
      want: ['install:prebuild-install || node-gyp rebuild'],
    },
    {
      name: 'binding.gyp with a preinstall: no implicit rebuild',
      info: info({ preinstall: 'node pre.js' }, true),
      want: ['preinstall:node pre.js'],
    },
    { name: 'empty scripts do not run', info: info({ preinstall: '', install: '', postinstall: '' }), want: [] },
    { name: 'an empty install with binding.gyp still rebuilds', info: info({ install: '' }, true), want: ['install:node-gyp rebuild'] },
  ];
  for (const c of cases) {
    it(c.name, () => {
      assert.deepEqual(
        installScripts(c.info).map((s) => `${s.event}:${s.script}`),
        c.want,
      );
    });
  }
});

describe('keepBuilt', () => {
  const cases: { entry: PackEntry; keep: boolean }[] = [
    { entry: file('build/Release/addon.node'), keep: true },
    { entry: file('build/Debug/addon.node'), keep: true },
    { entry: file('build/Release/obj.target/addon.node'), keep: false },
    { entry: file('build/Release/obj.target/addon/src/addon.o'), keep: false },
    { entry: file('build/Release/lib.target/libfoo.so'), keep: true },
    { entry: dir('build/Release/lib.target'), keep: false },
    { entry: file('build/lib.target/libfoo.so'), keep: false },
    { entry: file('build/Release/.deps/x.d'), keep: false },
    { entry: file('build/Makefile'), keep: false },
    { entry: file('build/config.gypi'), keep: false },
    { entry: file('build/addon.node'), keep: false },
    { entry: file('build/Release/addon.so'), keep: false },
    { entry: dir('build'), keep: false },
    { entry: dir('build/Release'), keep: false },
    { entry: dir('node_modules/.bin'), keep: false },
    { entry: { path: 'node_modules/.bin/tsc', type: 'symlink', mode: 0o777, target: '../typescript/bin/tsc' }, keep: false },
    { entry: file('node_modules/.binary'), keep: true },
    { entry: file('node_modules/dep/index.js'), keep: true },
    { entry: file('index.js'), keep: true },
    { entry: file('lib/build/Release/x.o'), keep: true },
    { entry: file('builder.js'), keep: true },
    { entry: dir('lib'), keep: true },
    { entry: file('prebuilds/linux-x64/addon.node'), keep: true },
  ];
  for (const c of cases) {
    it(`${c.entry.type} ${c.entry.path}: ${c.keep ? 'kept' : 'dropped'}`, () => {
      assert.equal(keepBuilt(c.entry), c.keep);
    });
  }
});
