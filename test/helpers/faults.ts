/**
 * Faults on demand for the fixture servers (gem server, PyPI index): which name misbehaves, on
 * which kind of request, how many times. Each server decides how a fault looks on its wire
 * (what garbage is for its format); the bookkeeping is here once.
 */

/** How a name misbehaves; `times` counts the requests it hits, then it is healthy (forever when absent). */
export type ServerFault<Target extends string> =
  | { kind: 'status'; status: number; times?: number; on?: Target | 'all' }
  /** 200 with a body that is not what was asked for. */
  | { kind: 'garbage'; on?: Target | 'all' }
  /** Drops the connection before answering: a network error. */
  | { kind: 'reset'; times?: number; on?: Target | 'all' }
  | { kind: 'delay'; ms: number; on?: Target | 'all' };

/** What a request must get instead of its answer (a delay has been waited out already). */
export type FaultAnswer = { kind: 'garbage' } | { kind: 'status'; status: number } | { kind: 'reset' };

export class FaultBook<Target extends string> {
  private readonly faults = new Map<string, ServerFault<Target>>();
  private readonly remaining = new Map<string, number>();
  /** Pending delays, cleared when the server closes (closeServer takes them). */
  readonly timers = new Set<NodeJS.Timeout>();

  /** @param defaultOn what a fault without `on` hits */
  constructor(private readonly defaultOn: Target) {}

  /** Replaces the name's fault; `null` heals it. */
  set(name: string, f: ServerFault<Target> | null): void {
    this.remaining.delete(name);
    if (f === null) return void this.faults.delete(name);
    this.faults.set(name, f);
    if ((f.kind === 'status' || f.kind === 'reset') && f.times !== undefined) this.remaining.set(name, f.times);
  }

  /** The fault this request of `name` gets, counting it; undefined when it is answered normally. */
  async take(name: string, target: Target): Promise<FaultAnswer | undefined> {
    const f = this.faults.get(name);
    const on = f?.on ?? this.defaultOn;
    if (!f || (on !== 'all' && on !== target)) return undefined;
    if (f.kind === 'delay') {
      await this.sleep(f.ms);
      return undefined;
    }
    if (f.kind === 'garbage') return f;
    const left = this.remaining.get(name);
    if (left !== undefined) {
      if (left <= 1) this.faults.delete(name);
      this.remaining.set(name, left - 1);
    }
    return f.kind === 'reset' ? { kind: 'reset' } : { kind: 'status', status: f.status };
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.timers.delete(t);
        resolve();
      }, ms);
      this.timers.add(t);
    });
  }
}
