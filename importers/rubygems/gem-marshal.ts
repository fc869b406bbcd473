/**
 * RubyGems' own objects out of Marshal values (marshal.ts): the tuples of `specs.4.8` and the
 * Gem::Specification of a `quick/Marshal.4.8/*.gemspec.rz`, in the forms RubyGems has written
 * them: Gem::Version and Gem::Requirement as `marshal_dump` (`U`, today) or as plain objects (`o`,
 * RubyGems 1.x), Gem::Platform as an object or a string. Anything else is a GemIndexFormatError.
 */
import { GemIndexFormatError, normalizeRequirement, platformRequirement, type GemDependency } from './gem-release.js';
import { MarshalError, readMarshal, RObject, RSymbol, RUserDef, RUserMarshal, type MarshalValue } from './marshal.js';

/** One entry of `specs.4.8` / `prerelease_specs.4.8`: `[name, Gem::Version, platform]`. */
export interface SpecTuple {
  name: string;
  version: string;
  platform: string;
}

/** What bale needs of a quick spec. */
export interface QuickSpec extends SpecTuple {
  /** Runtime dependencies, sorted by name. */
  dependencies: GemDependency[];
  requiredRuby?: string;
  requiredRubygems?: string;
}

const fail = (why: string): never => {
  throw new GemIndexFormatError(why);
};

/** Marshal data as a RubyGems value, with reader errors as format errors. */
export function readGemMarshal(buf: Buffer): MarshalValue {
  try {
    return readMarshal(buf);
  } catch (err) {
    if (err instanceof MarshalError) throw new GemIndexFormatError(`not valid Marshal data: ${err.message}`);
    throw err;
  }
}

function str(v: MarshalValue, what: string): string {
  return typeof v === 'string' ? v : fail(`${what} is not a string`);
}

function isA(v: MarshalValue, className: string): v is RObject | RUserMarshal | RUserDef {
  return (v instanceof RObject || v instanceof RUserMarshal || v instanceof RUserDef) && v.className === className;
}

/** Gem::Version: `U` with `[version]`, or `o` with `@version`. */
export function gemVersion(v: MarshalValue, what: string): string {
  if (isA(v, 'Gem::Version')) {
    if (v instanceof RUserMarshal && Array.isArray(v.data) && v.data.length >= 1)
      return str(v.data[0] as MarshalValue, `${what}'s version`);
    if (v instanceof RObject && v.ivars.has('version')) return str(v.ivars.get('version') as MarshalValue, `${what}'s @version`);
  }
  return fail(`${what} is not a Gem::Version`);
}

/** Gem::Requirement: `U` with `[[[op, Gem::Version], ...]]`, or `o` with `@requirements`; as `<op> <version>` strings. */
export function gemRequirement(v: MarshalValue, what: string): string[] {
  let list: MarshalValue | undefined;
  if (isA(v, 'Gem::Requirement') && v instanceof RUserMarshal && Array.isArray(v.data)) list = v.data[0];
  else if (isA(v, 'Gem::Requirement') && v instanceof RObject) list = v.ivars.get('requirements');
  if (!Array.isArray(list)) return fail(`${what} is not a Gem::Requirement`);
  return list.map((pair, i) => {
    if (!Array.isArray(pair) || pair.length !== 2) return fail(`${what}[${i}] is not an [operator, version] pair`);
    return `${str(pair[0] as MarshalValue, `${what}[${i}]'s operator`)} ${gemVersion(pair[1] as MarshalValue, `${what}[${i}]`)}`;
  });
}

/** A platform: `ruby`, `x86_64-linux`, or a Gem::Platform object (cpu-os[-version], its to_s). */
export function gemPlatform(v: MarshalValue, what: string): string {
  if (typeof v === 'string') return v;
  if (v instanceof RObject && v.className === 'Gem::Platform') {
    const parts = ['cpu', 'os', 'version'].map((k) => v.ivars.get(k) ?? null);
    if (parts.some((p) => p !== null && typeof p !== 'string')) fail(`${what}: a Gem::Platform with a part that is not a string`);
    return (parts.filter((p) => p !== null) as string[]).join('-');
  }
  return fail(`${what} is not a platform`);
}

