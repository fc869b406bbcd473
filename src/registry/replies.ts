/**
 * Strict readers of a registry's JSON answers (manifests, indexes, and the token and listing
 * replies of auth.ts and listing.ts): anything of the wrong shape is the registry's fault, named
 * in one line. The shapes themselves are OCI's, in src/oci.
 */
import type * as z from '../util/zod.js';
import { UserError } from '../errors/index.js';
import { indexSchema, manifestSchema, type ImageIndex, type ImageManifest } from '../oci/index.js';

/** An image manifest (OCI or Docker v2); `where` names it for the message (e.g. `registry X: bale/app:1`). */
export function parseManifest(bytes: Buffer, where: string): ImageManifest {
  return parseJson(bytes, manifestSchema, where, 'an image manifest');
}

export function parseIndex(bytes: Buffer, where: string): ImageIndex {
  return parseJson(bytes, indexSchema, where, 'an image index');
}

/** Parse JSON and check its shape; anything else is the registry's fault, named in one line. */
export function parseJson<T>(bytes: Buffer, schema: z.ZodMiniType<T>, where: string, what: string): T {
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new UserError(
      'EREGISTRYREPLY',
      `${where}: answered with something that is not JSON where ${what} was expected: check the registry URL points at an OCI registry`,
    );
  }
  const result = schema.safeParse(value);
  if (!result.success) {
    const issue = result.error.issues[0];
    const at = issue !== undefined && issue.path.length > 0 ? ` (at ${issue.path.join('.')}: ${issue.message})` : '';
    throw new UserError(
      'EREGISTRYREPLY',
      `${where}: answered with JSON that is not ${what}${at}: check the registry URL points at an OCI registry`,
    );
  }
  return result.data;
}
