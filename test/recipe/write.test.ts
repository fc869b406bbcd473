import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { canonicalRecipe, compareInterpreters, formatRecipe, parseRecipe, RECIPE_HEADER, type Recipe } from '../../src/recipe/index.js';
import { fixture, sampleRecipe, sri } from './helpers.js';

const CANONICAL_FIXTURES = ['valid-npm-scoped-aliases.toml', 'valid-pypi-every-field.toml'];

describe('formatRecipe: canonical bytes', () => {
  for (const name of CANONICAL_FIXTURES) {
    it(`reproduces ${name} byte for byte`, () => {
      const text = fixture(name);
      assert.equal(formatRecipe(parseRecipe(text, name)), text);
    });
  }

  it('ignores key order, list order, duplicates, whitespace and comments', () => {
    const messy = formatRecipe(parseRecipe(fixture('valid-pypi-every-field-messy.toml'), 'messy.toml'));
    assert.equal(messy, fixture('valid-pypi-every-field.toml'));
  });

  it('starts with the header, ends with one newline, uses LF only', () => {
    const text = formatRecipe(sampleRecipe());
    assert.ok(text.startsWith(`${RECIPE_HEADER}\nformat = 1\npurl = `));
    assert.ok(text.endsWith('"]\n') && !text.endsWith('\n\n'));
    assert.ok(!text.includes('\r'));
  });

  it('is a fixed point: parse(format(r)) is canonical(r), and formats to the same bytes', () => {
    for (const r of [sampleRecipe(), parseRecipe(fixture('valid-gem-minimal.toml'), 'm.toml')]) {
      const text = formatRecipe(r);
      const back = parseRecipe(text, 'x.toml');
      assert.deepEqual(back, canonicalRecipe(r));
      assert.equal(formatRecipe(back), text);
    }
  });

  it('does not depend on the order lists arrive in', () => {
    const a = sampleRecipe();
    const b = sampleRecipe();
    b.dependency.reverse();
    b.build.reasons.reverse();
    b.build.interpreters.reverse();
    b.native = { build: [...b.native!.build, 'libsqlite3-dev'], runtime: b.native!.runtime };
    assert.equal(formatRecipe(b), formatRecipe(a));
  });

  it('does not modify its argument', () => {
    const r = sampleRecipe();
    formatRecipe(r);
    assert.deepEqual(r, sampleRecipe());
  });

  it('omits empty optional parts', () => {
    const r: Recipe = {
      ...sampleRecipe(),
      source: [{ url: 'https://example.org/a.tgz', integrity: sri(2), kind: 'npm-tarball', interpreters: [] }],
      dependency: [{ name: 'a', purl: 'pkg:npm/a@1.0.0', kind: 'runtime', interpreters: [] }],
      build: { native: false, reasons: [], requires: [], interpreters: [], engines: ' ', env: {} },
      native: { build: [], runtime: [] },
    };
    const text = formatRecipe(r);
    assert.equal((text.match(/interpreters = /g) ?? []).length, 1, 'only build.interpreters is written');
    assert.ok(!text.includes('[build.env]'));
    assert.ok(!text.includes('[native]'));
    assert.ok(!text.includes('engines'));
  });
});

describe('canonicalRecipe', () => {
  it('sorts dependencies by (name, purl, kind) in code-unit order', () => {
    const r = sampleRecipe();
    r.dependency = [
      { name: 'b', purl: 'pkg:npm/b@1.0.0', kind: 'runtime' },
      { name: 'a', purl: 'pkg:npm/a@2.0.0', kind: 'runtime' },
      { name: 'a', purl: 'pkg:npm/a@1.0.0', kind: 'runtime' },
      { name: 'B', purl: 'pkg:npm/b@1.0.0', kind: 'runtime' },
      { name: 'a', purl: 'pkg:npm/a@1.0.0', kind: 'optional' },
    ];
    assert.deepEqual(
      canonicalRecipe(r).dependency.map((d) => `${d.name} ${d.purl} ${d.kind}`),
      [
        'B pkg:npm/b@1.0.0 runtime',
        'a pkg:npm/a@1.0.0 optional',
        'a pkg:npm/a@1.0.0 runtime',
        'a pkg:npm/a@2.0.0 runtime',
        'b pkg:npm/b@1.0.0 runtime',
      ],
    );
  });

  it('merges entries that differ only by interpreters', () => {
    const r = sampleRecipe();
    const dep = { name: 'x', purl: 'pkg:npm/x@1.0.0', kind: 'runtime' } as const;
    r.dependency = [
      { ...dep, interpreters: ['3.10'] },
      { ...dep, interpreters: ['3.9', '3.10'] },
      { name: 'y', purl: 'pkg:npm/y@1.0.0', kind: 'runtime', interpreters: ['3.8'] },
      { name: 'y', purl: 'pkg:npm/y@1.0.0', kind: 'runtime' },
    ];
    assert.deepEqual(canonicalRecipe(r).dependency, [
      { ...dep, interpreters: ['3.9', '3.10'] },
      { name: 'y', purl: 'pkg:npm/y@1.0.0', kind: 'runtime' }, // no interpreters = all of them
    ]);
  });

  it('keeps source order: it is the order of preference', () => {
    const r = sampleRecipe();
    r.source = [
      { url: 'https://example.org/z.tgz', integrity: sri(3), kind: 'npm-tarball' },
      { url: 'https://example.org/a.tgz', integrity: sri(4), kind: 'npm-tarball' },
    ];
    assert.deepEqual(
      canonicalRecipe(r).source.map((s) => s.url),
      ['https://example.org/z.tgz', 'https://example.org/a.tgz'],
    );
  });
});

describe('compareInterpreters', () => {
  const cases: Array<[string[], string[]]> = [
    [
      ['3.10', '3.9', '3.8', '3.13'],
      ['3.8', '3.9', '3.10', '3.13'],
    ],
    [
      ['22', '20', '18'],
      ['18', '20', '22'],
    ],
    [
      ['3.1', '3', '3.1.2'],
      ['3', '3.1', '3.1.2'],
    ],
  ];
  for (const [input, want] of cases) {
    it(`${input.join(',')} -> ${want.join(',')}`, () => assert.deepEqual([...input].sort(compareInterpreters), want));
  }
});

describe('TOML string escaping', () => {
  const values = [
    'plain',
    'say "hi"',
    'back\\slash',
    'C:\\path\\"quoted"',
    'line1\nline2\r\n',
    'tab\there',
    'bell\u0007 nul\u0000 esc\u001b del\u007f',
    '\b\f',
    "'''triple single'''",
    '"""triple double"""',
    'unicode: é ü 中文 🦀',
    '\u2028\u2029 separators',
    '# not a comment',
    '',
  ];
  for (const v of values) {
    it(`round trips ${JSON.stringify(v)} on one line`, () => {
      const r = sampleRecipe();
      r.build.env = { VALUE: v };
      const text = formatRecipe(r);
      const line = text.split('\n').find((l) => l.startsWith('VALUE = '));
      assert.ok(line !== undefined && !/[\u0000-\u001f\u007f]/.test(line), `one clean line: ${JSON.stringify(line)}`);
      assert.equal(parseRecipe(text, 'x.toml').build.env?.VALUE, v);
    });
  }

  it('refuses a lone surrogate rather than writing a replacement character', () => {
    const r = sampleRecipe();
    r.build.env = { BAD: 'x\ud800y' };
    assert.throws(() => formatRecipe(r), /lone surrogate/);
  });
});
