/**
 * The shell and PATH rules on real setups: each case's throwaway home is scanned with the real
 * shells and go, diagnosed, and must give exactly its expected errors and warnings, with evidence
 * pointing at the right lines. Then the first fix of each expected finding is saved through the
 * safe save, the home is scanned again, and the finding must be gone without any new error or
 * warning. A few cases also run as the unprivileged user, who owns the home.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { SHELL_RULES } from '../src-main/engine/findings/rule-table.ts';
import { FINDING_CASES, type FindingCase } from './fixtures/finding-cases.ts';
import {
  runFindingFlow,
  type FindingFlowInput,
  type FindingFlowResult,
  type FindingSummary,
} from './helpers/finding-flow.ts';
import { asTestUser, USER_VARIANTS, type UserVariant } from './helpers/test-user.ts';
import { createHome } from './helpers/throwaway-home.ts';

const FLOW = fileURLToPath(new URL('./helpers/finding-flow.ts', import.meta.url));

/** Cases also run as the unprivileged user: a move between two files, a Go env file, CRLF. */
const NON_ROOT_CASES = new Set(['C01', 'C07', 'C09']);

const SHELL_RULE_IDS = new Set(SHELL_RULES.map((rule) => rule.id));

/**
 * Cases run at the same time. Each scan already runs its probes in parallel, so a few cases at
 * once keep the machine busy without pushing probes toward their deadline.
 */
const CASES_AT_ONCE = 3;

/** Startup time depends on the machine's load, not on the setup, so it is left out of exact checks. */
const TIMING_RULES = new Set(['slow-startup']);

function serious(findings: FindingSummary[]): FindingSummary[] {
  return findings.filter((finding) => finding.severity !== 'hint' && !TIMING_RULES.has(finding.rule));
}

function listed(findings: FindingSummary[]): string {
  return JSON.stringify(findings.map((finding) => `${finding.severity} ${finding.id}: ${finding.title}`), null, 2);
}

for (const variant of USER_VARIANTS) {
  describe(`shell and PATH rules on real setups, ${variant.name}`, { skip: variant.skip, concurrency: CASES_AT_ONCE }, () => {
    for (const findingCase of FINDING_CASES) {
      if (variant.user && !NON_ROOT_CASES.has(findingCase.id)) continue;
      const ids = findingCase.expected.map((expected) => expected.id).join(', ');
      test(`${findingCase.id}: reports ${ids}, and each first fix resolves it`, async () => {
        const { result, home } = await runCase(findingCase, variant);
        assert.deepEqual(result.failedContexts, [], 'a context failed to probe');
        assert.deepEqual(result.ruleErrors, [], 'a rule failed');

        const shellFindings = serious(result.before).filter((finding) => SHELL_RULE_IDS.has(finding.rule));
        assert.deepEqual(
          shellFindings.map((finding) => finding.id).sort(),
          findingCase.expected.map((expected) => expected.id).sort(),
          `${findingCase.id} findings: ${listed(result.before)}`,
        );
        for (const expected of findingCase.expected) {
          const finding = shellFindings.find((candidate) => candidate.id === expected.id)!;
          assert.equal(finding.severity, expected.severity, `${expected.id} severity`);
          assert.deepEqual(finding.locations, [...expected.locations].sort(), `${expected.id} locations`);
          assert.notEqual(finding.explanation, '', `${expected.id} has no explanation`);
          assert.ok(finding.firstFix, `${expected.id} has no fix`);
          assert.ok(finding.firstFix.editedFiles.length > 0, `${expected.id}: the first fix edits no file`);
          if (expected.title) assert.match(finding.title.replaceAll(home, '{HOME}'), expected.title);
          for (const pattern of expected.explains ?? []) assert.match(finding.explanation, pattern);
        }
        for (const finding of result.before) {
          assert.doesNotMatch(finding.title, /^[a-z]/, `${finding.id}: the title starts with a lower-case letter`);
        }

        const seriousBefore = new Set(serious(result.before).map((finding) => finding.id));
        for (const outcome of result.fixes) {
          assert.ok(outcome.saves.every((save) => save === 'saved'), `${outcome.fixId}: ${outcome.saves.join('; ')}`);
          const after = outcome.after.map((finding) => finding.id);
          assert.ok(!after.includes(outcome.findingId), `${outcome.findingId} is still reported after ${outcome.fixId}: ${listed(outcome.after)}`);
          const introduced = serious(outcome.after).filter((finding) => !seriousBefore.has(finding.id));
          assert.deepEqual(introduced.map((finding) => finding.id), [], `${outcome.fixId} introduced: ${listed(introduced)}`);
          const absent = findingCase.expected.find((expected) => expected.id === outcome.findingId)?.absentAfterFix ?? [];
          for (const prefix of absent) {
            const left = outcome.after.filter((finding) => finding.id.startsWith(prefix));
            assert.deepEqual(left.map((finding) => finding.id), [], `${outcome.fixId} left ${prefix}…`);
          }
        }
      });
    }
  });
}

async function runCase(
  findingCase: FindingCase,
  variant: UserVariant,
): Promise<{ result: FindingFlowResult; home: string }> {
  const home = await createHome(findingCase.files, { owner: variant.user });
  const dataDirectory = await fs.mkdtemp(path.join(os.tmpdir(), 'gel-data-'));
  try {
    if (variant.user) await fs.chown(dataDirectory, variant.user.uid, variant.user.gid);
    const input: FindingFlowInput = { caseId: findingCase.id, home: home.path, dataDirectory };
    const result = variant.user ? await runAsUser(input, variant) : await runFindingFlow(input);
    return { result, home: home.path };
  } finally {
    await home.remove();
    await fs.rm(dataDirectory, { recursive: true, force: true });
  }
}

function runAsUser(input: FindingFlowInput, variant: UserVariant): Promise<FindingFlowResult> {
  const command = [...asTestUser(variant.user!), process.execPath, '--import', 'tsx', FLOW, JSON.stringify(input)];
  return new Promise((resolve, reject) => {
    const child = spawn(command[0]!, command.slice(1), {
      cwd: path.dirname(path.dirname(FLOW)),
      env: { PATH: '/usr/bin:/bin', HOME: input.home, LANG: 'C.UTF-8' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(`the finding flow as ${variant.name} exited ${code}:\n${stderr}`));
      else resolve(JSON.parse(stdout) as FindingFlowResult);
    });
  });
}
