/** Progress of a scan on stderr: one rewritten line on a terminal, a line per context otherwise. */
import { runScan } from '../engine/scan.ts';
import type { ScanProgress, ScanReport } from '../shared/scan-report.ts';
import type { ScanCommandOptions } from './main.ts';

/** Runs a scan for a command, with its progress on stderr. */
export async function scanWithProgress(options: ScanCommandOptions): Promise<ScanReport> {
  const progress = new ProgressLine(process.stderr);
  try {
    return await runScan({
      deadlineMs: options.deadlineMs,
      trace: options.trace,
      shells: options.shells,
      baseEnvironment: options.baseEnvironment,
      environment: process.env,
      onProgress: (event) => progress.update(event),
    });
  } finally {
    progress.finish();
  }
}

export class ProgressLine {
  private readonly interactive: boolean;
  private drawn = false;

  constructor(private readonly stream: NodeJS.WriteStream) {
    this.interactive = stream.isTTY === true;
  }

  /** Shows one progress event. */
  update(progress: ScanProgress): void {
    if (progress.state === 'queued') return;
    if (this.interactive) {
      const text = `probing ${progress.completed}/${progress.total}: ${progress.label} ${progress.state}`;
      this.stream.write(`\r\x1b[2K${text.slice(0, (this.stream.columns || 80) - 1)}`);
      this.drawn = true;
    } else if (progress.state !== 'running') {
      const took =
        progress.durationMs === null || progress.state === 'skipped' ? '' : ` in ${Math.round(progress.durationMs)} ms`;
      this.stream.write(`probed ${progress.completed}/${progress.total}: ${progress.label} ${progress.state}${took}\n`);
    }
  }

  /** Clears the progress line. */
  finish(): void {
    if (this.drawn) this.stream.write('\r\x1b[2K');
  }
}
