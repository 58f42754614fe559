/**
 * Go env file values that go rejects or misreads (`GOPATH=~/go`, a relative GOMODCACHE, a quoted
 * GOPROXY), and GOROOT written in the Go env file. go reads the file before any command, so a bad
 * line there stops `go env -w` and `go env -u` too: the fixes edit the file directly, never
 * through go.
 */
import type { Fix } from '../../shared/findings.ts';
import type { GoFindingImpact, GoSettingFinding } from '../../shared/go-layers.ts';
import { envFileLineFix, removeAssignmentsFix, setsEnvFileKey, type FixEffect } from './rules-go-fixes.ts';
import {
  contextIdsOf,
  contextLabels,
  describeEnvironmentOrigin,
  environmentKey,
  environmentOrigin,
  evidenceValue,
  judgedSettings,
  layeredVariable,
  lineHasCarriageReturn,
  locationOf,
  SEVERITY_RANK,
  severityOf,
  shownPath,
  shownValue,
  type GoContext,
  type JudgedSetting,
} from './rules-go-support.ts';
import type { FindingDraft, FindingFacts, Rule } from './rule.ts';

/** Keys whose findings other Go rules report, with fixes of their own. */
export const KEYS_WITH_OWN_RULES = new Set(['GOTOOLCHAIN', 'GOROOT', 'GOFLAGS', 'GOPRIVATE', 'GONOPROXY', 'GONOSUMDB']);

/**
 * Keys judged here also when exported. The startup file rules cover GOROOT, GOPATH, GOBIN and
 * PATH themselves, so those are judged here only as Go env file lines.
 */
const ENVIRONMENT_KEYS = new Set([
  'GO111MODULE',
  'GOPROXY',
  'GOSUMDB',
  'GOINSECURE',
  'GOVCS',
  'GOEXPERIMENT',
  'GOAUTH',
  'GOCACHE',
  'GOMODCACHE',
  'GOTMPDIR',
  'GOWORK',
]);

/** The effect of each impact, in words for a title. */
const IMPACT_WORDS: Record<GoFindingImpact, string> = {
  'every-command': 'stops every go command',
  'go-env': 'makes go env fail',
  builds: 'breaks builds',
  'module-downloads': 'breaks module downloads',
  'toolchain-switch': 'changes which Go runs',
  ignored: 'is ignored',
  none: 'does not do what it looks like',
};

/**
 * Returns the value with shell habits undone: surrounding quotes removed, and a leading `~` or
 * `$HOME` written out as the home folder (in each entry of a path list). Null when nothing changes.
 */
