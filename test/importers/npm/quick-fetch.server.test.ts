import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, it } from 'node:test';
import { Deadline, httpTimeouts } from '../../../src/http/timeouts.js';
import { quickPackument } from '../../../importers/npm/quick-fetch.js';
import { startNpmRegistry } from '../../helpers/npm-registry.js';
import type { FixtureRegistry } from '../../helpers/npm-registry.js';

describe('quickPackument: the fast path, and when it steps aside for pacote', () => {
  let reg: FixtureRegistry;
  let agent: http.Agent;
  const t = httpTimeouts('metadata', {}, {});
  const deadline = new Deadline(t.deadlineMs);
  before(async () => {
    reg = await startNpmRegistry();
    agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
  });
  after(async () => {
    deadline.dispose();
    agent.destroy();
    await reg.close();
  });

  it('returns the packument on a plain 200, asking for the abbreviated form', async () => {
    const doc = await quickPackument('@bale-test/scoped', { registry: reg.url }, agent, t, deadline);
    assert.ok(doc !== undefined);
    assert.deepEqual(Object.keys(doc.versions).sort(), ['1.0.0', '1.1.0']);
    const last = reg.requests.at(-1)!;
    assert.match(last.accept ?? '', /application\/vnd\.npm\.install-v1\+json/);
  });

  for (const [name, why] of [
    ['fx-does-not-exist', '404'],
    ['fx-500', '500'],
    ['fx-garbage', 'garbage'],
  ] as const) {
    it(`steps aside (undefined) on ${why}`, async () => {
      assert.equal(await quickPackument(name, { registry: reg.url }, agent, t, deadline), undefined);
    });
  }

  it('never runs when .npmrc holds credentials, or without the shared agent', async () => {
    const before = reg.requests.length;
    const host = new URL(reg.url).host;
    assert.equal(await quickPackument('fx-app', { registry: reg.url, [`//${host}/:_authToken`]: 'secret' }, agent, t, deadline), undefined);
    assert.equal(await quickPackument('fx-app', { registry: reg.url }, undefined, t, deadline), undefined);
    assert.equal(reg.requests.length, before, 'no request was made');
  });
});
