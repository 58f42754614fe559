/**
 * Turns the trace records of one shell run into provenance: the startup files in the order they
 * ran, and for each Go variable and PATH the chain of assignments that produced its final value.
 */
import { accessSync, constants, existsSync, statSync } from 'node:fs';

import type {
  Assignment,
  ContextProvenance,
  InheritedOrigin,
  PathEntryProvenance,
  ProvenanceMethod,
  SourceLocation,
  StartupFile,
  VariableProvenance,
} from '../../shared/provenance.ts';
import { TRACKED_VARIABLES, isTrackedVariable } from '../../shared/tracked-variables.ts';
import { irregularFileType, readRegularTextSync } from '../files/regular-file.ts';
import { findAssignments, type TracedAssignment } from './shell-words.ts';
import type { TraceRecord } from './trace-record.ts';

/** Longest command text kept per assignment; a long eval is shortened for display. */
const MAX_COMMAND_LENGTH = 300;

/**
 * Matches every command that can assign a tracked variable: its name (GO*, CGO_*, PATH, CC,
 * ZDOTDIR, BASH_ENV, ENV, XDG_CONFIG_HOME) or a list that feeds PATH (zsh `path`, fish
 * `fish_user_paths`, `fish_add_path`) appears in it.
 */
const MAY_ASSIGN_TRACKED = /go|path|cc|zdotdir|env|xdg/i;

/** A file of the startup chain as the shell's rules describe it, before the trace is consulted. */
export interface ExpectedStartupFile {
  path: string;
  /** Said when the file exists but the rules skip it, e.g. "~/.bash_profile exists, so ...". */
  skippedNote?: string;
  /** Said when the file does not exist. */
  missingNote?: string;
}

export interface BuildProvenanceInput {
  method: ProvenanceMethod;
  records: TraceRecord[];
  /** The environment the shell started with. */
  startEnvironment: Record<string, string>;
  /** The environment the shell ended with (what programs see). */
  finalEnvironment: Record<string, string>;
  /** Variables the shell binary sets by itself (PWD, SHLVL, `_` for bash). */
  shellVariables: string[];
  /** The startup files the rules say this mode looks at, in order. */
  expectedFiles: ExpectedStartupFile[];
  /** Records in these files belong to the probe itself and are left out. */
  probeFiles?: string[];
  /** Assignments found by other means (fish universal variables), placed before the trace's. */
  extraAssignments?: Map<string, Assignment[]>;
  /**
   * True when records carry the call site of every function called from a file (bash), so a
   * function record without one ran outside any startup file, as a prompt hook.
   */
  callersInTrace?: boolean;
  /**
   * Matches commands after which the shell writes no more records this builder can read (a
   * startup file setting PS4 or switching tracing off). The first one read from a file is
   * reported as the end of the trace.
   */
  endsTrace?: RegExp;
  /**
   * Origin given to a value that no traced assignment explains: `unknown` by default,
   * `prompt-hook` when hooks ran untraced before the capture (fish event handlers).
   */
  unexplainedOrigin?: InheritedOrigin;
  /** Recognises assignments in a traced command; the sh-family reader by default. */
  findAssignments?: (command: string) => TracedAssignment[];
}

/** Builds the provenance of one context and the list of its startup files. */
export function buildProvenance(input: BuildProvenanceInput): {
  startupFiles: StartupFile[];
  provenance: ContextProvenance;
} {
  const located = locateRecords(
    input.records.filter((record) => !input.probeFiles?.includes(record.file ?? '')),
    input.callersInTrace ?? false,
  );
  const startupFiles = listStartupFiles(located, input.expectedFiles);

  const chains = new Map<string, Assignment[]>();
  for (const [name, assignments] of input.extraAssignments ?? []) chains.set(name, [...assignments]);
  for (const { record, location, via } of located) {
    // Most traced commands touch no tracked variable; skip splitting those into words.
    if (!MAY_ASSIGN_TRACKED.test(record.command)) continue;
    for (const assignment of (input.findAssignments ?? findAssignments)(record.command)) {
      if (!isTrackedVariable(assignment.name)) continue;
      const chain = chains.get(assignment.name) ?? [];
      const startValue = input.startEnvironment[assignment.name] ?? null;
      chains.set(assignment.name, mergeAssignment(chain, assignment, location, via, record.command, startValue));
    }
  }

  const names = new Set<string>([...TRACKED_VARIABLES, ...chains.keys()]);
  for (const name of Object.keys(input.finalEnvironment)) if (isTrackedVariable(name)) names.add(name);
  const variables: Record<string, VariableProvenance> = {};
  for (const name of [...names].sort()) {
    variables[name] = describeVariable(name, chains.get(name) ?? [], input);
  }

  const end = input.endsTrace
    ? located.find((entry) => entry.record.file && input.endsTrace!.test(entry.record.command))
    : undefined;
  return {
    startupFiles,
    provenance: {
      method: input.method,
      // Once the records lose their markers, later trace lines run on into this record's text.
      traceEnd: end ? { location: end.location, command: shorten(end.record.command.split('\n')[0]!) } : null,
      variables,
      path: describePath(
        input.finalEnvironment.PATH,
        variables.PATH!,
        input.startEnvironment.PATH,
        input.unexplainedOrigin ?? 'unknown',
      ),
    },
  };
}

