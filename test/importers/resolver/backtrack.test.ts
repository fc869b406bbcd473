import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { backtrack } from '../../../importers/resolver/backtrack.js';
import type { Pinned, Provider, Want } from '../../../importers/resolver/backtrack.js';

/** A toy ecosystem: versions are integers, a requirement is a set of admitted versions (empty: any). */
type Req = number[];
type Universe = Record<string, Record<number, Record<string, Req>>>;

function provider(u: Universe, calls: string[] = []): Provider<Req, number, Pinned> {
  const admits = (v: number, r: Req): boolean => r.length === 0 || r.includes(v);
  return {
    candidates: async (w, known) =>
      Object.keys(u[w.name] ?? {})
        .map(Number)
        .sort((a, b) => b - a)
        .filter((v) => known.every((k) => admits(v, k.req))),
    noneWhy: async (w) => (u[w.name] === undefined ? 'unknown' : 'no version matches'),
    expand: async (v, w) => {
      calls.push(`${w.name}@${v}`);
      const deps = u[w.name]![v]!;
      return {
        pin: { name: w.name, version: String(v), deps: [] },
        wants: Object.entries(deps).map(([name, req]) => ({ name, req, from: w.name, chain: [...w.chain, `${w.name} ${v}`] })),
      };
    },
    revisit: (p, w) => (admits(Number(p.version), w.req) ? { pin: p, wants: [] } : undefined),
    exhaustedWhy: 'exhausted',
    tooComplex: () => new Error('too complex'),
  };
}

const root = (name: string, req: Req = []): Want<Req> => ({ name, req, from: undefined, chain: [] });

describe('backtrack', () => {
  it('takes the best candidate, records dependencies, and backtracks when a later requirement cannot be met', async () => {
    // app 2 needs lib 2, which needs util 1, but the user also asks for util 2: app 1 (lib 1, util any) is the answer.
    const u: Universe = { app: { 1: { lib: [1] }, 2: { lib: [2] } }, lib: { 1: {}, 2: { util: [1] } }, util: { 1: {}, 2: {} } };
    const calls: string[] = [];
    const out = await backtrack(provider(u, calls), [root('app'), root('util', [2])]);
    assert.ok('pins' in out);
    assert.deepEqual([...out.pins.values()].map((p) => `${p.name}@${p.version}`).sort(), ['app@1', 'lib@1', 'util@2']);
    assert.deepEqual(out.pins.get('app')!.deps, ['lib']);
    assert.ok(calls.includes('app@2') && calls.includes('app@1'), calls.join(' '));
  });

  it('filters candidates by every requirement known on the name, and a conflict names them all', async () => {
    const u: Universe = { a: { 1: { c: [1] } }, b: { 1: { c: [2] } }, c: { 1: {}, 2: {} } };
    const out = await backtrack(provider(u), [root('a'), root('b')]);
    assert.ok('conflict' in out);
    assert.equal(out.conflict.name, 'c');
    assert.deepEqual(out.conflict.wants.map((w) => w.chain.join('>')).sort(), ['a 1', 'b 1']);
  });

  it('handles a dependency cycle', async () => {
    const u: Universe = { a: { 1: { b: [] } }, b: { 1: { a: [1] } } };
    const out = await backtrack(provider(u), [root('a')]);
    assert.ok('pins' in out);
    assert.deepEqual(out.pins.get('b')!.deps, ['a']);
  });

  it('reports an unknown name with the provider’s reason', async () => {
    const out = await backtrack(provider({}), [root('nope')]);
    assert.ok('conflict' in out);
    assert.equal(out.conflict.why, 'unknown');
  });
});
