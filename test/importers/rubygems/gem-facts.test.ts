/** What the importer checks in a .gem's own spec: it is the gem and version the source listed. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkGemIdentity } from '../../../importers/rubygems/gem-facts.js';
import type { GemRelease } from '../../../importers/rubygems/gem-index.js';

const spec = (name: string, version: string): string =>
  `--- !ruby/object:Gem::Specification\nname: ${name}\nversion: !ruby/object:Gem::Version\n  version: ${version}\nplatform: ruby\nauthors:\n- someone\n`;

const release: GemRelease = {
  name: 'rack',
  version: '3.0.8',
  platform: 'ruby',
  dependencies: [],
  gemUrl: 'https://rubygems.example/gems/rack-3.0.8.gem',
};

test('a .gem whose spec is the release listed passes', () => {
  checkGemIdentity(release, spec('rack', '3.0.8'));
});

for (const [scenario, yaml, says] of [
  [
    'another gem',
    spec('evil', '3.0.8'),
    /asked for gem "rack" 3\.0\.8, https:\/\/rubygems\.example\/gems\/rack-3\.0\.8\.gem answered with a \.gem whose spec names "evil" 3\.0\.8: refusing it/,
  ],
  ['another version', spec('rack', '9.9.9'), /whose spec names "rack" 9\.9\.9/],
  ['no name at all', '--- !ruby/object:Gem::Specification\n', /whose spec names "\(no name\)" \(no version\)/],
] as const) {
  test(`a .gem whose spec names ${scenario} is refused, naming what was asked, what came and where`, () => {
    assert.throws(() => checkGemIdentity(release, yaml), { code: 'EIDENTITY', message: says });
  });
}
