/** Progress of a scan on stderr: one rewritten line on a terminal, a line per context otherwise. */
import type { ScanProgress } from '../shared/scan-report.ts';

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
      const took = progress.durationMs === null ? '' : ` in ${Math.round(progress.durationMs)} ms`;
      this.stream.write(`probed ${progress.completed}/${progress.total}: ${progress.label} ${progress.state}${took}\n`);
    }
  }

  /** Clears the progress line. */
  finish(): void {
    if (this.drawn) this.stream.write('\r\x1b[2K');
  }
}
