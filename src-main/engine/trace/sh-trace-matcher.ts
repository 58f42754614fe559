/**
 * Matches the `-x` trace of dash or posh, which names no file and no line, against the parsed
 * startup files. The trace lists every simple command in the order it ran; the parsed files list
 * every command that could run. Walking both together gives the file and line each traced
 * command came from, which branch of an if or case ran, and which files `.` read.
 *
 * Each trace line is matched to a command whose pattern it fits, at or after the current place in
 * the innermost file or function, or in a file further out. A candidate costs more when reaching it skips commands
 * that must have run before it (commands outside any branch, loop body or `&&`/`||` right side
 * that does not also contain the candidate), when only its loose pattern fits (no variable values
 * assumed), or when its pattern has no literal text at all. The cheapest candidate wins, and the
 * innermost file wins ties.
 */
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';

import type { SourceLocation } from '../../shared/provenance.ts';
import { readRegularTextSync } from '../files/regular-file.ts';
import { findAssignments } from './shell-words.ts';
import { readShScript, type ShScript, type ShStep, type ShWord } from './sh-script-model.ts';
import { evaluateTest } from './sh-test-evaluator.ts';
import { expandEnvPath, type ShRootFile } from './sh-rules.ts';
import {
  expandAssignmentValue,
  knownValue,
  prefixAssignmentPattern,
  quoteWord,
  referencedVariables,
  stepPattern,
  type KnownVariables,
  type ShDialect,
  type StepPattern,
} from './sh-word-pattern.ts';
import type { TraceRecord } from './trace-record.ts';

/** Largest startup file parsed; a bigger file is treated as unreadable. */
const MAX_SCRIPT_BYTES = 2 * 1024 * 1024;
/** Largest trace chunk tried as a whole (a value with newlines); longer ones match by first line. */
const MAX_WHOLE_CHUNK = 64 * 1024;

const SKIP_COST = 10;
const LOOSE_COST = 3;
const UNANCHORED_COST = 5;
const RESTART_COST = 1;

/** POSIX special built-ins: assignments before them stay in the shell after the command. */
const SPECIAL_BUILTINS = new Set(['break', ':', 'continue', '.', 'eval', 'exec', 'exit', 'export', 'readonly', 'return', 'set', 'shift', 'times', 'trap', 'unset']);

/** Shell variables the shell itself changes, so their start values are not trusted. */
const SHELL_MANAGED = ['PWD', 'OLDPWD', 'PPID', 'IFS', 'OPTIND', 'LINENO', 'PS4', 'PS1', 'PS2', '_'];

/** A startup file the run entered, and the `.` command that sourced it. */
export interface EnteredFile {
  path: string;
  sourcedFrom: SourceLocation | null;
}

export interface ShTraceMatch {
  records: TraceRecord[];
  enteredFiles: EnteredFile[];
  /** Output the startup files wrote to stderr, in order. */
  errorOutput: string;
  /** The last command matched to a startup file line, for a probe that ran out of time. */
  last: { location: SourceLocation; command: string } | null;
  matchedCount: number;
  unmatchedCount: number;
}

export interface ShTraceMatchInput {
  /** Trace commands in order, each with the output that followed it until the next command. */
  chunks: string[];
  dialect: ShDialect;
  roots: ShRootFile[];
  startEnvironment: Record<string, string>;
  /** The shell's working directory at start, for relative `.` paths. */
  cwd: string;
  scripts?: ScriptCache;
}

/** Parsed startup files by path; null for a file that could not be read. */
export class ScriptCache {
  private readonly scripts = new Map<string, ShScript | null>();

  load(file: string): ShScript | null {
    if (this.scripts.has(file)) return this.scripts.get(file)!;
    let script: ShScript | null = null;
    try {
      const stat = statSync(file);
      if (stat.isFile() && stat.size <= MAX_SCRIPT_BYTES) script = readShScript(readRegularTextSync(file));
    } catch {
      script = null;
    }
    this.scripts.set(file, script);
    return script;
  }
}

