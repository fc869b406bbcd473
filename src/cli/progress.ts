import { createRequire } from 'node:module';
import type cliProgressType from 'cli-progress';
import { printable } from '../errors/index.js';

/** Loaded only when a terminal will show the bar: pipes and --json never pay for it. */
const loadBar = (): typeof cliProgressType => createRequire(import.meta.url)('cli-progress') as typeof cliProgressType;

/** A progress line on a terminal; nothing at all when stderr is a pipe or --json asked for quiet. */
export interface Progress {
  phase(label: string, total: number): void;
  update(done: number, total: number, current?: string): void;
  /** A line that must be seen (a warning), printed above the bar, made printable (control characters escaped, passwords redacted). */
  log(line: string): void;
  stop(): void;
}

class BarProgress implements Progress {
  private bar: cliProgressType.SingleBar | undefined;
  private label = '';

  phase(label: string, total: number): void {
    this.stop();
    this.label = label;
    const cliProgress = loadBar();
    this.bar = new cliProgress.SingleBar(
      {
        format: `${label.padEnd(9)} [{bar}] {value}/{total} {current}`,
        hideCursor: true,
        clearOnComplete: true,
        stream: process.stderr,
        fps: 10,
      },
      cliProgress.Presets.shades_classic,
    );
    this.bar.start(total, 0, { current: '' });
  }

  update(done: number, total: number, current = ''): void {
    if (this.bar === undefined) this.phase(this.label || 'working', total);
    this.bar!.setTotal(Math.max(total, 1));
    const shown = printable(current);
    this.bar!.update(done, { current: shown.length > 40 ? `${shown.slice(0, 39)}…` : shown });
  }

  log(line: string): void {
    // Start the line afresh so the message does not run into the bar; the bar redraws on the next update.
    process.stderr.write(`${this.bar !== undefined ? '\r\x1b[K' : ''}${printable(line)}\n`);
  }

  stop(): void {
    this.bar?.stop();
    this.bar = undefined;
  }
}

class QuietProgress implements Progress {
  phase(): void {}
  update(): void {}
  log(line: string): void {
    process.stderr.write(`${printable(line)}\n`);
  }
  stop(): void {}
}

export function makeProgress(enabled: boolean): Progress {
  return enabled && process.stderr.isTTY === true ? new BarProgress() : new QuietProgress();
}
