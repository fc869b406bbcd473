/** Shared by the signing tests: temp dirs, the real minisign binary, and bit flipping. */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { execa } from 'execa';
import { type ErrorCode, IntegrityError, isUserError } from '../../src/errors/index.js';

export async function tempDir(t: TestContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'bale-sign-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Run the real minisign (Debian's 0.11); `input` feeds passwords on stdin. */
export async function minisign(args: string[], opts: { cwd?: string; input?: string } = {}): Promise<Run> {
  const r = await execa('minisign', args, {
    cwd: opts.cwd,
    input: opts.input ?? '',
    reject: false,
    timeout: 120_000,
  });
  return { code: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr) };
}

export async function minisignOk(args: string[], opts: { cwd?: string; input?: string } = {}): Promise<Run> {
  const r = await minisign(args, opts);
  assert.equal(r.code, 0, `minisign ${args.join(' ')} failed: ${r.stdout}\n${r.stderr}`);
  return r;
}

/** A copy of `buf` with bit `bit` (0 = lowest bit of byte 0) inverted. */
export function flipBit(buf: Buffer, bit: number): Buffer {
  const out = Buffer.from(buf);
  out[bit >> 3] = out[bit >> 3]! ^ (1 << (bit & 7));
  return out;
}

/** Assert `fn` throws an IntegrityError (verification failed, not a format problem). */
export function assertIntegrity(fn: () => unknown, what: string): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof IntegrityError, `${what}: expected IntegrityError, got ${String(err)}`);
    return true;
  });
}

/** Assert `fn` throws a UserError that is NOT an IntegrityError, with `code`, whose message contains `needle`; `what` labels failures. */
export function assertUserError(fn: () => unknown, code: ErrorCode, needle: string, what = ''): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(isUserError(err) && !(err instanceof IntegrityError), `${what}: expected a plain UserError, got ${String(err)}`);
    assert.equal((err as { code: string }).code, code, `${what}: ${(err as Error).message}`);
    assert.ok((err as Error).message.includes(needle), `${(err as Error).message} should mention ${needle}`);
    assert.ok(!(err as Error).message.includes('\n'), 'one line');
    return true;
  });
}

export async function assertRejectsUser(p: Promise<unknown>, code: ErrorCode, needle: string, what = ''): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(isUserError(err) && !(err instanceof IntegrityError), `${what}: expected a plain UserError, got ${String(err)}`);
    assert.equal((err as { code: string }).code, code, `${what}: ${(err as Error).message}`);
    assert.ok((err as Error).message.includes(needle), `${(err as Error).message} should mention ${needle}`);
    assert.ok(!(err as Error).message.includes('\n'), 'one line');
    return true;
  });
}
