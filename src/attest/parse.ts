/**
 * What the attestation readers share: one error code for anything malformed, JSON decoding that
 * names its input, and zod's issues as one line. Attestations come from other machines and
 * registries, so every reader here treats its input as hostile.
 */
import { UserError } from '../errors/index.js';

/** The code of every malformed-attestation error (bad JSON, base64, fields, bundle lines). */
export const ATTEST_ERROR = 'EATTEST';

const DEFAULT_HINT = 'ask its builder for a new attestation, or remove it';

export function attestError(source: string, why: string, hint = DEFAULT_HINT): UserError {
  return new UserError(ATTEST_ERROR, `${source}: ${why}: ${hint}`);
}

/** JSON.parse with the failure as a UserError naming `source` and what it should have been. */
export function parseJsonText(text: string | Buffer, source: string, what: string): unknown {
  try {
    return JSON.parse(typeof text === 'string' ? text : text.toString('utf8'));
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    throw attestError(source, `not ${what} (invalid JSON: ${why.replace(/\s+/g, ' ')})`);
  }
}

interface Issue {
  path: readonly PropertyKey[];
  message: string;
}

/** zod's issues as `a.b.0: why; c: why`, at most 6 of them, on one line. */
export function issuesLine(issues: readonly Issue[]): string {
  const shown = issues.slice(0, 6).map((i) => `${i.path.map(String).join('.') || '(top)'}: ${i.message.replace(/\s+/g, ' ')}`);
  return shown.join('; ') + (issues.length > 6 ? `; and ${issues.length - 6} more` : '');
}

/** A string holding an unpaired UTF-16 surrogate has no UTF-8 form, so it cannot be signed as bytes. */
export function hasLoneSurrogate(s: string): boolean {
  return /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(s);
}
