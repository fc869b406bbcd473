/**
 * The override table's `drop` patterns: `*` within one path segment, `**` across any number of
 * them. Used to take a file two packages would both own (a namespace `__init__.py`) out of one.
 */
export function globToRegExp(pattern: string): RegExp {
  let re = '';
  const parts = pattern.split('/');
  parts.forEach((part, i) => {
    const last = i === parts.length - 1;
    if (part === '**') {
      re += last ? '.*' : '(?:[^/]+/)*';
      return;
    }
    re += part.replace(/[.+^${}()|[\]\\?]/g, '\\$&').replace(/\*/g, '[^/]*');
    if (!last) re += '/';
  });
  return new RegExp(`^${re}$`);
}

/** Entries under `root` whose path below it matches no pattern (a dropped directory takes its contents). */
export function dropMatching<T extends { path: string }>(entries: T[], root: string, patterns: readonly string[]): T[] {
  if (patterns.length === 0) return entries;
  const res = patterns.map(globToRegExp);
  const prefix = `${root}/`;
  return entries.filter((e) => {
    if (!e.path.startsWith(prefix)) return true;
    const rel = e.path.slice(prefix.length);
    const parts = rel.split('/');
    // A match on any leading part drops everything below it too.
    return !parts.some((_, i) => res.some((r) => r.test(parts.slice(0, i + 1).join('/'))));
  });
}
