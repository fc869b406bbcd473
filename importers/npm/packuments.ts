import type pacote from 'pacote';
import semver from 'semver';
import type { LimitFunction } from 'p-limit';
import { redactUrls, TransientError, UserError } from '../../src/errors/index.js';
import { parseRetryAfter } from '../../src/http/faults.js';
import { pacoteStall, pacoteTimeouts } from '../../src/http/pacote.js';
import { Deadline, stallError, type HttpTimeouts } from '../../src/http/timeouts.js';
import type { NpmOptions } from './npmrc.js';
import { registryFor } from './npmrc.js';
import { packumentUrl, packumentUrlAt, slimPackument, type Packument, type NpmVersion } from './packument.js';
import { QuickStall } from './quick-fetch.js';
import { checkSourceUrl, identityError } from '../identity.js';
import { loadModule } from '../../src/util/load-module.js';

const FIX = 'the registry (--registry, .npmrc) answers for another package: check it, or use another';

/** A packument naming another package (a broken or hostile registry, a misrouting proxy) is refused. */
export function checkPackumentName(asked: string, doc: Packument, url: string, chain: readonly string[]): void {
  if (doc.name !== undefined && doc.name !== asked) {
    throw identityError(`npm package "${asked}"${chainText(chain)}`, `the packument of ${JSON.stringify(String(doc.name))}`, url, FIX);
  }
}

/**
 * The version picked: its manifest names the package and version it is filed under (missing fields
 * are taken as such, as npm does), and its tarball is an http(s) URL.
 */
export function checkVersionManifest(asked: string, version: string, m: NpmVersion, url: string, chain: readonly string[]): void {
  const what = `npm package "${asked}"@${version}${chainText(chain)}`;
  const sameVersion =
    m.version === undefined ||
    m.version === version ||
    (semver.valid(m.version, { loose: true }) !== null &&
      semver.valid(version, { loose: true }) !== null &&
      semver.eq(m.version, version, { loose: true }));
  if ((m.name !== undefined && m.name !== asked) || !sameVersion) {
    throw identityError(what, `a manifest of ${JSON.stringify(`${String(m.name ?? asked)}@${String(m.version ?? version)}`)}`, url, FIX);
  }
  if (typeof m.dist?.tarball !== 'string')
    throw new UserError('EREGISTRY', `${what}: ${url} gives no dist.tarball for it: check the registry`);
  checkSourceUrl(what, m.dist.tarball, url, 'check the registry (--registry, .npmrc)');
}

/** "a@1 > b@2 > c": how the crawl reached a name, for errors a user can act on. */
export function chainText(chain: readonly string[]): string {
  return chain.length === 0 ? '' : ` (required by ${chain.join(' > ')})`;
}

/** How the fetch of one packument went before pacote's error: its timeouts, deadline, and a stall of the fast path. */
interface Attempted {
  t: HttpTimeouts;
  deadline: Deadline;
  quickStall: QuickStall | undefined;
}

/** The one line of a stalled packument: its URL, the package (and who asked for it), what stalled. */
function stalled(
  name: string,
  chain: readonly string[],
  url: string,
  stall: string,
  attempts: number | undefined,
  cause: unknown,
): TransientError {
  return stallError('EREGISTRY', `${redactUrls(url)} (npm package "${name}"${chainText(chain)})`, stall, attempts, cause);
}

