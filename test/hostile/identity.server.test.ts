/**
 * Hostile inputs, identity class: a registry or index answering about another package than the
 * one asked for, a distribution whose metadata names another one, a purl whose qualifiers or
 * subpath bale would otherwise ignore. Each through the real CLI against real servers (the
 * fixture npm registry and PyPI index, with a lying proxy in front where the lie is in the
 * answer): exit 1, one line naming what was asked, what came back and where, nothing written.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { bale, listFiles, oneErrorLine, tempDir } from '../helpers/cli.js';
import { rewriteJson, startLyingProxy, type LyingProxy } from '../helpers/lying-proxy.js';
import { startNpmRegistry, type FixtureRegistry } from '../helpers/npm-registry.js';
import { SIMPLE_JSON, startPypiIndex, type FixtureIndex } from '../helpers/pypi-index.js';

type Doc = Record<string, unknown>;
const versionOf = (doc: Doc, v: string): Doc => (doc['versions'] as Record<string, Doc>)[v]!;

interface Case {
  name: string;
  args: () => string[];
  says: RegExp;
}

describe('hostile: identity (registries, indexes and distributions that name another package; purl qualifiers)', () => {
  let t: { dir: string; cleanup: () => Promise<void> };
  let reg: FixtureRegistry;
  let index: FixtureIndex;
  const proxies: LyingProxy[] = [];
  /** npm registry answering fx-shared with fx-left's name, fx-left 1.0.0 with a manifest of 6.6.6, fx-right's versions with another name. */
  let npmLiar: LyingProxy;
  /** PyPI index whose PEP 691 page for fxp-lib says fxp-app. */
  let pypiLiar: LyingProxy;
  /** PyPI index, HTML only, whose page for fxp-lib lists only a wheel of fxp-app. */
  let htmlLiar: LyingProxy;
  let n = 0;
  const dirs = (): { recipes: string; store: string; cache: string } => {
    n++;
    return { recipes: path.join(t.dir, `r${n}`), store: path.join(t.dir, `s${n}`), cache: path.join(t.dir, `c${n}`) };
  };

  before(async () => {
    t = await tempDir('hostile-identity');
    reg = await startNpmRegistry();
    index = await startPypiIndex();
    npmLiar = await startLyingProxy(
      reg.url,
      rewriteJson(
        (a) => ['/fx-shared', '/fx-left', '/fx-right'].includes(a.path),
        (doc) => {
          if (doc['name'] === 'fx-shared') doc['name'] = 'fx-left';
          else if (doc['name'] === 'fx-left') versionOf(doc, '1.0.0')['version'] = '6.6.6';
          else versionOf(doc, '1.0.0')['name'] = 'fx-evil';
        },
      ),
    );
    pypiLiar = await startLyingProxy(
      index.url,
      rewriteJson(
        (a) => a.path === '/simple/fxp-lib/' && a.contentType === SIMPLE_JSON,
        (doc) => {
          doc['name'] = 'fxp-app';
        },
      ),
    );
    htmlLiar = await startLyingProxy(
      index.url,
      (a) => {
        if (a.path !== '/simple/fxp-lib/' || a.status !== 200) return undefined;
        const lib = /<a [^>]*>fxp_lib-1\.0\.0-py3-none-any\.whl<\/a>/.exec(a.body.toString('utf8'))?.[0];
        assert.ok(lib !== undefined, 'the fixture page lists the fxp-lib wheel');
        const app = `<a href="${index.fileUrl('fxp_app-1.0.0-py3-none-any.whl')}#sha256=${index.advertisedSha256('fxp_app-1.0.0-py3-none-any.whl')}">fxp_app-1.0.0-py3-none-any.whl</a>`;
        return `<!DOCTYPE html>\n<html><head><title>Links for fxp-lib</title></head><body>\n${app}\n</body></html>\n`;
      },
      { accept: 'text/html' },
    );
    proxies.push(npmLiar, pypiLiar, htmlLiar);
  });
  after(async () => {
    for (const p of proxies) await p.close();
    await reg.close();
    await index.close();
    await t.cleanup();
  });

  /** The contract of every case: exit 1, one line saying `says`, nothing in recipes, store (nor cache, for refusals before any fetch). */
  async function refused(args: string[], says: RegExp, env: Record<string, string> = {}): Promise<string> {
    const d = dirs();
    const r = await bale([...args, '--recipes', d.recipes, '--store', d.store], { env: { XDG_CACHE_HOME: d.cache, ...env } });
    assert.equal(r.code, 1, `${r.stderr}\n${r.stdout}`);
    const line = oneErrorLine(r.stderr);
    assert.match(line, says);
    assert.deepEqual(await listFiles(d.recipes), [], 'no recipe written');
    assert.deepEqual(await listFiles(d.store), [], 'nothing stored');
    return line;
  }

  describe('npm', () => {
    const cases: Case[] = [
      {
        name: 'a packument naming another package is refused',
        args: () => ['request', 'npm:fx-shared@1.0.0', '--registry', npmLiar.url],
        says: /asked for npm package "fx-shared", http:\/\/127\.0\.0\.1:\d+\/fx-shared answered with the packument of "fx-left": refusing it/,
      },
      {
        name: 'a version manifest naming another version is refused',
        args: () => ['request', 'npm:fx-left@1.0.0', '--registry', npmLiar.url],
        says: /asked for npm package "fx-left"@1\.0\.0, http:\/\/127\.0\.0\.1:\d+\/fx-left answered with a manifest of "fx-left@6\.6\.6": refusing it/,
      },
      {
        name: 'a version manifest naming another package is refused',
        args: () => ['request', 'npm:fx-right@1.0.0', '--registry', npmLiar.url],
        says: /asked for npm package "fx-right"@1\.0\.0, http:\/\/127\.0\.0\.1:\d+\/fx-right answered with a manifest of "fx-evil@1\.0\.0"/,
      },
      {
        name: 'import refuses the same, writing nothing',
        args: () => ['import', 'npm:fx-shared@1.0.0', '--registry', npmLiar.url],
        says: /asked for npm package "fx-shared", .* the packument of "fx-left"/,
      },
    ];
    for (const c of cases) test(c.name, async () => void (await refused(c.args(), c.says)));
  });

  describe('PyPI', () => {
    test('a PEP 691 page naming another project is refused', async () => {
      await refused(
        ['request', 'pypi:fxp-lib@1.0.0', '--python', '3.11', '--index-url', `${pypiLiar.url}simple/`],
        /asked for Python project "fxp-lib", http:\/\/127\.0\.0\.1:\d+\/simple\/fxp-lib\/ answered with the Simple API page of "fxp-app": refusing it/,
      );
    });

    test("a PEP 503 page listing another project's wheel: the file is not taken as the project's", async () => {
      await refused(
        ['request', 'pypi:fxp-lib@1.0.0', '--python', '3.11', '--index-url', `${htmlLiar.url}simple/`],
        /cannot resolve fxp-lib for Python 3\.11: .*the index lists no installable files/,
      );
    });

    test('a wheel whose METADATA names another distribution is refused at import', async () => {
      await refused(
        ['request', 'pypi:fxp-impostor@1.0.0', '--python', '3.11', '--index-url', index.simpleUrl],
        /asked for Python project "fxp-impostor" 1\.0\.0, http:\/\/127\.0\.0\.1:\d+\/files\/fxp-impostor\/fxp_impostor-1\.0\.0-py3-none-any\.whl answered with fxp_impostor-1\.0\.0-py3-none-any\.whl, whose metadata names "fxp-lib" 1\.0\.0: refusing it/,
      );
    });

    test('... and at install, from a recipe pinned to it by hand', async () => {
      const file = 'fxp_impostor-1.0.0-py3-none-any.whl';
      const fixture = index.dists.projects.get('fxp-impostor')!.files.find((f) => f.filename === file)!;
      const sri = `sha256-${createHash('sha256')
        .update(await readFile(fixture.path))
        .digest('base64')}`;
      const recipe = path.join(t.dir, 'fxp-impostor-1.0.0.toml');
      await writeFile(
        recipe,
        [
          'format = 1',
          'purl = "pkg:pypi/fxp-impostor@1.0.0"',
          'source_date_epoch = 1577836800',
          '',
          '[[source]]',
          `url = "${index.fileUrl(file)}"`,
          `integrity = "${sri}"`,
          'kind = "wheel"',
          `filename = "${file}"`,
          '',
          '[build]',
          'native = false',
          'interpreters = ["3.11"]',
          '',
        ].join('\n'),
      );
      await refused(
        ['build', recipe, '--python', '3.11'],
        /fxp_impostor-1\.0\.0-py3-none-any\.whl: its fxp_impostor-1\.0\.0\.dist-info\/METADATA names "fxp-lib" 1\.0\.0, not fxp-impostor 1\.0\.0/,
      );
    });
  });

  describe('purl qualifiers and subpath', () => {
    /** The default registry is a dead port: only a repository_url honoured can reach the fixtures. */
    const deadDefault = { npm_config_registry: 'http://127.0.0.1:9/' };

    test('repository_url is honoured as the npm registry for that spec (and its dependencies)', async () => {
      const d = dirs();
      const r = await bale(
        ['request', `pkg:npm/fx-left@1.0.0?repository_url=${reg.url}`, '--recipes', d.recipes, '--store', d.store, '--json'],
        {
          env: { XDG_CACHE_HOME: d.cache, ...deadDefault },
        },
      );
      assert.equal(r.code, 0, r.stderr);
      const recipes = await listFiles(d.recipes);
      assert.deepEqual(recipes, ['npm/fx-left/1.0.0.toml', 'npm/fx-shared/1.0.0.toml']);
      assert.match(
        await readFile(path.join(d.recipes, 'npm/fx-shared/1.0.0.toml'), 'utf8'),
        new RegExp(`url = "${reg.url}fx-shared/-/fx-shared-1\\.0\\.0\\.tgz"`),
      );
    });

    const cases: Case[] = [
      {
        name: 'a repository_url that is not http(s) is refused',
        args: () => ['request', 'pkg:npm/fx-shared@1.0.0?repository_url=file:///etc/'],
        says: /invalid package spec .*: repository_url "file:\/\/\/etc\/" is not an http\(s\) URL/,
      },
      {
        name: 'a #subpath is refused',
        args: () => ['request', `pkg:npm/fx-shared@1.0.0#lib`, '--registry', reg.url],
        says: /invalid package spec .*: a subpath \("#lib"\) names a part of a package; bale builds whole packages, drop it/,
      },
      {
        name: 'an unknown qualifier is refused, saying which are supported',
        args: () => ['request', 'pkg:npm/fx-shared@1.0.0?checksum=sha256:00', '--registry', reg.url],
        says: /unsupported qualifier "checksum" \(bale reads repository_url for npm, pypi and gem purls, arch and distro for deb purls\)/,
      },
      {
        name: 'repository_url on a deb purl is refused (apt is the index)',
        args: () => ['request', 'pkg:deb/debian/hello@2.10-3?repository_url=http://127.0.0.1:9/'],
        says: /unsupported qualifier "repository_url"/,
      },
      {
        name: 'two registries for one ecosystem in one command are refused',
        args: () => ['request', `pkg:npm/fx-left@1.0.0?repository_url=${reg.url}`, 'npm:fx-shared@1.0.0', '--registry', npmLiar.url],
        says: /name different npm registries \(http:\/\/127\.0\.0\.1:\d+\/ and http:\/\/127\.0\.0\.1:\d+\/\): one command resolves an ecosystem against one registry; request them separately/,
      },
      {
        name: 'bale build refuses a repository_url it would ignore',
        args: () => ['build', `pkg:npm/fx-left@1.0.0?repository_url=${reg.url}`],
        says: /bale build reads recipes imported before, never a registry, so repository_url would be ignored/,
      },
    ];
    for (const c of cases) test(c.name, async () => void (await refused(c.args(), c.says, deadDefault)));
  });
});
