import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { oneLine, printable, redactUrls, UsageError, UserError, isUsageError } from '../../src/errors/index.js';
import { escapeControls, escapeJsonUnsafe, printableLines } from '../../src/errors/printable.js';

describe('escapeControls: nothing a terminal acts on gets through', () => {
  const cases: [string, string, string][] = [
    ['NUL', 'a\0b', 'a\\0b'],
    ['clear screen', 'npm:x\x1b[2J', 'npm:x\\x1b[2J'],
    ['OSC title with BEL', '\x1b]0;pwned\x07', '\\x1b]0;pwned\\x07'],
    ['carriage return over the line', 'ok\rFAKE', 'ok\\rFAKE'],
    ['newline and tab', 'a\nb\tc', 'a\\nb\\tc'],
    ['CRLF', 'a\r\nb', 'a\\r\\nb'],
    ['DEL and backspace', 'a\x7f\x08b', 'a\\x7f\\x08b'],
    ['C1 CSI (U+009B) and NEL (U+0085)', 'a\u009b2Jb\u0085', 'a\\x9b2Jb\\x85'],
    ['bidi override (Trojan Source)', 'safe\u202eexe.txt', 'safe\\u202eexe.txt'],
    ['bidi isolates', '\u2066x\u2069', '\\u2066x\\u2069'],
    ['Unicode line separators', 'a\u2028b\u2029c', 'a\\u2028b\\u2029c'],
    ['a lone high surrogate', 'a\ud800b', 'a\\ud800b'],
    ['a lone low surrogate', 'a\udc00b', 'a\\udc00b'],
    ['a lone high surrogate at the end', 'ab\udbff', 'ab\\udbff'],
    ['two high surrogates then a low one: only the first is lone', '\ud83d\ud83c\udf89', '\\ud83d\ud83c\udf89'],
    ['a low surrogate before its high one (reversed pair)', '\udf89\ud83c', '\\udf89\\ud83c'],
  ];
  for (const [name, input, want] of cases) it(name, () => assert.equal(escapeControls(input), want));

  it('keeps printable Unicode as it is: accents, CJK, emoji (surrogate pairs), combining marks, ZWJ sequences', () => {
    const text = 'café 日本語 🎉 e\u0301 👩‍💻 Ünïcödé ß « » — €';
    assert.equal(escapeControls(text), text);
  });

  it('keeps backslashes and quotes (an escape is visible, not undone)', () => {
    assert.equal(escapeControls('C:\\path "q" \'s\''), 'C:\\path "q" \'s\'');
  });

  it('is idempotent: escaping twice changes nothing more', () => {
    const once = escapeControls('a\x1b[2J\0\u202e\ud800');
    assert.equal(escapeControls(once), once);
  });

  it('leaves no control character in any input (all of U+0000 to U+00A0)', () => {
    let all = '';
    for (let c = 0; c <= 0xa0; c++) all += String.fromCharCode(c);
    assert.doesNotMatch(escapeControls(all), /[\u0000-\u001f\u007f-\u009f]/);
  });
});

