/**
 * The ecosystem registry: it covers every purl type, each descriptor gives every field and agrees
 * with its core part, and asking one ecosystem's descriptor loads nothing of another's.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { coreOfType, ecosystemCore, PREBUILT_KINDS, SOURCE_KINDS, type EcosystemCore } from '../../src/ecosystems/core.js';
import type { EcosystemDescriptor } from '../../src/ecosystems/descriptor.js';
import { ECOSYSTEM_DESCRIPTORS, ecosystem } from '../../src/ecosystems/index.js';
import { ECOSYSTEMS } from '../../src/purl/purl.js';
import { packageRoot } from '../../src/util/package-root.js';
import { matrixOf } from '../../src/cli/env.js';

/** Every field, so a descriptor missing one (rather than giving it as undefined) fails here. */
const CORE_FIELDS: readonly (keyof EcosystemCore)[] = ['id', 'sources', 'overrides', 'exactVersion', 'semver', 'pureRuntime'];
const FIELDS: readonly (keyof EcosystemDescriptor)[] = [...CORE_FIELDS, 'index', 'matrix', 'picker', 'importer', 'upstream', 'builder'];

describe('the ecosystem registry', () => {
  it('covers every purl type, each under its own id, and nothing else', () => {
    assert.deepEqual(Object.keys(ECOSYSTEM_DESCRIPTORS).sort(), [...ECOSYSTEMS].sort());
    for (const id of ECOSYSTEMS) {
      assert.equal(ecosystem(id).id, id);
      assert.equal(ecosystemCore(id).id, id);
      assert.equal(coreOfType(id), ecosystemCore(id));
    }
    assert.equal(coreOfType('generic'), undefined);
    assert.equal(coreOfType('constructor'), undefined);
  });

  for (const id of ECOSYSTEMS) {
    describe(id, () => {
      const d = ecosystem(id);

      it('gives every field (undefined where it has none), its core part unchanged', () => {
        for (const f of FIELDS) assert.ok(Object.hasOwn(d, f), `${id} descriptor lacks ${f}`);
        for (const f of CORE_FIELDS) {
          assert.ok(Object.hasOwn(ecosystemCore(id), f), `${id} core lacks ${f}`);
          assert.equal(d[f], ecosystemCore(id)[f], `${id}.${f} is its core part's`);
        }
        for (const f of ['picker', 'importer', 'upstream', 'builder'] as const) assert.equal(typeof d[f], 'function', `${id}.${f}`);
      });

      it("publishes at least one source kind, no other ecosystem's", () => {
        assert.ok(d.sources.length > 0);
        for (const s of d.sources) {
          assert.equal(typeof s.kind, 'string');
          assert.equal(typeof s.prebuilt, 'boolean');
          assert.equal(PREBUILT_KINDS.has(s.kind as never), s.prebuilt);
          for (const other of ECOSYSTEMS.filter((o) => o !== id))
            assert.ok(!ecosystem(other).sources.some((o) => o.kind === s.kind), `${s.kind} is ${id}'s only`);
        }
      });

      it('names an override table that bale ships, if any', () => {
        if (d.overrides !== undefined) assert.ok(existsSync(join(packageRoot(), 'overrides', d.overrides)), d.overrides);
      });

      it('names its index and matrix options, and parses a matrix', () => {
        if (d.index !== undefined) assert.ok(['registry', 'indexUrl', 'source'].includes(d.index.option));
        if (d.matrix !== undefined) {
          assert.ok(['node', 'python', 'ruby'].includes(d.matrix.option));
          const list = { node: '22', python: '3.11', ruby: '3.1' }[d.matrix.option];
          const options = {
            recipes: '/r',
            store: '/s',
            jobs: 1,
            json: false,
            sandbox: 'auto',
            iKnow: false,
            [d.matrix.option]: list,
          } as const;
          assert.ok((matrixOf(id, options) ?? []).length > 0);
        }
      });

      it('loads a picker, an importer, an upstream listing and a builder of its own', async () => {
        const pick = await d.picker();
        assert.equal(typeof pick, 'function');
        const up = await d.upstream();
        // Its own order: the versions its picker would choose between sort the same way.
        assert.ok(up.compare('1.0.0', '1.10.0') < 0 && up.compare('1.10.0', '1.9.0') > 0);
        await up.close();
        assert.equal((await d.importer()).ecosystem, id);
        assert.equal((await d.builder({ cacheDir: tmpdir() })).ecosystem, id);
      });
    });
  }

  it('lists every source kind, in registry order (zod names them in this order)', () => {
    assert.deepEqual(SOURCE_KINDS, ['npm-tarball', 'wheel', 'sdist', 'gem', 'deb']);
    assert.deepEqual([...PREBUILT_KINDS].sort(), ['deb', 'wheel']);
  });
});

const run = promisify(execFile);

/** The modules a script loads, from a resolve hook that appends each URL to a file. */
async function modulesLoaded(script: string): Promise<string[]> {
  const dir = await mkdtemp(join(tmpdir(), 'bale-eco-'));
  try {
    const log = join(dir, 'loaded.txt');
    const hooks = join(dir, 'hooks.mjs');
    await writeFile(
      hooks,
      `import { appendFileSync } from 'node:fs';\nexport async function resolve(s, c, next) { const r = await next(s, c); appendFileSync(${JSON.stringify(log)}, r.url + '\\n'); return r; }\n`,
    );
    const register = `import { register } from 'node:module'; register(${JSON.stringify(pathToFileURL(hooks).href)});`;
    await run(process.execPath, ['--import', `data:text/javascript,${encodeURIComponent(register)}`, '--input-type=module', '-e', script], {
      cwd: packageRoot(),
    });
    return (await readFile(log, 'utf8')).split('\n').filter((l) => l !== '');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe('asking a descriptor loads only what it asks for', () => {
  it("npm's picker and builder load no PEP 440, gem or dpkg code, and no other importer or builder", async () => {
    const dist = pathToFileURL(join(packageRoot(), 'dist', 'src')).href;
    const loaded = await modulesLoaded(
      `const { ecosystem } = await import('${dist}/ecosystems/index.js'); await import('${dist}/recipe/index.js');` +
        `const npm = ecosystem('npm'); await npm.picker(); await npm.builder({ cacheDir: '/tmp' });`,
    );
    assert.ok(
      loaded.some((u) => u.endsWith('/src/builder/npm/index.js')),
      'the npm builder was loaded',
    );
    const foreign = loaded.filter((u) =>
      /\/importers\/(?:pypi|rubygems|debian)\/(?!ecosystem(?:-core)?\.js$)|\/src\/builder\/(?:pypi|rubygems|debian)\/|@renovatebot\/pep440|\/importers\/npm\/index\.js$/.test(
        u,
      ),
    );
    assert.deepEqual(foreign, []);
  });
});