function classify(err: unknown, name: string, chain: readonly string[], registry: string, a: Attempted): Error {
  const e = err as { code?: string; statusCode?: number; message?: string; name?: string; type?: string };
  const by = chainText(chain);
  const stall = pacoteStall(err, a.t, a.deadline);
  if (stall !== undefined) {
    // After a fast-path stall pacote made one attempt; alone it may have made up to 1 + fetchRetries.
    return stalled(name, chain, packumentUrlAt(name, registry), stall, a.quickStall === undefined ? undefined : 2, err);
  }
  if (e.code === 'E404' || e.statusCode === 404) {
    return new UserError(
      'ENOTFOUND',
      `npm package "${name}"${by} not found on ${registry}: check the name, or pass --registry for a mirror that has it`,
    );
  }
  // minipass-fetch reports a body that is not JSON as type 'invalid-json'.
  if (e.type === 'invalid-json' || e.code === 'EJSONPARSE' || e.name === 'SyntaxError' || e.code === 'EBADPACKUMENT') {
    return new UserError(
      'EREGISTRY',
      `registry ${registry} sent something that is not a packument for "${name}"${by}: check the registry URL`,
    );
  }
  if (e.statusCode === 429 || e.statusCode === 408) {
    // Rate limited or timed out: a later attempt may pass (the queue pauses imports for Retry-After).
    const h = (err as { headers?: { get?: (k: string) => string | null } | Record<string, string> }).headers;
    const raw =
      h === undefined
        ? undefined
        : typeof h.get === 'function'
          ? (h.get('retry-after') ?? undefined)
          : (h as Record<string, string>)['retry-after'];
    return new TransientError('EREGISTRY', `registry ${registry} answered HTTP ${e.statusCode} for "${name}"${by}: try again later`, {
      cause: err,
      retryAfterMs: parseRetryAfter(raw),
    });
  }
  if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
    return new UserError('EREGISTRY', `registry ${registry} refused "${name}"${by} with HTTP ${e.statusCode}: check credentials in .npmrc`);
  }
  const why = typeof e.statusCode === 'number' ? `HTTP ${e.statusCode}` : (e.code ?? e.message ?? String(err));
  return new TransientError('EREGISTRY', `registry ${registry} failed for "${name}"${by} (${why}): try again later`, { cause: err });
}

/** Fetches each packument once per import, through a bounded pool. */
export class PackumentSource {
  private readonly cache = new Map<string, Promise<Packument>>();

  constructor(
    private readonly npmOptions: NpmOptions,
    private readonly limit: LimitFunction,
    /**
     * The fast path (quick-fetch.ts), tried first when given; pacote answers whatever it cannot.
     * It may reject with QuickStall, within `deadline`.
     */
    private readonly quick: ((name: string, deadline: Deadline) => Promise<Packument | undefined>) | undefined,
    /** The metadata timeouts: `httpTimeouts('metadata')`. */
    private readonly timeouts: HttpTimeouts,
  ) {}

  get(name: string, chain: readonly string[]): Promise<Packument> {
    let p = this.cache.get(name);
    if (p === undefined) {
      p = this.limit(() => this.fetch(name, chain));
      this.cache.set(name, p);
    }
    return p;
  }

  /** Where the packument of `name` comes from, for messages. */
  urlOf(name: string): string {
    return packumentUrl(name, this.npmOptions);
  }

  /** One deadline for the whole packument: the fast path, then pacote with its retries. */
  private async fetch(name: string, chain: readonly string[]): Promise<Packument> {
    const deadline = new Deadline(this.timeouts.deadlineMs);
    try {
      let quick: Packument | undefined;
      let quickStall: QuickStall | undefined;
      try {
        quick = await this.quick?.(name, deadline);
      } catch (err) {
        if (!(err instanceof QuickStall)) throw err;
        if (deadline.expired) throw stalled(name, chain, err.url, err.stall, 1, err);
        quickStall = err;
      }
      const doc = quick ?? (await this.viaPacote(name, chain, { t: this.timeouts, deadline, quickStall }));
      checkPackumentName(name, doc, this.urlOf(name), chain);
      return slimPackument(doc);
    } finally {
      deadline.dispose();
    }
  }

  private async viaPacote(name: string, chain: readonly string[], a: Attempted): Promise<Packument> {
    const registry = registryFor(name, this.npmOptions);
    try {
      const { default: pacoteLib } = await loadModule<{ default: typeof import('pacote') }>('pacote');
      const doc = (await pacoteLib.packument(name, {
        ...this.npmOptions,
        // No disk cache: an import wants current metadata, the in-process map already fetches each
        // name once, and cacache's writes cost more CPU than the crawl itself (measured).
        cache: undefined,
        fullMetadata: false,
        preferOnline: true,
        // npm's default backoff starts at 10 s; a crawl of hundreds of names wants faster retries.
        // After a stall of the fast path this is the one more attempt a stall gets.
        fetchRetries: a.quickStall === undefined ? 2 : 0,
        fetchRetryMintimeout: 200,
        fetchRetryMaxtimeout: 2000,
        ...pacoteTimeouts(a.t, a.deadline),
      } as pacote.Options)) as unknown as Packument;
      if (doc === null || typeof doc !== 'object' || typeof doc.versions !== 'object' || doc.versions === null) {
        throw Object.assign(new Error('not a packument'), { code: 'EBADPACKUMENT' });
      }
      return doc;
    } catch (err) {
      throw classify(err, name, chain, registry, a);
    }
  }
}
