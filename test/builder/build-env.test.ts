/**
 * Every build's environment (src/sandbox/build-env.ts) and each builder's: npm's install scripts,
 * PyPI's sdist builds and RubyGems' `gem install` all get the whole common set with the common
 * values, add only their own variables, and the recipe's `build.env` comes last.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { describe, it } from 'node:test';
import { installScriptEnv } from '../../src/builder/npm/native.js';
import { sdistBuildEnv } from '../../src/builder/pypi/sdist.js';
import { gemBuildEnv } from '../../src/builder/rubygems/install.js';
import type { RubyInterpreter } from '../../src/interpreters/ruby.js';
import { BUILD_DIR, C_FLAGS, SYSTEM_PATH, buildEnv, commonEnv } from '../../src/sandbox/build-env.js';

const SDE = 1234567890;
const JOBS = 3;

const ruby: RubyInterpreter = {
  version: '3.1',
  fullVersion: '3.1.2',
  bin: '/opt/rubies/3.1.2/bin/ruby',
  realBin: '/opt/rubies/3.1.2/bin/ruby',
  gemBin: '/opt/rubies/3.1.2/bin/gem',
  abi: '3.1.0',
  prefix: '/opt/rubies/3.1.2',
  archdir: '/opt/rubies/3.1.2/lib/ruby/3.1.0/x86_64-linux',
  hdrdir: '/opt/rubies/3.1.2/include/ruby-3.1.0',
  gemPlatform: 'x86_64-linux',
  extensionApi: '3.1.0',
  rubygemsVersion: '3.3.15',
  archFlag: '-m64',
  source: 'rubies',
};

interface BuilderCase {
  name: string;
  /** The compiled module that makes the environment. */
  module: string;
  env: (recipeEnv?: Record<string, string>) => Record<string, string>;
  /** The variables the builder adds: every one it set before the common module, still set. */
  additions: string[];
}

const builders: BuilderCase[] = [
  {
    name: 'npm install scripts',
    module: '../../src/builder/npm/native.js',
    env: (recipeEnv) =>
      installScriptEnv({
        name: '@fx/addon',
        version: '1.2.3',
        sourceDateEpoch: SDE,
        jobs: JOBS,
        buildFromSource: true,
        ...(recipeEnv === undefined ? {} : { recipeEnv }),
      }),
    additions: [
      'PYTHON',
      'INIT_CWD',
      'NODE',
      'npm_node_execpath',
      'npm_config_nodedir',
      'npm_config_build_from_source',
      'npm_config_offline',
      'npm_package_name',
      'npm_package_version',
    ],
  },
  {
    name: 'PyPI sdist builds',
    module: '../../src/builder/pypi/sdist.js',
    env: (recipeEnv) =>
      sdistBuildEnv({ pythonVersion: '3.11', sourceDateEpoch: SDE, jobs: JOBS, ...(recipeEnv === undefined ? {} : { recipeEnv }) }),
    additions: ['PYTHONNOUSERSITE', 'PYTHONPATH'],
  },
  {
    name: 'RubyGems gem install',
    module: '../../src/builder/rubygems/install.js',
    env: (recipeEnv) => gemBuildEnv(ruby, { sourceDateEpoch: SDE, jobs: JOBS, ...(recipeEnv === undefined ? {} : { env: recipeEnv }) }),
    additions: ['GEM_HOME', 'GEM_PATH', 'CPPFLAGS', 'MAKEFLAGS'],
  },
];

