/**
 * `bale queue status` and `bale queue retry --failed`: what an operator asks of the fleet.
 * Throughput and the slowest jobs come from the most recent completed jobs BullMQ keeps.
 */
import type { Job } from 'bullmq';
import { ALL_QUEUES } from './connection.js';
import type { Producer } from './producer.js';

const COUNTED = ['waiting', 'active', 'delayed', 'prioritized', 'completed', 'failed'] as const;
/** Completed jobs looked at for throughput and the slowest: the newest this many per queue. */
const RECENT = 1000;

export interface QueueCounts {
  queue: string;
  counts: Record<(typeof COUNTED)[number], number>;
  /** Jobs finished per minute over the last five minutes. */
  perMinute: number;
}

export interface JobLine {
  queue: string;
  id: string;
  name: string;
  /** Milliseconds from start to finish (slowest) or the failure reason (failed). */
  ms?: number;
  reason?: string;
  attempts: number;
  finishedOn?: number;
}

export interface QueueStatus {
  queues: QueueCounts[];
  slowest: JobLine[];
  failed: JobLine[];
}

export async function queueStatus(p: Producer, now = Date.now()): Promise<QueueStatus> {
  const queues: QueueCounts[] = [];
  const slowest: JobLine[] = [];
  const failed: JobLine[] = [];
  for (const name of ALL_QUEUES) {
    const q = p.queue(name);
    const counts = (await q.getJobCounts(...COUNTED)) as QueueCounts['counts'];
    const recent = (await q.getCompleted(0, RECENT - 1)) as Job[];
    const lastFive = recent.filter((j) => (j.finishedOn ?? 0) >= now - 5 * 60_000).length;
    queues.push({ queue: name, counts, perMinute: Math.round((lastFive / 5) * 10) / 10 });
    for (const j of recent) {
      if (j.finishedOn !== undefined && j.processedOn !== undefined) {
        slowest.push({
          queue: name,
          id: j.id!,
          name: j.name,
          ms: j.finishedOn - j.processedOn,
          attempts: j.attemptsMade,
          finishedOn: j.finishedOn,
        });
      }
    }
    for (const j of (await q.getFailed(0, 19)) as Job[]) {
      failed.push({
        queue: name,
        id: j.id!,
        name: j.name,
        reason: j.failedReason,
        attempts: j.attemptsMade,
        ...(j.finishedOn !== undefined ? { finishedOn: j.finishedOn } : {}),
      });
    }
  }
  slowest.sort((a, b) => b.ms! - a.ms!);
  failed.sort((a, b) => (b.finishedOn ?? 0) - (a.finishedOn ?? 0));
  return { queues, slowest: slowest.slice(0, 5), failed: failed.slice(0, 20) };
}

export function formatStatus(s: QueueStatus): string {
  const lines = [`${'queue'.padEnd(18)} ${COUNTED.map((c) => c.padStart(12)).join('')} ${'jobs/min'.padStart(9)}`];
  for (const q of s.queues)
    lines.push(
      `${q.queue.padEnd(18)} ${COUNTED.map((c) => String(q.counts[c] ?? 0).padStart(12)).join('')} ${String(q.perMinute).padStart(9)}`,
    );
  if (s.slowest.length > 0) {
    lines.push('', 'slowest recent jobs:');
    for (const j of s.slowest) lines.push(`  ${(j.ms! / 1000).toFixed(1).padStart(7)} s  ${j.name}`);
  }
  if (s.failed.length > 0) {
    lines.push('', 'failed jobs (bale queue retry --failed runs them again):');
    for (const j of s.failed) lines.push(`  ${j.name}: ${j.reason ?? 'no reason recorded'}`);
  }
  return lines.join('\n');
}

/** Every failed job of every queue back to waiting; returns how many. */
export async function retryFailed(p: Producer): Promise<{ queue: string; id: string; name: string }[]> {
  const retried: { queue: string; id: string; name: string }[] = [];
  for (const name of ALL_QUEUES) {
    const q = p.queue(name);
    for (const j of (await q.getFailed(0, -1)) as Job[]) {
      await j.retry('failed');
      retried.push({ queue: name, id: j.id!, name: j.name });
    }
  }
  return retried;
}
