/**
 * Reads a fish 3.6 `fish_trace` trace and finds the file and line of every traced command.
 *
 * Each record is one line: dashes (the nesting depth), `>`, a space and the command after
 * expansion, escaped the way fish quotes words. fish gives no file and no line, so both are
 * worked out here:
 * - The file comes from the nesting. `source FILE` at depth d runs FILE's commands at depth d+2
 *   and deeper, and so does a function call at depth d. `eval` runs its text at depth d+1.
 * - A command substitution runs at d+1 just before the command that contains it. The autoloading
 *   of a function file shows as a `source` at d+1 just before the call.
 * - The line is found by matching the traced command against the statements of that file in
 *   order (see fish-script.ts): each traced command is matched to the next statement that can
 *   expand to it, and loops are searched from the loop's start again.
 * Records inside a function carry the call site (the outermost call made from a file), so their
 * assignments are attributed to the line that called the function. Records of `tool init |
 * source` and `source (tool init | psub)` carry the line that sourced them.
 */
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';

import type { SourceLocation } from '../../shared/provenance.ts';
import { readRegularTextSync } from '../files/regular-file.ts';
import {
  classifyTracedStep,
  parseFishScript,
  unitMatches,
  type ScriptUnit,
  type TracedStep,
} from './fish-script.ts';
import { splitTracedWords } from './fish-words.ts';
import type { TraceRecord } from './trace-record.ts';

/** Largest startup file read for line matching, in bytes. A larger one gets no line numbers. */
const MAX_SCRIPT_BYTES = 4 * 1024 * 1024;

/** One record of a fish trace. */
export interface FishTraceLine {
  depth: number;
  /** The command as fish printed it. */
  command: string;
  step: TracedStep;
}

/** Splits a fish trace into records and the other text fish wrote to the same file. */
export function parseFishTrace(trace: string): { lines: FishTraceLine[]; errorOutput: string } {
  const lines: FishTraceLine[] = [];
  const errorLines: string[] = [];
  // A loop traces the same few commands many times, so each distinct text is split once.
  const steps = new Map<string, TracedStep>();
  // A trace file emptied at its size limit keeps fish's write position, so it can start with NULs.
  const text = trace.includes('\0') ? trace.replaceAll('\0', '') : trace;
  for (const textLine of text.split('\n')) {
    const match = /^(-*)>(?: (.*))?$/.exec(textLine);
    if (!match) {
      if (textLine !== '') errorLines.push(textLine);
      continue;
    }
    const command = match[2] ?? '';
    let step = steps.get(command);
    if (step === undefined) {
      step = classifyTracedStep(splitTracedWords(command));
      steps.set(command, step);
    }
    lines.push({ depth: match[1]!.length, command, step });
  }
  return { lines, errorOutput: errorLines.length > 0 ? `${errorLines.join('\n')}\n` : '' };
}

/** A file fish read, as the trace shows it. */
export interface SourcedFile {
  path: string;
  /** The line that sourced it, or null for files fish itself reads (the config.fish files). */
  sourcedFrom: SourceLocation | null;
  /** For a function file loaded on first use: the function's name. */
  autoloadedFunction: string | null;
}

/** A traced command with its place in the startup files. */
export interface LocatedFishCommand {
  line: FishTraceLine;
  /** The record handed to the provenance builder. */
  record: TraceRecord;
  /** The line a user would edit: the call site for a function's commands, the source line for generated code. */
  location: SourceLocation | null;
  /** True inside `tool init | source` or `source (… | psub)` outside any function. */
  generated: boolean;
  /** Identifies the scope of `set -l`: the running function call, or the file being read. */
  scopeId: number;
  inFunction: boolean;
}

export interface LocatedFishTrace {
  commands: LocatedFishCommand[];
  sourcedFiles: SourcedFile[];
}

interface OpenBlock {
  unit: number;
  depth: number;
}

/** A file being read or a function running: its statements and how far matching has come. */
interface ScriptFrame {
  kind: 'file' | 'call';
  id: number;
  /** The shallowest depth of the frame's own commands. */
  bodyDepth: number;
  file: string | null;
  units: ScriptUnit[] | null;
  /** Only units with this owner belong to the frame: -1 for a file, the `function` unit for a call. */
  scopeOwner: number;
  cursor: number;
  blocks: OpenBlock[];
  /** For a call: the function's name and the record of the call. */
  functionName: string | null;
  callRecord: TraceRecord | null;
}

/** Code without a file of its own (`eval`, generated `source`): its commands inherit the origin's place. */
interface InheritedFrame {
  kind: 'eval' | 'generated';
  id: number;
  bodyDepth: number;
  origin: LocatedFishCommand;
}

