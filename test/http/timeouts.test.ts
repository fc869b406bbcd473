/** The shared HTTP timeouts: defaults per traffic, environment overrides, the deadline's clock. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { UserError } from '../../src/errors/index.js';
import { Deadline, DEFAULT_HTTP_TIMEOUTS, httpTimeouts, stallError } from '../../src/http/timeouts.js';

test('defaults: 10 s connect, 30 s headers and idle; 10 min for sources, 2 min for metadata', () => {
  assert.deepEqual(httpTimeouts('source', {}, {}), { connectMs: 10_000, headersMs: 30_000, idleMs: 30_000, deadlineMs: 600_000 });
  assert.deepEqual(httpTimeouts('metadata', {}, {}), { ...DEFAULT_HTTP_TIMEOUTS.source, deadlineMs: 120_000 });
});

test('the environment overrides the defaults, options override both; each deadline has its own variable', () => {
  const env = {
    BALE_HTTP_CONNECT_TIMEOUT: '2s',
    BALE_HTTP_HEADERS_TIMEOUT: '500ms',
    BALE_HTTP_IDLE_TIMEOUT: '45',
    BALE_HTTP_SOURCE_DEADLINE: '1h',
    BALE_HTTP_METADATA_DEADLINE: '5m',
  };
  assert.deepEqual(httpTimeouts('source', {}, env), { connectMs: 2000, headersMs: 500, idleMs: 45_000, deadlineMs: 3_600_000 });
  assert.equal(httpTimeouts('metadata', {}, env).deadlineMs, 300_000);
  assert.equal(httpTimeouts('source', { idleMs: 7 }, env).idleMs, 7);
  assert.equal(httpTimeouts('source', {}, { BALE_HTTP_IDLE_TIMEOUT: '' }).idleMs, 30_000, 'empty means unset');
});

test('a bad value is a UserError naming the variable', () => {
  for (const bad of ['0', '-1', 'soon', '1.5s', '10 years']) {
    assert.throws(
      () => httpTimeouts('source', {}, { BALE_HTTP_HEADERS_TIMEOUT: bad }),
      (err: Error) => {
        assert.ok(err instanceof UserError);
        assert.match(err.message, /^BALE_HTTP_HEADERS_TIMEOUT=".*": expected a duration such as 30s, 500ms or 2m$/);
        return true;
      },
    );
  }
  assert.equal(httpTimeouts('source', {}, { BALE_HTTP_HEADERS_TIMEOUT: '250ms' }).headersMs, 250);
  assert.equal(httpTimeouts('source', {}, { BALE_HTTP_HEADERS_TIMEOUT: '3m' }).headersMs, 180_000);
});

test('a lazy deadline starts with start(), and says what is left', async () => {
  const d = new Deadline(50, { lazy: true });
  await new Promise((r) => setTimeout(r, 80));
  assert.equal(d.expired, false);
  assert.equal(d.remainingMs(), 50);
  d.start();
  assert.ok(d.allows(0));
  assert.equal(d.allows(60), false, 'a wait past the deadline is not allowed');
  await new Promise((r) => setTimeout(r, 80));
  assert.equal(d.expired, true);
  assert.equal(d.signal.aborted, true);
  d.dispose();
});

test('a stall is one TransientError line', () => {
  const err = stallError('EFETCH', 'https://host/x.tgz', 'no response headers after 30s', 2);
  assert.equal(err.name, 'TransientError');
  assert.equal(
    err.message,
    'https://host/x.tgz: timed out: no response headers after 30s (2 attempts): the server or network is stalling; try again later',
  );
});
