/**
 * keepResolving: the roots that fail are pinned one by one and the rest resolved together, in few
 * attempts; bugs are thrown. `attempt` here is a plain function over numbers that fails when its
 * set holds a broken one, as an importer's crawl does.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { keepResolving } from '../../importers/keep-going.js';
import { TransientError, UserError } from '../../src/errors/index.js';

/** An attempt that fails while `broken` roots are among those asked, counting its calls. */
function crawl(broken: Set<number>, conflict?: [number, number]) {
  const calls: number[][] = [];
  const attempt = async (some: number[]): Promise<number> => {
    calls.push(some);
    const bad = some.find((r) => broken.has(r));
    if (bad !== undefined) throw new UserError('ENOTFOUND', `root ${bad} not found`);
    if (conflict?.every((c) => some.includes(c))) throw new UserError('ERESOLVE', 'conflict');
    return some.reduce((a, b) => a + b, 0);
  };
  return { calls, attempt };
}

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

describe('keepResolving', () => {
  it('resolves everything in one attempt when nothing fails', async () => {
    const { calls, attempt } = crawl(new Set());
    const r = await keepResolving(range(300), attempt);
    assert.equal(calls.length, 1);
    assert.deepEqual(r.failed, []);
    assert.equal(r.value, (299 * 300) / 2);
  });

  it('pins each failure on its root and resolves the rest together', async () => {
    const broken = new Set([3, 150, 151, 299]);
    const { calls, attempt } = crawl(broken);
    const r = await keepResolving(range(300), attempt);
    assert.deepEqual(
      r.failed.map((f) => f.root),
      [3, 150, 151, 299],
    );
    assert.ok(r.failed.every((f) => f.error.code === 'ENOTFOUND' && f.error.message === `root ${String(f.root)} not found`));
    assert.deepEqual(
      r.kept,
      range(300).filter((x) => !broken.has(x)),
    );
    assert.deepEqual(calls.at(-1), r.kept, 'the last attempt is the kept roots together');
    assert.equal(r.value, (299 * 300) / 2 - (3 + 150 + 151 + 299));
    // Far fewer than one attempt per root: about k·log2(n).
    assert.ok(calls.length < 4 * 2 * 9 + 2, `${calls.length} attempts`);
  });

  it('with a precheck, sets aside the roots that fail alone without halving, then halves only deeper failures', async () => {
    const own = new Set([10, 20, 30]);
    const deep = new Set([40]);
    const { calls, attempt } = crawl(new Set([...own, ...deep]));
    const checked: number[] = [];
    const precheck = async (r: number): Promise<void> => {
      checked.push(r);
      if (own.has(r)) throw new UserError('ENOVERSION', `no version of ${r}`);
    };
    const r = await keepResolving(range(100), attempt, precheck);
    assert.equal(checked.length, 100);
    assert.deepEqual(
      r.failed.map((f) => [f.root, f.error.code]),
      [
        [10, 'ENOVERSION'],
        [20, 'ENOVERSION'],
        [30, 'ENOVERSION'],
        [40, 'ENOTFOUND'],
      ],
    );
    assert.ok(
      calls.every((c) => !c.some((x) => own.has(x))),
      'a root that failed its precheck is never attempted',
    );
    assert.ok(calls.length <= 2 * 7 + 2, `${calls.length} attempts`);
    const clean = crawl(new Set(own));
    await keepResolving(range(100), clean.attempt, precheck);
    assert.equal(clean.calls.length, 1, 'failures the precheck finds cost no halving');
  });

  it('sets aside a transient failure (a registry that keeps failing) like any other', async () => {
    const r = await keepResolving([1, 2], async (some) => {
      if (some.includes(2)) throw new TransientError('EREGISTRY', 'HTTP 500');
      return some.length;
    });
    assert.deepEqual(
      r.failed.map((f) => [f.root, f.error.code]),
      [[2, 'EREGISTRY']],
    );
    assert.equal(r.value, 1);
  });

  it('answers undefined when every root fails', async () => {
    const { attempt } = crawl(new Set([0, 1, 2]));
    const r = await keepResolving(range(3), attempt);
    assert.equal(r.value, undefined);
    assert.deepEqual(r.kept, []);
    assert.equal(r.failed.length, 3);
  });

  it('throws a bug instead of setting a root aside', async () => {
    await assert.rejects(
      keepResolving([1, 2, 3], async (some) => {
        if (some.includes(2)) throw new TypeError('a bug');
        return 0;
      }),
      TypeError,
    );
  });

  it('throws a conflict between roots that each resolve alone', async () => {
    const { attempt } = crawl(new Set(), [0, 3]);
    await assert.rejects(keepResolving(range(4), attempt), /conflict/);
  });
});
