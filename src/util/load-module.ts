/**
 * Loading a package or a Node builtin on demand. The CLI runs as a vm script (cli/launch.ts, for
 * V8's code cache), where an `import()` compiled from that cache finds no loader (Node 20:
 * ERR_VM_DYNAMIC_IMPORT_CALLBACK_MISSING); the launcher lends its own import instead. Elsewhere
 * (tests, the library) it is a plain import().
 */

/** Where the launcher puts its import (a function of a specifier). */
export const LAUNCHER_IMPORT = Symbol.for('bale.launcher.import');

export function loadModule<T>(specifier: string): Promise<T> {
  const lent = (globalThis as Record<symbol, unknown>)[LAUNCHER_IMPORT] as ((s: string) => Promise<unknown>) | undefined;
  return (lent !== undefined ? lent(specifier) : import(specifier)) as Promise<T>;
}