interface LocatedRecord {
  record: TraceRecord;
  location: SourceLocation;
  via: Assignment['via'];
}

/**
 * Attributes each record to the line a user would edit: an eval's inner commands to the eval's
 * line (the shell numbers them relative to it), a function's commands to its call site, and a
 * process substitution (`source <(tool init)`) to the line that sourced it. A function that no
 * startup file called ran as a prompt hook: its commands keep their own lines. A command of the
 * PROMPT_COMMAND string itself goes to the line that set PROMPT_COMMAND.
 */
function locateRecords(records: TraceRecord[], callersInTrace: boolean): LocatedRecord[] {
  const located: LocatedRecord[] = [];
  let evalFrame: { depth: number; location: SourceLocation; via: Assignment['via'] } | null = null;
  const lastAtDepth = new Map<number, LocatedRecord>();
  let promptCommandLocation: SourceLocation | null = null;
  // Files read to correct hook lines, for this trace only: files change between scans.
  const fileLines = new Map<string, string[] | null>();

  for (const record of records) {
    if (evalFrame && record.depth <= evalFrame.depth) evalFrame = null;

    let location: SourceLocation = { file: record.file ?? '', line: record.line };
    let via: Assignment['via'] = 'line';
    if (evalFrame) {
      location = evalFrame.location;
      via = evalFrame.via;
    } else if (record.file && /^\/(dev|proc\/self)\/fd\//.test(record.file)) {
      const outer = lastAtDepth.get(record.depth - 1);
      if (outer) {
        location = outer.location;
        via = 'eval';
      }
    } else if (record.functionName && record.callerFile) {
      location = { file: record.callerFile, line: record.callerLine };
      via = 'function';
    } else if (record.functionName) {
      // Without a call site in the record (zsh), the call is the last command one level up.
      const caller = callersInTrace ? undefined : lastAtDepth.get(record.depth - 1);
      if (caller && caller.location.file !== '') {
        location = caller.location;
        via = caller.via === 'prompt-hook' ? 'prompt-hook' : 'function';
      } else if (record.file) {
        location = hookLocation(record, fileLines);
        via = 'prompt-hook';
      }
    } else if (!record.file && promptCommandLocation) {
      location = promptCommandLocation;
      via = 'prompt-hook';
    }
    const entry = { record, location, via };
    located.push(entry);
    lastAtDepth.set(record.depth, entry);
    if (!evalFrame && /^eval\s/.test(record.command)) {
      evalFrame = { depth: record.depth, location, via: via === 'prompt-hook' ? 'prompt-hook' : 'eval' };
    }
    if (record.file && /^(export\s+)?PROMPT_COMMAND(\[\d*\])?\+?=/.test(record.command)) {
      promptCommandLocation = location;
    }
  }
  return located;
}

/**
 * Finds the line of a command inside a prompt hook. bash 5.2 numbers the lines of a function
 * that PROMPT_COMMAND runs one or two lines off, so the lines around the reported one are
 * searched for the command. zsh's numbers are exact and match at once.
 */
function hookLocation(record: TraceRecord, fileLines: Map<string, string[] | null>): SourceLocation {
  const file = record.file!;
  const line = record.line;
  const firstWord = record.command.trim().split(/\s+/)[0] ?? '';
  const lines = readLines(file, fileLines);
  if (line === null || lines === null || firstWord === '') return { file, line };
  // An assignment is traced as `NAME=value` or `export NAME=value` however the line spells it
  // (`export NAME="$X"`), so it is found by its name.
  const assigned = findAssignments(record.command)[0]?.name;
  const matches = (text: string) =>
    assigned ? new RegExp(`\\b${assigned}=`).test(text) : text.trimStart().startsWith(firstWord);
  for (const offset of [0, 1, -1, 2, -2]) {
    const text = lines[line - 1 + offset];
    if (text !== undefined && matches(text)) return { file, line: line + offset };
  }
  return { file, line };
}

function readLines(file: string, fileLines: Map<string, string[] | null>): string[] | null {
  if (!fileLines.has(file)) {
    try {
      fileLines.set(file, readRegularTextSync(file).split('\n'));
    } catch {
      fileLines.set(file, null);
    }
  }
  return fileLines.get(file)!;
}

