/**
 * OSV records (https://ossf.github.io/osv-schema/), read strictly: the fields bale evaluates are
 * checked by hand (a zod pass over 100,000 records costs seconds), and a record with a bad one is
 * refused with its field path, so the reader can name it and go on. Fields bale does not evaluate
 * (details, references, ecosystem_specific) are passed over whatever they hold.
 */

export type EventKind = 'introduced' | 'fixed' | 'last_affected' | 'limit';

export interface OsvEvent {
  kind: EventKind;
  version: string;
}

export interface OsvRange {
  type: 'SEMVER' | 'ECOSYSTEM' | 'GIT';
  events: OsvEvent[];
}

export interface OsvSeverity {
  type: string;
  score: string;
}

export interface OsvAffected {
  /** The package as the record names it: ecosystem and name, or only a purl (without a version). */
  ecosystem: string | undefined;
  name: string | undefined;
  purl: string | undefined;
  ranges: OsvRange[];
  versions: string[];
  severity: OsvSeverity[];
}

export interface OsvRecord {
  id: string;
  aliases: string[];
  summary: string | undefined;
  withdrawn: string | undefined;
  severity: OsvSeverity[];
  /** `database_specific.severity` when it is a string (GitHub's LOW..CRITICAL). */
  databaseSeverity: string | undefined;
  affected: OsvAffected[];
}

/** A record that breaks the schema: the field (a JSON path) and what is wrong with it. */
export class OsvProblem extends Error {
  constructor(
    readonly field: string,
    why: string,
  ) {
    super(`${field}: ${why}`);
    this.name = 'OsvProblem';
  }
}

const EVENT_KINDS: readonly EventKind[] = ['introduced', 'fixed', 'last_affected', 'limit'];
const RANGE_TYPES = new Set(['SEMVER', 'ECOSYSTEM', 'GIT']);

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function str(v: unknown, field: string, required: boolean): string | undefined {
  if (v === undefined && !required) return undefined;
  if (typeof v !== 'string' || v === '') throw new OsvProblem(field, required && v === undefined ? 'missing' : 'not a non-empty string');
  return v;
}

function array(v: unknown, field: string): unknown[] {
  if (v === undefined) return [];
  if (!Array.isArray(v)) throw new OsvProblem(field, 'not an array');
  return v;
}

function strings(v: unknown, field: string): string[] {
  return array(v, field).map((s, i) => str(s, `${field}[${i}]`, true)!);
}

function severities(v: unknown, field: string): OsvSeverity[] {
  return array(v, field).map((s, i) => {
    if (!isObject(s)) throw new OsvProblem(`${field}[${i}]`, 'not an object');
    return { type: str(s['type'], `${field}[${i}].type`, true)!, score: str(s['score'], `${field}[${i}].score`, true)! };
  });
}

function event(v: unknown, field: string): OsvEvent {
  if (!isObject(v)) throw new OsvProblem(field, 'not an object');
  const kinds = EVENT_KINDS.filter((k) => v[k] !== undefined);
  // The schema: exactly one kind per event object.
  if (kinds.length !== 1) throw new OsvProblem(field, `needs exactly one of ${EVENT_KINDS.join(', ')} (has ${kinds.length})`);
  const kind = kinds[0]!;
  return { kind, version: str(v[kind], `${field}.${kind}`, true)! };
}

function range(v: unknown, field: string): OsvRange {
  if (!isObject(v)) throw new OsvProblem(field, 'not an object');
  const type = str(v['type'], `${field}.type`, true)!;
  if (!RANGE_TYPES.has(type)) throw new OsvProblem(`${field}.type`, `"${type}" is not SEMVER, ECOSYSTEM or GIT`);
  const events = array(v['events'], `${field}.events`).map((e, i) => event(e, `${field}.events[${i}]`));
  if (!events.some((e) => e.kind === 'introduced')) throw new OsvProblem(`${field}.events`, 'no introduced event');
  if (events.some((e) => e.kind === 'fixed') && events.some((e) => e.kind === 'last_affected'))
    throw new OsvProblem(`${field}.events`, 'both fixed and last_affected events');
  return { type: type as OsvRange['type'], events };
}

function affected(v: unknown, field: string): OsvAffected {
  if (!isObject(v)) throw new OsvProblem(field, 'not an object');
  const pkg = v['package'];
  // The schema allows an entry without a package only for a record about a whole project (GIT ranges); bale matches packages.
  if (!isObject(pkg)) throw new OsvProblem(`${field}.package`, pkg === undefined ? 'missing' : 'not an object');
  const ecosystem = str(pkg['ecosystem'], `${field}.package.ecosystem`, false);
  const name = str(pkg['name'], `${field}.package.name`, false);
  const purl = str(pkg['purl'], `${field}.package.purl`, false);
  if ((ecosystem === undefined || name === undefined) && purl === undefined)
    throw new OsvProblem(`${field}.package`, 'needs ecosystem and name, or a purl');
  return {
    ecosystem,
    name,
    purl,
    ranges: array(v['ranges'], `${field}.ranges`).map((r, i) => range(r, `${field}.ranges[${i}]`)),
    versions: strings(v['versions'], `${field}.versions`),
    severity: severities(v['severity'], `${field}.severity`),
  };
}

/** One record from its parsed JSON; throws OsvProblem naming the first bad field. */
export function parseOsvRecord(raw: unknown): OsvRecord {
  if (!isObject(raw)) throw new OsvProblem('(top)', 'not a JSON object');
  const id = str(raw['id'], 'id', true)!;
  const db = raw['database_specific'];
  const dbSeverity = isObject(db) && typeof db['severity'] === 'string' && db['severity'] !== '' ? db['severity'] : undefined;
  return {
    id,
    aliases: strings(raw['aliases'], 'aliases'),
    summary: typeof raw['summary'] === 'string' ? raw['summary'] : undefined,
    withdrawn: str(raw['withdrawn'], 'withdrawn', false),
    severity: severities(raw['severity'], 'severity'),
    databaseSeverity: dbSeverity,
    affected: array(raw['affected'], 'affected').map((a, i) => affected(a, `affected[${i}]`)),
  };
}
