/** Shared by the attestation tests: claims, keys, temp dirs and error checks. */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import type { BuildClaim, Envelope } from '../../src/attest/index.js';
import { isUserError } from '../../src/errors/index.js';
import { generateKeyPair, type PublicKey, type SecretKey } from '../../src/sign/index.js';

export async function tempDir(t: TestContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'bale-attest-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

export const sha256 = (s: string | Buffer): string => createHash('sha256').update(s).digest('hex');

export interface KeyPair {
  pub: PublicKey;
  sec: SecretKey;
}

export function keyPair(): KeyPair {
  const { publicKey, secretKey } = generateKeyPair();
  return { pub: publicKey, sec: secretKey };
}

/** A complete claim, as a builder would fill it; `over` replaces fields. */
export function claim(over: Partial<BuildClaim> = {}): BuildClaim {
  return {
    buildKey: sha256('build key of express'),
    packageFile: 'node22-express-4.21.2-1a2b3c4d5e6f.tar.gz',
    sha256: sha256('the express package archive'),
    recipe: { purl: 'pkg:npm/express@4.21.2', digest: sha256('recipe text') },
    target: { kind: 'node', version: '22.12.0' },
    sources: [
      {
        uri: 'https://registry.npmjs.org/express/-/express-4.21.2.tgz',
        integrity: `sha512-${createHash('sha512').update('express tarball').digest('base64')}`,
      },
    ],
    inputs: [
      { name: 'node22-debug-2.6.9-0a0b0c0d0e0f.tar.gz', sha256: sha256('debug archive'), buildKey: sha256('build key of debug') },
      { name: 'pkg:npm/ms@2.0.0', sha256: sha256('ms archive'), buildKey: sha256('build key of ms').slice(0, 32) },
    ],
    baleVersion: '0.1.0',
    startedOn: '2025-01-31T12:00:00.000Z',
    finishedOn: '2025-01-31T12:00:07.250Z',
    ...over,
  };
}

/** The envelope's payload, decoded and parsed. */
export function payloadJson(env: Envelope): Record<string, unknown> {
  return JSON.parse(Buffer.from(env.payload, 'base64').toString('utf8')) as Record<string, unknown>;
}

/** The envelope with its payload replaced by `value` (as JSON), signatures untouched. */
export function withPayload(env: Envelope, value: unknown): Envelope {
  return { ...env, payload: Buffer.from(JSON.stringify(value)).toString('base64') };
}

/** Assert `fn` throws a one-line UserError with `code` whose message contains every needle. */
export function assertUserError(fn: () => unknown, code: string, ...needles: string[]): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(isUserError(err), `expected a UserError, got ${String(err)}`);
    assert.equal((err as { code: string }).code, code, (err as Error).message);
    for (const n of needles) assert.ok((err as Error).message.includes(n), `${(err as Error).message} should mention ${n}`);
    assert.ok(!(err as Error).message.includes('\n'), 'one line');
    return true;
  });
}
