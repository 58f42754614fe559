/**
 * Pure helpers of the Findings view: the order and counts of findings, the words for contexts
 * and files, and the masking of secrets in file text the view shows.
 */
import type {
  EvidenceValue,
  Finding,
  FindingSeverity,
  FixFileEdit,
} from '../../src-main/shared/findings.ts';
import { redactText } from '../../src-main/shared/redact-text.ts';
import type { ScanReport } from '../../src-main/shared/scan-report.ts';
import { listVariableNames } from './variable-names.ts';

/** Severities from the most to the least urgent, the order the view lists findings in. */
export const SEVERITIES: readonly FindingSeverity[] = ['error', 'warning', 'hint'];

const SEVERITY_WORDS: Record<FindingSeverity, [string, string]> = {
  error: ['error', 'errors'],
  warning: ['warning', 'warnings'],
  hint: ['hint', 'hints'],
};

/** Sorts findings by severity, keeping the engine's order within each severity. */
export function sortFindings(findings: Finding[]): Finding[] {
  const rank = (finding: Finding) => SEVERITIES.indexOf(finding.severity);
  return [...findings].sort((a, b) => rank(a) - rank(b));
}

/** Counts findings per severity. */
export function countSeverities(findings: Finding[]): Record<FindingSeverity, number> {
  const counts: Record<FindingSeverity, number> = { error: 0, warning: 0, hint: 0 };
  for (const finding of findings) counts[finding.severity]++;
  return counts;
}

/** Formats a count of one severity, such as "1 error" or "0 warnings". */
export function describeCount(severity: FindingSeverity, count: number): string {
  const [one, many] = SEVERITY_WORDS[severity];
  return `${count} ${count === 1 ? one : many}`;
}

/** Returns a context's label from the scan, or its id when the scan no longer has it. */
export function contextLabel(report: ScanReport, contextId: string): string {
  return report.contexts.find((context) => context.id === contextId)?.label ?? contextId;
}

/**
 * Lists the files the file viewer can open for this scan: startup files that exist, Go env files
 * and `$GOROOT/go.env`. The engine allows the same files, and a link to any other file, such as a
 * cache folder a finding names, would only show a refusal.
 */
export function viewablePaths(report: ScanReport): Set<string> {
  const paths = new Set<string>();
  for (const context of report.contexts) {
    for (const file of context.startupFiles) if (file.status !== 'missing') paths.add(file.path);
    const goEnv = context.go?.env;
    if (goEnv?.GOENV) paths.add(goEnv.GOENV);
    if (goEnv?.GOROOT) paths.add(`${goEnv.GOROOT.replace(/\/+$/, '')}/go.env`);
  }
  return paths;
}

/**
 * Returns the variable the variable view can explain for an evidence value, or null. `go on PATH`
 * is explained by PATH; other values by their own name when the scan traced or captured it.
 */
export function explainableVariable(value: EvidenceValue, report: ScanReport): string | null {
  if (value.contextId === null) return null;
  const name = value.name === 'go on PATH' ? 'PATH' : value.name;
  return listVariableNames(report.contexts).includes(name) ? name : null;
}

/**
 * Masks secrets line by line, so the masked text has the same lines as the original and a diff
 * of two masked texts lines up with the diff of the originals.
 */
export function redactLines(text: string): string {
  return text.split('\n').map(redactText).join('\n');
}

/** The before and after text of a fix's edit as the view shows them, secrets masked. */
export interface ShownEdit {
  before: string;
  after: string;
  /** True when the edit changes only text that masking hides, so the shown diff is empty. */
  changeMasked: boolean;
}

/** Masks an edit's texts for display; applying the fix still writes the exact text. */
export function showEdit(edit: FixFileEdit): ShownEdit {
  const before = redactLines(edit.before);
  const after = redactLines(edit.after);
  return { before, after, changeMasked: before === after && edit.before !== edit.after };
}

/**
 * Describes what an edit changes besides the text: line endings, byte order mark, a new file. An
 * edit that changes only the format gets describeFormatOnlyEdit's sentence instead of its notes.
 */
export function describeEditFormat(edit: FixFileEdit): string[] {
  const notes: string[] = [];
  if (!edit.exists) notes.push('The file does not exist yet: applying the fix creates it.');
  if (describeFormatOnlyEdit(edit) !== null) return notes;
  if (edit.lineEnding === 'lf') notes.push('Every line is written with \\n line endings.');
  if (edit.bom === false) notes.push('The byte order mark at the start of the file is removed.');
  return notes;
}

/**
 * Describes an edit whose text stays the same and that changes only the file's line endings or
 * byte order mark, which a diff of the text would show as empty. Returns null for other edits.
 */
export function describeFormatOnlyEdit(edit: FixFileEdit): string | null {
  if (edit.before !== edit.after) return null;
  const changes: string[] = [];
  if (edit.lineEnding === 'lf') changes.push('line endings become LF');
  if (edit.bom === false) changes.push('the byte order mark is removed');
  if (changes.length === 0) return null;
  return `No line of text changes; only the format does: ${changes.join(', and ')}.`;
}

/** A piece of a finding's text: plain words, or a `backquoted` command or name shown as code. */
export interface TextPart {
  text: string;
  code: boolean;
}

/**
 * Splits a finding's text at its backquotes, which the rules put around commands and names such
 * as `go env -w`. A backquote without a partner stays in the text as it is.
 */
export function splitInlineCode(text: string): TextPart[] {
  const parts: TextPart[] = [];
  const pattern = /`([^`\n]+)`/g;
  let start = 0;
  for (const match of text.matchAll(pattern)) {
    if (match.index > start) parts.push({ text: text.slice(start, match.index), code: false });
    parts.push({ text: match[1]!, code: true });
    start = match.index + match[0].length;
  }
  if (start < text.length) parts.push({ text: text.slice(start), code: false });
  return parts;
}
