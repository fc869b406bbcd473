import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isUserError } from '../../src/errors/index.js';
import { pickRunner } from '../../src/sandbox/pick.js';

const noWarn = (line: string): void => assert.fail(`unexpected warning: ${line}`);

test('auto picks bubblewrap where it works, silently', async () => {
  assert.equal((await pickRunner('auto', noWarn)).name, 'bubblewrap');
});

test('direct is direct', async () => {
  assert.equal((await pickRunner('direct', noWarn)).name, 'direct');
});

test('auto without bubblewrap falls back to direct with one loud warning', async () => {
  const lines: string[] = [];
  const r = await pickRunner('auto', (l) => lines.push(l), { bwrap: '/nonexistent/bwrap' });
  assert.equal(r.name, 'direct');
  assert.equal(lines.length, 1);
  assert.match(lines[0] as string, /^WARNING: .*not be reproducible.*install bubblewrap/);
  assert.ok(!(lines[0] as string).includes('\n'));
});

test('bubblewrap requested but missing is a user error saying what to install', async () => {
  await assert.rejects(pickRunner('bubblewrap', noWarn, { bwrap: '/nonexistent/bwrap' }), (err: Error & { code?: string }) => {
    return isUserError(err) && err.code === 'ESANDBOX' && /apt-get install bubblewrap/.test(err.message);
  });
});
