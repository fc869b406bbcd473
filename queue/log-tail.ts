/**
 * A failed build's log lives on the worker that ran it (its cache's logs/). The end of it is kept
 * with the job (BullMQ's job log), so an operator sees why a build failed from any machine: in
 * `bale dashboard` and in Bull Board's Logs tab.
 */
import { open } from 'node:fs/promises';
import { sep } from 'node:path';
import type { Job } from 'bullmq';

/** Lines and bytes kept: enough for a compiler error and the stack after it, bounded per job. */
export const TAIL_LINES = 40;
const TAIL_BYTES = 16 * 1024;

/** The last `lines` lines of a file, reading at most its last 16 KiB. */
export async function tailOf(file: string, lines = TAIL_LINES): Promise<string> {
  const fh = await open(file, 'r');
  try {
    const { size } = await fh.stat();
    const start = Math.max(0, size - TAIL_BYTES);
    const buf = Buffer.alloc(size - start);
    await fh.read(buf, 0, buf.length, start);
    let text = buf.toString('utf8');
    // A partial first line (the read began mid-line) says nothing: drop it.
    if (start > 0) text = text.slice(text.indexOf('\n') + 1);
    return text.replace(/\n+$/, '').split('\n').slice(-lines).join('\n');
  } finally {
    await fh.close();
  }
}

/** The log a build failure names (`...; full log: PATH`), when it is under `logDir`. */
export function namedLog(err: unknown, logDir: string): string | undefined {
  const message = err instanceof Error ? err.message : '';
  const file = /; full log: (.+\.log)$/.exec(message)?.[1];
  return file?.startsWith(logDir + sep) === true && !file.includes(`${sep}..${sep}`) ? file : undefined;
}

/** Adds the tail of the log `err` names to the job's log; a log that cannot be read adds nothing. */
export async function keepLogTail(job: Pick<Job, 'log'>, err: unknown, logDir: string): Promise<void> {
  const file = namedLog(err, logDir);
  if (file === undefined) return;
  const tail = await tailOf(file).catch(() => undefined);
  if (tail !== undefined && tail !== '') await job.log(tail);
}
