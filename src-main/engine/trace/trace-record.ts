/**
 * One traced command of a shell run: where the shell was (file, line, function, call site) and the
 * command after expansion. Every shell's trace format is parsed into this shape.
 */
export interface TraceRecord {
  /** Nesting depth of source, eval and function calls, as the shell counts it. */
  depth: number;
  /** The file being read; null when the shell did not say (the `-c` command). */
  file: string | null;
  line: number | null;
  /** The function running this command, when inside one. */
  functionName: string | null;
  /** For a command inside a function: the file and line that called the function. */
  callerFile: string | null;
  callerLine: number | null;
  /** The command as the shell printed it (after expansion, shell-quoted). */
  command: string;
}

/** The character that starts every trace record; no startup file prints it by accident. */
export const RECORD_START = '\x1e';
/** The character between the fields of a record's prefix. */
export const FIELD_SEPARATOR = '\x1f';
