/** exitWhenIdle: a quick exit loses no output and cuts nothing short that is still running. */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const EXIT = fileURLToPath(new URL('../../src/cli/exit.js', import.meta.url));

/** Runs `body` (ESM, with exitWhenIdle in scope) in a child; stdout is read slowly, in small pieces. */
function run(body: string): Promise<{ code: number | null; out: Buffer }> {
  const script = `import { exitWhenIdle } from ${JSON.stringify(EXIT)};\n${body}`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  const parts: Buffer[] = [];
  child.stdout.on('data', (b: Buffer) => {
    parts.push(b);
    // A slow reader: the pipe fills and the writer must wait for it.
    child.stdout.pause();
    setTimeout(() => child.stdout.resume(), 2);
  });
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, out: Buffer.concat(parts) })));
}

describe('exitWhenIdle', () => {
  it('exits with the code after all of a large output reached a slow reader', async () => {
    const r = await run(`process.stdout.write('x'.repeat(3 * 1024 * 1024) + 'end'); exitWhenIdle(3);`);
    assert.equal(r.code, 3);
    assert.equal(r.out.length, 3 * 1024 * 1024 + 3);
    assert.ok(r.out.subarray(-3).equals(Buffer.from('end')));
  });

  it('waits for a running timer instead of exiting at once', async () => {
    const r = await run(`setTimeout(() => process.stdout.write('late'), 200); exitWhenIdle(4);`);
    assert.equal(r.code, 4);
    assert.equal(r.out.toString(), 'late');
  });

  it('exits at once when nothing is left running', async () => {
    // An unref'd timer does not hold the process: the natural exit would not wait for it either.
    const r = await run(`setTimeout(() => process.stdout.write('never'), 5000).unref(); process.stdout.write('done'); exitWhenIdle(0);`);
    assert.equal(r.code, 0);
    assert.equal(r.out.toString(), 'done');
  });
});
