import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isUserError } from '../../../src/errors/index.js';
import { MARKER_VARIABLES, markerEnv } from '../../../importers/pypi/environment.js';

describe('markerEnv', () => {
  it('describes CPython 3.11.7 on Linux x86_64', () => {
    assert.deepEqual(markerEnv({ version: '3.11', fullVersion: '3.11.7' }), {
      python_version: '3.11',
      python_full_version: '3.11.7',
      os_name: 'posix',
      sys_platform: 'linux',
      platform_release: '',
      platform_system: 'Linux',
      platform_version: '',
      platform_machine: 'x86_64',
      platform_python_implementation: 'CPython',
      implementation_name: 'cpython',
      implementation_version: '3.11.7',
    });
  });

  const versions: [string, string][] = [
    ['3.8', '3.8.18'],
    ['3.9', '3.9.0'],
    ['3.10', '3.10.13'],
    ['3.12', '3.12.1'],
    ['3.13', '3.13.0rc1'],
    ['3.14', '3.14.0a3'],
  ];
  for (const [version, fullVersion] of versions) {
    it(`follows the interpreter: ${fullVersion}`, () => {
      const env = markerEnv({ version, fullVersion });
      assert.equal(env.python_version, version);
      assert.equal(env.python_full_version, fullVersion);
      assert.equal(env.implementation_version, fullVersion);
    });
  }

  it('sets every PEP 508 variable, and only those', () => {
    assert.deepEqual(Object.keys(markerEnv({ version: '3.12', fullVersion: '3.12.1' })).sort(), [...MARKER_VARIABLES].sort());
    assert.equal(MARKER_VARIABLES.length, 11);
  });

  const bad: [string, string, string][] = [
    ['3.11', '3.11', "'3.11' is not X.Y.Z"],
    ['3.11', '3.11.x', "'3.11.x'"],
    ['3.11', 'latest', "'latest'"],
    ['3.11', ' 3.11.7', "' 3.11.7'"],
    ['3.11', '3.12.1', 'Python 3.12.1 is not a 3.11'],
    ['3.1', '3.11.7', 'Python 3.11.7 is not a 3.1'],
    ['3', '3.11.7', 'is not a 3'],
  ];
  for (const [version, fullVersion, why] of bad) {
    it(`refuses version ${JSON.stringify(version)} with ${JSON.stringify(fullVersion)}`, () => {
      assert.throws(
        () => markerEnv({ version, fullVersion }),
        (err: unknown) => isUserError(err) && (err as { code: string }).code === 'EPYTHON' && (err as Error).message.includes(why),
      );
    });
  }
});
