/**
 * Downloads of sources over HTTP(S): the undici transport of the HTTP core (src/http), one
 * concurrency slot per pooled connection and origin, the one retry loop, and this client's own
 * wording of what failed (the recipe's source URL is what a user fixes).
 *
 * Why not undici's retry interceptor: when a body breaks off mid-way it resumes with a Range
 * request and splices the parts; against a server that ignores Range it fails after one retry
 * ("server does not support the range header") instead of starting over. We need every attempt
 * to fetch the whole body from scratch (it is verified by hash afterwards), truncated bodies
 * retried like any other transient fault, and our own error types, so the loop is ours.
 */
import pLimit, { type LimitFunction } from 'p-limit';
import { redactUrls, TransientError, UserError } from '../errors/index.js';
import { describe, isBadUrl, RetryableFault } from '../http/faults.js';
import { gaveUp, retrying, type BackoffOptions } from '../http/retry.js';
import type { Deadline, HttpTimeouts } from '../http/timeouts.js';
import { UndiciTransport, type UndiciResponse } from '../http/undici-transport.js';

export interface HttpOptions {
  retries: number;
  timeouts: HttpTimeouts;
  userAgent: string;
  backoff: BackoffOptions;
}

/** Bounded so a build with hundreds of sources does not open hundreds of sockets to one registry. */
const CONNECTIONS_PER_ORIGIN = 8;
const MAX_REDIRECTIONS = 10;

export class HttpClient {
  private readonly transport: UndiciTransport;
  /** One slot per pooled connection and origin: a download's deadline starts with its slot, not while queued. */
  private readonly slots = new Map<string, LimitFunction>();

  constructor(private readonly opts: HttpOptions) {
    this.transport = new UndiciTransport({
      connections: CONNECTIONS_PER_ORIGIN,
      keepAliveMs: 10_000,
      connectMs: opts.timeouts.connectMs,
      maxRedirections: MAX_REDIRECTIONS,
    });
  }

  /** The whole body of a 2xx response; transient faults are retried with backoff, then a TransientError. */
  get(url: string): Promise<Buffer> {
    const policy = { retries: this.opts.retries, backoff: this.opts.backoff, deadlineMs: this.opts.timeouts.deadlineMs, lazy: true };
    return retrying(
      policy,
      (deadline) =>
        this.slot(url)(() => {
          deadline.start();
          return this.attempt(url, deadline);
        }),
      (fault, attempts) => gaveUp('EFETCH', redactUrls(url), fault, attempts, 'the server or network is failing'),
    );
  }

  close(): Promise<void> {
    return this.transport.close();
  }

  private slot(url: string): LimitFunction {
    let origin: string;
    try {
      origin = new URL(url).origin;
    } catch {
      origin = '';
    }
    let limit = this.slots.get(origin);
    if (limit === undefined) {
      limit = pLimit(CONNECTIONS_PER_ORIGIN);
      this.slots.set(origin, limit);
    }
    return limit;
  }

  private async attempt(url: string, deadline: Deadline): Promise<Buffer> {
    let res: UndiciResponse;
    try {
      res = await this.transport.request(url, {
        method: 'GET',
        // identity: the pinned hash is over the artifact's bytes, not a transfer encoding of them.
        headers: { 'user-agent': this.opts.userAgent, 'accept-encoding': 'identity' },
        timeouts: this.opts.timeouts,
        deadline,
        readBody: (status) => status >= 200 && status < 300,
      });
    } catch (err) {
      throw err instanceof RetryableFault ? err : permanent(url, err);
    }
    const status = res.status;
    if (status >= 200 && status < 300) return res.body;
    if (status === 404 || status === 403 || status === 410) {
      throw new UserError('ESOURCE', `${redactUrls(url)}: HTTP ${status}: the recipe's source URL is gone: re-import or fix the URL`);
    }
    if (status >= 300 && status < 400) {
      throw new UserError(
        'ESOURCE',
        `${redactUrls(url)}: HTTP ${status}: redirect without a usable Location, or more than ${MAX_REDIRECTIONS} redirects: fix the recipe's source URL`,
      );
    }
    throw new UserError('ESOURCE', `${redactUrls(url)}: HTTP ${status}: the server refused the download: fix the recipe's source URL`);
  }
}

/** A network failure that another attempt would not mend, in this client's words. */
function permanent(url: string, err: unknown): Error {
  if (isBadUrl(err)) {
    // undici reports bad URLs and redirect loops this way.
    return new UserError('ESOURCE', `${redactUrls(url)}: cannot download (${describe(err)}): fix the recipe's source URL`, { cause: err });
  }
  // Anything else (TLS failures, protocol errors) is not retried here; the queue may retry the job later.
  return new TransientError('EFETCH', `${redactUrls(url)}: ${describe(err)}: the download failed; check the network and try again`, {
    cause: err,
  });
}