interface Frame {
  kind: 'file' | 'function';
  file: string;
  script: ShScript;
  /** Index of the last matched step, -1 before the first. */
  position: number;
  depth: number;
  functionName: string | null;
  callSite: SourceLocation | null;
  /** Arm chosen per if/case group, with the step that chose it. */
  armChoices: Map<number, { arm: number; step: number }>;
  /** Guards whose code cannot run, because the test deciding them came out the other way, with that test's step. */
  excludedGuards: Map<number, number>;
  /** True when the frame runs in a subshell, so its assignments do not reach the shell. */
  subshell: boolean;
  /** Arguments of a function call, for `$1`, `$2`, ...; null in a file. */
  positional: string[] | null;
}

interface StepMatch {
  groups: string[];
  length: number;
  penalty: number;
}

interface Candidate {
  /** Index in the frame stack, or -1 for a root file not entered yet. */
  level: number;
  rootIndex: number | null;
  frame: Frame;
  step: number;
  restartLoop: number | null;
  cost: number;
  match: StepMatch;
}

/** Matches trace chunks to startup-file lines. */
export function matchShTrace(input: ShTraceMatchInput): ShTraceMatch {
  return new TraceMatcher(input).run();
}

class TraceMatcher {
  private readonly frames: Frame[] = [];
  private rootIndex = -1;
  private readonly rootPaths = new Map<number, string | null>();
  private readonly known: KnownVariables;
  private readonly functions = new Map<string, { file: string; body: ShScript }>();
  private readonly specificPatterns = new WeakMap<ShStep, { key: string; pattern: StepPattern }>();
  private readonly loosePatterns = new WeakMap<ShStep, StepPattern>();
  private readonly scripts: ScriptCache;
  private readonly records: TraceRecord[] = [];
  private readonly entered: EnteredFile[] = [];
  private readonly errors: string[] = [];
  private last: ShTraceMatch['last'] = null;
  private matched = 0;
  private unmatched = 0;
  /** The line that unmatched commands belong to: an `eval`, or a call of a function no parsed file defines. */
  private pendingOuter: { location: SourceLocation; depth: number; functionName: string | null } | null = null;

  constructor(private readonly input: ShTraceMatchInput) {
    this.scripts = input.scripts ?? new ScriptCache();
    this.known = { values: new Map(Object.entries(input.startEnvironment)), untracked: new Set(SHELL_MANAGED), positional: null };
  }

  run(): ShTraceMatch {
    const { chunks } = this.input;
    for (let index = 0; index < chunks.length; index += 1) {
      const chunk = chunks[index]!;
      if (this.input.dialect.separateTraceLines && isRedirectionLine(chunk)) continue;
      const candidate = this.findCandidate(chunk);
      if (!candidate) {
        this.addUnmatched(chunk);
        continue;
      }
      index = this.apply(candidate, index);
    }
    return {
      records: this.records,
      enteredFiles: this.entered,
      errorOutput: this.errors.join(''),
      last: this.last,
      matchedCount: this.matched,
      unmatchedCount: this.unmatched,
    };
  }

  private findCandidate(chunk: string): Candidate | null {
    let best: Candidate | null = null;
    let popCost = 0;
    for (let level = this.frames.length - 1; level >= 0; level -= 1) {
      const frame = this.frames[level]!;
      const found = this.searchFrame(frame, chunk, popCost);
      if (found && (!best || found.cost < best.cost)) best = { ...found, level, rootIndex: null };
      if (best && best.cost === 0) return best;
      popCost += SKIP_COST * remainingMustRun(frame);
      if (best && popCost >= best.cost) return best;
    }
    let skipCost = popCost;
    for (let root = this.rootIndex + 1; root < this.input.roots.length; root += 1) {
      const file = this.rootPath(root);
      const script = file ? this.scripts.load(file) : null;
      if (!file || !script) continue;
      const frame = newFrame('file', file, script, 0, null, null, false);
      const found = this.searchFrame(frame, chunk, skipCost);
      if (found && (!best || found.cost < best.cost)) best = { ...found, level: -1, rootIndex: root };
      if (best && best.cost <= skipCost) return best;
      skipCost += SKIP_COST * remainingMustRun(frame);
    }
    return best;
  }