type Frame = ScriptFrame | InheritedFrame;

function isScriptFrame(frame: Frame): frame is ScriptFrame {
  return frame.kind === 'file' || frame.kind === 'call';
}

interface FunctionDefinition {
  file: string;
  units: ScriptUnit[];
  unit: number;
}

export interface LocateOptions {
  /** Directory a relative `source` path is resolved against (the shell's working directory). */
  workingDirectory: string;
}

/** Finds the file and line of every record, and the files fish read. */
export function locateFishTrace(lines: FishTraceLine[], options: LocateOptions): LocatedFishTrace {
  return new TraceWalker(options).walk(lines);
}

/**
 * Records a stop point is located from. A startup file that loops writes millions of records
 * before its deadline, and walking them all takes seconds (1.6 s for 885,000 records of a
 * `while true` loop on a 2-core machine), so the stop point is located from the last records only.
 */
const STOP_POINT_WINDOW = 200_000;

/**
 * Returns the last record that has a place in a file, for a run that stopped. Of a long trace,
 * only the last records are walked, after the records that enclose them (the `source` and call
 * of every level) and every function definition, so the frames around them are known.
 */
export function locateLastCommand(trace: string, options: LocateOptions): LocatedFishCommand | null {
  const textLines = trace.split('\n');
  let kept = textLines;
  if (textLines.length > STOP_POINT_WINDOW) {
    const windowStart = textLines.length - STOP_POINT_WINDOW;
    const definitions: string[] = [];
    const enclosing: string[] = [];
    let shallowest = Number.POSITIVE_INFINITY;
    for (const line of textLines.slice(windowStart)) {
      const depth = recordDepth(line);
      if (depth !== null) shallowest = Math.min(shallowest, depth);
    }
    for (let index = windowStart - 1; index >= 0; index -= 1) {
      const line = textLines[index]!;
      const depth = recordDepth(line);
      if (depth === null) continue;
      if (depth < shallowest) {
        enclosing.unshift(line);
        shallowest = depth;
      }
      if (/^-*> function /.test(line)) definitions.unshift(line.replace(/^-*/, ''));
    }
    kept = [...definitions, ...enclosing, ...textLines.slice(windowStart)];
  }
  const { commands } = locateFishTrace(parseFishTrace(kept.join('\n')).lines, options);
  for (let index = commands.length - 1; index >= 0; index -= 1) {
    if (commands[index]!.location) return commands[index]!;
  }
  return null;
}

/** Returns the depth of a trace record line, or null for a line that is not a record. */
function recordDepth(line: string): number | null {
  const match = /^(-*)>/.exec(line);
  return match ? match[1]!.length : null;
}

class TraceWalker {
  private readonly frames: Frame[] = [];
  private readonly scripts = new Map<string, ScriptUnit[] | null>();
  private readonly functions = new Map<string, FunctionDefinition | null>();
  private readonly commands: LocatedFishCommand[] = [];
  private readonly sourcedFiles: SourcedFile[] = [];
  private pendingAutoload: { file: SourcedFile; depth: number } | null = null;
  private nextFrameId = 1;

  constructor(private readonly options: LocateOptions) {}

  walk(lines: FishTraceLine[]): LocatedFishTrace {
    for (const line of lines) this.visit(line);
    return { commands: this.commands, sourcedFiles: this.sourcedFiles };
  }

  private visit(line: FishTraceLine): void {
    while (this.frames.length > 0 && this.frames.at(-1)!.bodyDepth > line.depth) this.frames.pop();
    const frame = this.frames.at(-1) ?? null;
    const autoload = this.autoloadTarget(line);

    let own: SourceLocation | null = null;
    let record: TraceRecord;
    let generated = false;
    let definition: FunctionDefinition | null = null;
    if (frame === null) {
      record = traceRecord(line, null, null, null, null, null);
    } else if (!isScriptFrame(frame)) {
      const origin = frame.origin;
      record = { ...origin.record, depth: line.depth, command: line.command };
      // An eval's own commands are attributed by the provenance builder, which recognises `eval`.
      generated = frame.kind === 'generated' ? origin.record.functionName === null : origin.generated;
    } else {
      const unit = autoload ? null : this.match(frame, line);
      own = frame.file === null ? null : { file: frame.file, line: unit === null ? null : frame.units![unit]!.line };
      if (unit !== null && frame.file !== null) definition = { file: frame.file, units: frame.units!, unit };
      record = this.recordInFrame(line, frame, own);
    }
    const definedName = line.step.keyword === 'function' ? line.step.args[1] : undefined;
    if (definedName !== undefined) this.functions.set(definedName, definition);

    const located: LocatedFishCommand = {
      line,
      record,
      location: userLocation(record),
      generated,
      scopeId: this.scopeId(),
      inFunction: this.frames.some((candidate) => candidate.kind === 'call'),
    };
    this.commands.push(located);
    this.notePendingAutoload(line, own ?? located.location);
    this.open(located, own, autoload);
  }

