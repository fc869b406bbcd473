/**
 * Symlink containment: a link must resolve inside the package root, also when the way there
 * passes through other links of the same package (`usr/l -> ..` is fine, `usr/x -> l/..` is not).
 * Pure: resolution happens on the entry list, never on a real file system.
 */

/** Linux gives up after 40 links too (ELOOP). */
const MAX_HOPS = 40;

/**
 * Resolve `target` as the kernel would, starting in the directory holding `linkPath` and
 * following `links` (path -> target, all in the package). Returns why the link is refused, or
 * undefined when it stays inside. A target pointing at something the package does not hold is
 * fine: it may belong to another package of the image.
 */
export function findEscapingSymlink(linkPath: string, target: string, links: ReadonlyMap<string, string>): string | undefined {
  const stack = linkPath.split('/');
  stack.pop(); // the link's own name; resolution starts in its directory
  const todo = target.split('/').reverse(); // a stack: next segment last
  let hops = 0;
  while (todo.length > 0) {
    const seg = todo.pop() as string;
    if (seg === '' || seg === '.') continue;
    if (seg === '..') {
      if (stack.length === 0) {
        return `symlink target ${JSON.stringify(target)} leads outside the package root: point it inside the package`;
      }
      stack.pop();
      continue;
    }
    stack.push(seg);
    const via = links.get(stack.join('/'));
    if (via === undefined) continue;
    if (++hops > MAX_HOPS) return `symlink target ${JSON.stringify(target)} is a symlink loop: break the loop`;
    stack.pop();
    if (via.startsWith('/')) {
      return `symlink target ${JSON.stringify(target)} passes through an absolute symlink: make every target relative`;
    }
    for (const s of via.split('/').reverse()) todo.push(s);
  }
  return undefined;
}
