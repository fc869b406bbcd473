/**
 * Ecosystems live in their folders: outside importers/<eco>/, src/builder/<eco>/ and src/purl/ (the
 * purl spec's per-type rules), no source compares a value with 'npm', 'pypi', 'gem' or 'deb', has
 * a switch case or a record key naming one, or asks a list whether it holds one. The registries
 * (src/ecosystems/) list each ecosystem on one line. Comments and other strings are not read.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, it } from 'node:test';
import { packageRoot } from '../../src/util/package-root.js';

const NAMES = '(npm|pypi|gem|deb)';
const LEAKS: readonly [string, RegExp][] = [
  ['comparison', new RegExp(`(?:[=!]==?\\s*(['"])${NAMES}\\1)|(?:(['"])${NAMES}\\3\\s*[=!]==?)`)],
  ['switch case', new RegExp(`\\bcase\\s+(['"])${NAMES}\\1\\s*:`)],
  ['record key', new RegExp(`(?:^|[{,])\\s*(['"]?)${NAMES}\\1\\s*:(?!:)`)],
  ['membership test', new RegExp(`\\.(?:includes|has|get)\\(\\s*(['"])${NAMES}\\1\\s*\\)`)],
];

/** Where a `/` starts a regular expression rather than a division: after these characters or keywords, or first. */
const BEFORE_REGEX = /(?:[(,=:[!&|?{};+\-*%<>~^]|\breturn|\btypeof|\bcase)$/;

/** Whether the code so far ends where a regular expression may start (its last word or character). */
function regexMayStart(code: string): boolean {
  let k = code.length - 1;
  while (k >= 0 && /\s/.test(code[k]!)) k -= 1;
  return k < 0 || BEFORE_REGEX.test(code.slice(Math.max(0, k - 6), k + 1));
}

/**
 * The code of a TypeScript source with comments blanked and every string, template or regex
 * literal emptied, except a quoted string that is exactly an ecosystem's name. Newlines are kept,
 * so line numbers still hold.
 */
function codeOnly(src: string): string {
  let out = '';
  let i = 0;
  const blank = (s: string): string => s.replace(/[^\n]/g, ' ');
  while (i < src.length) {
    const c = src[i]!;
    const next = src[i + 1];
    if (c === '/' && next === '/') {
      const end = src.indexOf('\n', i);
      const stop = end < 0 ? src.length : end;
      out += blank(src.slice(i, stop));
      i = stop;
    } else if (c === '/' && next === '*') {
      const end = src.indexOf('*/', i + 2);
      const stop = end < 0 ? src.length : end + 2;
      out += blank(src.slice(i, stop));
      i = stop;
    } else if (c === "'" || c === '"' || c === '`') {
      let j = i + 1;
      while (j < src.length && src[j] !== c) j += src[j] === '\\' ? 2 : 1;
      const body = src.slice(i + 1, j);
      out += c !== '`' && new RegExp(`^${NAMES}$`).test(body) ? `${c}${body}${c}` : `${c}${blank(body)}${c}`;
      i = j + 1;
    } else if (c === '/' && regexMayStart(out)) {
      let j = i + 1;
      let inClass = false;
      while (j < src.length && src[j] !== '\n' && (inClass || src[j] !== '/')) {
        if (src[j] === '[') inClass = true;
        else if (src[j] === ']') inClass = false;
        j += src[j] === '\\' ? 2 : 1;
      }
      out += `/${blank(src.slice(i + 1, j))}/`;
      i = j + 1;
    } else {
      out += c;
      i += 1;
    }
  }
  return out;
}

interface Leak {
  file: string;
  line: number;
  what: string;
  text: string;
}

/** The leaks in one source text. */
function leaksIn(src: string, file: string): Leak[] {
  const leaks: Leak[] = [];
  const lines = src.split('\n');
  codeOnly(src)
    .split('\n')
    .forEach((code, n) => {
      for (const [what, re] of LEAKS) {
        if (re.test(code)) leaks.push({ file, line: n + 1, what, text: lines[n]!.trim() });
      }
    });
  return leaks;
}

function tsFiles(dir: string, recurse: boolean): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return recurse ? tsFiles(path, true) : [];
    return e.name.endsWith('.ts') ? [path] : [];
  });
}

/** Where ecosystems may be named: their own folders, and the purl spec's rules. */
const OWN_FOLDERS = /^src\/(?:purl|builder\/(?:npm|pypi|rubygems|debian))\//;
/** The registries: each ecosystem once, as a record key. */
const REGISTRIES = /^src\/ecosystems\//;

/** Every leak under `root`: src/ (but the folders above), importers/*.ts (top level) and queue/. */
function leaksUnder(root: string): Leak[] {
  const files = [...tsFiles(join(root, 'src'), true), ...tsFiles(join(root, 'importers'), false), ...tsFiles(join(root, 'queue'), true)];
  const leaks: Leak[] = [];
  for (const path of files.sort()) {
    const file = relative(root, path).split('\\').join('/');
    if (OWN_FOLDERS.test(file)) continue;
    let found = leaksIn(readFileSync(path, 'utf8'), file);
    if (REGISTRIES.test(file)) {
      // One record key per ecosystem is the registry's line; anything else is a leak.
      const seen = new Set<string>();
      found = found.filter((l) => {
        const name = /^['"]?(npm|pypi|gem|deb)['"]?\s*:/.exec(l.text)?.[1];
        if (l.what !== 'record key' || name === undefined || seen.has(name)) return true;
        seen.add(name);
        return false;
      });
    }
    leaks.push(...found);
  }
  return leaks;
}

describe('no ecosystem is named outside its folder', () => {
  it('src/, importers/*.ts and queue/ name none (but the registries, once each)', () => {
    const leaks = leaksUnder(packageRoot());
    assert.deepEqual(
      leaks.map((l) => `${l.file}:${l.line}: ${l.what}: ${l.text}`),
      [],
      'ask the registry (src/ecosystems) instead: add what the code needs to the ecosystem descriptors',
    );
  });

  it('finds comparisons, switch cases, record keys and membership tests', () => {
    const src = [
      "if (type === 'pypi') x();",
      'switch (e) { case "gem": break; }',
      "const T = { npm: 'npm.toml', pypi: 'pypi.toml' };",
      '  deb: undefined,',
      "if (kinds.includes('deb')) y();",
      "if ('npm' !== t) z();",
    ].join('\n');
    assert.deepEqual(
      leaksIn(src, 'f.ts').map((l) => `${l.line} ${l.what}`),
      ['1 comparison', '2 switch case', '3 record key', '4 record key', '5 membership test', '6 comparison'],
    );
  });

  it('reads no comment, string, template or regex, and no other name', () => {
    const src = [
      "// if (type === 'npm')",
      "/* case 'pypi': */ const a = 1;",
      // biome-ignore lint/suspicious/noTemplateCurlyInString: source text holding a template literal
      "say(`e.g. npm:express@4.21.2 and ${x} === 'gem'`);",
      'const s = "a { npm: 1 } b === \'deb\'";',
      "const re = /['\"]npm['\"]: /; const t = a ? 'npm' : b;",
      "if (kind === 'npm-tarball' || name === 'npmrc') w();",
      'const opts = { npmOptions: 1, gems: 2 };',
      'const d = x / 2; if (y / 3 === 1) v();',
    ].join('\n');
    assert.deepEqual(leaksIn(src, 'f.ts'), []);
  });
});
