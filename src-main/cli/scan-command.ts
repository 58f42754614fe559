/** `go-env-lens scan --json`: prints the scan report as one JSON document on stdout. */
import { runScan } from '../engine/scan.ts';
import type { ScanCommandOptions } from './main.ts';
import { ProgressLine } from './progress-line.ts';

/** Scans, prints the JSON report and returns the exit code (2 when no context could be probed). */
export async function runScanCommand(options: ScanCommandOptions): Promise<number> {
  const progress = new ProgressLine(process.stderr);
  const report = await runScan({
    deadlineMs: options.deadlineMs,
    shells: options.shells,
    baseEnvironment: options.baseEnvironment,
    environment: process.env,
    onProgress: (event) => progress.update(event),
  });
  progress.finish();
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  return report.contexts.some((context) => context.ok) ? 0 : 2;
}
