import { formatDuration, formatSize, type BuildLimits } from '../limits/index.js';
import type { RunResult } from '../sandbox/index.js';

const SIGXCPU = 128 + 24;
const SIGXFSZ = 128 + 25;

/** What builds print when fork or an allocation is refused: the rlimits show only like this. */
const FORK_REFUSED =
  /Cannot fork|fork: Resource temporarily unavailable|fork failed|BlockingIOError: \[Errno 11\]|EAGAIN.*spawn|spawn.*EAGAIN/;
const ALLOC_REFUSED = /Cannot allocate memory|MemoryError|std::bad_alloc|out of memory|ENOMEM/;

/** Why a sandboxed build command failed, naming the limit it hit and how to raise it. `log`: the build's output. */
export function runFailure(r: RunResult, limits: BuildLimits, log = ''): string {
  if (r.limit === 'timeout') {
    return `timed out after ${formatDuration(limits.timeoutMs)} (the timeout limit: raise it with --build-timeout, or [build.limits] timeout in the recipe)`;
  }
  if (r.limit === 'disk') {
    return r.detail !== undefined
      ? `stopped: ${r.detail}`
      : `stopped after writing more than ${formatSize(limits.disk)} to disk (the disk limit: raise it with [build.limits] disk in the recipe)`;
  }
  if (r.signal === 'SIGXFSZ' || r.exitCode === SIGXFSZ)
    return `exit ${r.exitCode} (SIGXFSZ: a file larger than the disk limit, ${formatSize(limits.disk)})`;
  if (r.signal === 'SIGXCPU' || r.exitCode === SIGXCPU)
    return `exit ${r.exitCode} (SIGXCPU: a process used ${formatDuration(limits.timeoutMs)} of CPU time)`;
  const how = r.signal !== undefined ? `killed by ${r.signal}` : `exit ${r.exitCode}`;
  if (FORK_REFUSED.test(log))
    return `${how}, probably at the processes limit (${limits.processes}: raise it with [build.limits] processes in the recipe)`;
  if (ALLOC_REFUSED.test(log))
    return `${how}, probably at the memory limit (${formatSize(limits.memory)} per process: raise it with [build.limits] memory in the recipe)`;
  return how;
}
