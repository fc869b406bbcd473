import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  DEFAULT_LIMITS,
  formatDuration,
  formatSize,
  limitLiteral,
  limitProblem,
  limitText,
  parseDuration,
  parseSize,
  resolveLimits,
  sizeLiteral,
} from '../../src/limits/index.js';
import { formatRecipe, parseRecipe } from '../../src/recipe/index.js';
import { parseOverrides } from '../../src/overrides/table.js';
import { overrideBuild } from '../../src/overrides/recipe-fields.js';
import { sampleRecipe } from '../recipe/helpers.js';

describe('limits: sizes and durations', () => {
  it('reads bytes and IEC units, nothing else', () => {
    assert.equal(parseSize(1024), 1024);
    assert.equal(parseSize('512MiB'), 512 * 1024 * 1024);
    assert.equal(parseSize('2GiB'), 2 ** 31);
    assert.equal(parseSize('7 KiB'), 7168);
    for (const bad of [0, -1, 1.5, '', '0', '1.5GiB', '2GB', 'lots', '-3MiB', '99999999999999999TiB'])
      assert.equal(parseSize(bad), undefined, String(bad));
  });
  it('reads seconds and ms/s/m/h', () => {
    assert.equal(parseDuration(90), 90_000);
    assert.equal(parseDuration('500ms'), 500);
    assert.equal(parseDuration('45m'), 45 * 60_000);
    assert.equal(parseDuration('2h'), 7_200_000);
    for (const bad of [0, '1d', '1.5h', 'soon', '-1']) assert.equal(parseDuration(bad), undefined, String(bad));
  });
  it('says what a bad value should look like', () => {
    assert.match(limitProblem('timeout', '1d')!, /duration/);
    assert.match(limitProblem('unpacked_size', '2GB')!, /GiB/);
    assert.match(limitProblem('files', '10')!, /integer/);
    assert.equal(limitProblem('files', 10), undefined);
  });
  it('recipe values win over flags, flags over defaults', () => {
    const l = resolveLimits({ timeout: '45m', unpacked_size: '6GiB' }, { timeoutMs: 60_000, disk: 1024 });
    assert.equal(l.timeoutMs, 45 * 60_000);
    assert.equal(l.unpackedSize, 6 * 2 ** 30);
    assert.equal(l.disk, 1024);
    assert.equal(l.files, DEFAULT_LIMITS.files);
  });
  it('formats for messages', () => {
    assert.equal(formatSize(2 ** 31), '2 GiB');
    assert.equal(formatSize(1536), '1.5 KiB');
    assert.equal(formatSize(10), '10 bytes');
    assert.equal(formatSize(65536), '64 KiB');
    assert.equal(formatSize(2 ** 20), '1 MiB');
    assert.equal(formatSize(3999), '3.9 KiB');
    assert.equal(formatSize(3999, { exact: true }), '3999 bytes (3.9 KiB)');
    assert.equal(formatSize(1536 * 1024, { exact: true }), '1536 KiB');
    assert.equal(formatSize(2 ** 31, { exact: true }), '2 GiB');
    assert.equal(formatSize(10, { exact: true }), '10 bytes');
    assert.equal(formatDuration(20 * 60_000), '20m');
    assert.equal(formatDuration(1500), '1.5s');
  });
  it('writes sizes and limits as a recipe does, what parseSize and resolveLimits read back', () => {
    for (const [bytes, literal] of [
      [2 ** 32, '4GiB'],
      [1536 * 1024, '1536KiB'],
      [3999, '3999B'],
    ] as const) {
      assert.equal(sizeLiteral(bytes), literal);
      assert.equal(parseSize(literal), bytes);
    }
    assert.equal(limitLiteral('file_size', 2 ** 31), '"2GiB"');
    assert.equal(limitLiteral('files', 500_000), '500000');
    assert.equal(limitLiteral('timeout', 45 * 60_000), '"45m"');
    assert.equal(limitLiteral('timeout', 1500), '"1500ms"');
    assert.equal(limitText('unpacked_size', DEFAULT_LIMITS.unpackedSize), '2 GiB');
    assert.equal(limitText('ratio', 200), '200');
    assert.equal(limitText('timeout', DEFAULT_LIMITS.timeoutMs), '20m');
  });
});

describe('limits in recipes and override rows', () => {
  it('round-trips [build.limits] canonically (sorted keys, values as written)', () => {
    const r = sampleRecipe();
    r.build.limits = { timeout: '45m', files: 500000, unpacked_size: '6GiB' };
    const text = formatRecipe(r);
    assert.match(text, /\n\[build\.limits\]\nfiles = 500000\ntimeout = "45m"\nunpacked_size = "6GiB"\n/);
    assert.equal(formatRecipe(parseRecipe(text, 'x.toml')), text);
  });
  it('names the file, key and the expected form of a bad value, and unknown keys', () => {
    const text = `${formatRecipe(sampleRecipe())}\n[build.limits]\ntimeout = "1 day"\nwall = 3\n`;
    assert.throws(
      () => parseRecipe(text, 'bad.toml'),
      (e: Error) =>
        /bad\.toml/.test(e.message) &&
        /build\.limits\.timeout: expected a duration/.test(e.message) &&
        /build\.limits\.wall: unknown key/.test(e.message),
    );
  });
  it("an override row's limits go into the recipe's [build]", () => {
    const t = parseOverrides('[[package]]\nname = "torch"\nlimits = { unpacked_size = "8GiB", file_size = "4GiB" }\n', 'pypi.toml');
    assert.deepEqual(overrideBuild(t.rowsFor('torch')[0]), { limits: { unpacked_size: '8GiB', file_size: '4GiB' } });
    assert.throws(
      () => parseOverrides('[[package]]\nname = "x"\nlimits = { timeout = "forever" }\n', 'npm.toml'),
      /npm\.toml: package\[0\]\.limits\.timeout: expected a duration/,
    );
  });
});
