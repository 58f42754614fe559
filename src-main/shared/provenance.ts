/**
 * Types of the provenance part of a scan: which startup files a context read, and for each
 * variable the chain of assignments that produced its final value.
 */

/** How the facts were obtained, shown to the user next to every result. */
export type ProvenanceMethod =
  /** From a trace of the real shell run: file and line as the shell reported them. */
  | 'traced'
  /** From reading the startup files with a parser: the shell gives no line numbers. */
  | 'read-file'
  /** Only which files were read is known, not which line set what. */
  | 'files-only';

/** One startup file a context read, or looked for. */
export interface StartupFile {
  path: string;
  /** `read`: the shell ran it. `missing`: looked for, absent. `skipped`: present but not read. */
  status: 'read' | 'missing' | 'skipped';
  /** Why a file was skipped or what it means that it is missing, in plain words. */
  note: string | null;
  /** The file and line that sourced it, for files read by `.`/`source` from another file. */
  sourcedFrom: SourceLocation | null;
}

export interface SourceLocation {
  file: string;
  line: number | null;
}

/** Where an assignment came from when no ordinary line of a startup file made it. */
export type AssignmentVia =
  | 'line'
  /** A line of an `eval` or a sourced command substitution: attributed to the eval's own line. */
  | 'eval'
  /** Inside a function defined elsewhere: the location is the call site. */
  | 'function'
  /** A fish universal variable from fish_variables (`set -U`, `fish_add_path`). */
  | 'fish-universal'
  /**
   * A hook that runs before each prompt (PROMPT_COMMAND, precmd): the location is the hook's own
   * line, or the line that set PROMPT_COMMAND for a command in that string.
   */
  | 'prompt-hook';

/** One assignment to a variable and the value right after it. */
export interface Assignment {
  location: SourceLocation;
  via: AssignmentVia;
  /** The command as traced or read, shortened. */
  command: string;
  /** The value right after this assignment; null when it unset the variable. */
  value: string | null;
  exported: boolean;
}

/** Where a final value came from when no startup file set it. */
export type InheritedOrigin =
  /** The environment the shell started with: the login or desktop session (PAM, systemd). */
  | 'session'
  /** Set by the shell binary itself (PWD, SHLVL, `_`). */
  | 'shell'
  /** Set by a hook that runs at the prompt (PROMPT_COMMAND, precmd, fish events). */
  | 'prompt-hook'
  | 'unknown';

/** The full story of one variable in one context. */
export interface VariableProvenance {
  name: string;
  /** The value programs started from this context see, or null when it is not exported. */
  finalValue: string | null;
  /** Every assignment in order; the last one produced the final value. */
  chain: Assignment[];
  /** Index in `chain` of the assignment that won, or null when the value was inherited. */
  winner: number | null;
  /** Where the value came from when no assignment made it. */
  inherited: InheritedOrigin | null;
  /** Set in the shell but never exported, so programs never see it. */
  notExported: boolean;
}

/** The origin of one PATH entry. */
export interface PathEntryProvenance {
  entry: string;
  index: number;
  /** The assignment that first added this entry, or null when inherited. */
  addedBy: Assignment | null;
  inherited: InheritedOrigin | null;
  duplicateOf: number | null;
  /** `missing`, `not-directory`, `relative`, `tilde`, or null for a usable directory. */
  problem: 'missing' | 'not-directory' | 'relative' | 'tilde' | 'empty' | null;
}

/** Provenance of one context; its startup files are listed beside it in the context. */
export interface ContextProvenance {
  method: ProvenanceMethod;
  /**
   * The command after which the trace ends early (a startup file that sets PS4 or switches
   * tracing off): values set after it are not explained. Null or absent when the trace is whole.
   */
  traceEnd?: { location: SourceLocation; command: string } | null;
  variables: Record<string, VariableProvenance>;
  path: PathEntryProvenance[];
}
