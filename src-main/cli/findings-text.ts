/**
 * Findings as terminal text: each finding with its explanation, evidence and fixes, and a fix as
 * the exact diff of each file it edits, plus the line ending or byte order mark change it makes.
 */
import type { Finding, FindingsReport, Fix } from '../shared/findings.ts';
import { diffLines, formatUnifiedDiff } from '../shared/line-diff.ts';
import { redactText } from '../shared/redact-text.ts';
import { shortenHome } from './doctor-command.ts';

const SEVERITY_LABEL = { error: 'ERROR', warning: 'WARNING', hint: 'hint' } as const;

/** Formats every finding under a heading; a line saying so when there is none. */
export function formatFindings(report: FindingsReport, home: string): string {
  const lines: string[] = [];
  const counts = (['error', 'warning', 'hint'] as const).map(
    (severity) => `${report.findings.filter((finding) => finding.severity === severity).length} ${severity}s`,
  );
  lines.push(`Findings: ${counts.join(', ')}`);
  if (report.findings.length === 0) lines.push('  Nothing to fix: every context agrees and every Go setting is valid.');
  for (const finding of report.findings) {
    lines.push('');
    lines.push(...formatFinding(finding, home));
  }
  for (const failure of report.ruleErrors) {
    lines.push('', `The check ${failure.rule} could not run: ${failure.message}`);
  }
  return `${lines.join('\n')}\n`;
}

/** Formats one finding: title, explanation, evidence and fixes with their diffs. */
export function formatFinding(finding: Finding, home: string): string[] {
  const lines = [`${SEVERITY_LABEL[finding.severity]} ${finding.title}`, `  id: ${finding.id}`];
  lines.push(...wrap(finding.explanation, '  '));
  const { contextIds, locations, values } = finding.evidence;
  if (contextIds.length > 0) lines.push(`  contexts: ${contextIds.join(', ')}`);
  for (const location of locations) {
    const where = `${shortenHome(location.file, home)}${location.line === null ? '' : `:${location.line}`}`;
    lines.push(`  at ${where}${location.text === null ? '' : `: ${location.text.trim()}`}`);
  }
  for (const value of values) {
    const shown = value.value === null ? 'unset' : JSON.stringify(value.value);
    const context = value.contextId === null ? '' : ` in ${value.contextId}`;
    const source = value.source === null ? '' : ` (from ${value.source})`;
    lines.push(`  ${value.name} = ${shown}${context}${source}`);
  }
  finding.fixes.forEach((fix, index) => {
    lines.push(`  fix ${index + 1}: ${fix.title}   (go-env-lens fix ${finding.id} --fix ${fix.id})`);
    lines.push(...formatFix(fix, home).map((line) => `    ${line}`));
  });
  return lines;
}

/** Formats a fix: what it changes for which contexts, the diff of each file, the command. */
export function formatFix(fix: Fix, home: string): string[] {
  const lines = wrap(fix.effect.description, '');
  if (fix.effect.contextIds.length > 0) lines.push(`changes: ${fix.effect.contextIds.join(', ')}`);
  for (const edit of fix.edits) {
    const label = shortenHome(edit.path, home) + (edit.exists ? '' : ' (new file)');
    const diff = formatUnifiedDiff(label, diffLines(edit.before, edit.after));
    // Secrets in the user's own lines are masked on screen; applying writes the real text.
    if (diff !== '') lines.push(...diff.trimEnd().split('\n').map(redactText));
    // The diff compares text with `\n` line endings and no byte order mark, so it cannot show these.
    if (edit.lineEnding === 'lf') lines.push(`${label}: line endings become LF (\\n)`);
    if (edit.bom === false) lines.push(`${label}: the byte order mark is removed`);
  }
  if (fix.command) lines.push(`run: ${fix.command}`);
  return lines;
}

function wrap(text: string, indent: string, width = 100): string[] {
  const lines: string[] = [];
  let current = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (current && indent.length + current.length + 1 + word.length > width) {
      lines.push(indent + current);
      current = word;
    } else current = current ? `${current} ${word}` : word;
  }
  if (current) lines.push(indent + current);
  return lines;
}
