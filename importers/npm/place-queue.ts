/**
 * The placement queue: folders waiting to be looked at, taken shallow first, then by path (arborist's
 * order), ties in the order they were queued. A heap, since sorting the whole queue at every step
 * made a tree of thousands of roots quadratic. A folder's depth and path are read when it is queued:
 * they do not change while it is in the tree (a replaced folder's children move to the replacement,
 * at the same path), and one that left the tree is skipped when taken, wherever it sorts.
 */
import { comparePlaces, type Place } from './tree.js';

interface Entry {
  p: Place;
  depth: number;
  path: string;
  seq: number;
}

const before = (a: Entry, b: Entry): boolean => {
  const c = a.depth - b.depth || comparePlaces(a.path, b.path);
  return c !== 0 ? c < 0 : a.seq < b.seq;
};

export class PlaceQueue {
  private readonly heap: Entry[] = [];
  private readonly queued = new Set<Place>();
  private seq = 0;

  get size(): number {
    return this.heap.length;
  }

  /** Queue `p` unless it is already waiting. */
  push(p: Place): void {
    if (this.queued.has(p)) return;
    this.queued.add(p);
    const h = this.heap;
    h.push({ p, depth: p.depth, path: p.path, seq: this.seq++ });
    for (let i = h.length - 1; i > 0; ) {
      const up = (i - 1) >> 1;
      if (!before(h[i]!, h[up]!)) break;
      [h[i], h[up]] = [h[up]!, h[i]!];
      i = up;
    }
  }

  /** The first folder in queue order, or undefined when none waits. */
  shift(): Place | undefined {
    const h = this.heap;
    const top = h[0];
    if (top === undefined) return undefined;
    const last = h.pop()!;
    if (h.length > 0) {
      h[0] = last;
      for (let i = 0; ; ) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && before(h[l]!, h[m]!)) m = l;
        if (r < h.length && before(h[r]!, h[m]!)) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m]!, h[i]!];
        i = m;
      }
    }
    this.queued.delete(top.p);
    return top.p;
  }
}