function mergeAssignment(
  chain: Assignment[],
  assignment: TracedAssignment,
  location: SourceLocation,
  via: Assignment['via'],
  command: string,
  startValue: string | null,
): Assignment[] {
  const previous = chain.at(-1);
  const sameLine =
    previous !== undefined && previous.location.file === location.file && previous.location.line === location.line;
  // `export NAME+=text` traces twice, the export and then the assignment. The second must not
  // append again, so an append on the line just recorded starts from the value before that line.
  let before = previous ? previous.value : startValue;
  if (sameLine && assignment.combine) before = chain.at(-2)?.value ?? startValue;
  const value = assignment.unset ? null : combinedValue(assignment, before);
  // `export NAME=value` traces twice: the export, then the assignment. Keep one entry.
  if (previous && sameLine && previous.value === value) {
    previous.exported ||= assignment.exports === true;
    return chain;
  }
  chain.push({
    location,
    via,
    command: shorten(command),
    value,
    exported: assignment.exports === true,
  });
  return chain;
}

function shorten(command: string): string {
  return command.length > MAX_COMMAND_LENGTH ? `${command.slice(0, MAX_COMMAND_LENGTH)}…` : command;
}

/** Computes the value after an assignment from the value before it (null when unset). */
function combinedValue(assignment: TracedAssignment, before: string | null): string | null {
  const added = assignment.value;
  switch (assignment.combine) {
    case 'append':
      return (before ?? '') + (added ?? '');
    case 'append-list':
      if (!before) return added;
      return added ? `${before}:${added}` : before;
    case 'prepend-list':
      if (!before) return added;
      return added ? `${added}:${before}` : before;
    case 'unique-list':
      return before === null ? null : [...new Set(before.split(':'))].join(':');
    default:
      // `export NAME` without a value keeps the value it had.
      return added ?? before;
  }
}

function describeVariable(name: string, chain: Assignment[], input: BuildProvenanceInput): VariableProvenance {
  const finalValue = input.finalEnvironment[name] ?? null;
  const last = chain.at(-1);
  let winner: number | null = null;
  let inherited: InheritedOrigin | null = null;
  let notExported = false;

  if (last && last.value === finalValue) {
    winner = chain.length - 1;
  } else if (last && finalValue === null && last.value !== null) {
    // Assigned in the shell but absent from what programs see: never exported.
    winner = chain.length - 1;
    notExported = true;
  } else if (finalValue !== null) {
    if (input.startEnvironment[name] === finalValue && chain.length === 0) inherited = 'session';
    else if (input.shellVariables.includes(name)) inherited = 'shell';
    else inherited = input.unexplainedOrigin ?? 'unknown';
  }
  return { name, finalValue, chain, winner, inherited, notExported };
}

function listStartupFiles(located: LocatedRecord[], expected: ExpectedStartupFile[]): StartupFile[] {
  const files: StartupFile[] = [];
  const seen = new Set<string>();
  let previous: LocatedRecord | null = null;
  for (const entry of located) {
    const file = entry.record.file;
    if (file && !seen.has(file) && !/^\/(dev|proc\/self)\/fd\//.test(file)) {
      seen.add(file);
      const sourcing = previous && (previous.record.depth < entry.record.depth || /^(\.|source)\s/.test(previous.record.command));
      const sourcedFrom = sourcing && previous?.record.file
        ? { file: previous.record.file, line: previous.record.line }
        : null;
      files.push({ path: file, status: 'read', note: null, sourcedFrom });
    }
    previous = entry;
  }

  // Files the rules expect: read ones that ran no traced command, skipped ones and missing ones.
  // Each goes where the shell looked for it: before the next expected file the trace shows.
  expected.forEach((file, index) => {
    if (seen.has(file.path)) return;
    const fileType = irregularFileType(file.path);
    const entry: StartupFile = !existsSync(file.path)
      ? { path: file.path, status: 'missing', note: file.missingNote ?? 'looked for; does not exist', sourcedFrom: null }
      : fileType !== null
        ? { path: file.path, status: 'skipped', note: irregularNote(fileType), sourcedFrom: null }
      : !readable(file.path)
        ? { path: file.path, status: 'skipped', note: UNREADABLE_NOTE, sourcedFrom: null }
        : file.skippedNote
        ? { path: file.path, status: 'skipped', note: file.skippedNote, sourcedFrom: null }
        : { path: file.path, status: 'read', note: 'read; it ran no command that could be traced', sourcedFrom: null };
    const later = new Set(expected.slice(index + 1).map((other) => other.path));
    const position = files.findIndex((listed) => later.has(listed.path) && listed.note === null);
    if (position === -1) files.push(entry);
    else files.splice(position, 0, entry);
  });
  return files;
}

