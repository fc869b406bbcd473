/**
 * `--from-file FILE`: one spec a line, `#` comments and blank lines ignored. The one reader of
 * spec lists, for import, request, build and enqueue; specs on the command line come first.
 */
import { Option } from 'commander';
import { UsageError } from '../errors/index.js';
import { readBoundedText, READ_BOUNDS } from '../util/read-file.js';
import { inputFile } from './flags.js';

const HINT = 'give a file with one spec per line';

/** The `--from-file` option, checked as it is parsed (there, a regular file). */
export const fromFileOption = (): Option =>
  new Option(
    '--from-file <file>',
    'one spec per line (# comments and blank lines ignored), besides the specs given as arguments',
  ).argParser((v: string) => inputFile('--from-file', v, HINT));

/** The specs of one line-per-spec text: comments cut, lines trimmed, blank ones dropped. */
export function parseSpecLines(text: string): string[] {
  const out: string[] = [];
  for (const line of text.split('\n')) {
    const s = line.replace(/#.*/, '').trim();
    if (s !== '') out.push(s);
  }
  return out;
}

/**
 * The specs given as arguments, then those of `fromFile`; none at all is a usage error naming
 * `what` would have been done (`nothing to import`).
 */
export async function specsFrom(specs: string[], fromFile: string | undefined, what: string): Promise<string[]> {
  const all = [...specs];
  if (fromFile !== undefined) {
    // --from-file was checked as it was parsed (flags.inputFile); this read says the same if the file changed since.
    const text = await readBoundedText(fromFile, {
      maxBytes: READ_BOUNDS.specList,
      what: 'a spec list',
      usage: true,
      label: `--from-file ${fromFile}`,
      hint: HINT,
      missing: `no such file; ${HINT}`,
    });
    all.push(...parseSpecLines(text));
  }
  if (all.length === 0) throw new UsageError(`nothing to ${what}: name specs, or --from-file FILE with one spec per line`);
  return all;
}
