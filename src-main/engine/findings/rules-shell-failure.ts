/**
 * A context that did not start: its shell hung past the deadline, exited before its startup files
 * finished, or could not be started. Every terminal of that kind then hangs or closes the same
 * way, and nothing else about the context is known.
 */
import type { ScanContext } from '../../shared/scan-report.ts';
import type { FindingDraft, FindingFacts, Rule } from './rule.ts';
import { listedLabel, sentence } from './rules-shell-support.ts';

/** The startup file and line a failure message names, as `~/.bashrc:2` or `/etc/profile:7`. */
const NAMED_LINE = /((?:~|\/)[^\s:`()]+):(\d+)/;

/** Returns the command that starts the context's shell by hand, with a trace where the shell has one. */
function reproduceCommand(context: ScanContext): string | null {
  if (!context.shellPath) return null;
  const login = context.mode === 'login';
  const shell = context.shell ?? '';
  if (['bash', 'zsh', 'dash', 'sh', 'ksh', 'ksh93', 'mksh', 'yash', 'posh'].includes(shell)) {
    return `${context.shellPath} ${login ? '-l' : '-i'} -x`;
  }
  return `${context.shellPath} ${login ? '-l' : '-i'}`;
}

async function failureDrafts(facts: FindingFacts): Promise<FindingDraft[]> {
  const drafts: FindingDraft[] = [];
  for (const context of facts.report.contexts) {
    const error = context.error;
    if (context.ok || !error || error.code === 'not-applicable') continue;
    const named = NAMED_LINE.exec(error.message);
    const file = named ? named[1]!.replace(/^~(?=\/)/, facts.home) : null;
    const line = named ? Number(named[2]) : null;
    const command = reproduceCommand(context);
    const what =
      error.code === 'timeout'
        ? 'does not finish starting'
        : error.code === 'exited-early'
          ? 'exits before its startup files finish'
          : 'could not be started';
    drafts.push({
      key: context.id,
      severity: 'error',
      title: `${sentence(listedLabel(context.label))} ${what}`,
      explanation:
        `Go Env Lens started ${listedLabel(context.label)} the way a terminal does, and ${error.message}. ` +
        `Every new ${context.label.split(',')[0]} session hangs or closes the same way, and what it would see of Go is unknown. ` +
        (error.hint ?? ''),
      evidence: {
        contextIds: [context.id],
        values: [],
        locations: file === null ? [] : [{ file, line, text: null }],
      },
      fixes:
        command === null
          ? []
          : [
              {
                id: 'reproduce',
                title: 'Start the shell by hand to see where it stops, then fix or remove that line',
                edits: [],
                command,
                effect: {
                  contextIds: [context.id],
                  description: `${sentence(listedLabel(context.label))} starts again once the line that stops it is fixed.`,
                },
              },
            ],
    });
  }
  return drafts;
}

export const contextFailedRule: Rule = {
  id: 'context-failed',
  severity: 'error',
  title: 'A shell does not finish starting',
  reads: ['contexts'],
  check: failureDrafts,
};
