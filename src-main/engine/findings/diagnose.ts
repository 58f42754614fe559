/**
 * Runs the rule table over the facts of a scan and returns the findings: ids derived from each
 * rule and finding key, severities filled in, secrets masked, duplicates merged and a stable order.
 */
import type { Finding, FindingSeverity, FindingsReport } from '../../shared/findings.ts';
import { redactFinding, redactText } from './redact.ts';
import type { FindingDraft, FindingFacts, Rule } from './rule.ts';
import { RULES } from './rule-table.ts';

const SEVERITY_ORDER: Record<FindingSeverity, number> = { error: 0, warning: 1, hint: 2 };

/**
 * Diagnoses a scan. A rule that throws is listed in `ruleErrors` with its message, and the other
 * rules still run, so one broken rule never hides every finding.
 */
export async function diagnose(facts: FindingFacts, rules: readonly Rule[] = RULES): Promise<FindingsReport> {
  const ruleErrors: FindingsReport['ruleErrors'] = [];
  const results = await Promise.all(
    rules.map(async (rule) => {
      try {
        const drafts = await rule.check(facts);
        return drafts.map((draft) => findingOf(rule, draft));
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        ruleErrors.push({ rule: rule.id, message: redactText(message) });
        return [];
      }
    }),
  );
  const findings = mergeDuplicates(results.flat().map(redactFinding));
  findings.sort(compareFindings);
  ruleErrors.sort((left, right) => left.rule.localeCompare(right.rule));
  return { findings, project: facts.project, ruleErrors };
}

function findingOf(rule: Rule, draft: FindingDraft): Finding {
  const { key, severity, ...rest } = draft;
  return { id: `${rule.id}:${key}`, rule: rule.id, severity: severity ?? rule.severity, ...rest };
}

/** Compares findings by severity (errors first), then by id. */
export function compareFindings(left: Finding, right: Finding): number {
  const bySeverity = SEVERITY_ORDER[left.severity] - SEVERITY_ORDER[right.severity];
  if (bySeverity !== 0) return bySeverity;
  if (left.id < right.id) return -1;
  if (left.id > right.id) return 1;
  return 0;
}

/**
 * Merges findings with the same id: the most severe is kept, with the evidence of all of them
 * (contexts, values and locations listed once each).
 */
function mergeDuplicates(findings: Finding[]): Finding[] {
  const byId = new Map<string, Finding>();
  for (const finding of findings) {
    const previous = byId.get(finding.id);
    if (previous === undefined) {
      byId.set(finding.id, finding);
      continue;
    }
    const moreSevere = SEVERITY_ORDER[finding.severity] < SEVERITY_ORDER[previous.severity];
    const [kept, other] = moreSevere ? [finding, previous] : [previous, finding];
    byId.set(finding.id, {
      ...kept,
      evidence: {
        contextIds: unique([...kept.evidence.contextIds, ...other.evidence.contextIds]),
        values: uniqueBy([...kept.evidence.values, ...other.evidence.values]),
        locations: uniqueBy([...kept.evidence.locations, ...other.evidence.locations]),
      },
    });
  }
  return [...byId.values()];
}

function unique<T>(items: T[]): T[] {
  return [...new Set(items)];
}

function uniqueBy<T>(items: T[]): T[] {
  const seen = new Set<string>();
  return items.filter((item) => {
    const key = JSON.stringify(item);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