describe('redactUrls: no password, nor a lone user name (often a token), is printed', () => {
  const cases: [string, string, string][] = [
    ['user and password', 'https://alice:s3cret@registry.example/npm/', 'https://alice:***@registry.example/npm/'],
    [
      'in the middle of a sentence',
      'fetching https://bob:hunter2@files.example/x.tgz failed (ECONNREFUSED): try again',
      'fetching https://bob:***@files.example/x.tgz failed (ECONNREFUSED): try again',
    ],
    ['password only (Redis)', 'lost Redis at redis://:pw@10.0.0.5:6379, retrying', 'lost Redis at redis://:***@10.0.0.5:6379, retrying'],
    ['an @ inside the password', 'https://u:p@ss@host/x', 'https://u:***@host/x'],
    ['a port after the host', 'http://u:p@127.0.0.1:8080/simple/', 'http://u:***@127.0.0.1:8080/simple/'],
    ['no path at all', 'https://u:p@host', 'https://u:***@host'],
    ['quoted', 'source "https://u:p@host/x.gem" is gone', 'source "https://u:***@host/x.gem" is gone'],
    ['two URLs', 'http://a:1@x/ and https://b:2@y/', 'http://a:***@x/ and https://b:***@y/'],
    ['upper-case scheme', 'HTTPS://u:p@HOST/', 'HTTPS://u:***@HOST/'],
    ['percent-encoded password', 'https://u:p%40ss@h/', 'https://u:***@h/'],
    ['a query with an @ after the host', 'https://u:p@h/x?mail=a@b', 'https://u:***@h/x?mail=a@b'],
    ['a user name without a password (tokens travel as user names)', 'https://token@github.com/x.git', 'https://***@github.com/x.git'],
    ['a token as user name, in a sentence', 'fetching https://ghp_token@host/x.tgz failed', 'fetching https://***@host/x.tgz failed'],
  ];
  for (const [name, input, want] of cases) it(name, () => assert.equal(redactUrls(input), want));

  const untouched: [string, string][] = [
    ['an @ in a path (npm scope)', 'https://registry.npmjs.org/@types%2fnode and https://r.example/@types/node/-/node-20.tgz'],
    ['no userinfo', 'https://host/x.tgz'],
    ['an empty userinfo', 'https://@host/x.tgz'],
    ['not a URL', 'not a url'],
    ['a purl with an @ version', 'pkg:npm/%40types/node@20.11.0'],
    ['an e-mail address', 'mail alice@example.com about http://host/x'],
    ['scp-like git address', 'git@github.com:org/repo.git'],
    ['an @ after a space', 'http://host/ user:pw@elsewhere'],
  ];
  for (const [name, input] of untouched) it(`leaves alone: ${name}`, () => assert.equal(redactUrls(input), input));

  it('a control character inside the password does not hide it (printable escapes first)', () => {
    assert.equal(printable('https://u:pa\nss@host/x'), 'https://u:***@host/x');
    assert.equal(printable('https://u:pa\x1bss@host/x'), 'https://u:***@host/x');
  });
});

describe('printableLines and escapeJsonUnsafe: several lines, and JSON', () => {
  it('keeps the line breaks, escapes and redacts within each line', () => {
    assert.equal(printableLines('a\x1b[2J\nhttps://u:pw@host/\r\n'), 'a\\x1b[2J\nhttps://u:***@host/\\r\n');
  });

  it('JSON keeps its layout and value; what JSON.stringify leaves a terminal to act on becomes \\u escapes', () => {
    const value = { name: 'a\u202eb\u0085c\u2028', plain: 'é\n\u0007', lone: '\ud800' };
    const json = escapeJsonUnsafe(JSON.stringify(value, null, 2));
    assert.doesNotMatch(json, /[\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/);
    assert.match(json, /\n {2}"name": "a\\u202eb\\u0085c\\u2028",\n/);
    assert.deepEqual(JSON.parse(json), value);
  });
});

describe('oneLine: what the CLI prints for an error', () => {
  it('one line, escaped and redacted', () => {
    const err = new UserError('ESPEC', 'invalid package spec "npm:a\x1b[2J\0": see https://u:pw@host/\n  then retry\n');
    const line = oneLine(err);
    assert.equal(line, 'invalid package spec "npm:a\\x1b[2J\\0": see https://u:***@host/\\n  then retry');
    assert.doesNotMatch(line, /[\u0000-\u001f]/);
  });

  it('a UsageError is a UserError with code EUSAGE, told by its class or name (not by a code another UserError may carry)', () => {
    const u = new UsageError('--jobs 0: expected a whole number from 1 to 256');
    assert.equal(u.code, 'EUSAGE');
    assert.equal(u.name, 'UsageError');
    assert.ok(isUsageError(u));
    // Across a process boundary (a queue job's failure): the name is what survives.
    assert.ok(isUsageError(Object.assign(new Error('--jobs 0'), { name: 'UsageError', isUserError: true, code: 'EUSAGE' })));
    assert.ok(!isUsageError(new UserError('EUSAGE', 'bad --python "x"')));
    assert.ok(!isUsageError(new UserError('ESPEC', 'bad spec')));
    assert.ok(!isUsageError(new Error('EUSAGE')));
  });
});
