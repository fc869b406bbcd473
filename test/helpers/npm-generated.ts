/**
 * Generated npm packages for bulk runs (`--from-file`, `--keep-going`): many small roots, each
 * depending on one shared package (so a test can count how often its packument is fetched), and a
 * few broken on purpose, one per category bale sorts failures into. Served through
 * startNpmRegistry({ extraPackages }); packed in code like fx-bigfile, in well under a second.
 */
import { packFiles, publishedManifest, type Manifest } from './npm-fixtures.js';

export interface GeneratedPackage {
  manifest: Manifest;
  tarball: Buffer;
}

/** The shared dependency every generated root needs. */
export const SHARED = 'fx-gen-shared';

/** A broken root: the spec, and the category `--keep-going` must report it under. */
export interface BrokenRoot {
  spec: string;
  category: string;
  /** Only a build shows it (request, build): an import of it succeeds. */
  buildOnly?: true;
}

async function pack(pkg: Manifest, index = 'module.exports = 1;\n'): Promise<GeneratedPackage> {
  const files = [
    { path: 'package.json', body: Buffer.from(`${JSON.stringify(pkg, null, 2)}\n`) },
    { path: 'index.js', body: Buffer.from(index) },
  ];
  return {
    manifest: publishedManifest(
      pkg,
      files.map((f) => f.path),
    ),
    tarball: await packFiles(files),
  };
}

/** `fx-gen-0000`: the name of generated root `i`. */
export const genName = (i: number): string => `fx-gen-${String(i).padStart(4, '0')}`;

/**
 * `count` healthy roots (`fx-gen-NNNN@1.0.0`, each needing fx-gen-shared@^1), and the broken ones:
 * the packages they need that the fixture registry does not already serve.
 */
export async function generatedRoots(count: number): Promise<{ packages: GeneratedPackage[]; healthy: string[]; broken: BrokenRoot[] }> {
  const base = { main: 'index.js', license: 'MIT' };
  const packages: GeneratedPackage[] = [await pack({ name: SHARED, version: '1.2.0', ...base })];
  const healthy: string[] = [];
  for (let i = 0; i < count; i++) {
    packages.push(await pack({ name: genName(i), version: '1.0.0', ...base, dependencies: { [SHARED]: '^1.0.0' } }));
    healthy.push(`npm:${genName(i)}@1.0.0`);
  }
  // A dependency no registry serves: bale pins registry packages only.
  packages.push(
    await pack({ name: 'fx-gen-gitdep', version: '1.0.0', ...base, dependencies: { 'fx-left': 'git+https://example.invalid/left.git' } }),
  );
  // An install script that exits 1: its import succeeds, its build fails.
  packages.push(await pack({ name: 'fx-gen-fails', version: '1.0.0', ...base, scripts: { postinstall: 'node -e "process.exit(1)"' } }));
  const broken: BrokenRoot[] = [
    { spec: 'npm:fx-gen-nope', category: 'not found' },
    { spec: 'npm:fx-needs-missing', category: 'not found' },
    { spec: `npm:${genName(1)}@^9.0.0`, category: 'no matching version' },
    { spec: `npm:${SHARED}@2`, category: 'no matching version' },
    { spec: 'npm:fx-gen-gitdep', category: 'unsatisfiable' },
    { spec: 'npm:fx-darwin-only', category: 'platform' },
    { spec: 'npm:fx-500', category: 'registry failure' },
    { spec: 'npm:fx-garbage', category: 'registry failure' },
    { spec: 'npm:fx-gen-fails@1.0.0', category: 'build failure', buildOnly: true },
  ];
  return { packages, healthy, broken };
}

/**
 * One small generated package version (`main: index.js`, MIT), for tests that publish between runs;
 * `scripts` gives it install scripts (`{ postinstall: 'node -e "process.exit(1)"' }` fails its build).
 */
export function generatedVersion(
  name: string,
  version: string,
  dependencies?: Record<string, string>,
  scripts?: Record<string, string>,
): Promise<GeneratedPackage> {
  return pack(
    {
      name,
      version,
      main: 'index.js',
      license: 'MIT',
      ...(dependencies !== undefined ? { dependencies } : {}),
      ...(scripts !== undefined ? { scripts } : {}),
    },
    `module.exports = '${name}@${version}';\n`,
  );
}
