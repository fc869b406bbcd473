/**
 * Who may import whom (DESIGN.md), checked on every `npm test` by dependency-cruiser. A broken rule
 * fails with its name and the offending import. Paths are repository-relative TypeScript sources;
 * type-only and dynamic imports count like any other (an architecture is broken by a type too).
 */

// Core: reads no ecosystem's code and no heavier layer. The ecosystems' data cores
// (importers/<eco>/ecosystem-core.ts) count as core: the recipe schema reads them.
const CORE = [
  '^src/(purl|errors|recipe|limits|util)/',
  '^src/ecosystems/core\\.ts$',
  '^importers/[^/]+/ecosystem-core\\.ts$',
  // The SOURCE_DATE_EPOCH range: a recipe is held to it, and the packer writes it.
  '^src/packer/(epoch|entry)\\.ts$',
];

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'A circular import is a bug (DESIGN.md): split the shared part into its own module.',
      from: { path: '^(src|importers|queue)/' },
      to: { circular: true },
    },
    {
      name: 'core-imports-only-core',
      severity: 'error',
      comment: 'Core (purl, errors, recipe schema, limits, util, the ecosystem data cores) imports nothing else of ours.',
      from: { path: CORE },
      to: { path: '^(src|importers|queue)/', pathNot: CORE },
    },
    {
      name: 'importers-write-recipes-not-packages',
      severity: 'error',
      comment:
        'Importers resolve specs into recipes: they never build, pack, store, sandbox or push. ' +
        "A descriptor's builder thunk (importers/<eco>/ecosystem.ts) is the one way to its builder.",
      from: { path: '^importers/', pathNot: '^importers/[^/]+/ecosystem\\.ts$' },
      to: { path: ['^src/(builder|store|sandbox|image|install|registry|sign|cli)/', '^src/packer/(?!entry\\.ts$|epoch\\.ts$)', '^queue/'] },
    },
    {
      name: 'ecosystem-facts-are-pure',
      severity: 'error',
      comment: "An ecosystem's facts (importers/<eco>/facts/: readers of its formats its importer and builder share) import only core.",
      from: { path: '^importers/[^/]+/facts/' },
      to: { path: '^(src|importers|queue)/', pathNot: [...CORE, '^importers/[^/]+/facts/'] },
    },
    {
      name: 'builder-never-imports-importers',
      severity: 'error',
      comment:
        'The builder fetches pinned sources by hash and resolves nothing: no importer, no registry API. ' +
        "It may read an ecosystem's data core and facts.",
      from: { path: '^src/builder/' },
      to: {
        path: ['^importers/', '^src/registry/', '^src/cli/'],
        pathNot: ['^importers/[^/]+/ecosystem-core\\.ts$', '^importers/[^/]+/facts/'],
      },
    },
    {
      name: 'packer-and-store-know-no-ecosystem',
      severity: 'error',
      comment: 'The packer and the store handle packages of any ecosystem alike.',
      from: { path: '^src/(packer|store)/' },
      to: { path: ['^importers/', '^src/(builder|ecosystems|interpreters|overrides|sandbox)/'] },
    },
    {
      name: 'store-never-imports-image',
      severity: 'error',
      comment: 'Images are made of stored packages, not the other way round.',
      from: { path: '^src/store/' },
      to: { path: ['^src/image/', '^src/install/'] },
    },
    {
      name: 'oci-below-registry-store-image',
      severity: 'error',
      comment: 'src/oci is the vocabulary registry, store and image share: it imports none of them.',
      from: { path: '^src/oci/' },
      to: { path: '^src/(registry|store|image|install|cli)/' },
    },
    {
      name: 'http-core-imports-only-core',
      severity: 'error',
      comment: 'src/http is the HTTP core every client shares: it knows none of them.',
      from: { path: '^src/http/' },
      to: { path: '^(src|importers|queue)/', pathNot: [...CORE, '^src/http/'] },
    },
    {
      name: 'nothing-in-src-imports-queue',
      severity: 'error',
      comment: "queue/ is built on the builder and importers; only the CLI's fleet commands load it (lazily).",
      from: { path: '^src/', pathNot: '^src/cli/' },
      to: { path: '^queue/' },
    },
    {
      name: 'nothing-imports-the-cli',
      severity: 'error',
      comment: 'The CLI imports everything; nothing imports the CLI.',
      from: { path: '^(src|importers|queue)/', pathNot: '^src/cli/' },
      to: { path: '^src/cli/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(dist|test|fixtures)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js'] },
  },
};
