/**
 * The real RubyGems as the oracle for bale's own Gem::Version / Requirement / Platform code: one
 * Ruby process per table (JSON in on stdin, JSON out on stdout), plus the small shared test tools.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { type ErrorCode, isUserError } from '../../src/errors/index.js';

export function ruby<T>(script: string, input: unknown): T {
  let out: string;
  try {
    out = execFileSync('ruby', ['-e', `require "rubygems"; require "json"; input = JSON.parse(STDIN.read); ${script}`], {
      input: JSON.stringify(input),
      encoding: 'utf8',
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', LC_ALL: 'C.UTF-8' },
      maxBuffer: 512 * 1024 * 1024,
    });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT')
      assert.fail('these tests compare with the real RubyGems: install ruby (Debian: apt-get install ruby)');
    throw err;
  }
  return JSON.parse(out) as T;
}

/** A small seeded generator, so a failing random case is the same on every run. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A one-line UserError with this code, naming `mentions`. */
export function throwsUser(fn: () => unknown, code: ErrorCode, mentions: string): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(isUserError(err), `not a UserError: ${String(err)}`);
    assert.equal((err as { code: string }).code, code);
    assert.ok((err as Error).message.includes(mentions), (err as Error).message);
    assert.ok(!(err as Error).message.includes('\n'), 'one line');
    return true;
  });
}