  private rootPath(root: number): string | null {
    if (this.rootPaths.has(root)) return this.rootPaths.get(root)!;
    const spec = this.input.roots[root]!;
    let file: string | null = null;
    if (spec.kind === 'file') file = spec.path;
    else {
      const value = this.known.values.get('ENV');
      const expanded = value ? expandEnvPath(value, this.known.values) : null;
      file = expanded ? path.resolve(this.input.cwd, expanded) : null;
    }
    // ENV is expanded when the shell reaches it, so its path is fixed only once it was looked at.
    if (spec.kind === 'file' || root <= this.rootIndex) this.rootPaths.set(root, file);
    return file;
  }

  /** Finds the cheapest step of a frame that a chunk can be, from the frame's current place. */
  private searchFrame(frame: Frame, chunk: string, baseCost: number): Omit<Candidate, 'level' | 'rootIndex'> | null {
    const steps = frame.script.steps;
    const position = frame.position;
    let best: Omit<Candidate, 'level' | 'rootIndex'> | null = null;
    for (let index = position + 1; index < steps.length; index += 1) {
      const step = steps[index]!;
      if (best && baseCost + SKIP_COST * mustRunBetween(steps, position + 1, index, step) >= best.cost) continue;
      if (!stepAllowed(frame, step, null)) continue;
      const match = this.matchStep(frame, step, chunk);
      if (!match) continue;
      const cost = baseCost + SKIP_COST * mustRunBetween(steps, position + 1, index, step) + match.penalty;
      if (!best || cost < best.cost) best = { frame, step: index, restartLoop: null, cost, match };
      if (cost === baseCost) return best;
    }
    const current = position >= 0 ? steps[position]! : null;
    if (!current) return best;
    for (const loopId of [...current.loops].reverse()) {
      const loop = frame.script.loops.get(loopId);
      if (!loop) continue;
      const tail = mustRunBetween(steps, position + 1, loop.end + 1, current);
      for (let index = loop.start; index <= position; index += 1) {
        const step = steps[index]!;
        if (!stepAllowed(frame, step, loop.start)) continue;
        const match = this.matchStep(frame, step, chunk);
        if (!match) continue;
        const cost = baseCost + RESTART_COST + SKIP_COST * (tail + mustRunBetween(steps, loop.start, index, step)) + match.penalty;
        if (!best || cost < best.cost) best = { frame, step: index, restartLoop: loop.start, cost, match };
        break;
      }
    }
    return best;
  }

  private matchStep(frame: Frame, step: ShStep, chunk: string): StepMatch | null {
    const loose = this.loosePattern(step);
    if (loose.prefix && !chunk.startsWith(loose.prefix)) return null;
    const specific = this.specificPattern(frame, step);
    const whole = step.kind !== 'command' && step.kind !== 'test';
    const attempt = (pattern: StepPattern): RegExpExecArray | null => {
      const trimmed = chunk.endsWith('\n') ? chunk.slice(0, -1) : chunk;
      if (whole && trimmed.length <= MAX_WHOLE_CHUNK) {
        const result = pattern.wholeRegex.exec(trimmed);
        if (result) return result;
      }
      const newline = chunk.indexOf('\n');
      return pattern.regex.exec(newline === -1 ? chunk : chunk.slice(0, newline));
    };
    let result = attempt(specific);
    let penalty = 0;
    let used = specific;
    if (!result) {
      result = attempt(loose);
      penalty = LOOSE_COST;
      used = loose;
    }
    if (!result) return null;
    if (used.unanchored) penalty += UNANCHORED_COST;
    return { groups: result.slice(1).map((group) => group ?? ''), length: result[0].length, penalty };
  }

  private specificPattern(frame: Frame, step: ShStep): StepPattern {
    const known: KnownVariables = { ...this.known, positional: frame.positional };
    const names = referencedVariables(step);
    const key = names.map((name) => `${name}=${knownValue(known, name) ?? '\0'}`).join('\0\0');
    const cached = this.specificPatterns.get(step);
    if (cached && cached.key === key) return cached.pattern;
    const pattern = stepPattern(step, known, this.input.dialect);
    this.specificPatterns.set(step, { key, pattern });
    return pattern;
  }

