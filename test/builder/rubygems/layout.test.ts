import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isUserError } from '../../../src/errors/index.js';
import {
  extensionDir,
  gemDir,
  gemFullName,
  gemInstallDir,
  interpreterPath,
  isValidGemName,
  rubyPackageName,
  specificationPath,
} from '../../../src/builder/rubygems/layout.js';

const refuses = (fn: () => unknown, says: string): void =>
  assert.throws(fn, (err: Error) => isUserError(err) && err.message.includes(says) && !err.message.includes('\n'));

test('gemDir is RbConfig ruby_version under usr/lib/ruby/gems', () => {
  assert.equal(gemDir('3.1.0'), 'usr/lib/ruby/gems/3.1.0');
  assert.equal(gemDir('3.3.0'), 'usr/lib/ruby/gems/3.3.0');
  for (const bad of ['3.1', '3.1.0/..', '../3.1.0', '', '3.1.0 ']) refuses(() => gemDir(bad), 'ruby_version');
});

test('where a gem, its spec and its extensions go', () => {
  assert.equal(gemInstallDir('3.1.0', 'rack-3.0.8'), 'usr/lib/ruby/gems/3.1.0/gems/rack-3.0.8');
  assert.equal(specificationPath('3.1.0', 'rack-3.0.8'), 'usr/lib/ruby/gems/3.1.0/specifications/rack-3.0.8.gemspec');
  assert.equal(
    extensionDir('3.1.0', 'x86_64-linux', '3.1.0', 'zext-0.1.0'),
    'usr/lib/ruby/gems/3.1.0/extensions/x86_64-linux/3.1.0/zext-0.1.0',
  );
  assert.equal(
    extensionDir('3.1.0', 'x86_64-linux', '3.1.0-static', 'z-1'),
    'usr/lib/ruby/gems/3.1.0/extensions/x86_64-linux/3.1.0-static/z-1',
  );
  refuses(() => extensionDir('3.1.0', '../x', '3.1.0', 'z-1'), 'platform');
  refuses(() => extensionDir('3.1.0', 'x86_64-linux', '3.1', 'z-1'), 'extension API');
});

const fullNames: Array<[string, string, string, string]> = [
  ['rack', '3.0.8', 'ruby', 'rack-3.0.8'],
  ['nokogiri', '1.16.0', 'x86_64-linux', 'nokogiri-1.16.0-x86_64-linux'],
  ['nokogiri', '1.18.0', 'x86_64-linux-gnu', 'nokogiri-1.18.0-x86_64-linux-gnu'],
  ['rails', '7.1.0.rc1', 'ruby', 'rails-7.1.0.rc1'],
  ['RedCloth', '4.3.2', 'ruby', 'RedCloth-4.3.2'],
];
for (const [name, version, platform, want] of fullNames) {
  test(`gemFullName ${want}`, () => assert.equal(gemFullName(name, version, platform), want));
}

test('gemFullName refuses what would not be a single safe path segment', () => {
  refuses(() => gemFullName('../x', '1.0', 'ruby'), 'not a valid RubyGems name');
  refuses(() => gemFullName('a/b', '1.0', 'ruby'), 'not a valid RubyGems name');
  refuses(() => gemFullName('..', '1.0', 'ruby'), 'not a valid RubyGems name');
  refuses(() => gemFullName('x', '1..0', 'ruby'), 'not a valid Gem::Version');
  refuses(() => gemFullName('x', 'v1', 'ruby'), 'not a valid Gem::Version');
  refuses(() => gemFullName('x', '1.0/..', 'ruby'), 'not a valid Gem::Version');
  refuses(() => gemFullName('x', '1.0', '../linux'), 'not a valid Gem::Platform');
  assert.equal(isValidGemName('_x'), true);
  assert.equal(isValidGemName('-'), false);
});

test('rubyPackageName: ruby<X.Y>-<name> and -bin, the gem name kept exactly', () => {
  assert.equal(rubyPackageName('rack', '3.1'), 'ruby3.1-rack');
  assert.equal(rubyPackageName('rack', '3.1', true), 'ruby3.1-rack-bin');
  assert.equal(rubyPackageName('RedCloth', '3.3'), 'ruby3.3-RedCloth');
  assert.equal(rubyPackageName('net-http_persistent.x', '3.10'), 'ruby3.10-net-http_persistent.x');
  refuses(() => rubyPackageName('rack', '3.1.2'), 'MAJOR.MINOR');
  refuses(() => rubyPackageName('rack', '3'), 'MAJOR.MINOR');
  refuses(() => rubyPackageName('ra ck', '3.1'), 'not a valid RubyGems name');
});

test('interpreterPath names the versioned Ruby, as Debian installs it', () => {
  assert.equal(interpreterPath('3.1'), '/usr/bin/ruby3.1');
  refuses(() => interpreterPath('3.1.0'), 'MAJOR.MINOR');
});
