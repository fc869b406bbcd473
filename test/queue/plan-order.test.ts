import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Task } from '../../src/builder/index.js';
import { depsFirst } from '../../queue/plan.js';

const task = (id: string, deps: string[]): Task => ({ id, deps }) as unknown as Task;

describe('depsFirst (the order build jobs are added in)', () => {
  test('every task comes after what it builds against, whatever the ids; otherwise by id', () => {
    // As in a real tree: pkg:npm/%40apollo/... sorts before pkg:npm/long, which it builds against.
    const tasks = new Map(
      [
        task('pkg:npm/%40apollo/protobufjs@1.2.8|node20', ['pkg:npm/long@4.0.0|any', 'pkg:npm/%40types/long@4.0.2|any']),
        task('pkg:npm/%40types/long@4.0.2|any', []),
        task('pkg:npm/long@4.0.0|any', []),
        task('pkg:npm/zz@1.0.0|node20', ['pkg:npm/%40apollo/protobufjs@1.2.8|node20']),
        task('pkg:npm/a@1.0.0|any', []),
      ].map((t) => [t.id, t]),
    );
    const order = depsFirst(tasks).map((t) => t.id);
    assert.equal(order.length, tasks.size);
    for (const t of tasks.values())
      for (const d of t.deps) assert.ok(order.indexOf(d) < order.indexOf(t.id), `${d} before ${t.id}: ${order.join(', ')}`);
    assert.deepEqual(order, [
      'pkg:npm/%40types/long@4.0.2|any',
      'pkg:npm/long@4.0.0|any',
      'pkg:npm/%40apollo/protobufjs@1.2.8|node20',
      'pkg:npm/a@1.0.0|any',
      'pkg:npm/zz@1.0.0|node20',
    ]);
  });
});