  private loosePattern(step: ShStep): StepPattern {
    let pattern = this.loosePatterns.get(step);
    if (!pattern) {
      pattern = stepPattern(step, null, this.input.dialect);
      this.loosePatterns.set(step, pattern);
    }
    return pattern;
  }

  /** Moves to the candidate, records its command and enters any file or function it starts. */
  private apply(candidate: Candidate, chunkIndex: number): number {
    const chunks = this.input.chunks;
    if (candidate.rootIndex !== null) {
      this.frames.length = 0;
      this.rootIndex = candidate.rootIndex;
      this.rootPaths.set(candidate.rootIndex, candidate.frame.file);
      this.frames.push(candidate.frame);
      this.enterFile(candidate.frame, null);
    } else {
      this.frames.length = candidate.level + 1;
    }
    this.pendingOuter = null;
    const frame = candidate.frame;
    const step = frame.script.steps[candidate.step]!;
    if (candidate.restartLoop !== null) {
      for (const [group, choice] of frame.armChoices) if (choice.step >= candidate.restartLoop) frame.armChoices.delete(group);
      for (const [guard, step] of frame.excludedGuards) if (step >= candidate.restartLoop) frame.excludedGuards.delete(guard);
    }
    frame.position = candidate.step;
    for (const [group, arm] of step.arms) frame.armChoices.set(group, { arm, step: candidate.step });
    this.matched += 1;

    const chunk = chunks[chunkIndex]!;
    const rest = chunk.slice(candidate.match.length).replace(/^\n/, '');
    if (rest) this.errors.push(rest);

    let index = chunkIndex;
    let prefixValues: string[] | null = null;
    if (this.input.dialect.separateTraceLines && step.kind === 'command' && step.assignments.length > 0) {
      // posh prints the prefix assignments on their own line after the command.
      const followUp = prefixAssignmentPattern(step, null);
      let next = index + 1;
      while (next < chunks.length && isRedirectionLine(chunks[next]!)) next += 1;
      const result = followUp && next < chunks.length ? followUp.regex.exec(chunks[next]!) : null;
      if (result) {
        prefixValues = result.slice(1).map((group) => group ?? '');
        index = next;
      } else {
        // posh leaves the line out when the command also has a redirection: use the file's text.
        prefixValues = this.expandPrefixAssignments(frame, step);
      }
    }

    const words = this.buildWords(step, candidate.match.groups, prefixValues);
    this.applyDecisions(frame, step, candidate.step, words.command);
    const location = { file: frame.file, line: step.line };
    const commandText = words.command.map(quoteWord).join(' ');
    this.last = { location, command: commandText };
    const inShell = !frame.subshell && !step.subshell;
    if (inShell) {
      if (words.persistentAssignments.length > 0) this.emit(frame, step, words.persistentAssignments.map(quoteWord).join(' '));
      this.emit(frame, step, words.temporaryAssignments.length > 0 ? [...words.temporaryAssignments, ...words.command].map(quoteWord).join(' ') : commandText);
    }
    this.enterFrom(frame, step, words.command, location);
    return index;
  }

  /** Returns NAME=value for each prefix assignment whose value the known variables give. */
  private expandPrefixAssignments(frame: Frame, step: ShStep): string[] {
    const known: KnownVariables = { ...this.known, positional: frame.positional };
    return step.assignments.flatMap((assignment) => {
      const value = expandAssignmentValue(assignment.value, known);
      return value === null ? [] : [`${assignment.name}=${value}`];
    });
  }

  /** Excludes the code a traced test rules out, when the test can be evaluated again. */
  private applyDecisions(frame: Frame, step: ShStep, index: number, command: string[]): void {
    if (step.decides.length === 0) return;
    const status = evaluateTest(command);
    if (status === null) return;
    const result = step.negated ? !status : status;
    for (const decision of step.decides) {
      if (decision.runsWhen !== result) frame.excludedGuards.set(decision.guard, index);
    }
  }