/** `specs.4.8`: an Array of `[name, Gem::Version, platform]`. */
export function specTuples(v: MarshalValue): SpecTuple[] {
  if (!Array.isArray(v)) return fail('not an Array of [name, version, platform]');
  return v.map((t, i) => {
    if (!Array.isArray(t) || t.length !== 3) return fail(`entry ${i} is not a [name, version, platform] triple`);
    return {
      name: str(t[0] as MarshalValue, `entry ${i}'s name`),
      version: gemVersion(t[1] as MarshalValue, `entry ${i}`),
      platform: gemPlatform(t[2] as MarshalValue, `entry ${i}'s platform`),
    };
  });
}

/** A Gem::Dependency object; undefined for a development one (never installed). Old specs have no @type: runtime. */
function dependency(v: MarshalValue, what: string): GemDependency | undefined {
  if (!(v instanceof RObject) || v.className !== 'Gem::Dependency') return fail(`${what} is not a Gem::Dependency`);
  const type = v.ivars.get('type') ?? null;
  if (type !== null && !(type instanceof RSymbol)) fail(`${what}'s @type is not a symbol`);
  if (type instanceof RSymbol && type.name !== 'runtime') return undefined;
  const req = v.ivars.get('requirement') ?? v.ivars.get('version_requirements');
  if (req === undefined) return fail(`${what} has no @requirement`);
  return {
    name: str(v.ivars.get('name') ?? null, `${what}'s @name`),
    requirement: normalizeRequirement(gemRequirement(req, `${what}'s requirement`)),
  };
}

/** Positions in the Array Gem::Specification#_dump writes (RubyGems keeps them stable; _load reads the same). */
const AT = { name: 2, version: 3, requiredRuby: 6, requiredRubygems: 7, originalPlatform: 8, dependencies: 9, newPlatform: 16 } as const;

/**
 * A quick spec (`Marshal.dump(spec)`, inflated): a `u` Gem::Specification whose bytes are
 * themselves Marshal data, the Array `_dump` built.
 */
export function quickSpec(v: MarshalValue): QuickSpec {
  if (!(v instanceof RUserDef) || v.className !== 'Gem::Specification') return fail('not a Gem::Specification');
  const a = readGemMarshal(v.bytes);
  if (!Array.isArray(a) || a.length <= AT.newPlatform) return fail('a Gem::Specification whose dump is not the Array RubyGems writes');
  const at = (i: number): MarshalValue => a[i] as MarshalValue;
  const deps = at(AT.dependencies);
  if (!Array.isArray(deps)) fail("the specification's dependencies are not an Array");
  const dependencies = (deps as MarshalValue[]).flatMap((d, i) => dependency(d, `dependency ${i}`) ?? []);
  // nil in specs older than the field: no requirement.
  const req = (i: number, what: string): string | undefined =>
    at(i) === null ? undefined : platformRequirement(gemRequirement(at(i), what));
  const requiredRuby = req(AT.requiredRuby, 'required_ruby_version');
  const requiredRubygems = req(AT.requiredRubygems, 'required_rubygems_version');
  return {
    name: str(at(AT.name), 'the name'),
    version: gemVersion(at(AT.version), 'the version'),
    // The platform as the gem was built with it, which names its files (specs.4.8 lists it so too);
    // the normalised Gem::Platform only when that is missing.
    platform:
      typeof at(AT.originalPlatform) === 'string' && at(AT.originalPlatform) !== ''
        ? (at(AT.originalPlatform) as string)
        : gemPlatform(at(AT.newPlatform), 'the platform'),
    dependencies: dependencies.sort((x, y) => (x.name < y.name ? -1 : x.name > y.name ? 1 : 0)),
    ...(requiredRuby === undefined ? {} : { requiredRuby }),
    ...(requiredRubygems === undefined ? {} : { requiredRubygems }),
  };
}
