/**
 * `go-env-lens fix ID`: applies a finding's fix through the safe save (backup first), probes the
 * affected contexts again and reports whether the finding is gone. `--dry-run` prints the exact diff
 * and writes nothing.
 */
import os from 'node:os';

import { BackupStore } from '../engine/files/backup-store.ts';
import { appDataDirectory } from '../engine/files/data-directory.ts';
import { applyFix, selectFix } from '../engine/findings/apply-fix.ts';
import { diagnose } from '../engine/findings/diagnose.ts';
import { gatherFacts } from '../engine/findings/facts.ts';
import { runScan } from '../engine/scan.ts';
import { formatFix } from './findings-text.ts';
import type { ScanCommandOptions } from './main.ts';
import { scanWithProgress } from './progress-line.ts';

export interface FixCommandOptions extends ScanCommandOptions {
  findingId: string;
  fixId?: string;
  project: string | null;
  dryRun: boolean;
}

/** Exit code when the fix was applied and the finding is gone (or the dry run printed it). */
export const FIX_RESOLVED = 0;
/** Exit code when the fix was applied but the finding is still there, or a new one appeared. */
export const FIX_NOT_RESOLVED = 1;

/** Runs the command and returns its exit code. */
export async function runFix(options: FixCommandOptions): Promise<number> {
  const report = await scanWithProgress(options);
  const home = report.host.home;
  const findings = await diagnose(await gatherFacts(report, { project: options.project }));
  const { finding, fix } = selectFix(findings, options.findingId, options.fixId);
  process.stdout.write(`${finding.title}\nfix: ${fix.title}\n`);
  process.stdout.write(`${formatFix(fix, home).join('\n')}\n`);
  if (options.dryRun) {
    process.stdout.write('Dry run: nothing was written.\n');
    return FIX_RESOLVED;
  }
  const result = await applyFix({
    report,
    project: options.project,
    findingId: finding.id,
    fixId: fix.id,
    store: new BackupStore(appDataDirectory(process.env, process.platform, os.homedir())),
    rescan: (restriction) =>
      runScan({
        deadlineMs: options.deadlineMs,
        trace: options.trace,
        baseEnvironment: options.baseEnvironment,
        environment: process.env,
        ...restriction,
      }),
  });
  process.stdout.write(`${result.outcome.message}\n`);
  return result.outcome.resolved && result.outcome.introduced.length === 0 ? FIX_RESOLVED : FIX_NOT_RESOLVED;
}