  /** Pushes the file a `.` command reads or the function a command calls; pops on `return`. */
  private enterFrom(frame: Frame, step: ShStep, command: string[], location: SourceLocation): void {
    if (step.kind !== 'command') return;
    const name = command[0];
    const subshell = frame.subshell || step.subshell;
    if ((name === '.' || name === 'source') && command[1] !== undefined) {
      const file = this.resolveSourcePath(command[1]);
      const script = file ? this.scripts.load(file) : null;
      const target = file ?? command[1];
      const child = newFrame('file', target, script ?? emptyScript(), frame.depth + 1, frame.functionName, frame.callSite, subshell);
      this.frames.push(child);
      this.enterFile(child, location);
      return;
    }
    if (name === 'return') {
      this.frames.pop();
      return;
    }
    if (name === 'eval') {
      this.pendingOuter = { location, depth: frame.depth + 1, functionName: null };
      return;
    }
    const definition = name === undefined ? undefined : this.functions.get(name);
    if (definition && name !== undefined) {
      this.frames.push(newFrame('function', definition.file, definition.body, frame.depth + 1, name, location, subshell, command.slice(1)));
      return;
    }
    if (name !== undefined && !SPECIAL_BUILTINS.has(name)) {
      // A function defined where no parsed file shows it (by eval, for one) runs next.
      this.pendingOuter = { location, depth: frame.depth + 1, functionName: name };
    }
  }

  private enterFile(frame: Frame, sourcedFrom: SourceLocation | null): void {
    this.entered.push({ path: frame.file, sourcedFrom });
    for (const definition of frame.script.functions) this.functions.set(definition.name, { file: frame.file, body: definition.body });
  }

  private resolveSourcePath(argument: string): string | null {
    if (argument.includes('/')) return path.resolve(this.input.cwd, argument);
    // `.` looks a name without a slash up in PATH only.
    const searchPath = this.known.values.get('PATH') ?? '';
    for (const directory of searchPath.split(':')) {
      const candidate = path.resolve(this.input.cwd, directory || '.', argument);
      if (existsSync(candidate)) return candidate;
    }
    return null;
  }

  /** Splits the captured groups into the command's words and its prefix assignments. */
  private buildWords(step: ShStep, groups: string[], prefixValues: string[] | null): {
    command: string[];
    persistentAssignments: string[];
    temporaryAssignments: string[];
  } {
    const pattern = this.loosePattern(step);
    const command: string[] = [];
    const prefix: string[] = [];
    pattern.groups.forEach((group, index) => {
      const text = groups[index] ?? '';
      if (group.kind === 'word') {
        if (text !== '' || !group.word.parts.every((part) => (part.kind === 'variable' || part.kind === 'unknown') && !part.quoted)) command.push(text);
        return;
      }
      if (!group.declaration) {
        prefix.push(text);
        return;
      }
      if (this.input.dialect.declarationAssignments || !splitsFields(group.assignment.value)) {
        command.push(text);
        return;
      }
      // posh splits an unquoted expansion in export NAME=$value into several arguments.
      command.push(...text.split(/[ \t\n]+/).filter(Boolean));
    });
    if (prefixValues) prefix.push(...prefixValues);
    if (step.kind === 'assignment') return { command: prefix, persistentAssignments: [], temporaryAssignments: [] };
    const persistent = command[0] !== undefined && SPECIAL_BUILTINS.has(command[0]);
    return {
      command,
      persistentAssignments: persistent ? prefix : [],
      temporaryAssignments: persistent ? [] : prefix,
    };
  }

  private emit(frame: Frame, step: ShStep, command: string): void {
    this.records.push({
      depth: frame.depth,
      file: frame.file,
      line: step.line,
      functionName: frame.functionName,
      callerFile: frame.callSite?.file ?? null,
      callerLine: frame.callSite?.line ?? null,
      command,
    });
    this.learn(command);
  }

  /** Updates the known variable values from a command that runs in the shell itself. */
  private learn(command: string): void {
    for (const assignment of findAssignments(command)) {
      if (assignment.unset) this.known.values.delete(assignment.name);
      else if (assignment.value !== null) this.known.values.set(assignment.name, assignment.value);
    }
  }

