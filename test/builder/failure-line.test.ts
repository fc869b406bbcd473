/**
 * The line a failed build is reported by, on real logs (fixtures/logs/, captured from the tools
 * themselves: node-gyp, node-pre-gyp, prebuild-install, cmake-ts, Node's uncaught exceptions, run
 * with no network as in the sandbox; paths rewritten to the sandbox's).
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import { failureLine } from '../../src/builder/failure-line.js';
import { repoRoot } from '../helpers/npm-fixtures.js';

const NETWORK = ': this build needs the network, which builds never have';

const log = (name: string): Promise<string> => readFile(path.join(repoRoot(), 'fixtures/logs', name), 'utf8');

describe('failureLine on real logs', () => {
  const cases: { log: string; want: string }[] = [
    {
      // zeromq@6.8.0: the cause is a refused download; the log ends with a stack and "Node.js v20.20.2".
      log: 'zeromq-cmake-ts-download.log',
      want: `[ERROR cmake-ts] Error building config  Error: Failed to download https://nodejs.org/dist/v20.20.2/SHASUMS256.txt: Error: getaddrinfo EAI_AGAIN nodejs.org${NETWORK}`,
    },
    { log: 'node-gyp-compile-error.log', want: '../src/broken.c:2:60: error: ‘undeclared_thing’ undeclared (first use in this function)' },
    { log: 'node-gyp-no-make.log', want: 'gyp ERR! stack Error: not found: make' },
    {
      log: 'node-pre-gyp-download.log',
      want: `[error] install request to https://github.com/x/y/releases/download/v12.4.1/node-v115-linux-x64.tar.gz failed, reason: getaddrinfo EAI_AGAIN github.com${NETWORK}`,
    },
    // prebuild-install only warns about its download; the fallback's compile error is the cause.
    {
      log: 'prebuild-install-then-compile-error.log',
      want: '../src/broken.c:2:60: error: ‘undeclared_thing’ undeclared (first use in this function)',
    },
    // The cause names the host; "TypeError: fetch failed" does not.
    { log: 'fetch-failed-cause.log', want: `[cause]: Error: getaddrinfo EAI_AGAIN registry.npmjs.org${NETWORK}` },
    { log: 'https-getaddrinfo.log', want: `Error: getaddrinfo EAI_AGAIN github.com${NETWORK}` },
    { log: 'thrown-module-not-found.log', want: "Error: Cannot find module './missing-config.json'" },
  ];
  for (const c of cases) {
    it(c.log, async () => {
      const text = await log(c.log);
      assert.equal(failureLine(text), c.want);
      assert.notEqual(failureLine(text), text.trim().split('\n').at(-1)!.trim(), 'not the last line');
    });
  }
});

describe('failureLine on small logs', () => {
  const cases: { name: string; log: string; want: string }[] = [
    { name: 'no output', log: '', want: '(no output)' },
    { name: 'blank lines only', log: '\n  \n\n', want: '(no output)' },
    { name: 'nothing error-like: the last line', log: 'configuring\nwriting files\ndone?\n', want: 'done?' },
    { name: 'only a Node.js trailer', log: '\nNode.js v20.20.2\n', want: 'Node.js v20.20.2' },
    { name: 'colours are removed', log: '\u001b[31mfatal: something broke\u001b[0m\nNode.js v20.20.2\n', want: 'fatal: something broke' },
    {
      name: 'a warned download is not the cause',
      log: 'prebuild-install warn install getaddrinfo EAI_AGAIN github.com\nsh: 1: node-gyp: not found\n',
      want: 'sh: 1: node-gyp: not found',
    },
    {
      name: 'curl',
      log: 'downloading libfoo\ncurl: (6) Could not resolve host: example.org\nmake: *** [all] Error 6\n',
      want: `curl: (6) Could not resolve host: example.org${NETWORK}`,
    },
    {
      name: 'a linker error',
      log: '  LINK(target) Release/x.node\n/usr/bin/ld: cannot find -lzmq: No such file or directory\ncollect2: error: ld returned 1 exit status\nmake: *** [x.target.mk:1] Error 1\n',
      want: '/usr/bin/ld: cannot find -lzmq: No such file or directory',
    },
    { name: 'a long line is cut', log: `Error: ${'x'.repeat(400)}\n`, want: `Error: ${'x'.repeat(290)}...` },
  ];
  for (const c of cases) {
    it(c.name, () => {
      assert.equal(failureLine(c.log), c.want);
    });
  }
});