export function repairedValue(key: string, value: string, home: string): string | null {
  let repaired = value;
  const quoted = /^(["'])(.*)\1$/.exec(repaired);
  if (quoted) repaired = quoted[2]!;
  const separator = key === 'GOPATH' ? ':' : null;
  const expand = (entry: string) => entry.replace(/^(?:~|\$HOME|\$\{HOME\})(?=\/|$)/, home);
  repaired = separator === null ? expand(repaired) : repaired.split(separator).map(expand).join(separator);
  return repaired === value ? null : repaired;
}

function isJudgedHere(finding: GoSettingFinding): boolean {
  if (finding.key === null || finding.severity === 'info' || finding.impact === 'ignored') return false;
  const key = finding.key.trim();
  if (KEYS_WITH_OWN_RULES.has(key) || key !== finding.key) return false;
  if (finding.origin === 'env-file') return true;
  return finding.origin === 'environment' && ENVIRONMENT_KEYS.has(key);
}

function goMessageText(finding: GoSettingFinding): string {
  return finding.goMessage ? ` Go prints "${finding.goMessage}".` : '';
}

/** Drafts one finding for a Go env file line from every problem go-layers found on it. */
async function envFileDraft(facts: FindingFacts, group: JudgedSetting[]): Promise<FindingDraft | null> {
  const finding = group.reduce((worst, next) =>
    SEVERITY_RANK[severityOf(next.finding.severity)] < SEVERITY_RANK[severityOf(worst.finding.severity)] ? next : worst,
  ).finding;
  const contexts = [...new Set(group.flatMap((judged) => judged.contexts))];
  const reasons = [...new Set(group.map((judged) => judged.finding.reason))].join('; ');
  const file = finding.path!;
  const line = finding.line!;
  const key = finding.key!;
  // A value that only goes wrong because of a Windows line ending is the format rule's finding.
  if (await lineHasCarriageReturn(facts, file, line)) return null;
  const value = valueOnLine(contexts, key, file, line) ?? (await rawValue(facts, file, line, key));
  const where = `${shownPath(file, facts.home)}:${line}`;
  const everyCommand = finding.impact === 'every-command';
  const effect: FixEffect = {
    contextIds: contextIdsOf(contexts),
    description: `go in ${contextLabels(contexts)} no longer fails on ${key}`,
  };

  const fixes: Fix[] = [];
  const repaired = value === null ? null : repairedValue(key, value, facts.home);
  if (repaired !== null) {
    const replace = await envFileLineFix(facts, {
      id: 'replace-env-file-line',
      title: `Change line ${line} of ${shownPath(file, facts.home)} to ${key}=${shownValue(key, repaired)}`,
      file,
      line,
      expect: (text) => setsEnvFileKey(text, key),
      replacement: `${key}=${repaired}`,
      effect: { ...effect, description: `${key} becomes ${shownValue(key, repaired)} in ${contextLabels(contexts)}` },
    });
    if (replace) fixes.push(replace);
  }
  const remove = await envFileLineFix(facts, {
    id: 'remove-env-file-line',
    title: `Delete line ${line} (${key}) from ${shownPath(file, facts.home)}`,
    file,
    line,
    expect: (text) => setsEnvFileKey(text, key),
    replacement: null,
    effect: { ...effect, description: `${key} goes back to its default in ${contextLabels(contexts)}` },
  });
  if (remove) fixes.push(remove);

  return {
    key: `${shownPath(file, facts.home)}:${key}`,
    severity: severityOf(finding.severity),
    title: `${where} sets ${key}=${value === null ? '…' : shownValue(key, value)}, which ${IMPACT_WORDS[finding.impact]}`,
    explanation:
      `Line ${line} of the Go env file ${shownPath(file, facts.home)} (the file \`go env -w\` writes) sets ${key}: ` +
      `${reasons}.${goMessageText(finding)}` +
      (everyCommand
        ? ' go reads this file before running any command, so `go env -w` and `go env -u` fail too and ' +
          'cannot repair it. Edit the file itself.'
        : '') +
      ` This affects ${contextLabels(contexts)}.`,
    evidence: {
      contextIds: contextIdsOf(contexts),
      values: value === null ? [] : [evidenceValue(key, value, null, where)],
      locations: [await locationOf(facts, file, line)],
    },
    fixes,
  };
}

async function environmentDrafts(facts: FindingFacts, judged: JudgedSetting): Promise<FindingDraft[]> {
  const { finding } = judged;
  const key = finding.key!;
  const byOrigin = new Map<string, GoContext[]>();
  for (const context of judged.contexts) {
    const where = describeEnvironmentOrigin(environmentOrigin(context.context, key), facts.home);
    byOrigin.set(where, [...(byOrigin.get(where) ?? []), context]);
  }
  const drafts: FindingDraft[] = [];
  for (const [where, contexts] of byOrigin) {
    const origin = environmentOrigin(contexts[0]!.context, key);
    const value = contexts[0]!.context.env[key] ?? '';
    const fix = await removeAssignmentsFix(
      facts,
      key,
      contexts.map((context) => context.context),
      {
        id: 'remove-export',
        title: `Stop exporting ${key} in ${where}`,
        effect: {
          contextIds: contextIdsOf(contexts),
          description: `${key} comes from the Go env file or go's default in ${contextLabels(contexts)}`,
        },
      },
    );
    drafts.push({
      key: environmentKey(origin, key, facts.home),
      severity: severityOf(finding.severity),
      title: `${key}=${shownValue(key, value)} exported by ${where} ${IMPACT_WORDS[finding.impact]}`,
      explanation:
        `${key} is exported with the value ${shownValue(key, value)} by ${where}: ${finding.reason}.` +
        `${goMessageText(finding)} This affects ${contextLabels(contexts)}.`,
      evidence: {
        contextIds: contextIdsOf(contexts),
        values: contexts.map((context) => evidenceValue(key, value, context.context.id, where)),
        locations: origin.kind === 'startup-line' ? [await locationOf(facts, origin.file, origin.line)] : [],
      },
      fixes: fix ? [fix] : [],
    });
  }
  return drafts;
}

function valueOnLine(contexts: GoContext[], key: string, file: string, line: number): string | null {
  for (const context of contexts) {
    const variable = layeredVariable(context.layers, key);
    if (variable?.source.layer === 'env-file' && variable.source.path === file && variable.source.line === line) {
      return variable.storedValue ?? variable.value;
    }
  }
  return null;
}

async function rawValue(facts: FindingFacts, file: string, line: number, key: string): Promise<string | null> {
  const opened = await facts.files.read(file);
  const text = opened?.text.split('\n')[line - 1];
  return text !== undefined && setsEnvFileKey(text, key) ? text.slice(key.length + 1) : null;
}

/**
 * Drafts findings for the go-layers findings that pass `select`: one per Go env file line, and
 * one per startup file line (or session) for exported values.
 */
export async function invalidValueDrafts(
  facts: FindingFacts,
  select: (finding: GoSettingFinding) => boolean,
): Promise<FindingDraft[]> {
  const drafts: FindingDraft[] = [];
  const lines = new Map<string, JudgedSetting[]>();
  for (const judged of judgedSettings(facts, select)) {
    if (judged.finding.origin === 'env-file') {
      lines.set(judged.key, [...(lines.get(judged.key) ?? []), judged]);
    } else if (judged.finding.origin === 'environment') {
      drafts.push(...(await environmentDrafts(facts, judged)));
    }
  }
  for (const group of lines.values()) {
    const draft = await envFileDraft(facts, group);
    if (draft) drafts.push(draft);
  }
  return drafts;
}

export const goSettingInvalidRule: Rule = {
  id: 'go-setting-invalid',
  severity: 'error',
  title: 'A Go setting has a value go rejects or misreads',
  reads: ['go-layers', 'provenance'],
  check: (facts) => invalidValueDrafts(facts, isJudgedHere),
};