  /**
   * Records a traced command that matches no line: the commands an `eval` runs, or a function
   * no parsed file defines, belong to the line that started them; anything else to its file.
   */
  private addUnmatched(chunk: string): void {
    this.unmatched += 1;
    const top = this.frames.at(-1);
    const newline = chunk.indexOf('\n');
    const assignment = /^(?:(export|readonly) )?([A-Za-z_]\w*)=([\s\S]*?)\n?$/.exec(chunk);
    let command: string;
    if (assignment) {
      command = `${assignment[1] ? `${assignment[1]} ` : ''}${quoteWord(`${assignment[2]}=${assignment[3]}`)}`;
    } else {
      command = newline === -1 ? chunk : chunk.slice(0, newline);
      const rest = newline === -1 ? '' : chunk.slice(newline + 1);
      if (rest) this.errors.push(rest);
    }
    if (!top) {
      this.errors.push(`${command}\n`);
      return;
    }
    if (top.subshell) return;
    const outer = this.pendingOuter;
    this.records.push({
      depth: outer ? outer.depth : top.depth,
      file: outer ? outer.location.file : top.file,
      line: outer ? outer.location.line : null,
      functionName: outer?.functionName ?? top.functionName,
      callerFile: outer?.functionName ? outer.location.file : top.callSite?.file ?? null,
      callerLine: outer?.functionName ? outer.location.line : top.callSite?.line ?? null,
      command,
    });
    this.learn(command);
  }
}

function newFrame(
  kind: Frame['kind'],
  file: string,
  script: ShScript,
  depth: number,
  functionName: string | null,
  callSite: SourceLocation | null,
  subshell: boolean,
  positional: string[] | null = null,
): Frame {
  return { kind, file, script, position: -1, depth, functionName, callSite, armChoices: new Map(), excludedGuards: new Map(), subshell, positional };
}

function emptyScript(): ShScript {
  return { steps: [], loops: new Map(), functions: [], untrackedVariables: new Set(), hasSyntaxErrors: false };
}

/** True when every guard of `step` also guards `reference`: if the reference ran, so did the step. */
function guardsContained(step: ShStep, reference: ShStep): boolean {
  return step.guards.every((guard) => reference.guards.includes(guard));
}

/** Counts the steps in [from, to) that must have run for `target` to run after them. */
function mustRunBetween(steps: ShStep[], from: number, to: number, target: ShStep): number {
  let count = 0;
  for (let index = from; index < to; index += 1) {
    if (guardsContained(steps[index]!, target)) count += 1;
  }
  return count;
}

/** Counts the steps after a frame's place that must still run before the frame can end. */
function remainingMustRun(frame: Frame): number {
  const steps = frame.script.steps;
  const current = frame.position >= 0 ? steps[frame.position]! : null;
  let count = 0;
  for (let index = frame.position + 1; index < steps.length; index += 1) {
    const step = steps[index]!;
    if (current ? guardsContained(step, current) : step.guards.length === 0) count += 1;
  }
  return count;
}

/**
 * False when the step is in another arm of an if or case whose arm already ran, or behind a test
 * that came out the other way.
 */
function stepAllowed(frame: Frame, step: ShStep, restartFrom: number | null): boolean {
  for (const guard of step.guards) {
    const decidedAt = frame.excludedGuards.get(guard);
    if (decidedAt !== undefined && (restartFrom === null || decidedAt < restartFrom)) return false;
  }
  for (const [group, arm] of step.arms) {
    const choice = frame.armChoices.get(group);
    if (!choice || choice.arm === arm) continue;
    if (restartFrom !== null && choice.step >= restartFrom) continue;
    return false;
  }
  return true;
}

function splitsFields(word: ShWord): boolean {
  return word.parts.some((part) => (part.kind === 'variable' || part.kind === 'unknown') && !part.quoted);
}

/** posh prints each redirection of a command as its own trace line, such as `2> /dev/null `. */
export function isRedirectionLine(chunk: string): boolean {
  return /^\d*(?:>>|>&|<&|<>|>\||<<-?|>|<) ?\S* \n?$/.test(chunk);
}
