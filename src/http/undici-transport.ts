/**
 * undici as the transport of the two clients that move artifacts: sources (src/fetch/http.ts) and
 * OCI registries (src/registry/transport.ts). One pooled keep-alive Agent per client, redirects by
 * undici's interceptor, the shared timeouts (timeouts.ts), and every failure sorted by faults.ts:
 * a transient one (a stall, a reset, a 5xx/429/408, a body cut short) is thrown as RetryableFault
 * for the retry loop (retry.ts), any other as undici threw it, for the client to word.
 *
 * Who may import it: those two clients only. undici costs ~100 ms to load, so it is never on the
 * path of `bale import` (the indexes use node-transport.ts), and the source fetcher loads it lazily.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { Readable } from 'node:stream';
import { Agent, interceptors, request, type Dispatcher } from 'undici';
import { isTransientStatus, networkFault, statusFault, truncation } from './faults.js';
import { undiciStall, type Deadline, type HttpTimeouts } from './timeouts.js';

export interface UndiciOptions {
  /** Sockets per origin. */
  connections: number;
  keepAliveMs: number;
  connectMs: number;
  maxRedirections: number;
}

export interface UndiciRequest {
  method: Dispatcher.HttpMethod;
  headers: Record<string, string>;
  /** A stream is destroyed when the request fails before it was sent. */
  body?: Buffer | Readable;
  timeouts: HttpTimeouts;
  /** The request's deadline (the retry loop's): its signal aborts the attempt. */
  deadline: Deadline;
  /**
   * Whether the body of a response with this status is read; otherwise it is drained unread (so the
   * connection is reused) and the response has an empty body. @defaultValue every status
   */
  readBody?: (status: number) => boolean;
}

export interface UndiciResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export class UndiciTransport {
  private readonly agent: Agent;
  private readonly dispatcher: Dispatcher;

  constructor(o: UndiciOptions) {
    this.agent = new Agent({ connections: o.connections, keepAliveTimeout: o.keepAliveMs, connect: { timeout: o.connectMs } });
    // Redirects to storage (S3 and the like) are followed; undici drops Authorization across origins.
    this.dispatcher = this.agent.compose(interceptors.redirect({ maxRedirections: o.maxRedirections }));
  }

  /**
   * The response with its whole body (or none, see `readBody`). Throws RetryableFault for a
   * transient failure, undici's own error for any other.
   */
  async request(url: string, r: UndiciRequest): Promise<UndiciResponse> {
    const t = r.timeouts;
    let res: Dispatcher.ResponseData;
    try {
      res = await request(url, {
        dispatcher: this.dispatcher,
        method: r.method,
        headers: r.headers,
        body: r.body,
        headersTimeout: t.headersMs,
        bodyTimeout: t.idleMs,
        signal: r.deadline.signal,
      });
    } catch (err) {
      if (r.body instanceof Readable) r.body.destroy();
      throw networkFault(err, undiciStall(err, t, r.deadline), url) ?? err;
    }
    const status = res.statusCode;
    if (isTransientStatus(status) || r.readBody?.(status) === false) {
      // Drained so the keep-alive connection can be reused.
      await res.body.dump().catch(() => undefined);
      if (isTransientStatus(status)) throw statusFault(status, res.headers['retry-after']);
      return { status, headers: res.headers, body: Buffer.alloc(0) };
    }
    const chunks: Buffer[] = [];
    let received = 0;
    try {
      for await (const chunk of res.body) {
        chunks.push(chunk as Buffer);
        received += (chunk as Buffer).length;
      }
    } catch (err) {
      throw networkFault(err, undiciStall(err, t, r.deadline, received), url) ?? err;
    }
    // undici checks this too; kept so a short body can never be handed on as complete.
    const declared = res.headers['content-length'];
    const short = r.method === 'HEAD' ? undefined : truncation(received, declared === undefined ? undefined : String(declared));
    if (short !== undefined) throw short;
    return { status, headers: res.headers, body: Buffer.concat(chunks, received) };
  }

  close(): Promise<void> {
    return this.agent.close();
  }
}
