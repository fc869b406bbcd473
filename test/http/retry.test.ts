/** Tests of the retry policy and of the one retry loop every HTTP client runs (src/http). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TransientError } from '../../src/errors/index.js';
import {
  isTransientError,
  isTransientStatus,
  networkFault,
  parseRetryAfter,
  RetryableFault,
  statusFault,
  truncation,
} from '../../src/http/faults.js';
import { gaveUp, retrying, retryDelayMs, type RetryPolicy } from '../../src/http/retry.js';

test('backoff doubles per retry, with jitter between half and full, and is capped', () => {
  const opts = { baseMs: 100, maxMs: 1000 };
  assert.deepEqual(
    [1, 2, 3, 4, 5].map((n) => retryDelayMs(n, opts, undefined, () => 1)),
    [100, 200, 400, 800, 1000],
  );
  assert.deepEqual(
    [1, 2, 3].map((n) => retryDelayMs(n, opts, undefined, () => 0)),
    [50, 100, 200],
  );
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

test('statusFault honours Retry-After on 429 and 503 only; truncation and networkFault say what failed', () => {
  assert.equal(statusFault(503, '2').retryAfterMs, 2000);
  assert.equal(statusFault(429, ['3']).retryAfterMs, 3000);
  assert.equal(statusFault(500, '2').retryAfterMs, undefined);
  assert.equal(statusFault(502, undefined).message, 'HTTP 502');
  assert.equal(truncation(10, '10'), undefined);
  assert.equal(truncation(10, undefined), undefined);
  assert.equal(truncation(4, '10')?.message, 'truncated body (4 of 10 bytes)');
  const reset = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
  assert.equal(networkFault(reset, undefined)?.message, 'ECONNRESET: socket hang up');
  assert.equal(networkFault(reset, undefined)?.stalled, false);
  const stall = networkFault(new Error('x'), 'no response headers after 1s', 'http://h/x');
  assert.deepEqual([stall?.stalled, stall?.url, stall?.message], [true, 'http://h/x', 'no response headers after 1s']);
  assert.equal(networkFault(Object.assign(new Error('bad cert'), { code: 'CERT_HAS_EXPIRED' }), undefined), undefined);
});

const FAST: RetryPolicy = { retries: 3, backoff: { baseMs: 1, maxMs: 2 }, deadlineMs: 10_000 };
const giveUp = (f: RetryableFault, n: number): Error => gaveUp('EFETCH', 'http://h/x', f, n, 'the server or network is failing');

test('retrying: a transient fault is tried again until it passes', async () => {
  let calls = 0;
  const got = await retrying(
    FAST,
    async () => {
      calls++;
      if (calls < 3) throw statusFault(503, undefined);
      return 'ok';
    },
    giveUp,
  );
  assert.deepEqual([got, calls], ['ok', 3]);
});

test('retrying: after `retries` more attempts, the client words the last fault', async () => {
  let calls = 0;
  const err = await retrying(
    FAST,
    async () => {
      calls++;
      throw statusFault(503, '0');
    },
    giveUp,
  ).then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.equal(calls, 4);
  assert.ok(err instanceof TransientError);
  assert.equal(err.code, 'EFETCH');
  assert.equal(err.message, 'http://h/x: HTTP 503 (4 attempts): the server or network is failing; try again later');
  assert.equal(err.retryAfterMs, 0);
});

test('retrying: a stall is tried once more at most, and ends as a stall', async () => {
  let calls = 0;
  const err = await retrying(
    FAST,
    async () => {
      calls++;
      throw new RetryableFault('no response headers after 1s', { stalled: true });
    },
    giveUp,
  ).then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.equal(calls, 2);
  assert.ok(err instanceof TransientError);
  assert.equal(
    err.message,
    'http://h/x: timed out: no response headers after 1s (2 attempts): the server or network is stalling; try again later',
  );
});

test('retrying: any other error ends it at once; no wait outlives the deadline', async () => {
  let calls = 0;
  const refused = new Error('refused');
  await assert.rejects(
    retrying(
      FAST,
      async () => {
        calls++;
        throw refused;
      },
      giveUp,
    ),
    (e) => e === refused,
  );
  assert.equal(calls, 1);
  calls = 0;
  // Retry-After of an hour, capped at 2 ms by the backoff, but the deadline is 1 ms: no second attempt.
  const started = Date.now();
  await assert.rejects(
    retrying(
      { ...FAST, deadlineMs: 1 },
      async () => {
        calls++;
        await new Promise((r) => setTimeout(r, 5));
        throw statusFault(503, '3600');
      },
      giveUp,
    ),
    /HTTP 503 \(1 attempts\)/,
  );
  assert.equal(calls, 1);
  assert.ok(Date.now() - started < 1000);
});

test('retrying: a lazy deadline starts when the attempt says so', async () => {
  const left = await retrying(
    { ...FAST, deadlineMs: 50, lazy: true },
    async (deadline) => {
      await new Promise((r) => setTimeout(r, 80));
      const before = deadline.expired;
      deadline.start();
      return { before, remaining: deadline.remainingMs() };
    },
    giveUp,
  );
  assert.equal(left.before, false);
  assert.ok(left.remaining > 0);
});
