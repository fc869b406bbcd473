import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { UserError } from '../../src/errors/index.js';
import { checkRecipe, formatRecipe, parseRecipe } from '../../src/recipe/index.js';
import { fixture, sampleRecipe, sri } from './helpers.js';

/** Parse `text` expecting ERECIPE; returns the problems (`path: message`) after the file prefix. */
function problemsOf(text: string, file: string): string[] {
  let caught: unknown;
  try {
    parseRecipe(text, file);
  } catch (err) {
    caught = err;
  }
  assert.ok(caught instanceof UserError, `expected a UserError, got ${String(caught)}`);
  assert.equal(caught.code, 'ERECIPE');
  assert.ok(!caught.message.includes('\n'), 'the message is one line');
  const prefix = `recipe ${file}: `;
  assert.ok(caught.message.startsWith(prefix), caught.message);
  return caught.message.slice(prefix.length).split('; ');
}

describe('parseRecipe: valid recipes', () => {
  it('reads an npm recipe with scoped dependencies and aliases', () => {
    const r = parseRecipe(fixture('valid-npm-scoped-aliases.toml'), 'valid-npm-scoped-aliases.toml');
    assert.equal(r.purl, 'pkg:npm/%40scope/web@1.2.3-rc.1');
    assert.deepEqual(
      r.dependency.map((d) => [d.name, d.purl, d.kind]),
      [
        ['@types/node', 'pkg:npm/%40types/node@20.11.0', 'peer'],
        ['accepts', 'pkg:npm/accepts@1.3.8', 'runtime'],
        ['string-width-cjs', 'pkg:npm/string-width@4.2.3', 'runtime'],
        ['types-alias', 'pkg:npm/%40types/express@4.17.21', 'optional'],
      ],
    );
    assert.deepEqual(r.build, { native: false, reasons: [], requires: [], interpreters: [] });
    assert.equal(r.native, undefined);
  });

  it('reads every optional field', () => {
    const r = parseRecipe(fixture('valid-pypi-every-field.toml'), 'f.toml');
    assert.equal(r.source.length, 2);
    assert.deepEqual(r.source[0]?.interpreters, ['3.11']);
    assert.equal(r.source[1]?.filename, 'psycopg2-2.9.9.tar.gz');
    assert.equal(r.source[1]?.interpreters, undefined);
    assert.deepEqual(r.dependency[1]?.interpreters, ['3.8', '3.9', '3.10']);
    assert.equal(r.build.engines, '>=3.8');
    assert.deepEqual(r.build.env, { CFLAGS: '-O2 -g0', PG_CONFIG: '/usr/bin/pg_config' });
    assert.deepEqual(r.native, { build: ['libpq-dev', 'python3-dev'], runtime: ['libpq5'] });
  });

  it('fills defaults for a minimal recipe', () => {
    const r = parseRecipe(fixture('valid-gem-minimal.toml'), 'm.toml');
    assert.deepEqual(r.dependency, []);
    assert.deepEqual(r.build, { native: false, reasons: [], requires: [], interpreters: [] });
    assert.equal(r.source_date_epoch, 315532800);
  });

  it('returns the canonical form of a hand-written recipe', () => {
    const messy = parseRecipe(fixture('valid-pypi-every-field-messy.toml'), 'messy.toml');
    const clean = parseRecipe(fixture('valid-pypi-every-field.toml'), 'clean.toml');
    assert.deepEqual(messy, clean);
  });

  it('tolerates a byte order mark and CRLF line ends', () => {
    const text = fixture('valid-gem-minimal.toml');
    assert.deepEqual(parseRecipe(`\uFEFF${text.replace(/\n/g, '\r\n')}`, 'x.toml'), parseRecipe(text, 'x.toml'));
  });
});

// Each scenario: the problems the message must list, in order, each as `path: start of message`.
const INVALID: Array<{ scenario: string; problems: string[] }> = [
  { scenario: 'unknown-top-level-key', problems: ['purll: unknown key (expected one of format, purl,'] },
  {
    scenario: 'unknown-nested-key',
    problems: ['build.native: required key is missing', 'build.nativ: unknown key (expected one of native,'],
  },
  { scenario: 'wrong-type', problems: ['source_date_epoch: expected integer, got string "1733507728"'] },
  { scenario: 'float-for-integer', problems: ['format: expected 1, got float'] },
  { scenario: 'format-version', problems: ['format: expected 1, got integer'] },
  { scenario: 'missing-purl', problems: ['purl: required key is missing'] },
  { scenario: 'bad-integrity', problems: ['source[0].integrity: sha512 digest must be 64 bytes'] },
  { scenario: 'integrity-algorithm', problems: ['source[0].integrity: expected one SRI hash'] },
  { scenario: 'bad-url', problems: ['source[0].url: URL must be http(s) or file:///path'] },
  { scenario: 'bad-purl', problems: ['dependency[0].purl: "^1.3" is not an exact version, pin one release'] },
  { scenario: 'non-canonical-purl', problems: ['purl: not canonical, write "pkg:npm/express@4.21.2"'] },
  { scenario: 'epoch-too-small', problems: ['source_date_epoch: must be at least 315532800'] },
  { scenario: 'epoch-milliseconds', problems: ['source_date_epoch: must be seconds since 1970, not milliseconds'] },
  { scenario: 'empty-sources', problems: ['source: needs at least one [[source]]'] },
  { scenario: 'missing-sources', problems: ['source: required key is missing'] },
  { scenario: 'source-kind-ecosystem', problems: ['source[0].kind: "wheel" is not a npm artifact, use npm-tarball'] },
  { scenario: 'dependency-other-ecosystem', problems: ['dependency[1].purl: a pypi package cannot be a dependency of a npm recipe'] },
  { scenario: 'env-name', problems: ['build.env.BAD-NAME: not an environment variable name'] },
  {
    scenario: 'several-problems',
    problems: [
      'source_date_epoch: must be at least 315532800',
      'source[0].integrity: sha512 digest must be 64 bytes of padded base64',
      'dependency[0].kind: expected "runtime" or "optional" or "peer", got string "dev"',
      'dependency[1].purl: "not a purl" is not an exact purl',
      'build.native: expected boolean, got string "no"',
      'native.build[0]: "Not_A_Debian_Name" is not a Debian package name',
      'when: unknown key',
    ],
  },
];