const UNREADABLE_NOTE =
  'exists but this user cannot read it (permission denied), so the shell could not run it; ' +
  'check its owner and mode';

/** Returns the note of a startup file that is a named pipe, a directory or a device. */
function irregularNote(fileType: string): string {
  const waits = fileType === 'a named pipe' ? '; a shell that opens it waits until another program writes to it' : '';
  return `exists but is ${fileType}, not a regular file, so Go Env Lens did not read it${waits}`;
}

function readable(file: string): boolean {
  try {
    accessSync(file, constants.R_OK);
    return true;
  } catch {
    return false;
  }
}

function describePath(
  finalPath: string | undefined,
  provenance: VariableProvenance,
  startPath: string | undefined,
  unexplained: InheritedOrigin,
): PathEntryProvenance[] {
  if (finalPath === undefined) return [];
  const entries = finalPath.split(':');
  const firstIndex = new Map<string, number>();
  const origins = pathEntryOrigins(entries, provenance.chain, startPath, unexplained);
  return entries.map((entry, index) => {
    const duplicateOf = firstIndex.get(entry) ?? null;
    if (duplicateOf === null) firstIndex.set(entry, index);
    const origin = origins[index]!;
    const inherited = typeof origin === 'string' ? origin : null;
    return {
      entry,
      index,
      addedBy: typeof origin === 'string' ? null : origin,
      inherited,
      duplicateOf,
      problem: pathEntryProblem(entry),
    };
  });
}

type EntryOrigin = Assignment | InheritedOrigin;

/**
 * Follows every PATH entry through the chain by position. When the old value survives as one
 * block of the new one (a prepend or an append), the block keeps its origins and the entries
 * around it come from the assignment. Otherwise entries present before keep their origin, copy
 * by copy, and the rest come from the assignment. An assignment that writes PATH out in full
 * (`PATH=/usr/bin:/bin` in /etc/profile) adds every entry it names.
 */
function pathEntryOrigins(
  finalEntries: string[],
  chain: Assignment[],
  startPath: string | undefined,
  unexplained: InheritedOrigin,
): EntryOrigin[] {
  let entries = startPath === undefined ? [] : startPath.split(':');
  let origins: EntryOrigin[] = entries.map(() => 'session');
  let value = startPath ?? null;
  for (const assignment of chain) {
    if (assignment.value === null) {
      entries = [];
      origins = [];
    } else {
      const next = assignment.value.split(':');
      origins = followEntries(entries, origins, next, assignment, replaces(assignment.value, value));
      entries = next;
    }
    value = assignment.value;
  }
  if (entries.join(':') === finalEntries.join(':')) return origins;
  // The chain does not end in the final value: match what can be matched, copy by copy.
  return followEntries(entries, origins, finalEntries, unexplained, false);
}

function followEntries(
  before: string[],
  origins: EntryOrigin[],
  after: string[],
  added: EntryOrigin,
  replaced: boolean,
): EntryOrigin[] {
  if (replaced) return after.map(() => added);
  const block = before.length > 0 ? findBlock(after, before) : -1;
  if (block !== -1) {
    return after.map((_, index) =>
      index >= block && index < block + before.length ? origins[index - block]! : added,
    );
  }
  const unused = new Map<string, number[]>();
  before.forEach((entry, index) => unused.set(entry, [...(unused.get(entry) ?? []), index]));
  return after.map((entry) => {
    const index = unused.get(entry)?.shift();
    return index === undefined ? added : origins[index]!;
  });
}

/** Returns the position where `block` appears, entry for entry, inside `list`, or -1. */
function findBlock(list: string[], block: string[]): number {
  for (let start = 0; start + block.length <= list.length; start += 1) {
    if (block.every((entry, offset) => list[start + offset] === entry)) return start;
  }
  return -1;
}

/**
 * True when a new PATH value was written out in full rather than built from the old one: it
 * neither contains the old value nor is the old value with entries removed (`typeset -U path`).
 */
function replaces(value: string | null, before: string | null): boolean {
  if (value === null || before === null || before === '' || `:${value}:`.includes(`:${before}:`)) return false;
  return !isSubsequence(value.split(':'), before.split(':'));
}

/** True when every item of `part` appears in `whole`, in the same order. */
function isSubsequence(part: string[], whole: string[]): boolean {
  let position = 0;
  for (const item of part) {
    position = whole.indexOf(item, position);
    if (position === -1) return false;
    position += 1;
  }
  return true;
}

function pathEntryProblem(entry: string): PathEntryProvenance['problem'] {
  if (entry === '') return 'empty';
  if (entry.startsWith('~')) return 'tilde';
  if (!entry.startsWith('/')) return 'relative';
  try {
    return statSync(entry).isDirectory() ? null : 'not-directory';
  } catch {
    return 'missing';
  }
}
