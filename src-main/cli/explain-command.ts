/**
 * `go-env-lens explain VAR`: for each context, the value of a variable and the chain of startup
 * file lines that produced it; for PATH, the origin of every entry.
 */
import type { Assignment, InheritedOrigin, VariableProvenance } from '../shared/provenance.ts';
import type { ScanContext, ScanReport } from '../shared/scan-report.ts';
import type { ScanCommandOptions } from './main.ts';
import { shortenHome } from './doctor-command.ts';
import { scanWithProgress } from './progress-line.ts';

export interface ExplainOptions extends ScanCommandOptions {
  variable: string;
  contextId?: string;
  json: boolean;
}

/** Scans, then prints the explanation of one variable; returns the exit code. */
export async function runExplain(options: ExplainOptions): Promise<number> {
  const report = await scanWithProgress(options);
  const contexts = report.contexts.filter((context) => !options.contextId || context.id === options.contextId);
  if (contexts.length === 0) {
    const known = report.contexts.map((context) => context.id).join(', ');
    process.stderr.write(`go-env-lens: no context ${JSON.stringify(options.contextId)}; known contexts: ${known}\n`);
    return 2;
  }
  if (options.json) {
    const explained = contexts.map((context) => ({
      id: context.id,
      ok: context.ok,
      method: context.provenance?.method ?? null,
      variable: context.provenance?.variables[options.variable] ?? null,
      value: context.env[options.variable] ?? null,
      path: options.variable === 'PATH' ? (context.provenance?.path ?? null) : undefined,
    }));
    process.stdout.write(`${JSON.stringify({ variable: options.variable, contexts: explained }, null, 2)}\n`);
    return 0;
  }
  process.stdout.write(formatExplanation(report, contexts, options.variable));
  return 0;
}

/** Formats the explanation of one variable across contexts as text. */
export function formatExplanation(report: ScanReport, contexts: ScanContext[], variable: string): string {
  const home = report.host.home;
  const short = (text: string) => shortenHome(text, home);
  const lines: string[] = [];
  for (const context of contexts) {
    lines.push(`${context.label} [${context.id}]`);
    if (!context.ok) {
      lines.push(
        context.error?.code === 'not-applicable'
          ? `  not applicable: ${context.error.message}`
          : `  could not be probed: ${context.error?.message ?? 'unknown error'}`,
      );
      lines.push('');
      continue;
    }
    const provenance = context.provenance;
    const value = context.env[variable];
    lines.push(`  value: ${value === undefined ? '(not set)' : JSON.stringify(short(value))}`);
    if (value !== undefined && variable !== 'PATH' && value.split(':').some((part) => part.startsWith('~'))) {
      lines.push('  warning: the value contains a literal "~", which go and most programs do not expand');
    }
    if (context.probeNote) lines.push(`  probe: ${context.probeNote}`);
    if (!provenance) {
      lines.push(`  origin: ${context.provenanceError ? `not explained: ${context.provenanceError}` : 'not traced for this shell'}`);
    } else {
      lines.push(`  method: ${methodText(context, provenance.method)}`);
      if (provenance.traceEnd) {
        const end = provenance.traceEnd;
        lines.push(
          `  warning: the trace ends at ${short(end.location.file)}:${end.location.line} (${end.command}), ` +
            'so values set after that line are not explained',
        );
      }
      const story = provenance.variables[variable];
      if (story) lines.push(...describeChain(story, short));
      if (variable === 'PATH') {
        lines.push('  entries:');
        for (const entry of provenance.path) {
          const origin = entry.addedBy ? `${where(entry.addedBy, short)}` : `inherited (${entry.inherited})`;
          const marks = [entry.problem, entry.duplicateOf !== null ? `duplicate of entry ${entry.duplicateOf + 1}` : null].filter(Boolean);
          lines.push(`    ${String(entry.index + 1).padStart(2)}. ${short(entry.entry) || '(empty)'}  <- ${origin}${marks.length ? `  [${marks.join(', ')}]` : ''}`);
        }
      }
    }
    if (context.startupFiles.length > 0) {
      lines.push('  startup files:');
      for (const file of context.startupFiles) {
        const note = file.note === null ? '' : `  (${short(file.note)})`;
        lines.push(`    ${file.status.padEnd(7)} ${short(file.path)}${note}`);
      }
    }
    lines.push('');
  }
  return `${lines.join('\n')}\n`;
}

function describeChain(story: VariableProvenance, short: (text: string) => string): string[] {
  const lines: string[] = [];
  if (story.chain.length === 0) {
    lines.push(`  origin: ${story.finalValue === null ? 'set by no startup file' : `inherited (${story.inherited})`}`);
    return lines;
  }
  lines.push('  chain:');
  story.chain.forEach((assignment, index) => {
    const mark = index === story.winner ? '=> ' : '   ';
    const value = assignment.value === null ? '(unset)' : JSON.stringify(short(assignment.value));
    lines.push(`   ${mark}${where(assignment, short)} -> ${value}${assignment.exported ? ' (exported)' : ''}`);
  });
  if (story.notExported) lines.push('  warning: assigned but never exported, so programs such as go never see it');
  if (story.winner === null && story.inherited) {
    lines.push(`  final value: set by none of these lines; ${ORIGIN_TEXT[story.inherited]}`);
  }
  return lines;
}

const ORIGIN_TEXT: Record<InheritedOrigin, string> = {
  session: 'inherited from the session',
  shell: 'set by the shell itself',
  'prompt-hook': 'changed by a prompt hook, which runs untraced',
  unknown: 'its origin is unknown (the trace may have ended early)',
};

function where(assignment: Assignment, short: (text: string) => string): string {
  const file = short(assignment.location.file || '(command line)');
  const line = assignment.location.line === null ? '' : `:${assignment.location.line}`;
  const via = assignment.via === 'line' ? '' : ` (${assignment.via})`;
  return `${file}${line}${via}`;
}

function methodText(context: ScanContext, method: string): string {
  if (context.mode === 'desktop' || context.mode === 'script') {
    return 'no startup files: every value comes from the session';
  }
  switch (method) {
    case 'traced':
      return 'traced from the real shell run';
    case 'read-file':
      return 'found by reading the file (the shell cannot report line numbers)';
    default:
      return 'startup files listed; lines not traced';
  }
}
