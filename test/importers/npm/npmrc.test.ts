import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { loadNpmOptions, registryFor, type NpmOptions } from '../../../importers/npm/npmrc.js';

interface Rc {
  /** Contents of the global, user and project .npmrc files (absent = no file). */
  global?: string;
  user?: string;
  project?: string;
  /** Extra environment, beside HOME and the config file locations. */
  env?: Record<string, string>;
  registry?: string;
}

/**
 * loadNpmOptions against temp files only: HOME, userconfig and globalconfig all point into a
 * fresh directory, so the machine's own ~/.npmrc and global npmrc are never read.
 */
async function load(t: TestContext, rc: Rc): Promise<{ opts: NpmOptions; dir: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'bale-npmrc-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const home = join(dir, 'home');
  const cwd = join(dir, 'project');
  await mkdir(home);
  await mkdir(cwd);
  const globalFile = join(dir, 'global-npmrc');
  const userFile = join(dir, 'user-npmrc');
  if (rc.global !== undefined) await writeFile(globalFile, rc.global);
  if (rc.user !== undefined) await writeFile(userFile, rc.user);
  if (rc.project !== undefined) await writeFile(join(cwd, '.npmrc'), rc.project);
  const env = { HOME: home, npm_config_userconfig: userFile, npm_config_globalconfig: globalFile, ...rc.env };
  return { opts: loadNpmOptions({ cwd, env, ...(rc.registry !== undefined ? { registry: rc.registry } : {}) }), dir };
}

describe('loadNpmOptions precedence', () => {
  const cases: { name: string; rc: Rc; want: string }[] = [
    { name: 'nothing configured: the public registry', rc: {}, want: 'https://registry.npmjs.org/' },
    { name: 'global', rc: { global: 'registry=https://global.example/' }, want: 'https://global.example/' },
    {
      name: 'user over global',
      rc: { global: 'registry=https://global.example/', user: 'registry=https://user.example/' },
      want: 'https://user.example/',
    },
    {
      name: 'project over user',
      rc: {
        global: 'registry=https://global.example/',
        user: 'registry=https://user.example/',
        project: 'registry=https://project.example/',
      },
      want: 'https://project.example/',
    },
    {
      name: 'environment over project',
      rc: {
        user: 'registry=https://user.example/',
        project: 'registry=https://project.example/',
        env: { npm_config_registry: 'https://env.example/' },
      },
      want: 'https://env.example/',
    },
    {
      name: 'environment key in upper case',
      rc: { project: 'registry=https://project.example/', env: { NPM_CONFIG_REGISTRY: 'https://env.example/' } },
      want: 'https://env.example/',
    },
    {
      name: 'an empty environment value is not set',
      rc: { project: 'registry=https://project.example/', env: { npm_config_registry: '' } },
      want: 'https://project.example/',
    },
    {
      name: 'the registry argument over everything',
      rc: {
        global: 'registry=https://global.example/',
        project: 'registry=https://project.example/',
        env: { npm_config_registry: 'https://env.example/' },
        registry: 'https://flag.example/',
      },
      want: 'https://flag.example/',
    },
    {
      name: 'global is used when the others say nothing',
      rc: { global: 'registry=https://global.example/', user: 'strict-ssl=true', project: '' },
      want: 'https://global.example/',
    },
  ];
  for (const c of cases) {
    it(c.name, async (t) => {
      assert.equal((await load(t, c.rc)).opts.registry, c.want);
    });
  }

  it('reads ~/.npmrc from HOME when userconfig is not set', async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'bale-npmrc-'));
    t.after(() => rm(dir, { recursive: true, force: true }));
    await writeFile(join(dir, '.npmrc'), 'registry=https://home.example/\n');
    const opts = loadNpmOptions({ cwd: dir, env: { HOME: dir, npm_config_globalconfig: join(dir, 'none') } });
    assert.equal(opts.registry, 'https://home.example/');
  });
});

