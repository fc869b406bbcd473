import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LAUNCHER_IMPORT, loadModule } from '../../src/util/load-module.js';

describe('loadModule', () => {
  it('imports directly when no launcher lends its import', async () => {
    const path = await loadModule<typeof import('node:path')>('node:path');
    assert.equal(path.join('a', 'b'), 'a/b');
  });

  it("goes through the launcher's import when it is lent", async () => {
    const asked: string[] = [];
    const g = globalThis as Record<symbol, unknown>;
    g[LAUNCHER_IMPORT] = (s: string) => {
      asked.push(s);
      return import(s);
    };
    try {
      const os = await loadModule<typeof import('node:os')>('node:os');
      assert.equal(typeof os.tmpdir(), 'string');
      assert.deepEqual(asked, ['node:os']);
    } finally {
      delete g[LAUNCHER_IMPORT];
    }
  });
});
