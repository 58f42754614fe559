/**
 * Runs the diagnosis flow of one finding case the way the app does. It scans the home with the
 * real shells and diagnoses it. Then, for each expected finding, it saves the first fix through
 * the safe save, scans and diagnoses again, and undoes the saves from their backups. Run as a
 * program, it prints its result as JSON, so a test can run it as the unprivileged user too:
 *   node --import tsx tests/helpers/finding-flow.ts '{"caseId": ..., "home": ..., "dataDirectory": ...}'
 */
import { fileURLToPath } from 'node:url';

import { BackupStore } from '../../src-main/engine/files/backup-store.ts';
import { undoLastSave } from '../../src-main/engine/files/safe-save.ts';
import { diagnose } from '../../src-main/engine/findings/diagnose.ts';
import { gatherFacts } from '../../src-main/engine/findings/facts.ts';
import { saveFixEdit } from '../../src-main/engine/findings/fix-save.ts';
import { runScan } from '../../src-main/engine/scan.ts';
import type { Finding, FindingsReport } from '../../src-main/shared/findings.ts';
import { FINDING_CASES, type FindingCase } from '../fixtures/finding-cases.ts';
import { cleanEnvironment } from './throwaway-home.ts';

/** Deadline of each probe, in milliseconds; generous because the scans share the machine. */
const PROBE_DEADLINE_MS = 20_000;

export interface FindingFlowInput {
  caseId: string;
  /** A home with the case's files already written. */
  home: string;
  dataDirectory: string;
}

/** A finding as the test checks it, with file names written as `~/…`. */
export interface FindingSummary {
  id: string;
  rule: string;
  severity: Finding['severity'];
  title: string;
  explanation: string;
  locations: string[];
  firstFix: { id: string; editedFiles: string[] } | null;
}

export interface FixOutcomeSummary {
  findingId: string;
  fixId: string | null;
  /** How each edit's save ended: `saved`, or the reason it did not. */
  saves: string[];
  after: FindingSummary[];
}

export interface FindingFlowResult {
  failedContexts: string[];
  ruleErrors: FindingsReport['ruleErrors'];
  before: FindingSummary[];
  fixes: FixOutcomeSummary[];
}

function shown(file: string, home: string): string {
  return file.startsWith(`${home}/`) ? `~/${file.slice(home.length + 1)}` : file;
}

function summarize(finding: Finding, home: string): FindingSummary {
  const fix = finding.fixes[0];
  return {
    id: finding.id,
    rule: finding.rule,
    severity: finding.severity,
    title: finding.title,
    explanation: finding.explanation,
    locations: finding.evidence.locations
      .map((location) => (location.line === null ? shown(location.file, home) : `${shown(location.file, home)}:${location.line}`))
      .sort(),
    firstFix: fix ? { id: fix.id, editedFiles: fix.edits.map((edit) => shown(edit.path, home)) } : null,
  };
}

async function scanAndDiagnose(findingCase: FindingCase, input: FindingFlowInput) {
  const extra: Record<string, string> = { GO_ENV_LENS_DATA_DIR: input.dataDirectory };
  if (findingCase.sessionPath) extra.PATH = findingCase.sessionPath;
  const report = await runScan({
    deadlineMs: PROBE_DEADLINE_MS,
    environment: cleanEnvironment(input.home, extra),
    baseEnvironment: 'self',
    shells: findingCase.shells,
  });
  const result = await diagnose(await gatherFacts(report, { project: null }));
  const failedContexts = report.contexts
    .filter((context) => !context.ok)
    .map((context) => `${context.id}: ${context.error?.message}`);
  return { result, failedContexts };
}

/** Runs the flow in this process, as the user running it. */
export async function runFindingFlow(input: FindingFlowInput): Promise<FindingFlowResult> {
  const findingCase = FINDING_CASES.find((candidate) => candidate.id === input.caseId);
  if (!findingCase) throw new Error(`no finding case ${JSON.stringify(input.caseId)} in tests/fixtures/finding-cases.ts`);
  const store = new BackupStore(input.dataDirectory);
  const { result, failedContexts } = await scanAndDiagnose(findingCase, input);
  const fixes: FixOutcomeSummary[] = [];

  for (const expected of findingCase.expected) {
    const fix = result.findings.find((finding) => finding.id === expected.id)?.fixes[0];
    if (!fix) {
      fixes.push({ findingId: expected.id, fixId: null, saves: [], after: [] });
      continue;
    }
    const saves: string[] = [];
    const saved: string[] = [];
    for (const edit of fix.edits) {
      const outcome = await saveFixEdit(edit, store, { home: input.home });
      saves.push(outcome.status === 'saved' ? 'saved' : outcome.message);
      if (outcome.status === 'saved') saved.push(edit.path);
    }
    const after = await scanAndDiagnose(findingCase, input);
    failedContexts.push(...after.failedContexts);
    fixes.push({
      findingId: expected.id,
      fixId: fix.id,
      saves,
      after: after.result.findings.map((finding) => summarize(finding, input.home)),
    });
    // The next finding's fix was computed from the files as they were: put them back.
    for (const file of saved) await undoLastSave(file, store, undefined, { home: input.home });
  }
  return {
    failedContexts,
    ruleErrors: result.ruleErrors,
    before: result.findings.map((finding) => summarize(finding, input.home)),
    fixes,
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const result = await runFindingFlow(JSON.parse(process.argv[2]!) as FindingFlowInput);
  process.stdout.write(JSON.stringify(result));
}
