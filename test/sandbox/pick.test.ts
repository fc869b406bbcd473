import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isUserError } from '../../src/errors/index.js';
import { pickRunner } from '../../src/sandbox/pick.js';

const noWarn = (line: string): void => assert.fail(`unexpected warning: ${line}`);

test('auto picks bubblewrap where it works, silently', async () => {
  assert.equal((await pickRunner('auto', noWarn)).name, 'bubblewrap');
});

test('direct is direct', async () => {
  assert.equal((await pickRunner('direct', noWarn, { asRoot: false })).name, 'direct');
});

test('as root, direct is refused unless --i-know, and then said loudly', async () => {
  const refused = (err: Error & { code?: string }): boolean =>
    isUserError(err) && err.code === 'ESANDBOX' && /as root without a sandbox.*--i-know/.test(err.message) && !err.message.includes('\n');
  await assert.rejects(pickRunner('direct', noWarn, { asRoot: true }), refused);
  const lines: string[] = [];
  assert.equal((await pickRunner('direct', (l) => lines.push(l), { asRoot: true, directAsRoot: true })).name, 'direct');
  assert.match(lines.join('\n'), /^WARNING: .*as root with no isolation/);
  // Even a DirectRunner made by hand refuses, so no caller can forget the check.
  const { DirectRunner } = await import('../../src/sandbox/direct.js');
  assert.match(String(await new DirectRunner({ asRoot: true }).usable()), /--i-know/);
  await assert.rejects(new DirectRunner({ asRoot: true }).run({ argv: ['/usr/bin/true'], env: {}, cwd: '/', mounts: [] }), refused);
});

test('as root, auto never falls back to direct: it names the sandbox problem and the way out', async () => {
  await assert.rejects(pickRunner('auto', noWarn, { bwrap: '/nonexistent/bwrap', asRoot: true }), (err: Error & { code?: string }) => {
    return (
      isUserError(err) &&
      err.code === 'ESANDBOX' &&
      /install bubblewrap.*as root bale will not run them unsandboxed unless told --sandbox direct --i-know/.test(err.message)
    );
  });
});

test('auto without bubblewrap falls back to direct with one loud warning', async () => {
  const lines: string[] = [];
  const r = await pickRunner('auto', (l) => lines.push(l), { bwrap: '/nonexistent/bwrap', asRoot: false });
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
