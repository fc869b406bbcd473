import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isUserError } from '../../src/errors/index.js';
import { parseNodeList } from '../../src/interpreters/node.js';
import { availableMajors, newestOfMajor, parseNodeRequest, servedByRunning } from '../../src/interpreters/node-request.js';

const lists: Array<[string, string[]]> = [
  ['20,22', ['20', '22']],
  ['22', ['22']],
  [' 20 , 22 ', ['20', '22']],
  ['current,22.11.0', ['current', '22.11.0']],
  ['v22,22', ['22']],
  ['22,20,22', ['22', '20']],
];
for (const [flag, want] of lists) {
  test(`parseNodeList ${JSON.stringify(flag)}`, () => assert.deepEqual(parseNodeList(flag), want));
}

// [flag, what the one-line message must quote]
const bad: Array<[string, string]> = [
  ['', '""'],
  ['20,', '"20,"'],
  [',22', '",22"'],
  ['20,,22', '"20,,22"'],
  ['latest', '"latest"'],
  ['22.1', '"22.1"'],
  ['22.x', '"22.x"'],
  ['^22', '"^22"'],
  ['022', '"022"'],
  ['22.11.0-rc.1', '"22.11.0-rc.1"'],
  ['20,node22', '"node22"'],
  ['20;22', '"20;22"'],
];
for (const [flag, quoted] of bad) {
  test(`parseNodeList rejects ${JSON.stringify(flag)}`, () => {
    assert.throws(
      () => parseNodeList(flag),
      (err: Error & { code?: string }) =>
        isUserError(err) && err.code === 'ENODE' && err.message.includes(quoted) && !err.message.includes('\n'),
    );
  });
}

test('parseNodeRequest kinds', () => {
  assert.deepEqual(parseNodeRequest('current'), { kind: 'current' });
  assert.deepEqual(parseNodeRequest('22'), { kind: 'major', major: 22 });
  assert.deepEqual(parseNodeRequest('22.11.0'), { kind: 'exact', version: '22.11.0', major: 22 });
});

const served: Array<[string, boolean]> = [
  ['current', true],
  ['20', true],
  ['20.20.2', true],
  ['20.11.0', false], // same major, another exact version: fetched
  ['22', false],
  ['2', false],
];
for (const [request, want] of served) {
  test(`running 20.20.2 serves ${request}: ${want}`, () => assert.equal(servedByRunning(parseNodeRequest(request), '20.20.2'), want));
}

test('availableMajors ignores prereleases and odd tags', () => {
  assert.deepEqual(availableMajors(['4.1.0-pkg1', '22.1.0', '9.9.0', '22.0.0', '26.0.0-rc.1', 'junk', '10.0.0']), [9, 10, 22]);
});

test('newestOfMajor', () => {
  const vs = ['22.2.0', '22.10.0', '22.9.9', '23.0.0', '22.11.0-rc.1'];
  assert.equal(newestOfMajor(vs, 22), '22.10.0');
  assert.equal(newestOfMajor(vs, 21), undefined);
});
