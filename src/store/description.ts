/**
 * Build descriptions: what a stranger needs to rebuild a package, kept beside it
 * (`<stem>.build.json` in a store, a layer of its artifact in a registry). The build key, the
 * task a planner makes of the recipes, the target request, bale and zlib, the digests of every
 * recipe the plan reads (the closure; their texts travel with it) and the packages it was built
 * against. Deterministic: the same build always writes the same bytes, so registries keep one blob.
 */
import { createHash } from 'node:crypto';
import { UserError } from '../errors/index.js';
import * as z from '../util/zod.js';

export interface DescribedInput {
  build_key: string;
  name: string;
  version: string;
  sha256: string;
}

export interface BuildDescription {
  format: 1;
  build_key: string;
  /** `<purl>|<target id>`: the task id a planner gives this build. */
  task: string;
  purl: string;
  recipe_digest: string;
  interpreter: { kind: string; version: string; abi: string } | null;
  /** The interpreter versions asked for when it was planned (they choose the targets). */
  request: { node: string[]; python: string[]; ruby: string[] };
  bale: string;
  zlib: string;
  /** Digests of every recipe its plan reads, sorted. */
  recipes: string[];
  /** Where its sources came from, as its recipe pins them. */
  sources: { uri: string; integrity: string }[];
  /** Every package of the builds it ran against, sorted by build key then name. */
  inputs: DescribedInput[];
}

/** A recipe's canonical text and its digest (sha256 of the text, hex). */
export interface RecipeText {
  digest: string;
  text: string;
}

/** What put() keeps of a build besides its packages: enough to rebuild and to attest it. */
export interface BuildFacts {
  description: BuildDescription;
  recipes: RecipeText[];
  /** When the build ran (RFC 3339), for attestations only: descriptions hold no clock. */
  startedOn: string;
  finishedOn: string;
}

const hex = (n: number) => z.string().check(z.regex(new RegExp(`^[0-9a-f]{${n}}$`)));
const strings = z.array(z.string());
const schema = z.strictObject({
  format: z.literal(1),
  build_key: hex(64),
  task: z.string(),
  purl: z.string(),
  recipe_digest: hex(64),
  interpreter: z.nullable(z.strictObject({ kind: z.string(), version: z.string(), abi: z.string() })),
  request: z.strictObject({ node: strings, python: strings, ruby: strings }),
  bale: z.string(),
  zlib: z.string(),
  recipes: z.array(hex(64)),
  sources: z.array(z.strictObject({ uri: z.string(), integrity: z.string() })),
  inputs: z.array(z.strictObject({ build_key: hex(64), name: z.string(), version: z.string(), sha256: hex(64) })),
});

/** Fixed key order (the schema's), 2-space indent, trailing newline. */
export function descriptionJson(d: BuildDescription): string {
  const ordered = {
    format: d.format,
    build_key: d.build_key,
    task: d.task,
    purl: d.purl,
    recipe_digest: d.recipe_digest,
    interpreter: d.interpreter === null ? null : { kind: d.interpreter.kind, version: d.interpreter.version, abi: d.interpreter.abi },
    request: { node: d.request.node, python: d.request.python, ruby: d.request.ruby },
    bale: d.bale,
    zlib: d.zlib,
    recipes: d.recipes,
    sources: d.sources.map((s) => ({ uri: s.uri, integrity: s.integrity })),
    inputs: d.inputs.map((i) => ({ build_key: i.build_key, name: i.name, version: i.version, sha256: i.sha256 })),
  };
  return `${JSON.stringify(ordered, null, 2)}\n`;
}

/** A description read from `source` (a file, a registry blob); a UserError naming it when it is not one. */
export function parseDescription(text: string, source: string): BuildDescription {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new UserError('EDESCRIPTION', `${source}: is not JSON, so not a bale build description: rebuild the package to write it again`);
  }
  const r = schema.safeParse(raw);
  if (!r.success) {
    const issue = r.error.issues[0];
    const at = issue === undefined || issue.path.length === 0 ? '' : ` at ${issue.path.join('.')}`;
    throw new UserError(
      'EDESCRIPTION',
      `${source}: not a bale build description (${issue?.message ?? 'unreadable'}${at}): rebuild the package to write it again`,
    );
  }
  return r.data;
}

export const sha256Hex = (text: string | Buffer): string => createHash('sha256').update(text).digest('hex');

/** A recipe text that must be the one `digest` names; a UserError naming `source` otherwise. */
export function checkRecipeText(digest: string, text: string, source: string): RecipeText {
  const got = sha256Hex(text);
  if (got !== digest) {
    throw new UserError(
      'EDESCRIPTION',
      `${source}: recipe ${digest.slice(0, 12)} has content ${got.slice(0, 12)}: it was altered; fetch it again`,
    );
  }
  return { digest, text };
}