describe('every build environment', () => {
  const common = commonEnv({ sourceDateEpoch: SDE, jobs: JOBS });

  it('sets the reproducibility rules', () => {
    assert.deepEqual(common, {
      PATH: SYSTEM_PATH.join(':'),
      HOME: '/tmp',
      TMPDIR: '/tmp',
      TZ: 'UTC',
      LANG: 'C.UTF-8',
      LC_ALL: 'C.UTF-8',
      SOURCE_DATE_EPOCH: String(SDE),
      PYTHONHASHSEED: '0',
      PYTHONDONTWRITEBYTECODE: '1',
      JOBS: '3',
      CFLAGS: `-g0 -ffile-prefix-map=${BUILD_DIR}=/usr/src`,
      CXXFLAGS: `-g0 -ffile-prefix-map=${BUILD_DIR}=/usr/src`,
    });
  });

  it("puts a builder's directories first, once each, and its C flags after the common ones", () => {
    const env = commonEnv({
      sourceDateEpoch: SDE,
      jobs: 2.7,
      path: ['/usr/bin', '/opt/x/bin', '/usr/bin'],
      cflags: ['-ffile-prefix-map=/build/root='],
    });
    assert.equal(env.PATH, '/usr/bin:/opt/x/bin:/usr/local/bin:/bin');
    assert.equal(env.CFLAGS, `${C_FLAGS} -ffile-prefix-map=/build/root=`);
    assert.equal(env.CXXFLAGS, env.CFLAGS);
    assert.equal(env.JOBS, '2');
    assert.equal(commonEnv({ sourceDateEpoch: SDE, jobs: 0 }).JOBS, '1');
  });

  it("refuses a builder addition that redefines a common variable; the recipe's env may", () => {
    assert.throws(() => buildEnv({ sourceDateEpoch: SDE, jobs: 1 }, { TZ: 'Europe/Paris' }), /TZ is set for every build/);
    assert.equal(buildEnv({ sourceDateEpoch: SDE, jobs: 1 }, { X: '1' }, { TZ: 'Europe/Paris', X: '2' }).TZ, 'Europe/Paris');
  });
});

for (const b of builders) {
  describe(b.name, () => {
    const env = b.env();
    const common = commonEnv({ sourceDateEpoch: SDE, jobs: JOBS });

    it('makes its environment with the common module', async () => {
      const js = await readFile(new URL(b.module, import.meta.url), 'utf8');
      assert.match(js, /from '\.\.\/\.\.\/sandbox\/build-env\.js'/);
    });

    it('has every common variable with the common value', () => {
      for (const [k, v] of Object.entries(common)) {
        assert.ok(k in env, `${k} missing`);
        if (k === 'PATH') assert.ok(env.PATH === v || env.PATH!.endsWith(`:${v}`), `PATH ${env.PATH} does not end with ${v}`);
        else if (k === 'CFLAGS' || k === 'CXXFLAGS')
          assert.ok(env[k] === v || env[k]!.startsWith(`${v} `), `${k} ${env[k]} does not start with ${v}`);
        else assert.equal(env[k], v, k);
      }
      assert.equal(env.CXXFLAGS, env.CFLAGS);
    });

    it('adds only its own variables', () => {
      assert.deepEqual(
        Object.keys(env)
          .filter((k) => !(k in common))
          .sort(),
        [...b.additions].sort(),
      );
    });

    it("lets the recipe's build.env override anything, common or its own", () => {
      const own = b.additions[0]!;
      const recipeEnv = {
        TZ: 'Europe/Paris',
        CFLAGS: '-O3',
        PATH: '/recipe/bin',
        SOURCE_DATE_EPOCH: '1',
        [own]: 'recipe',
        PG_CONFIG: '/usr/bin/pg_config',
      };
      const over = b.env(recipeEnv);
      for (const [k, v] of Object.entries(recipeEnv)) assert.equal(over[k], v, k);
      // Everything the recipe did not name is as without it.
      for (const [k, v] of Object.entries(env)) if (!(k in recipeEnv)) assert.equal(over[k], v, k);
    });
  });
}

describe('RubyGems ARCH_FLAG', () => {
  it("carries the common C flags and the staging root's map into mkmf's Makefiles, whatever the recipe says of CFLAGS", () => {
    const env = gemBuildEnv(ruby, { sourceDateEpoch: SDE, jobs: 4, env: { CFLAGS: '-O3' } });
    const word = (s: string): string => s.replace(/ /g, '\\ ');
    assert.equal(env.MAKEFLAGS, `-j4 ARCH_FLAG=${word(`-m64 ${C_FLAGS} -ffile-prefix-map=/build/root=`)}`);
    assert.equal(env.CPPFLAGS, '-ffile-prefix-map=/build=/usr/src -ffile-prefix-map=/build/root=');
    assert.equal(env.PATH, `/opt/rubies/3.1.2/bin:${SYSTEM_PATH.join(':')}`);
  });
});
