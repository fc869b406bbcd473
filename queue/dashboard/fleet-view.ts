/**
 * What the dashboard shows of the queues, read from Redis at each page view: the same counts and
 * failed jobs `bale queue status` prints (one function computes both), the jobs running now, the
 * tail of each failed build's log (kept with its job by the worker, see log-tail.ts), and
 * completed jobs per minute over the last hour.
 */
import type { Job } from 'bullmq';
import { ALL_QUEUES } from '../connection.js';
import type { Producer } from '../producer.js';
import { queueStatus, type JobLine, type QueueStatus } from '../status.js';

/** Minutes the throughput chart covers. */
export const THROUGHPUT_MINUTES = 60;
/** Completed jobs per queue looked at for throughput: the newest this many (as status does). */
const RECENT = 1000;

export interface RunningJob {
  queue: string;
  id: string;
  name: string;
  startedOn?: number;
  /** What the worker said it is doing (`planning`, `building`), when it said. */
  phase?: string;
}

export interface FailedJob extends JobLine {
  /** The end of its build log, as the worker kept it; '' when none was kept. */
  logTail: string;
}

export interface Throughput {
  /** Start of the first minute, ms since the epoch. */
  start: number;
  /** Jobs completed in each minute, oldest first, all queues together. */
  perMinute: number[];
}

export interface FleetView {
  at: number;
  status: QueueStatus;
  running: RunningJob[];
  failed: FailedJob[];
  throughput: Throughput;
}

function phaseOf(progress: unknown): string | undefined {
  const phase = (progress as { phase?: unknown } | null)?.phase;
  return typeof phase === 'string' ? phase : undefined;
}

async function running(p: Producer): Promise<RunningJob[]> {
  const out: RunningJob[] = [];
  for (const name of ALL_QUEUES) {
    for (const j of (await p.queue(name).getActive(0, 99)) as Job[]) {
      const phase = phaseOf(j.progress);
      out.push({
        queue: name,
        id: j.id!,
        name: j.name,
        ...(j.processedOn !== undefined ? { startedOn: j.processedOn } : {}),
        ...(phase !== undefined ? { phase } : {}),
      });
    }
  }
  return out.sort((a, b) => (a.startedOn ?? 0) - (b.startedOn ?? 0));
}

async function withLogs(p: Producer, failed: JobLine[]): Promise<FailedJob[]> {
  return Promise.all(
    failed.map(async (f) => {
      const { logs } = await p.queue(f.queue).getJobLogs(f.id, -1, -1);
      return { ...f, logTail: logs.at(-1) ?? '' };
    }),
  );
}

/** Completed jobs per minute, the current minute last; jobs older than the window are not counted. */
export function perMinute(finishedOn: number[], now: number, minutes = THROUGHPUT_MINUTES): Throughput {
  const end = Math.floor(now / 60_000) * 60_000 + 60_000;
  const start = end - minutes * 60_000;
  const counts = new Array<number>(minutes).fill(0);
  for (const t of finishedOn) if (t >= start && t < end) counts[Math.floor((t - start) / 60_000)]! += 1;
  return { start, perMinute: counts };
}

async function throughput(p: Producer, now: number): Promise<Throughput> {
  const times: number[] = [];
  for (const name of ALL_QUEUES) {
    for (const j of (await p.queue(name).getCompleted(0, RECENT - 1)) as Job[]) if (j.finishedOn !== undefined) times.push(j.finishedOn);
  }
  return perMinute(times, now);
}

export async function fleetView(p: Producer, now = Date.now()): Promise<FleetView> {
  const status = await queueStatus(p, now);
  return { at: now, status, running: await running(p), failed: await withLogs(p, status.failed), throughput: await throughput(p, now) };
}