describe('loadNpmOptions values', () => {
  it('adds a trailing slash to registries from files, environment and the argument', async (t) => {
    assert.equal((await load(t, { project: 'registry=https://a.example/npm' })).opts.registry, 'https://a.example/npm/');
    assert.equal((await load(t, { env: { npm_config_registry: 'https://b.example/npm' } })).opts.registry, 'https://b.example/npm/');
    assert.equal((await load(t, { registry: 'http://127.0.0.1:4873' })).opts.registry, 'http://127.0.0.1:4873/');
    assert.equal(
      (await load(t, { project: '@corp:registry=https://corp.example/npm' })).opts['@corp:registry'],
      'https://corp.example/npm/',
    );
  });

  it('keeps scoped registries and auth for hosts, and drops what fetching does not need', async (t) => {
    const { opts } = await load(t, {
      user: ['//corp.example/npm/:_authToken=secret-token', 'init-author-name=Someone', 'save-exact=true'].join('\n'),
      project: '@corp:registry=https://corp.example/npm/\n',
    });
    assert.deepEqual(opts, {
      registry: 'https://registry.npmjs.org/',
      '@corp:registry': 'https://corp.example/npm/',
      '//corp.example/npm/:_authToken': 'secret-token',
    });
  });

  it('passes proxies and TLS settings under the names npm-registry-fetch reads', async (t) => {
    const { opts } = await load(t, {
      project: ['proxy=http://proxy.example:3128', 'https-proxy=http://sproxy.example:3128', 'noproxy=localhost', 'strict-ssl=false'].join(
        '\n',
      ),
    });
    assert.deepEqual(opts, {
      registry: 'https://registry.npmjs.org/',
      proxy: 'http://proxy.example:3128',
      httpsProxy: 'http://sproxy.example:3128',
      noProxy: 'localhost',
      strictSSL: false,
    });
  });

  it('reads strict-ssl from the environment, where _ stands for -', async (t) => {
    assert.equal((await load(t, { env: { npm_config_strict_ssl: 'false' } })).opts.strictSSL, false);
    assert.equal((await load(t, { env: { npm_config_strict_ssl: 'true' } })).opts.strictSSL, true);
    assert.equal((await load(t, { project: 'strict-ssl=true', env: { npm_config_strict_ssl: 'false' } })).opts.strictSSL, false);
  });

  it('reads the cafile into ca, and ignores one that cannot be read', async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'bale-npmrc-ca-'));
    t.after(() => rm(dir, { recursive: true, force: true }));
    const pem = '-----BEGIN CERTIFICATE-----\nMIIBfake\n-----END CERTIFICATE-----\n';
    await writeFile(join(dir, 'ca.pem'), pem);
    assert.equal((await load(t, { project: `cafile=${join(dir, 'ca.pem')}` })).opts.ca, pem);
    assert.equal((await load(t, { env: { npm_config_cafile: join(dir, 'ca.pem') } })).opts.ca, pem);
    assert.equal(Object.hasOwn((await load(t, { project: `cafile=${join(dir, 'missing.pem')}` })).opts, 'ca'), false);
  });
});

// biome-ignore-start lint/suspicious/noTemplateCurlyInString: .npmrc's own ${VAR} syntax, under test
describe('loadNpmOptions ${VAR} expansion', () => {
  const cases: { name: string; line: string; env: Record<string, string>; want: string }[] = [
    { name: 'a set variable', line: '//r.example/:_authToken=${TOKEN}', env: { TOKEN: 'abc123' }, want: 'abc123' },
    { name: 'inside other text', line: '//r.example/:_authToken=pre-${TOKEN}-post', env: { TOKEN: 'abc' }, want: 'pre-abc-post' },
    { name: 'two variables', line: '//r.example/:_authToken=${A}:${B}', env: { A: 'x', B: 'y' }, want: 'x:y' },
    { name: 'an unset variable stays literal', line: '//r.example/:_authToken=${NOT_SET_HERE}', env: {}, want: '${NOT_SET_HERE}' },
    {
      name: 'an escaped one is left unexpanded, without its backslash',
      line: '//r.example/:_authToken=\\${TOKEN}',
      env: { TOKEN: 'abc' },
      want: '${TOKEN}',
    },
    { name: 'a bare $VAR is not expanded', line: '//r.example/:_authToken=$TOKEN', env: { TOKEN: 'abc' }, want: '$TOKEN' },
  ];
  for (const c of cases) {
    it(c.name, async (t) => {
      const { opts } = await load(t, { project: c.line, env: c.env });
      assert.equal(opts['//r.example/:_authToken'], c.want);
    });
  }

  it('expands in registry values too, in every file', async (t) => {
    const { opts } = await load(t, {
      user: 'registry=https://${HOST}/npm',
      project: '@corp:registry=https://${HOST}/corp',
      env: { HOST: 'mirror.example' },
    });
    assert.equal(opts.registry, 'https://mirror.example/npm/');
    assert.equal(opts['@corp:registry'], 'https://mirror.example/corp/');
  });
});
// biome-ignore-end lint/suspicious/noTemplateCurlyInString: .npmrc's own ${VAR} syntax, under test

describe('registryFor', () => {
  const opts: NpmOptions = { registry: 'https://default.example/', '@corp:registry': 'https://corp.example/npm/' };
  const cases: { name: string; want: string }[] = [
    { name: 'express', want: 'https://default.example/' },
    { name: '@corp/tool', want: 'https://corp.example/npm/' },
    { name: '@other/tool', want: 'https://default.example/' },
    { name: 'corp', want: 'https://default.example/' },
  ];
  for (const c of cases) {
    it(`${c.name} -> ${c.want}`, () => {
      assert.equal(registryFor(c.name, opts), c.want);
    });
  }

  it('uses what loadNpmOptions read', async (t) => {
    const { opts: loaded } = await load(t, { project: '@corp:registry=https://corp.example/npm\nregistry=https://mirror.example' });
    assert.equal(registryFor('@corp/tool', loaded), 'https://corp.example/npm/');
    assert.equal(registryFor('left-pad', loaded), 'https://mirror.example/');
  });
});
