/**
 * Applies a finding's fix and proves it. The fix's edits are saved through the safe save (backup
 * first, atomic replace). Then the contexts that read the edited files are probed again, and the
 * findings are computed again to show that this one is gone and no new one appeared.
 */
import { ApiRequestError } from '../../shared/contract.ts';
import type { Finding, FindingsReport, Fix, FixOutcome } from '../../shared/findings.ts';
import type { ScanReport } from '../../shared/scan-report.ts';
import { contextsReadingFiles, mergeContexts, rescanRestriction } from '../edit/affected-contexts.ts';
import type { BackupStore } from '../files/backup-store.ts';
import { resolveEditTarget } from '../files/edit-scope.ts';
import { openEditableFile, undoLastSave } from '../files/safe-save.ts';
import type { ScanOptions } from '../scan.ts';
import { diagnose } from './diagnose.ts';
import { gatherFacts } from './facts.ts';
import { saveFixEdit } from './fix-save.ts';

export interface ApplyFixRequest {
  report: ScanReport;
  project: string | null;
  findingId: string;
  /** The fix to apply; the finding's first fix with edits when absent. */
  fixId?: string;
  /** The hash of each edited file as the fix was shown to the user; checked when given. */
  expectedHashes?: Record<string, string>;
  store: BackupStore;
  /** Probes the named contexts again with the app's settings. */
  rescan: (restriction: Pick<ScanOptions, 'shells' | 'contextIds'>) => Promise<ScanReport>;
}

export interface ApplyFixResult {
  outcome: FixOutcome;
  /** The scan with the probed contexts replaced by their new state. */
  report: ScanReport;
  findings: FindingsReport;
}

/** Finds a finding and its fix in the findings of a scan, or explains why not. */
export function selectFix(findings: FindingsReport, findingId: string, fixId?: string): { finding: Finding; fix: Fix } {
  const finding = findings.findings.find((candidate) => candidate.id === findingId);
  if (!finding) {
    throw new ApiRequestError(
      `no finding ${JSON.stringify(findingId)} in the latest scan; it may be fixed already. Scan again to list the current findings`,
    );
  }
  const fix =
    fixId === undefined
      ? (finding.fixes.find((candidate) => candidate.edits.length > 0) ?? finding.fixes[0])
      : finding.fixes.find((candidate) => candidate.id === fixId);
  if (!fix) {
    const known = finding.fixes.map((candidate) => candidate.id).join(', ') || 'none';
    throw new ApiRequestError(`finding ${findingId} has no fix ${JSON.stringify(fixId ?? '')}; its fixes: ${known}`);
  }
  return { finding, fix };
}

/** Applies one fix, probes the affected contexts again and reports whether the finding is gone. */
export async function applyFix(request: ApplyFixRequest): Promise<ApplyFixResult> {
  const before = await diagnose(await gatherFacts(request.report, { project: request.project }));
  const { finding, fix } = selectFix(before, request.findingId, request.fixId);
  if (fix.edits.length === 0) {
    throw new ApiRequestError(
      `the fix "${fix.title}" is a command for you to run, not an edit: ${fix.command ?? 'no command given'}`,
    );
  }

  if (request.expectedHashes) {
    const shown = request.expectedHashes;
    const differs =
      fix.edits.length !== Object.keys(shown).length || fix.edits.some((edit) => shown[edit.path] !== edit.expectedHash);
    if (differs) {
      throw new ApiRequestError(
        `the files of "${fix.title}" changed since the fix was shown, so nothing was written; ` +
          'refresh the findings and review the fix again',
      );
    }
  }
  // Every file is checked before any is written, so a fix is applied whole or not at all.
  for (const edit of fix.edits) {
    await resolveEditTarget(edit.path, request.report, request.report.host.home);
    const current = await openEditableFile(edit.path, { kind: 'startup', contextIds: [] });
    if (current.writeBlock) throw new ApiRequestError(current.writeBlock.message);
    if (current.hash !== edit.expectedHash) {
      throw new ApiRequestError(
        `${edit.path} changed since the findings were computed, so nothing was written; scan again and apply the fix again`,
      );
    }
  }
  const saved: FixOutcome['saved'] = [];
  for (const edit of fix.edits) {
    let failure: string | null = null;
    try {
      const outcome = await saveFixEdit(edit, request.store);
      if (outcome.status === 'saved') saved.push({ path: edit.path, backupId: outcome.result.backup.id });
      else failure = outcome.message;
    } catch (error) {
      failure = (error as Error).message;
    }
    if (failure !== null) {
      // The files saved so far are put back, so the fix is not left half applied.
      for (const entry of saved.reverse()) await undoLastSave(entry.path, request.store, entry.backupId);
      throw new ApiRequestError(
        `${edit.path} could not be saved, so the fix was not applied${saved.length > 0 ? ' and the files it had saved were put back' : ''}: ${failure}`,
      );
    }
  }

  const affected = new Set([
    ...fix.effect.contextIds,
    ...contextsReadingFiles(
      request.report,
      fix.edits.map((edit) => edit.path),
    ).map((context) => context.id),
  ]);
  const rescanned = await request.rescan(rescanRestriction(request.report, affected));
  const report = mergeContexts(request.report, rescanned);
  const after = await diagnose(await gatherFacts(report, { project: request.project }));
  const resolved = !after.findings.some((candidate) => candidate.id === finding.id);
  const known = new Set(before.findings.map((candidate) => candidate.id));
  const introduced = after.findings.filter((candidate) => !known.has(candidate.id) && candidate.severity !== 'hint');
  return {
    outcome: {
      findingId: finding.id,
      fixId: fix.id,
      saved,
      resolved,
      introduced,
      message: outcomeMessage(finding, fix, saved, resolved, introduced, [...affected]),
    },
    report,
    findings: after,
  };
}

function outcomeMessage(
  finding: Finding,
  fix: Fix,
  saved: FixOutcome['saved'],
  resolved: boolean,
  introduced: Finding[],
  contextIds: string[],
): string {
  const files = saved.map((entry) => entry.path).join(', ');
  const undo = saved.map((entry) => `go-env-lens undo ${entry.path}`).join('; ');
  const probed = contextIds.length > 0 ? contextIds.join(', ') : 'no context';
  if (resolved && introduced.length === 0) {
    return `Fixed: "${finding.title}" is gone after probing ${probed} again. Saved ${files} (backup kept; undo with ${undo}).`;
  }
  if (resolved) {
    return (
      `"${finding.title}" is gone, but the change brought up ${introduced.map((entry) => `"${entry.title}"`).join(', ')}. ` +
      `Saved ${files}; undo with ${undo} if that is not what you want.`
    );
  }
  return (
    `"${finding.title}" is still there after "${fix.title}" and probing ${probed} again. ` +
    `Saved ${files}; undo with ${undo} to put the files back as they were.`
  );
}
