/**
 * Mapping a large output buffer's pages on the main thread while a pool thread fills it.
 *
 * On this project's virtual machines the first touch of a fresh page costs ~15 µs (measured: a
 * 23 MB gunzip takes 36 ms into mapped memory and 130 ms into fresh memory). When zlib inflates
 * a package into one buffer on a pool thread, the main thread has nothing to do; touching the
 * buffer's pages from its far end meanwhile moves most of that cost off the inflate's path.
 *
 * Only reads: the inflater's bytes are never disturbed, whichever thread reaches a page first.
 * On a kernel that maps the shared zero page on a read fault the reads cost little and win
 * little, as the write still faults: nothing is lost there either.
 */
import { setImmediate as nextTurn } from 'node:timers';

const PAGE = 4096;
/** Pages touched per turn of the event loop (~1 ms here), so the inflate's completion is seen soon. */
const SLICE_BYTES = 256 * 1024;

/**
 * Touches one byte per page of `buf`, from its end toward its start, a slice per event-loop turn,
 * until it reaches the start or `stopped()` says the writer is done.
 */
export function prefaultFromEnd(buf: Uint8Array, stopped: () => boolean): void {
  let at = buf.length;
  let sink = 0;
  const step = (): void => {
    if (stopped()) return;
    const stop = Math.max(0, at - SLICE_BYTES);
    for (let i = at - 1; i >= stop; i -= PAGE) sink ^= buf[i] as number;
    at = stop;
    if (at > 0) nextTurn(step);
    // Keeps the reads from being optimised away; the value means nothing.
    else if (sink === 256) throw new Error('unreachable');
  };
  nextTurn(step);
}
