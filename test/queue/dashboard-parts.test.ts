/**
 * The dashboard's pure parts: which requests may change state, how a token travels, how
 * completed jobs fall into minutes, what of a build log is kept, and that the page escapes what
 * Redis holds.
 */
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { carriedToken, isRetry, refusal, TOKEN_COOKIE, tokenMatches } from '../../queue/dashboard/access.js';
import { perMinute } from '../../queue/dashboard/fleet-view.js';
import { escapeHtml } from '../../queue/dashboard/html.js';
import { keepLogTail, namedLog, tailOf } from '../../queue/log-tail.js';
import { tempDir } from '../helpers/cli.js';

describe('dashboard access', () => {
  const allow = { allowRetry: true };
  test('reads are always allowed; everything else is 405 when read-only', () => {
    assert.equal(refusal('GET', '/queues/api/queues', '/queues', { allowRetry: false }), undefined);
    assert.equal(refusal('PUT', '/queues/api/queues/bale-build/k/retry', '/queues', { allowRetry: false })?.[0], 405);
    assert.equal(refusal('POST', '/retry', '/queues', { allowRetry: false })?.[0], 405);
  });
  test('--allow-retry allows retries only', () => {
    assert.equal(refusal('PUT', '/queues/api/queues/bale-build/k/retry', '/queues', allow), undefined);
    assert.equal(refusal('PUT', '/queues/api/queues/bale-build/retry/failed', '/queues', allow), undefined);
    assert.equal(refusal('POST', '/retry', '/queues', allow), undefined);
    for (const p of [
      '/queues/api/queues/bale-build/retry/completed',
      '/queues/api/queues/bale-build/clean/failed',
      '/queues/api/queues/bale-build/k/clean',
      '/queues/api/queues/pause',
    ])
      assert.equal(refusal('PUT', p, '/queues', allow)?.[0], 405, p);
    assert.equal(refusal('POST', '/queues/api/queues/bale-build/add', '/queues', allow)?.[0], 405);
    assert.equal(isRetry('GET', '/retry', '/queues'), false);
  });
  test('the token comes as a bearer header or the cookie, and must match exactly', () => {
    assert.equal(carriedToken({ authorization: 'Bearer abc' }), 'abc');
    assert.equal(carriedToken({ cookie: `a=1; ${TOKEN_COOKIE}=s%3Dcret; b=2` }), 's=cret');
    assert.equal(carriedToken({}), undefined);
    assert.equal(tokenMatches('secret-1', 'secret-1'), true);
    assert.equal(tokenMatches('secret-12', 'secret-1'), false);
    assert.equal(tokenMatches(undefined, 'secret-1'), false);
  });
});

describe('throughput', () => {
  test('completed jobs fall into their minute; older ones are left out', () => {
    const now = Date.UTC(2026, 0, 1, 12, 30, 30);
    const t = perMinute([now, now - 1000, now - 60_000, now - 3_600_000], now, 60);
    assert.equal(t.perMinute.length, 60);
    assert.equal(t.perMinute.at(-1), 2);
    assert.equal(t.perMinute.at(-2), 1);
    assert.equal(
      t.perMinute.reduce((a, b) => a + b, 0),
      3,
    );
    assert.equal(t.start, Date.UTC(2026, 0, 1, 11, 31));
  });
});

describe('log tails', () => {
  let t: { dir: string; cleanup: () => Promise<void> };
  before(async () => {
    t = await tempDir('log-tail');
    await mkdir(path.join(t.dir, 'logs'));
  });
  after(() => t.cleanup());

  test('the last 40 lines, from the last 16 KiB, without a cut first line', async () => {
    const file = path.join(t.dir, 'logs', 'x.log');
    await writeFile(file, `${Array.from({ length: 5000 }, (_, i) => `line ${i}`).join('\n')}\n`);
    const tail = (await tailOf(file)).split('\n');
    assert.equal(tail.length, 40);
    assert.equal(tail.at(-1), 'line 4999');
    assert.equal(tail[0], 'line 4960');
  });
  test('only a log the failure names under the log directory is read', async () => {
    const logs = path.join(t.dir, 'logs');
    const named = (file: string): Error => new Error(`x install script failed (exit 1): why; full log: ${file}`);
    assert.equal(namedLog(named(path.join(logs, 'x.log')), logs), path.join(logs, 'x.log'));
    assert.equal(namedLog(named('/etc/passwd.log'), logs), undefined);
    assert.equal(namedLog(named(`${logs}/../x.log`), logs), undefined);
    assert.equal(namedLog(new Error('no log named'), logs), undefined);
    const kept: string[] = [];
    await keepLogTail({ log: async (row: string) => kept.push(row) }, named(path.join(logs, 'x.log')), logs);
    assert.equal(kept.length, 1);
    await keepLogTail({ log: async (row: string) => kept.push(row) }, named(path.join(logs, 'gone.log')), logs);
    assert.equal(kept.length, 1, 'a missing log adds nothing');
  });
});

test('the page escapes markup and strips terminal colours', () => {
  assert.equal(
    escapeHtml('<script>"a" & \'b\'</script>\x1b[31mred\x1b[0m'),
    '&#60;script&#62;&#34;a&#34; &#38; &#39;b&#39;&#60;/script&#62;red',
  );
});
