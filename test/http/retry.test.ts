/** Pure tests of the retry policy. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isTransientError, isTransientStatus, parseRetryAfter } from '../../src/http/faults.js';
import { retryDelayMs } from '../../src/http/retry.js';

test('backoff doubles per retry, with jitter between half and full, and is capped', () => {
  const opts = { baseMs: 100, maxMs: 1000 };
  assert.deepEqual([1, 2, 3, 4, 5].map((n) => retryDelayMs(n, opts, undefined, () => 1)), [100, 200, 400, 800, 1000]);
  assert.deepEqual([1, 2, 3].map((n) => retryDelayMs(n, opts, undefined, () => 0)), [50, 100, 200]);
});

test("a server's Retry-After wins over backoff, capped", () => {
  const opts = { baseMs: 100, maxMs: 1000 };
  assert.equal(retryDelayMs(3, opts, 0), 0);
  assert.equal(retryDelayMs(1, opts, 700), 700);
  assert.equal(retryDelayMs(1, opts, 3_600_000), 1000);
});

test('Retry-After parses seconds and HTTP dates', () => {
  const now = Date.parse('2024-01-01T00:00:00Z');
  assert.equal(parseRetryAfter('0', now), 0);
  assert.equal(parseRetryAfter(' 5 ', now), 5000);
  assert.equal(parseRetryAfter('Mon, 01 Jan 2024 00:00:10 GMT', now), 10_000);
  assert.equal(parseRetryAfter('Sun, 31 Dec 2023 00:00:00 GMT', now), 0);
  assert.equal(parseRetryAfter('soon', now), undefined);
  assert.equal(parseRetryAfter(undefined, now), undefined);
});

test('transient statuses and error codes', () => {
  assert.deepEqual([500, 502, 503, 429, 408].map(isTransientStatus), [true, true, true, true, true]);
  assert.deepEqual([400, 401, 403, 404, 410].map(isTransientStatus), [false, false, false, false, false]);
  assert.equal(isTransientError(Object.assign(new Error('x'), { code: 'ECONNRESET' })), true);
  assert.equal(isTransientError(Object.assign(new Error('x'), { code: 'UND_ERR_BODY_TIMEOUT' })), true);
  assert.equal(isTransientError(Object.assign(new Error('x'), { code: 'CERT_HAS_EXPIRED' })), false);
  assert.equal(isTransientError(new Error('no code')), false);
});