  /** Pushes the frame a record opens: a sourced file, an eval, or a function call. */
  private open(located: LocatedFishCommand, own: SourceLocation | null, autoload: string | null): void {
    const { line } = located;
    const [name, argument] = line.step.args;
    if (name === 'source' || name === '.') {
      this.openSource(located, own, argument, autoload);
    } else if (name === 'eval') {
      this.frames.push({ kind: 'eval', id: this.nextFrameId++, bodyDepth: line.depth + 1, origin: located });
    } else if (line.step.keyword === null && name !== undefined && this.functions.has(name)) {
      const definition = this.functions.get(name) ?? null;
      this.frames.push({
        kind: 'call',
        id: this.nextFrameId++,
        bodyDepth: line.depth + 2,
        file: definition?.file ?? null,
        units: definition?.units ?? null,
        scopeOwner: definition?.unit ?? -2,
        cursor: definition ? definition.unit + 1 : 0,
        blocks: [],
        functionName: name,
        callRecord: located.record,
      });
    }
  }

  private openSource(
    located: LocatedFishCommand,
    own: SourceLocation | null,
    argument: string | undefined,
    autoload: string | null,
  ): void {
    const depth = located.line.depth;
    const file = argument === undefined || argument === '-' ? null : path.resolve(this.options.workingDirectory, argument);
    if (file === null || isGeneratedSource(file)) {
      this.frames.push({ kind: 'generated', id: this.nextFrameId++, bodyDepth: depth + 2, origin: located });
      return;
    }
    const sourced: SourcedFile = {
      path: file,
      sourcedFrom: depth === 0 ? null : own ?? located.location,
      autoloadedFunction: autoload,
    };
    if (autoload) {
      sourced.sourcedFrom = null;
      this.pendingAutoload = { file: sourced, depth };
    }
    this.sourcedFiles.push(sourced);
    this.frames.push({
      kind: 'file',
      id: this.nextFrameId++,
      bodyDepth: depth + 2,
      file,
      units: this.script(file),
      scopeOwner: -1,
      cursor: 0,
      blocks: [],
      functionName: null,
      callRecord: null,
    });
  }

  /** Names the function of an autoloaded function file (`…/functions/NAME.fish`), else null. */
  private autoloadTarget(line: FishTraceLine): string | null {
    const [name, argument] = line.step.args;
    if ((name !== 'source' && name !== '.') || argument === undefined) return null;
    const directory = path.basename(path.dirname(argument));
    if (directory !== 'functions' && directory !== 'vendor_functions.d') return null;
    return argument.endsWith('.fish') ? path.basename(argument, '.fish') : null;
  }

  /**
   * The call that follows an autoload names the line that caused it. In a pipeline the call can
   * come after other commands of the same statement (`echo … | psub`), so the search ends only
   * when the trace leaves that statement.
   */
  private notePendingAutoload(line: FishTraceLine, location: SourceLocation | null): void {
    const pending = this.pendingAutoload;
    if (!pending || line.depth >= pending.depth) return;
    if (line.step.args[0] === pending.file.autoloadedFunction) {
      pending.file.sourcedFrom = location;
      this.pendingAutoload = null;
    } else if (line.depth < pending.depth - 1) {
      this.pendingAutoload = null;
    }
  }

  /** Builds the record of a command read from a file or run in a function. */
  private recordInFrame(line: FishTraceLine, frame: ScriptFrame, own: SourceLocation | null): TraceRecord {
    if (frame.kind === 'file') return traceRecord(line, own?.file ?? null, own?.line ?? null, null, null, null);
    // The outermost of the calls running now: the one made from a file (or from generated code).
    let outermost = frame;
    for (let index = this.frames.length - 1; index >= 0; index -= 1) {
      const candidate = this.frames[index]!;
      if (candidate.kind !== 'call') break;
      outermost = candidate;
    }
    const callSite = userLocation(outermost.callRecord!);
    return traceRecord(line, own?.file ?? null, own?.line ?? null, frame.functionName, callSite?.file ?? null, callSite?.line ?? null);
  }

  private scopeId(): number {
    for (let index = this.frames.length - 1; index >= 0; index -= 1) {
      if (this.frames[index]!.kind === 'call') return this.frames[index]!.id;
    }
    return this.frames.at(-1)?.id ?? 0;
  }

