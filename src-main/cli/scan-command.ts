/** `go-env-lens scan --json`: prints the scan report as one JSON document on stdout. */
import type { ScanCommandOptions } from './main.ts';
import { scanWithProgress } from './progress-line.ts';

/** Scans, prints the JSON report and returns the exit code (2 when no context could be probed). */
export async function runScanCommand(options: ScanCommandOptions): Promise<number> {
  const report = await scanWithProgress(options);
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  return report.contexts.some((context) => context.ok) ? 0 : 2;
}
