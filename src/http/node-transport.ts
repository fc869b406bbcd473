/**
 * One HTTP GET on Node's own http/https modules with keep-alive agents: what the package index
 * clients (importers/index-http.ts: PyPI, RubyGems) ask of the network, timed the way timeouts.ts
 * says (connect, response headers, body idle, and the request's deadline), failures sorted by
 * faults.ts like the undici transport's. Node's modules and not undici: an import resolves a
 * closure in a second or less, and loading undici alone costs a fifth of that.
 * Part of the HTTP core (src/http): imports only core, faults.ts and timeouts.ts; importers may import it.
 */
import http, { type IncomingHttpHeaders } from 'node:http';
import https from 'node:https';
import type { Socket } from 'node:net';
import { isTransientStatus, networkFault, statusFault } from './faults.js';
import { deadlineText, stallText, type Deadline, type HttpTimeouts, type StallPhase } from './timeouts.js';

export interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** A wait that ran out; `received` is how much of the body had arrived (idle stalls). */
class TransportStall extends Error {
  constructor(
    readonly phase: StallPhase,
    readonly received?: number,
  ) {
    super(`${phase} timeout`);
  }
}

/** A failure while the body arrived, with how much of it had. */
class BodyFault extends Error {
  constructor(
    readonly received: number,
    readonly original: unknown,
  ) {
    super((original as Error)?.message ?? String(original));
  }

  get code(): unknown {
    return (this.original as { code?: unknown } | null)?.code;
  }
}

export interface NodeRequest {
  headers: Record<string, string>;
  timeouts: HttpTimeouts;
  /** The request's deadline (the retry loop's): its signal aborts the attempt. */
  deadline: Deadline;
}

export interface TransportOptions {
  /** Sockets per origin. */
  connections: number;
  keepAliveMs: number;
}

export class NodeTransport {
  private readonly http: http.Agent;
  private readonly https: https.Agent;

  constructor(o: TransportOptions) {
    const agent = { keepAlive: true, maxSockets: o.connections, timeout: o.keepAliveMs, scheduling: 'lifo' as const };
    this.http = new http.Agent(agent);
    this.https = new https.Agent(agent);
  }

  /**
   * The response, whatever its status but a transient one, with its whole body. Throws
   * RetryableFault for a transient failure (a stall, a reset, a 5xx/429/408), the socket's (or
   * Node's) own error for any other.
   */
  async get(url: string, r: NodeRequest): Promise<RawResponse> {
    let res: RawResponse;
    try {
      res = await this.exchange(url, r.headers, r.timeouts, r.deadline.signal, false);
    } catch (err) {
      const received = err instanceof BodyFault || err instanceof TransportStall ? err.received : undefined;
      const original = err instanceof BodyFault ? err.original : err;
      throw networkFault(original, stallOf(err, r.timeouts, r.deadline, received)) ?? original;
    }
    if (isTransientStatus(res.status)) throw statusFault(res.status, res.headers['retry-after']);
    return res;
  }

  /**
   * A GET answered with its status and headers only, the body left unread (the socket is dropped): for a probe of a
   * URL whose body may be huge. One attempt; any failure is thrown as it came.
   */
  headersOf(url: string, headers: Record<string, string>, t: HttpTimeouts, signal: AbortSignal): Promise<RawResponse> {
    return this.exchange(url, headers, t, signal, true);
  }

  /** Throws TransportStall for a timeout, BodyFault for a body cut short, the socket's error otherwise. */
  private exchange(
    url: string,
    headers: Record<string, string>,
    t: HttpTimeouts,
    signal: AbortSignal,
    headersOnly: boolean,
  ): Promise<RawResponse> {
    const u = new URL(url);
    const secure = u.protocol === 'https:';
    if (!secure && u.protocol !== 'http:') return Promise.reject(new TypeError(`unsupported protocol ${u.protocol}`));
    return new Promise<RawResponse>((done, fail) => {
      let timer: NodeJS.Timeout | undefined;
      let received = 0;
      // Whichever error the destroyed socket surfaces as, a timeout is reported as the timeout.
      let stalled: TransportStall | undefined;
      const arm = (ms: number, stall: () => TransportStall): void => {
        clearTimeout(timer);
        timer = setTimeout(() => req.destroy((stalled = stall())), ms);
      };
      const settle = (f: () => void): void => {
        clearTimeout(timer);
        f();
      };
      const failWith = (err: unknown): void => settle(() => fail(stalled ?? err));
      const req = (secure ? https : http).request(u, { method: 'GET', headers, agent: secure ? this.https : this.http, signal });
      req.on('socket', (s: Socket) => {
        if (!s.connecting) return arm(t.headersMs, () => new TransportStall('headers'));
        arm(t.connectMs, () => new TransportStall('connect'));
        s.once('connect', () => arm(t.headersMs, () => new TransportStall('headers')));
      });
      let responded = false;
      req.on('error', (err) => failWith(responded ? new BodyFault(received, err) : err));
      req.on('response', (res) => {
        responded = true;
        if (headersOnly) {
          settle(() => done({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.alloc(0) }));
          // Unread: an error from the dropped socket is expected (the request's lands in failWith, a no-op now).
          res.on('error', () => undefined);
          req.destroy();
          return;
        }
        const chunks: Buffer[] = [];
        const idle = (): void => arm(t.idleMs, () => new TransportStall('idle', received));
        idle();
        // Errors after the headers (a reset, the deadline) may reach the response or the request.
        res.on('error', (err) => failWith(new BodyFault(received, err)));
        res.on('aborted', () =>
          failWith(new BodyFault(received, Object.assign(new Error('connection closed mid-body'), { code: 'ECONNRESET' }))),
        );
        res.on('data', (chunk: Buffer) => {
          chunks.push(chunk);
          received += chunk.length;
          idle();
        });
        res.on('end', () =>
          settle(() => done({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks, received) })),
        );
      });
      req.end();
    });
  }

  /** Closes every socket at once: nothing waits on a request still in flight. */
  close(): void {
    this.http.destroy();
    this.https.destroy();
  }
}

/** What stalled, when a timeout or the deadline ended the attempt; undefined for any other fault. */
function stallOf(err: unknown, t: HttpTimeouts, deadline: Deadline, received: number | undefined): string | undefined {
  if (deadline.expired) return deadlineText(deadline, received);
  return err instanceof TransportStall ? stallText(err.phase, t, err.received) : undefined;
}
