/**
 * PreferPinned (what `bale refresh` keeps): pinned versions first, newest of them first, the rest
 * after in the ecosystem's order; with the backtracking search, a kept pin that conflicts is passed
 * over like any candidate, so keeping never makes a closure unresolvable.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { backtrack, type Pinned, type Provider } from '../../../importers/resolver/backtrack.js';
import { PreferPinned } from '../../../importers/resolver/prefer.js';

const same = (a: string, b: string): boolean => a === b;
const id = (v: string): string => v;

describe('PreferPinned', () => {
  it('moves pinned candidates to the front, newest pinned first, order kept otherwise', async () => {
    const p = new PreferPinned(async () => ['1.0', '1.2', '0.9'], same);
    assert.deepEqual(await p.order('x', ['2.0', '1.2', '1.1', '1.0'], id), ['1.2', '1.0', '2.0', '1.1']);
  });

  it('changes nothing without pins, or when no pin is a candidate; asks for a name once', async () => {
    const asked: string[] = [];
    const p = new PreferPinned(async (name) => {
      asked.push(name);
      return ['0.1'];
    }, same);
    assert.deepEqual(await p.order('x', ['2.0', '1.0'], id), ['2.0', '1.0']);
    await p.order('x', ['1.0', '0.1'], id);
    assert.deepEqual(asked, ['x']);
    assert.deepEqual(await new PreferPinned(undefined, same).order('x', ['2.0', '1.0'], id), ['2.0', '1.0']);
  });

  it('uses the ecosystem’s equality (PEP 440: 1.0 is 1.0.0)', async () => {
    const p = new PreferPinned(
      async () => ['1.0'],
      (a, b) => a.replace(/(\.0)+$/, '') === b.replace(/(\.0)+$/, ''),
    );
    assert.deepEqual(await p.order('x', ['1.1.0', '1.0.0'], id), ['1.0.0', '1.1.0']);
  });

  it('in the search, a kept pin that conflicts is backtracked over', async () => {
    // lib 1 is pinned and tried first, but other (asked after lib) needs lib 2: lib moves; util's
    // pin 1 still fits and is kept though 2 is newer.
    const deps: Record<string, Record<string, Record<string, string[]>>> = {
      app: { '2': { lib: [], util: [], other: [] } },
      lib: { '1': {}, '2': {} },
      other: { '1': { lib: ['2'] } },
      util: { '1': {}, '2': {} },
    };
    const tried: string[] = [];
    const prefer = new PreferPinned(async (name) => (name === 'lib' || name === 'util' ? ['1'] : []), same);
    const provider: Provider<string[], string, Pinned> = {
      candidates: async (w, known) =>
        prefer.order(
          w.name,
          Object.keys(deps[w.name]!)
            .sort((a, b) => Number(b) - Number(a))
            .filter((v) => known.every((k) => k.req.length === 0 || k.req.includes(v))),
          id,
        ),
      noneWhy: async () => 'none',
      expand: async (v, w) => {
        tried.push(`${w.name}@${v}`);
        return {
          pin: { name: w.name, version: v, deps: [] },
          wants: Object.entries(deps[w.name]![v]!).map(([name, req]) => ({ name, req, from: w.name, chain: [] })),
        };
      },
      revisit: (p, w) => (w.req.length === 0 || w.req.includes(p.version) ? { pin: p, wants: [] } : undefined),
      exhaustedWhy: 'exhausted',
      tooComplex: () => new Error('too complex'),
    };
    const out = await backtrack(provider, [{ name: 'app', req: [], from: undefined, chain: [] }]);
    assert.ok('pins' in out);
    assert.deepEqual([...out.pins.values()].map((p) => `${p.name}@${p.version}`).sort(), ['app@2', 'lib@2', 'other@1', 'util@1']);
    assert.ok(tried.indexOf('lib@1') >= 0 && tried.indexOf('lib@1') < tried.indexOf('lib@2'), tried.join(' '));
  });
});
