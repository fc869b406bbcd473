/**
 * Which Debian packages apt-cache knows, and which of those are transitional or dummy packages (a
 * dpkg check for one of those misses the real package behind it). One apt-cache call for all names;
 * a machine without apt-cache or without `apt-get update` fails the test with what to do.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';

export function aptCache(names: string[], what: string): { unknown: string[]; transitional: string[] } {
  const r = spawnSync('apt-cache', ['show', '--no-all-versions', ...names], {
    encoding: 'utf8',
    env: { ...process.env, LC_ALL: 'C' },
    maxBuffer: 64 << 20,
  });
  if (r.error !== undefined) {
    assert.fail(
      `apt-cache could not run (${r.error.message}): ${what} names Debian bookworm packages and this test checks each one with apt-cache; run it on Debian with apt installed and \`apt-get update\` done`,
    );
  }
  const known = new Set<string>();
  const transitional: string[] = [];
  for (const stanza of r.stdout.split(/\n\n+/)) {
    const pkg = /^Package: (\S+)$/m.exec(stanza)?.[1];
    if (pkg === undefined) continue;
    known.add(pkg);
    if (/transitional|dummy/i.test(/^Description(?:-en)?: (.*)$/m.exec(stanza)?.[1] ?? '')) transitional.push(pkg);
  }
  const unknown = names.filter((n) => !known.has(n));
  if (unknown.length === names.length) {
    assert.fail(
      `apt-cache knows none of ${names.length} Debian packages (${r.stderr.trim().split('\n')[0] ?? ''}): run \`apt-get update\` first`,
    );
  }
  return { unknown, transitional: [...new Set(transitional)].sort() };
}
