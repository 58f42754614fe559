/**
 * Tracing zsh: `-x` with a PS4 giving the evaluation depth, the file and line in it (`%x:%I`) and
 * the function or `(eval)` context (`%N`). zsh accepts PS4 from the environment even as root, but
 * has no XTRACEFD: the trace goes to stderr, so the probe points stderr at the trace file and the
 * text between records is the shell's own error output.
 */
import { findAssignments, splitWords, type TracedAssignment } from './shell-words.ts';
import { FIELD_SEPARATOR, RECORD_START, type TraceRecord } from './trace-record.ts';

/**
 * Returns the PS4 of a traced zsh. The depth field carries the mode after the number (`2L` for a
 * login shell, `2N` otherwise), so a trace records which startup files its shell reads.
 * Number.parseInt reads the depth and ignores the letter.
 */
export function zshPs4(login: boolean): string {
  const mode = login ? 'L' : 'N';
  return `${RECORD_START}%e${mode}${FIELD_SEPARATOR}%x${FIELD_SEPARATOR}%I${FIELD_SEPARATOR}%N${FIELD_SEPARATOR} `;
}

/**
 * Returns the arguments (up to `-c`, or without it for a probe typed at the prompt) and the
 * environment of a traced zsh for a mode.
 */
export function zshTraceSetup(login: boolean, typed = false): { args: string[]; environment: Record<string, string> } {
  return {
    args: ['-x', ...(login ? ['-l'] : []), '-i', ...(typed ? [] : ['-c'])],
    environment: { PS4: zshPs4(login) },
  };
}

/** A parsed zsh trace: the records, and the text zsh itself wrote to stderr between them. */
export interface ZshTrace {
  records: TraceRecord[];
  errorOutput: string;
  /** Whether the shell was a login shell, from the first record; null without records. */
  login: boolean | null;
}

/** Splits a zsh trace (stderr) into records and the shell's own error output. */
export function parseZshTrace(trace: string): ZshTrace {
  const records: TraceRecord[] = [];
  const errorParts: string[] = [];
  let login: boolean | null = null;
  const chunks = trace.split(RECORD_START);
  if (chunks[0]) errorParts.push(chunks[0]);
  for (const chunk of chunks.slice(1)) {
    const fields = chunk.split(FIELD_SEPARATOR);
    if (fields.length < 5) {
      errorParts.push(chunk);
      continue;
    }
    const [depth, file, line, context] = fields;
    const mode = /^\d+([LN])$/.exec(depth ?? '')?.[1];
    if (login === null && mode !== undefined) login = mode === 'L';
    // A record is one line unless the command itself spans lines; what follows a record's
    // newline that does not look like command text is the shell's own output.
    let command = fields.slice(4).join(FIELD_SEPARATOR);
    if (command.startsWith(' ')) command = command.slice(1);
    if (command.endsWith('\n')) command = command.slice(0, -1);
    const functionName = context && context !== file && context !== 'zsh' ? context : null;
    records.push({
      depth: Number.parseInt(depth ?? '0', 10) || 0,
      file: file && file !== 'zsh' ? file : null,
      line: Number.parseInt(line ?? '', 10) || null,
      functionName,
      callerFile: null,
      callerLine: null,
      command,
    });
  }
  return { records, errorOutput: errorParts.join(''), login };
}

/**
 * Recognises assignments in a traced zsh command, including those to `path`, the array zsh ties
 * to PATH: `path=( a b )`, `path+=( c )`, `path[1,0]=( d )` (prepend) and `typeset -U path`,
 * which removes duplicate entries. Each becomes an assignment to PATH.
 */
export function findZshAssignments(command: string): TracedAssignment[] {
  const words = splitWords(command);
  const first = words[0] ?? '';
  const array = /^path(\+?)=\(?$|^path\[1,0\]=\(?$/.exec(first);
  if (array) {
    const entries = words.slice(1).filter((word) => word !== '(' && word !== ')');
    const combine = first.startsWith('path[') ? 'prepend-list' : array[1] === '+' ? 'append-list' : undefined;
    return [{ name: 'PATH', value: entries.join(':'), exports: null, unset: false, ...(combine ? { combine } : {}) }];
  }
  if ((first === 'typeset' || first === 'declare') && words.includes('path')) {
    const flags = words.slice(1).filter((word) => word.startsWith('-')).join('');
    if (flags.includes('U')) return [{ name: 'PATH', value: null, exports: null, unset: false, combine: 'unique-list' }];
  }
  return findAssignments(command);
}
