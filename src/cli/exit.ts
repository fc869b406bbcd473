/**
 * Leaving once a command is done. Node's own way out, when the event loop empties, tears the
 * heap down page by page first: ~40 ms of a 0.7 s build on this project's virtual machines
 * (measured), where unmapping a page is dear. process.exit skips that and is the same exit when
 * nothing is left to wait for: the standard streams write synchronously on Linux.
 */

/** Handles of the standard streams: the only ones allowed to be open at a quick exit. */
const STDIO = new Set(['TTYWrap', 'PipeWrap']);

/**
 * Exits with `code` now if only the standard streams are still open and hold nothing unwritten;
 * otherwise sets it and lets the process end when the rest is done (a child, a timer, a socket).
 */
export function exitWhenIdle(code: number): void {
  process.exitCode = code;
  // A turn later: the file request whose completion ended the command counts as open until its callback returns.
  setImmediate(() => {
    const idle =
      process.getActiveResourcesInfo().every((r) => STDIO.has(r)) &&
      process.stdout.writableLength === 0 &&
      process.stderr.writableLength === 0;
    if (idle) process.exit(code);
  });
}
