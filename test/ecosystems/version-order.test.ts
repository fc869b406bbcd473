import { execFileSync } from 'node:child_process';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ECOSYSTEM_DESCRIPTORS } from '../../src/ecosystems/index.js';

// Versions each ecosystem must order as its own tools do, ascending, and strings it must call invalid.
const CASES = {
  npm: { sorted: ['1.0.0-alpha', '1.0.0-beta.2', '1.0.0', '1.2.3', '4.17.20', '4.17.21', '10.0.0'], invalid: ['1.x', 'latest', ''] },
  pypi: { sorted: ['1.0.dev1', '1.0a1', '1.0rc1', '1.0', '1.0.post1', '2.31.0', '2.32.0', '1!0.1'], invalid: ['1.0-foo-bar', 'x', ''] },
  gem: { sorted: ['1.0.0.pre', '1.0.0', '1.0.1', '1.10', '7.0.8.1', '7.1.0'], invalid: ['-1', 'a.b', ''] },
  deb: { sorted: ['1.0~rc1', '1.0', '1.0-1', '1.0-1+deb12u1', '1.2.13.dfsg-1', '1:0.1'], invalid: ['a1', '1.0-', '1.0-a_b', ''] },
} as const;

for (const [id, d] of Object.entries(ECOSYSTEM_DESCRIPTORS)) {
  const c = CASES[id as keyof typeof CASES];
  test(`${id}: versionOrder() sorts as its own tools do and refuses what they refuse`, async () => {
    const order = await d.versionOrder();
    for (const v of c.sorted) assert.ok(order.valid(v), `${v} should be valid`);
    for (const v of c.invalid) assert.ok(!order.valid(v), `${v} should be invalid`);
    const shuffled = [...c.sorted].reverse();
    assert.deepEqual(shuffled.sort(order.compare), [...c.sorted]);
  });
}

test('deb: valid() agrees with dpkg --validate-version', async () => {
  const all = [...CASES.deb.sorted, ...CASES.deb.invalid.filter((v) => v !== ''), '2:1.0-1', '1.0-1-2', '0~git20200101.abc-3'];
  const order = await ECOSYSTEM_DESCRIPTORS.deb.versionOrder();
  for (const v of all) {
    let dpkgOk = true;
    try {
      execFileSync('dpkg', ['--validate-version', v], { stdio: 'ignore' });
    } catch {
      dpkgOk = false;
    }
    assert.equal(order.valid(v), dpkgOk, `dpkg and bale disagree on ${JSON.stringify(v)}`);
  }
});
