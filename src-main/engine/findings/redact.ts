/**
 * Masks secrets in the text of findings, with the patterns of shared/redact-text.ts that the
 * renderer uses too.
 */
import type { Finding, Fix } from '../../shared/findings.ts';
import { redactText, redactValue } from '../../shared/redact-text.ts';

export { isSecretName, MASK, redactText, redactValue } from '../../shared/redact-text.ts';

function redactNullable(text: string | null): string | null {
  return text === null ? null : redactText(text);
}

function redactFix(fix: Fix): Fix {
  return {
    ...fix,
    title: redactText(fix.title),
    // The edits' before and after texts are the user's own files and are written back exactly.
    edits: fix.edits,
    command: redactNullable(fix.command),
    effect: { ...fix.effect, description: redactText(fix.effect.description) },
  };
}

/**
 * Returns the finding with secrets masked in every text shown to the user: title, explanation,
 * evidence, fix titles, descriptions and commands. The fixes' file edits keep the exact text,
 * because applying a fix writes them back; use findingForLog before logging a finding.
 */
export function redactFinding(finding: Finding): Finding {
  return {
    ...finding,
    title: redactText(finding.title),
    explanation: redactText(finding.explanation),
    evidence: {
      contextIds: finding.evidence.contextIds,
      values: finding.evidence.values.map((value) => ({
        ...value,
        value: value.value === null ? null : redactValue(value.name, value.value),
        source: redactNullable(value.source),
      })),
      locations: finding.evidence.locations.map((location) => ({
        ...location,
        text: redactNullable(location.text),
      })),
    },
    fixes: finding.fixes.map(redactFix),
  };
}

/**
 * Returns a finding safe to write to a log: redacted, with each edit's file text replaced by its
 * size, because a startup file can hold secrets that redaction does not recognise.
 */
export function findingForLog(finding: Finding): unknown {
  const redacted = redactFinding(finding);
  return {
    ...redacted,
    fixes: redacted.fixes.map((fix) => ({
      ...fix,
      edits: fix.edits.map((edit) => ({
        path: edit.path,
        exists: edit.exists,
        beforeLength: edit.before.length,
        afterLength: edit.after.length,
      })),
    })),
  };
}