  private script(file: string): ScriptUnit[] | null {
    if (!this.scripts.has(this.canonical(file))) this.scripts.set(this.canonical(file), readScript(file));
    return this.scripts.get(this.canonical(file)) ?? null;
  }

  private canonical(file: string): string {
    return path.normalize(file);
  }

  /** Finds the unit a traced step came from and moves the frame's cursor past it. */
  private match(frame: ScriptFrame, line: FishTraceLine): number | null {
    const units = frame.units;
    if (!units) return null;
    const { step, depth } = line;
    while (frame.blocks.length > 0 && frame.blocks.at(-1)!.depth > depth) frame.blocks.pop();
    const block = frame.blocks.at(-1) ?? null;

    if (step.keyword === 'end' && block && block.depth === depth) {
      frame.blocks.pop();
      const end = units[block.unit]!.end;
      if (end < 0) return null;
      frame.cursor = end + 1;
      return end;
    }

    const fits = (index: number) => {
      const unit = units[index]!;
      if (unit.owner !== frame.scopeOwner || !matchesCached(unit, line)) return false;
      if ((step.keyword === 'else' || step.keyword === 'else if') && block) return unit.block === block.unit;
      return true;
    };
    const found = searchUnits(units, frame.cursor, block, fits);
    if (found === null) return null;

    const unit = units[found]!;
    frame.cursor = found + 1;
    if (unit.keyword === 'function' && unit.end >= 0) frame.cursor = unit.end + 1;
    if (unit.keyword === 'if' || unit.keyword === 'while' || unit.keyword === 'for' || unit.keyword === 'switch' || unit.keyword === 'begin') {
      frame.blocks.push({ unit: found, depth });
    }
    return found;
  }
}

/**
 * Searches for a unit in fish's order of execution: forward from the cursor to the end of the
 * open block, around again inside a loop, and as a last resort the nearest earlier unit, then
 * any later one.
 */
function searchUnits(
  units: ScriptUnit[],
  cursor: number,
  block: OpenBlock | null,
  fits: (index: number) => boolean,
): number | null {
  const blockUnit = block ? units[block.unit]! : null;
  const limit = blockUnit && blockUnit.end >= 0 ? blockUnit.end : units.length;
  for (let index = cursor; index < limit; index += 1) if (fits(index)) return index;
  if (blockUnit && (blockUnit.keyword === 'for' || blockUnit.keyword === 'while')) {
    for (let index = block!.unit + 1; index < Math.min(cursor, limit); index += 1) if (fits(index)) return index;
  }
  for (let index = Math.min(cursor, units.length) - 1; index >= 0; index -= 1) if (fits(index)) return index;
  for (let index = limit; index < units.length; index += 1) if (fits(index)) return index;
  return null;
}

/** Results of `unitMatches` by unit and command text, because a loop repeats the same lookup many times. */
const matchCache = new WeakMap<ScriptUnit, Map<string, boolean>>();

function matchesCached(unit: ScriptUnit, line: FishTraceLine): boolean {
  let results = matchCache.get(unit);
  if (!results) {
    results = new Map();
    matchCache.set(unit, results);
  }
  let matched = results.get(line.command);
  if (matched === undefined) {
    matched = unitMatches(unit, line.step);
    results.set(line.command, matched);
  }
  return matched;
}

function traceRecord(
  line: FishTraceLine,
  file: string | null,
  lineNumber: number | null,
  functionName: string | null,
  callerFile: string | null,
  callerLine: number | null,
): TraceRecord {
  return { depth: line.depth, file, line: lineNumber, functionName, callerFile, callerLine, command: line.command };
}

/** The place the provenance builder attributes a record to: the call site inside functions. */
function userLocation(record: TraceRecord): SourceLocation | null {
  if (record.functionName && record.callerFile) return { file: record.callerFile, line: record.callerLine };
  return record.file ? { file: record.file, line: record.line } : null;
}

/**
 * Reports whether a sourced path contains generated code rather than a startup file: psub's
 * temporary files, descriptors, and files gone by the time the trace is read.
 */
function isGeneratedSource(file: string): boolean {
  if (/\/\.psub\.[^/]*/.test(file) || /^\/(dev|proc\/self)\/(fd\/|stdin$)/.test(file)) return true;
  return !existsSync(file);
}

function readScript(file: string): ScriptUnit[] | null {
  try {
    if (statSync(file).size > MAX_SCRIPT_BYTES) return null;
    return parseFishScript(readRegularTextSync(file));
  } catch {
    return null;
  }
}
