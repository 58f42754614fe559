/**
 * `go-env-lens doctor`: a readable table of contexts by key values, disagreements marked, the
 * errors of contexts that could not be probed, then the findings with a fix for each.
 */
import { diagnose } from '../engine/findings/diagnose.ts';
import { gatherFacts } from '../engine/findings/facts.ts';
import { KEY_COLUMNS, computeKeyCells } from '../shared/key-values.ts';
import { redactValue } from '../shared/redact-text.ts';
import type { ScanReport } from '../shared/scan-report.ts';
import { formatFindings } from './findings-text.ts';
import type { ScanCommandOptions } from './main.ts';
import { scanWithProgress } from './progress-line.ts';
import { renderTable, type TableStyle } from './table.ts';

/** Exit code of doctor when no finding is an error. */
export const DOCTOR_CLEAN = 0;
/** Exit code of doctor when at least one finding is an error. */
export const DOCTOR_ERRORS_FOUND = 1;
/** Exit code of doctor when the scan itself failed: no context could be probed. */
export const DOCTOR_SCAN_FAILED = 2;

export interface DoctorOptions extends ScanCommandOptions {
  project: string | null;
  json: boolean;
}

/** Scans, prints the table and the findings (or JSON) and returns the exit code. */
export async function runDoctor(options: DoctorOptions): Promise<number> {
  const report = await scanWithProgress(options);
  if (!report.contexts.some((context) => context.ok)) {
    if (options.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    else process.stdout.write(formatDoctorReport(report, { colour: false }));
    return DOCTOR_SCAN_FAILED;
  }
  const findings = await diagnose(await gatherFacts(report, { project: options.project }));
  if (options.json) {
    process.stdout.write(`${JSON.stringify({ ...report, findings }, null, 2)}\n`);
  } else {
    const colour = process.stdout.isTTY === true && !process.env.NO_COLOR;
    process.stdout.write(formatDoctorReport(report, { colour }));
    process.stdout.write(`\n${formatFindings(findings, report.host.home)}`);
  }
  return findings.findings.some((finding) => finding.severity === 'error') ? DOCTOR_ERRORS_FOUND : DOCTOR_CLEAN;
}

/** Formats the doctor report as text. */
export function formatDoctorReport(report: ScanReport, style: TableStyle): string {
  const home = report.host.home;
  const cells = computeKeyCells(report.contexts);
  const header = ['context', ...KEY_COLUMNS.map((column) => column.title)];
  const rows = report.contexts
    .filter((context) => context.error?.code !== 'not-applicable')
    .map((context) => {
      const row = cells.get(context.id)!;
      if (!context.ok) {
        return [{ text: context.label }, { text: `failed: ${context.error?.message ?? 'unknown error'}`, differs: false, span: true }];
      }
      return [
        { text: context.label },
        ...KEY_COLUMNS.map((column) => {
          const cell = row.get(column.id)!;
          // The table is often pasted into bug reports, so passwords in proxy URLs are masked.
          const shown = cell.value === null ? null : redactValue(column.id, cell.value);
          return { text: displayValue(shown, home), differs: cell.differs };
        }),
      ];
    });

  const lines: string[] = [];
  lines.push(`Go Env Lens doctor: ${report.contexts.length} contexts on ${report.host.platform}, user ${report.host.user}`);
  lines.push(`Contexts start from ${report.baseEnvironment.note}.`);
  lines.push('');
  lines.push(renderTable(header, rows, style));
  lines.push('');
  lines.push(style.colour ? 'Highlighted values differ from most other contexts.' : 'Values marked * differ from most other contexts.');

  const failures = report.contexts.filter((context) => !context.ok && context.error?.code !== 'not-applicable');
  if (failures.length > 0) {
    lines.push('');
    lines.push('Contexts that could not be probed:');
    for (const context of failures) {
      lines.push(`  ${context.label}: ${context.error?.message}`);
      if (context.error?.hint) lines.push(`    ${context.error.hint}`);
      const lastOutput = lastLines(context.output, 3);
      if (lastOutput) lines.push(`    last output: ${lastOutput}`);
    }
  }
  const goErrors = report.contexts.filter((context) => context.go?.error);
  if (goErrors.length > 0) {
    lines.push('');
    lines.push('Contexts where go env failed:');
    for (const context of goErrors) lines.push(`  ${context.label}: ${context.go!.error}`);
  }
  return `${lines.join('\n')}\n`;
}

/** Shortens a value for a table cell: the home directory as ~, empty and missing values visible. */
export function displayValue(value: string | null, home: string): string {
  if (value === null) return '-';
  if (value === '') return '""';
  return JSON.stringify(shortenHome(value, home)).slice(1, -1);
}

/** Writes the home directory as ~ in each entry of a path list, only where it is a whole prefix. */
export function shortenHome(value: string, home: string): string {
  if (!home || home === '/') return value;
  return value
    .split(':')
    .map((entry) => (entry === home ? '~' : entry.startsWith(`${home}/`) ? `~${entry.slice(home.length)}` : entry))
    .join(':');
}

function lastLines(output: string, count: number): string {
  const clean = output
    .replace(/\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07]*\x07|\x1b[()][A-Za-z0-9]/g, '')
    .split(/\r?\n|\r/)
    .map((line) => line.trim())
    .filter(Boolean);
  return clean.slice(-count).join(' | ').slice(0, 300);
}
