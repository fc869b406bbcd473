import { chmodSync, mkdtempSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after } from 'node:test';
import { detectHostToolchain } from '../../src/sandbox/toolchain.js';
import type { Mount } from '../../src/sandbox/types.js';

/** A fresh host directory, removed when the test file ends. */
export function tempDir(prefix = 'bale-sandbox-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  // Readable like the directories bale binds (as root, builds run as an unprivileged uid).
  chmodSync(dir, 0o755);
  after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** The running node, used as the program under test inside the sandbox. */
export const NODE = realpathSync(process.execPath);

/** Binds the running node's prefix when the host toolchain does not already cover it (CI images
 * keep node under /opt). */
export function nodeMounts(): Mount[] {
  const covered = detectHostToolchain().roBinds.some((d) => NODE.startsWith(`${d}/`));
  const prefix = dirname(dirname(NODE));
  return covered ? [] : [{ host: prefix, sandbox: prefix }];
}

export const readText = (file: string): string => readFileSync(file, 'utf8');

/** Env lines printed by /usr/bin/env, as a sorted list for comparison. */
export const envLines = (env: Record<string, string>): string[] =>
  Object.entries(env)
    .map(([k, v]) => `${k}=${v}`)
    .sort();

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
