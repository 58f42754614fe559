/**
 * Scans a throwaway home with the real shells and diagnoses it with the rules about Go's own
 * settings, the way the app does: runScan, gatherFacts, diagnose. Prints the findings as JSON
 * when run as a program, so a test can run it as the unprivileged user too:
 *   node --import tsx tests/helpers/go-findings-run.ts '{"home": ..., "shells": [...], "project": null}'
 */
import { fileURLToPath } from 'node:url';

import { diagnose } from '../../src-main/engine/findings/diagnose.ts';
import { gatherFacts } from '../../src-main/engine/findings/facts.ts';
import { GO_RULES } from '../../src-main/engine/findings/rules-go.ts';
import { runScan } from '../../src-main/engine/scan.ts';
import type { FindingsReport } from '../../src-main/shared/findings.ts';
import { runNodeJson } from './run-as-test-user.ts';
import type { TestUser } from './test-user.ts';
import { cleanEnvironment } from './throwaway-home.ts';

/** Probe deadline per context, in milliseconds; generous because CI runs several suites at once. */
const DEADLINE_MS = 30_000;

export interface GoFindingsInput {
  home: string;
  shells: string[];
  /** Absolute project folder, or null. */
  project: string | null;
  /** Variables added to the environment every context starts from. */
  environment?: Record<string, string>;
}

export interface GoFindingsResult {
  findings: FindingsReport;
  /** Contexts that failed to start, with the reason (should be none). */
  failedContexts: { id: string; message: string }[];
  /** Context ids that run a go, for checking a case reached go at all. */
  contextsWithGo: string[];
  /** The toolchain each context with a readable go binary runs in the project, as predicted. */
  toolchains: { contextId: string; binary: string | null; chosen: string | null; origin: string | null }[];
}

/** Scans and diagnoses in this process, as the user running it. */
export async function runGoFindings(input: GoFindingsInput): Promise<GoFindingsResult> {
  const environment = cleanEnvironment(input.home, input.environment);
  const report = await runScan({ deadlineMs: DEADLINE_MS, environment, baseEnvironment: 'self', shells: input.shells });
  const facts = await gatherFacts(report, { project: input.project, home: input.home });
  return {
    findings: await diagnose(facts, GO_RULES),
    failedContexts: report.contexts
      .filter((context) => !context.ok && context.error?.code !== 'not-applicable')
      .map((context) => ({ id: context.id, message: context.error?.message ?? 'unknown error' })),
    contextsWithGo: report.contexts.filter((context) => context.go?.path).map((context) => context.id),
    toolchains: facts.contexts
      .filter((context) => context.resolution?.selection)
      .map((context) => ({
        contextId: context.context.id,
        binary: context.resolution!.binary?.path ?? null,
        chosen: context.resolution!.selection!.chosen,
        origin: context.resolution!.selection!.origin,
      })),
  };
}

const SELF = fileURLToPath(import.meta.url);

/** Runs the same in a child process as `user`, with a clean environment. */
export function runGoFindingsAs(user: TestUser, input: GoFindingsInput): Promise<GoFindingsResult> {
  return runNodeJson<GoFindingsResult>({
    user,
    args: [SELF, JSON.stringify(input)],
    environment: { PATH: '/usr/bin:/bin', HOME: input.home, LANG: 'C.UTF-8' },
    label: 'the diagnosis',
  });
}

if (process.argv[1] === SELF) {
  const result = await runGoFindings(JSON.parse(process.argv[2]!) as GoFindingsInput);
  process.stdout.write(JSON.stringify(result));
}
