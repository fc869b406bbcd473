import { createHash } from 'node:crypto';
import { overrideBuild, overrideNative } from '../../src/overrides/recipe-fields.js';
import type { OverrideRow, OverrideTable } from '../../src/overrides/table.js';
import { formatPurl } from '../../src/purl/purl.js';
import { compareInterpreters } from '../../src/recipe/index.js';
import type { Recipe, RecipeDependency, RecipeSource } from '../../src/recipe/index.js';
import type { Pin } from './resolve.js';
import { satisfies } from './versions.js';

/** 1980-01-01: the documented epoch when an index gives no upload time (PEP 503 HTML pages do not). */
export const PYPI_FALLBACK_EPOCH = 315532800;

/** Per target (`'3.11'`), the pins of the run-time closure and of each sdist's build environment. */
export interface TargetPins {
  runtime: Map<string, Pin>;
  /** For each sdist pinned on this target: its build requirements' direct pins and their closure. */
  build: Map<string, { direct: string[]; pins: Map<string, Pin> }>;
}

const purlOf = (p: { name: string; version: string }): string => formatPurl({ type: 'pypi', name: p.name, version: p.version });

function sri(pin: Pin): string {
  if (pin.dist.file.sha256 !== undefined) return `sha256-${Buffer.from(pin.dist.file.sha256, 'hex').toString('base64')}`;
  // The index gave no hash: the resolver downloaded the file to read its metadata, pin what it got.
  if (pin.info.data === undefined) throw new Error(`no sha256 and no bytes for ${pin.dist.file.filename}`);
  return `sha256-${createHash('sha256').update(pin.info.data).digest('base64')}`;
}

function epochOf(pins: Pin[]): number {
  const times = pins.map((p) => Date.parse(p.dist.file.uploadTime ?? '')).filter((t) => !Number.isNaN(t));
  return times.length === 0 ? PYPI_FALLBACK_EPOCH : Math.max(PYPI_FALLBACK_EPOCH, Math.floor(Math.max(...times) / 1000));
}

export function matchOverride(table: OverrideTable, name: string, version: string): OverrideRow | undefined {
  return table.match(name, version, (v, range) => satisfies(v, range, { prereleases: true }));
}

/**
 * Native packages: the override table's row when it names any, else the sdist's PEP 725 [external]
 * table. Both describe building the sdist: a manylinux wheel bundles what it links, so they apply
 * to sdists only (`sources = ["sdist"]`), except a row with `wheel_runtime`, whose runtime packages
 * a wheel needs too (a wheel never needs `build`: it is not built).
 */
function nativeOf(override: OverrideRow | undefined, pins: Pin[]): Pick<Recipe, 'native'> {
  const fromRow = overrideNative(override).native;
  if (fromRow !== undefined) return { native: override?.wheel_runtime === true ? fromRow : { ...fromRow, sources: ['sdist'] } };
  const ext = pins.find((p) => p.info.external !== undefined)?.info.external;
  return ext === undefined ? {} : { native: { build: ext.build, runtime: ext.runtime, sources: ['sdist'] } };
}

interface Group {
  name: string;
  version: string;
  /** target -> the pin and the pinned versions of what it depends on there */
  on: Map<string, { pin: Pin; versions: Map<string, string>; buildRequires: string[] }>;
}

/**
 * One recipe per distribution version across every target: sources and dependencies carry the
 * interpreters they apply to when not all of them, so one file describes the whole matrix.
 */
export function recipesFromPins(perTarget: Map<string, TargetPins>, overrides: OverrideTable): Recipe[] {
  const groups = new Map<string, Group>();
  const add = (target: string, pin: Pin, universe: Map<string, Pin>, buildRequires: string[]): void => {
    const key = `${pin.name}@${pin.version}`;
    let g = groups.get(key);
    if (g === undefined) {
      g = { name: pin.name, version: pin.version, on: new Map() };
      groups.set(key, g);
    }
    if (g.on.has(target)) return; // the run-time closure came first and wins
    const versions = new Map(pin.deps.map((d) => [d, universe.get(d)!.version]));
    g.on.set(target, { pin, versions, buildRequires });
  };
  for (const [target, tp] of perTarget) {
    for (const pin of tp.runtime.values()) {
      const b = tp.build.get(pin.name);
      add(target, pin, tp.runtime, b === undefined ? [] : b.direct.map((n) => purlOf(b.pins.get(n)!)));
    }
    for (const b of tp.build.values()) for (const pin of b.pins.values()) add(target, pin, b.pins, []);
  }
  return [...groups.values()].map((g) => toRecipe(g, overrides)).sort((a, b) => (a.purl < b.purl ? -1 : 1));
}

function toRecipe(g: Group, overrides: OverrideTable): Recipe {
  const targets = [...g.on.keys()].sort(compareInterpreters);
  const only = (ts: string[]): { interpreters?: string[] } =>
    ts.length === targets.length ? {} : { interpreters: ts.sort(compareInterpreters) };
  const sources = new Map<string, { pin: Pin; targets: string[] }>();
  const deps = new Map<string, { name: string; purl: string; targets: string[] }>();
  const requires = new Set<string>();
  for (const t of targets) {
    const { pin, versions, buildRequires } = g.on.get(t)!;
    const s = sources.get(pin.dist.file.url) ?? { pin, targets: [] };
    s.targets.push(t);
    sources.set(pin.dist.file.url, s);
    for (const [name, version] of versions) {
      const purl = purlOf({ name, version });
      const d = deps.get(purl) ?? { name, purl, targets: [] };
      d.targets.push(t);
      deps.set(purl, d);
    }
    for (const r of buildRequires) requires.add(r);
  }
  const pins = [...g.on.values()].map((o) => o.pin);
  const source: RecipeSource[] = [...sources.values()].map(({ pin, targets: ts }) => ({
    url: pin.dist.file.url,
    integrity: sri(pin),
    kind: pin.dist.kind,
    filename: pin.dist.file.filename,
    ...only(ts),
  }));
  const dependency: RecipeDependency[] = [...deps.values()].map((d) => ({
    name: d.name,
    purl: d.purl,
    kind: 'runtime',
    ...only(d.targets),
  }));
  const sdist = source.some((s) => s.kind === 'sdist');
  const override = matchOverride(overrides, g.name, g.version);
  const requiresPython = pins[0]!.info.meta.requiresPython;
  return {
    format: 1,
    purl: purlOf(g),
    source_date_epoch: epochOf(pins),
    source,
    dependency,
    build: {
      native: sdist,
      reasons: sdist ? ['sdist'] : [],
      requires: [...requires, ...(override?.requires ?? [])].sort(),
      interpreters: targets,
      ...(requiresPython !== undefined && requiresPython.trim() !== '' ? { engines: requiresPython.trim() } : {}),
      ...overrideBuild(override),
    },
    ...nativeOf(override, pins),
  } as Recipe;
}
