import { UserError } from '../errors/index.js';

/** The CPython minors bale builds for: 3.8 (oldest with a stable `cpython-3X` SOABI) to 3.13. */
export const PYTHON_MINORS = { first: 8, last: 13 } as const;

export function supportedPythons(): string[] {
  const out: string[] = [];
  for (let m = PYTHON_MINORS.first; m <= PYTHON_MINORS.last; m++) out.push(`3.${m}`);
  return out;
}

const MINOR = /^3\.(0|[1-9]\d*)$/;
const RANGE = /^(3\.(?:0|[1-9]\d*))-(3\.(?:0|[1-9]\d*))$/;

/**
 * `--python 3.9,3.10,3.11` -> ['3.9', '3.10', '3.11']. An item may be an ascending range of minors,
 * `3.8-3.13`, expanded in order. Trimmed, duplicates dropped, order kept. Only minor versions
 * (interpreters are one per minor) within 3.8 to 3.13; anything else is a usage error.
 */
export function parsePythonList(flag: string): string[] {
  const usage = (why: string): UserError =>
    new UserError(
      'EUSAGE',
      `bad --python ${JSON.stringify(flag)}: ${why}; give comma-separated minor versions or a range from ` +
        `3.${PYTHON_MINORS.first} to 3.${PYTHON_MINORS.last}, e.g. --python 3.11,3.12 or --python 3.9-3.13`,
    );
  const minorOf = (v: string): number => {
    const m = Number(v.slice(2));
    if (m < PYTHON_MINORS.first || m > PYTHON_MINORS.last) throw usage(`${v} is not supported`);
    return m;
  };
  const out: string[] = [];
  for (const raw of flag.split(',')) {
    const item = raw.trim();
    const range = RANGE.exec(item);
    if (range !== null) {
      const [from, to] = [minorOf(range[1]!), minorOf(range[2]!)];
      if (from > to) throw usage(`range ${item} runs backwards`);
      for (let m = from; m <= to; m++) out.push(`3.${m}`);
    } else if (MINOR.test(item)) {
      out.push(`3.${minorOf(item)}`);
    } else {
      throw usage(item === '' ? 'empty item' : `${JSON.stringify(item)} is not a minor version such as 3.11`);
    }
  }
  return [...new Set(out)];
}
