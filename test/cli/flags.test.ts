import assert from 'node:assert/strict';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { isUsageError, oneLine } from '../../src/errors/index.js';
import * as flag from '../../src/cli/flags.js';

/** The usage error `fn` throws: its message, checked to be one line starting with `prefix`. */
function refusal(fn: () => unknown, prefix: string): string {
  try {
    fn();
  } catch (err) {
    assert.ok(isUsageError(err), `not a usage error: ${String(err)}`);
    assert.ok(err.message.startsWith(prefix), `${err.message} does not start with ${prefix}`);
    assert.doesNotMatch(oneLine(err), /\n/);
    return err.message;
  }
  assert.fail(`accepted; expected a usage error starting with ${prefix}`);
}

describe('flags: values checked where they came from', () => {
  let dir: string;
  let file: string;
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'bale-flags-'));
    file = path.join(dir, 'a-file');
    await writeFile(file, 'x');
    await mkdir(path.join(dir, 'a-dir'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('http(s) index URLs', () => {
    assert.equal(flag.httpUrl('--registry', 'https://registry.npmjs.org/', 'e'), 'https://registry.npmjs.org/');
    assert.equal(flag.httpUrl('--registry', 'http://user:pw@127.0.0.1:4873/', 'e'), 'http://user:pw@127.0.0.1:4873/');
    refusal(
      () => flag.httpUrl('--registry', 'file:///etc/', 'https://registry.npmjs.org/'),
      '--registry file:///etc/: must be an http(s) URL, e.g. https://registry.npmjs.org/',
    );
    refusal(() => flag.httpUrl('--registry', 'ht!tp:://x', 'e'), '--registry ht!tp:://x: not a URL');
    refusal(() => flag.httpUrl('--index-url', 'oci://x/y', 'e'), '--index-url oci://x/y: must be an http(s) URL');
    refusal(() => flag.httpUrl('--source', 'http://', 'e'), '--source http://: not a URL');
    assert.match(
      refusal(() => flag.httpUrl('--source', 'http://x\n/', 'e'), '--source '),
      /: holds a control character/,
    );
  });

  it('stores: a directory (absent is fine) or oci://', () => {
    assert.equal(flag.store('--store', path.join(dir, 'not-yet')), path.join(dir, 'not-yet'));
    assert.equal(flag.store('--store', path.join(dir, 'a-dir')), path.join(dir, 'a-dir'));
    assert.equal(flag.store('--store', 'oci://127.0.0.1:5000/bale'), 'oci://127.0.0.1:5000/bale');
    refusal(() => flag.store('--store', file), `--store ${file}: a regular file, not a directory`);
    refusal(() => flag.store('BALE_STORE', path.join(file, 'below')), `BALE_STORE=${path.join(file, 'below')}: ${file} is not a directory`);
    refusal(() => flag.store('--store', '/dev/null'), '--store /dev/null: a character device, not a directory');
    refusal(() => flag.store('--store', 'https://x/'), '--store https://x/: https:// cannot hold a store');
    refusal(() => flag.store('--store', 'oci://'), '--store oci://: "" is not a registry host');
  });

  it("input files must be regular files; output files are the writer's to check, but for a parent that is a file", () => {
    assert.equal(flag.inputFile('--key', file, 'h'), file);
    refusal(
      () => flag.inputFile('--key', path.join(dir, 'nope'), 'create one'),
      `--key ${path.join(dir, 'nope')}: no such file; create one`,
    );
    refusal(() => flag.inputFile('--from-file', dir, 'h'), `--from-file ${dir}: a directory, not a file`);
    refusal(() => flag.inputFile('--trust', '/dev/zero', 'h'), '--trust /dev/zero: is a character device, not a regular file');
    assert.equal(flag.outputFile('-o', path.join(dir, 'new.toml')), path.join(dir, 'new.toml'));
    // What sits at the path is checked by the command before any work (atomic-write's checkOutputFile, as a usage error).
    assert.equal(flag.outputFile('--rootfs', dir), dir);
    refusal(() => flag.outputFile('--rootfs', ''), '--rootfs "": empty');
    refusal(
      () => flag.outputFile('--out', path.join(file, 'k')),
      `--out ${path.join(file, 'k')}: cannot write there (a parent is not a directory)`,
    );
    assert.equal(flag.outputDirectory('--oci', file), file);
  });

  it('numbers name their own flag', () => {
    assert.equal(flag.wholeNumber('--concurrency', '4', 1, 256), 4);
    for (const bad of ['-5', '0', '257', '1.5', 'abc', '', '0x10', '1e2']) {
      refusal(
        () => flag.wholeNumber('--concurrency', bad, 1, 256),
        `--concurrency ${bad === '' ? '""' : bad}: expected a whole number from 1 to 256`,
      );
    }
  });

  it('durations, interpreter lists, image names and tags, image references', () => {
    assert.equal(flag.duration('--build-timeout', '20m'), 1_200_000);
    refusal(() => flag.duration('--build-timeout', '0'), '--build-timeout 0: expected a duration');
    assert.equal(flag.interpreterList('--node', '20,22'), '20,22');
    refusal(() => flag.interpreterList('--node', 'abc'), '--node abc: bad Node version "abc"');
    refusal(() => flag.interpreterList('--python', '2.7'), 'bad --python "2.7"');
    refusal(() => flag.interpreterList('--ruby', 'x'), 'bad --ruby "x"');
    refusal(() => flag.imageName('--name', 'App'), '--name App: expected an image name');
    refusal(() => flag.imageTag('--tag', '-x'), '--tag -x: expected a tag');
    refusal(() => flag.imageRef('bale pull', 'oci://127.0.0.1:5000'), 'bale pull oci://127.0.0.1:5000: names no repository');
    refusal(() => flag.registryUrl('--to', 'https://x/'), '--to https://x/: a registry URL starts with oci://');
  });
});
