/**
 * A registry whose tarball does not hash to what its packument pins, with the weak hashes old
 * packages carry (an md5 integrity, a sha1 shasum): a user error (exit 1) naming the package, the
 * expected and the actual hash, never a "transient" exit 75 that a queue would retry forever.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import http from 'node:http';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { bale, listFiles, oneErrorLine, tempDir } from '../helpers/cli.js';
import { closeServer, listenLoopback } from '../helpers/loopback.js';

const SERVED = Buffer.from('not the tarball the packument pins\n');
const PINNED = Buffer.from('the tarball that was published\n');
const b64 = (algorithm: string, data: Buffer): string => `${algorithm}-${createHash(algorithm).update(data).digest('base64')}`;

/** Each package's `dist` besides its tarball URL. */
const DIST: Record<string, Record<string, string>> = {
  'fx-md5': { integrity: b64('md5', PINNED) },
  'fx-sha1': { shasum: createHash('sha1').update(PINNED).digest('hex') },
};

describe('a tarball that does not match its md5 or sha1 pin', () => {
  let base = '';
  let server: http.Server;
  let t: { dir: string; cleanup: () => Promise<void> };
  before(async () => {
    server = http.createServer((req, res) => {
      const name = (req.url ?? '/').slice(1).split('/')[0] ?? '';
      const dist = DIST[name];
      if (dist === undefined) {
        res.writeHead(404).end('{}');
      } else if (req.url === `/${name}`) {
        const version = { name, version: '1.0.0', dist: { tarball: `${base}${name}/-/${name}-1.0.0.tgz`, ...dist } };
        res
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify({ name, 'dist-tags': { latest: '1.0.0' }, versions: { '1.0.0': version } }));
      } else {
        res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': SERVED.length }).end(SERVED);
      }
    });
    base = await listenLoopback(server);
    t = await tempDir('hash-mismatch');
  });
  after(async () => {
    await closeServer(server, new Set());
    await t.cleanup();
  });

  for (const [name, algorithm] of [
    ['fx-md5', 'md5'],
    ['fx-sha1', 'sha1'],
  ] as const) {
    test(`${algorithm}: exit 1, one line naming the package, expected and actual; no recipe written`, { timeout: 120_000 }, async () => {
      const recipes = path.join(t.dir, `r-${name}`);
      const r = await bale(['import', `npm:${name}`, '--registry', base, '--recipes', recipes], {
        env: { XDG_CACHE_HOME: path.join(t.dir, `c-${name}`) },
        timeoutMs: 110_000,
      });
      assert.equal(r.code, 1, r.stderr);
      const line = oneErrorLine(r.stderr);
      const expected = b64(algorithm, PINNED).replace(/[+/]/g, (c) => `\\${c}`);
      const actual = b64(algorithm, SERVED).replace(/[+/]/g, (c) => `\\${c}`);
      assert.match(
        line,
        new RegExp(
          `^bale: error: npm package ${name}@1\\.0\\.0 from ${base.replace(/\./g, '\\.')}${name}/-/${name}-1\\.0\\.0\\.tgz: integrity mismatch: expected ${expected}, got ${actual}: `,
        ),
      );
      assert.deepEqual(await listFiles(recipes), []);
    });
  }
});