describe('parseRecipe: invalid recipes report every problem with file and key', () => {
  for (const { scenario, problems } of INVALID) {
    it(scenario, () => {
      const file = `fixtures/recipes/invalid-${scenario}.toml`;
      const got = problemsOf(fixture(`invalid-${scenario}.toml`), file);
      assert.equal(got.length, problems.length, `problems: ${got.join(' | ')}`);
      for (const [i, want] of problems.entries()) assert.ok(got[i]?.startsWith(want), `problem ${i}: want "${want}...", got "${got[i]}"`);
    });
  }

  it('refuses a release time the packer cannot write (after 2038), naming the package', () => {
    const text = fixture('valid-gem-minimal.toml').replace(/^source_date_epoch = \d+$/m, 'source_date_epoch = 3000000000');
    const purl = /^purl = "(.*)"$/m.exec(text)![1]!;
    const [only, ...rest] = problemsOf(text, 'hand-written.toml');
    assert.deepEqual(rest, []);
    assert.equal(
      only,
      `source_date_epoch: must be seconds since 1970, not milliseconds, at most 2147483647 (2038-01-19): use the upstream release time (package ${purl})`,
    );
  });

  it('names the file, line and column of a TOML syntax error', () => {
    const [only, ...rest] = problemsOf(fixture('invalid-syntax.toml'), 'r/npm/x/1.0.0.toml');
    assert.deepEqual(rest, []);
    assert.match(only!, /^line 4, column \d+: invalid TOML \(.+\), fix the syntax$/);
  });

  it('rejects TOML dates and unsafe keys as data, never evaluating them', () => {
    const text = fixture('valid-gem-minimal.toml');
    assert.deepEqual(problemsOf(text.replace('source_date_epoch = 315532800', 'source_date_epoch = 1979-05-27'), 'd.toml'), [
      'source_date_epoch: expected integer, got date (package pkg:gem/rack@3.0.8)',
    ]);
    assert.throws(() => parseRecipe(`${text}\n[__proto__]\nx = 1\n`, 'p.toml'), { code: 'ERECIPE' });
  });

  it('keeps a problem with a newline or "; " in a value on one line', () => {
    const text = fixture('valid-gem-minimal.toml').replace('kind = "gem"', 'kind = "gem"\nfilename = "a; b\\nc"');
    assert.throws(() => parseRecipe(text, 'n.toml'), {
      code: 'ERECIPE',
      message: 'recipe n.toml: source[0].filename: "a; b\\nc" is not a plain file name (package pkg:gem/rack@3.0.8)',
    });
  });

  it('rejects the same source URL twice', () => {
    const text = fixture('valid-gem-minimal.toml');
    const source = text.slice(text.indexOf('[[source]]'), text.indexOf('[build]'));
    assert.deepEqual(problemsOf(text.replace('[build]', `${source}[build]`), 'dup.toml'), [
      'source[1].url: same URL as source[0], remove one (package pkg:gem/rack@3.0.8)',
    ]);
  });

  it('rejects versions that are ranges, tags or paths', () => {
    for (const purl of ['pkg:npm/express@%5E4', 'pkg:npm/express@latest', 'pkg:npm/express@1.x', 'pkg:npm/x@..%2Fx']) {
      const text = fixture('valid-npm-scoped-aliases.toml').replace('pkg:npm/accepts@1.3.8', purl);
      const got = problemsOf(text, 'v.toml');
      assert.equal(got.length, 1, got.join(' | '));
      assert.match(got[0]!, /^dependency\[1\]\.purl: ".*" is not an exact (semver )?version/);
    }
  });
});

describe('checkRecipe', () => {
  it('validates and canonicalises an in-memory recipe', () => {
    const r = sampleRecipe();
    const checked = checkRecipe(r, 'mem');
    assert.deepEqual(checked.build.reasons, ['binding.gyp', 'install-script']);
    assert.deepEqual(checked.build.interpreters, ['20', '22']);
    assert.equal(formatRecipe(checked), formatRecipe(r));
  });

  it('reports in-memory problems with the given label', () => {
    const source = [{ url: 'x', integrity: sri(1, 'sha256').slice(0, -2), kind: 'npm-tarball' }];
    const r = { ...sampleRecipe(), source_date_epoch: 1.5, source };
    assert.throws(
      () => checkRecipe(r, 'mem'),
      (err: UserError) => {
        assert.equal(err.code, 'ERECIPE');
        assert.match(
          err.message,
          /^recipe mem: source_date_epoch: expected integer, got float; source\[0\]\.url: "x" is not a URL; source\[0\]\.integrity: /,
        );
        return true;
      },
    );
  });
});
