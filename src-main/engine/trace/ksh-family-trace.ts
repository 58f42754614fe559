/**
 * Splits the stderr of a traced ksh93, mksh or yash into trace records and the shell's own error
 * output. None of the three can send its trace to another descriptor, so both arrive in one
 * stream. Each record starts with RECORD_START, has a fixed number of fields separated by
 * FIELD_SEPARATOR, then a space and the command. The command ends at the first newline outside
 * quotes: yash quotes a value with a newline in it as a multi-line '...' string, while ksh93 and
 * mksh use $'...\n'.
 */
import { findAssignments } from './shell-words.ts';
import { FIELD_SEPARATOR, RECORD_START } from './trace-record.ts';

/** One record of the trace: the PS4 fields, then the traced command. */
export interface RawRecord {
  fields: string[];
  command: string;
  /** Text after the record up to the next one: the shell's own output, or records in another prompt. */
  trailing: string;
  /**
   * True for a record printed after a startup file replaced the trace prompt: it has no fields,
   * and its command was recognised by the new prompt's shape.
   */
  promptChanged?: boolean;
}

export interface SplitTrace {
  /** Text before the first record. */
  leading: string;
  records: RawRecord[];
}

/** Splits a trace whose PS4 has `fieldCount` fields before the command. */
export function splitTrace(trace: string, fieldCount: number): SplitTrace {
  const records: RawRecord[] = [];
  const chunks = trace.split(RECORD_START);
  let leading = chunks[0] ?? '';
  for (const chunk of chunks.slice(1)) {
    const fields: string[] = [];
    let start = 0;
    for (let index = 0; index < fieldCount; index += 1) {
      const end = chunk.indexOf(FIELD_SEPARATOR, start);
      if (end === -1) break;
      fields.push(chunk.slice(start, end));
      start = end + 1;
    }
    if (fields.length < fieldCount) {
      // Not a record (output that contains RECORD_START): it belongs to the text before it.
      const previous = records.at(-1);
      if (previous) previous.trailing += RECORD_START + chunk;
      else leading += RECORD_START + chunk;
      continue;
    }
    let rest = chunk.slice(start);
    if (rest.startsWith(' ')) rest = rest.slice(1);
    const end = commandEnd(rest);
    records.push({ fields, command: rest.slice(0, end).trimEnd(), trailing: rest.slice(end + 1) });
  }
  return { leading, records };
}

/** Returns everything the shell wrote to stderr that is not part of a record. */
export function errorOutputOf(split: SplitTrace): string {
  return split.leading + split.records.map((record) => record.trailing).join('');
}

/**
 * Recovers the records a shell printed after a startup file assigned a new trace prompt to
 * `variable` (Debian's /etc/mkshrc sets `PS4='[$EPOCHREALTIME] '`). From then on every command
 * is printed after the new prompt, without fields: a line that starts with the prompt's shape,
 * with each expansion in it standing for any text, is taken as a record. The other lines stay
 * error output.
 */
export function recoverChangedPrompt(split: SplitTrace, variable: string): SplitTrace {
  const records: RawRecord[] = [];
  for (const record of split.records) {
    records.push(record);
    let prompt = assignedPrompt(record.command, variable);
    if (prompt === null) continue;

    // Every later command is in the trailing text of the record that changed the prompt.
    let text = record.trailing;
    let current: RawRecord = record;
    current.trailing = '';
    while (text.length > 0) {
      const match = promptPattern(prompt).exec(text);
      if (!match) {
        const newline = text.indexOf('\n');
        const lineEnd = newline === -1 ? text.length : newline + 1;
        current.trailing += text.slice(0, lineEnd);
        text = text.slice(lineEnd);
        continue;
      }
      const rest = text.slice(match[0].length);
      const end = commandEnd(rest);
      current = { fields: [], command: rest.slice(0, end).trimEnd(), trailing: '', promptChanged: true };
      records.push(current);
      text = rest.slice(end + 1);
      prompt = assignedPrompt(current.command, variable) ?? prompt;
    }
  }
  return { leading: split.leading, records };
}

/** Returns the value a traced command assigns to the prompt variable, or null. */
function assignedPrompt(command: string, variable: string): string | null {
  const assignment = findAssignments(command)
    .filter((candidate) => candidate.name === variable)
    .at(-1);
  return assignment && !assignment.unset && assignment.value !== null ? assignment.value : null;
}

/**
 * Builds a pattern for a prompt as printed: literal text, with each `$NAME`, `${...}`, `$(...)`
 * and backquoted part matching any text on the line.
 */
function promptPattern(prompt: string): RegExp {
  let pattern = '';
  let index = 0;
  while (index < prompt.length) {
    const expansion = /^(\$[A-Za-z_][A-Za-z0-9_]*|\$[0-9#?$!@*-]|\$\{[^}]*\}|\$\([^)]*\)+|`[^`]*`)/.exec(prompt.slice(index));
    if (expansion) {
      pattern += '[^\\n]*?';
      index += expansion[0].length;
      continue;
    }
    pattern += prompt[index]!.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    index += 1;
  }
  return new RegExp(pattern, 'y');
}

/** Returns the index of the first newline outside quotes, or the text's length. */
function commandEnd(text: string): number {
  let quote: "'" | '"' | '$' | null = null;
  for (let index = 0; index < text.length; index += 1) {
    const char = text[index]!;
    if (quote === "'") {
      if (char === "'") quote = null;
    } else if (quote === '$' || quote === '"') {
      if (char === '\\') index += 1;
      else if ((quote === '$' && char === "'") || (quote === '"' && char === '"')) quote = null;
    } else if (char === '\\') {
      index += 1;
    } else if (char === "'") {
      quote = "'";
    } else if (char === '"') {
      quote = '"';
    } else if (char === '$' && text[index + 1] === "'") {
      quote = '$';
      index += 1;
    } else if (char === '\n') {
      return index;
    }
  }
  return text.length;
}
