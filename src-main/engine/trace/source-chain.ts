/**
 * Finds the file of each traced command for shells whose trace gives a line number but no file
 * name (mksh, yash). The follower keeps a stack of open frames. At the bottom are the startup
 * files, in the order the shell reads them. A traced `.`/`source` pushes its file, an `eval`
 * pushes its text, and a call of a function defined in a file already read pushes the function
 * with its call site. Each record belongs to the innermost frame whose line at the record's
 * LINENO matches the command text, and the frames above that one have finished and are popped.
 */
import { existsSync } from 'node:fs';

import type { SourceLocation } from '../../shared/provenance.ts';
import {
  commandSignature,
  evalText,
  findFunctionDefinitions,
  lineMatches,
  parseDotCommand,
  resolveDotOperand,
  splitLines,
  type CommandSignature,
  type DotContext,
  type FunctionDefinition,
  type SourceTexts,
} from './line-match.ts';
import type { TraceRecord } from './trace-record.ts';

/** A traced command with the line number the shell printed. */
export interface LineRecord {
  /**
   * LINENO as printed; 0 where the shell has no line (mksh in command substitutions), null for a
   * record printed without one (after a startup file changed the prompt).
   */
  line: number | null;
  command: string;
}

export interface SourceChainOptions<R extends LineRecord = LineRecord> {
  /** The startup files the shell reads, in order, as known when `record` ran. */
  startupFiles(record: R): string[];
  /**
   * The way LINENO counts inside `eval`: `caller` repeats the eval's own line (mksh), and
   * `relative` counts the lines of the evaluated text from 1 (yash).
   */
  evalLineNumbers: 'caller' | 'relative';
  texts: SourceTexts;
  /** The directories a `.` operand of `record` resolves against. */
  dotContext(record: R): DotContext;
}

type Frame =
  | { kind: 'file'; file: string; lines: string[] | null; cursor: number; lastKey?: string }
  | {
      kind: 'function';
      name: string;
      file: string;
      lines: string[] | null;
      startLine: number;
      endLine: number;
      cursor: number;
      lastKey?: string;
      callSite: SourceLocation;
    }
  | { kind: 'eval'; lines: string[]; location: SourceLocation; evalLine: number };

type Strength = 'strong' | 'weak' | null;

/** The frame a record belongs to (its index in the stack) and the record's line in it. */
interface Placement {
  index: number;
  line: number | null;
}

/** Attributes every record to a file and line; see the top of this file. */
export function followSourceChain<R extends LineRecord>(records: R[], options: SourceChainOptions<R>): TraceRecord[] {
  const follower = new ChainFollower<R>(options);
  return records.map((record) => follower.place(record));
}

class ChainFollower<R extends LineRecord> {
  private stack: Frame[] = [];
  private startupIndex = -1;
  private readonly functions = new Map<string, FunctionDefinition>();

  constructor(private readonly options: SourceChainOptions<R>) {}

  place(record: R): TraceRecord {
    const signature = commandSignature(record.command);
    const line = record.line;
    if (line === 0 || signature.kind === 'redirection' || signature.kind === 'empty') {
      // mksh prints LINENO 0 in command substitutions and in the -c command; a lone
      // redirection belongs to the command next to it. Neither moves the follower.
      const top = this.top();
      return this.emit(record, top ? this.locationIn(top, line !== null && line > 0 ? line : null) : null);
    }

    const chosen = line === null ? this.chooseByText(signature, record) : this.choose(line, signature, record);
    let location: SourceLocation | null;
    if (chosen === null) {
      // No open file has this command at this line (an alias, a command name from a variable):
      // keep the innermost file and trust the line number.
      const innermost = [...this.stack].reverse().find((frame) => frame.kind !== 'eval');
      location = innermost ? this.locationIn(innermost, line) : null;
    } else {
      const frame = this.stack[chosen.index]!;
      this.stack.length = chosen.index + 1;
      if (frame.kind !== 'eval' && chosen.line !== null) {
        frame.cursor = chosen.line;
        frame.lastKey = signatureKey(signature);
      }
      location = this.locationIn(frame, chosen.line);
    }
    const traced = this.emit(record, location);
    this.openFrames(signature, record, location);
    return traced;
  }

  private top(): Frame | undefined {
    return this.stack.at(-1);
  }

  /** Returns the frame the record belongs to and its line, advancing startup files if needed. */
  private choose(line: number, signature: CommandSignature, record: R): Placement | null {
    const strengths = this.stack.map((frame) => this.match(frame, line, signature));
    const strong = strengths.lastIndexOf('strong');
    if (strong !== -1) return { index: strong, line };

    const startupFiles = this.options.startupFiles(record);
    for (let index = this.startupIndex + 1; index < startupFiles.length; index += 1) {
      const file = startupFiles[index]!;
      if (lineMatches(this.options.texts.lines(file)?.[line - 1], signature)) {
        this.openStartupFile(index, file);
        return { index: 0, line };
      }
    }

    const weak = strengths.lastIndexOf('weak');
    return weak === -1 ? null : { index: weak, line };
  }

  /**
   * Places a record printed without a line number (after a startup file changed the prompt).
   * Files run forward, so the innermost open file that has the command at or after its last
   * matched line takes it, then the next startup file that has it. When none has it ahead, the
   * nearest matching line before the last match (a loop) is taken.
   */
  private chooseByText(signature: CommandSignature, record: R): Placement | null {
    const key = signatureKey(signature);
    for (let index = this.stack.length - 1; index >= 0; index -= 1) {
      const frame = this.stack[index]!;
      if (frame.kind === 'eval') {
        if (frame.lines.some((text) => lineMatches(text, signature))) return { index, line: null };
        continue;
      }
      const first = frame.kind === 'function' ? frame.startLine : 1;
      const last = frame.kind === 'function' ? frame.endLine : frame.lines?.length ?? 0;
      // The same kind of command again is more often on a later line than on the same one.
      const from = frame.lastKey === key ? frame.cursor + 1 : frame.cursor;
      for (let line = Math.max(from, first); line <= last; line += 1) {
        if (lineMatches(frame.lines?.[line - 1], signature)) return { index, line };
      }
      if (from > frame.cursor && frame.cursor >= first && lineMatches(frame.lines?.[frame.cursor - 1], signature)) {
        return { index, line: frame.cursor };
      }
    }

    const startupFiles = this.options.startupFiles(record);
    for (let index = this.startupIndex + 1; index < startupFiles.length; index += 1) {
      const file = startupFiles[index]!;
      const line = (this.options.texts.lines(file) ?? []).findIndex((text) => lineMatches(text, signature)) + 1;
      if (line > 0) {
        this.openStartupFile(index, file);
        return { index: 0, line };
      }
    }

    for (let index = this.stack.length - 1; index >= 0; index -= 1) {
      const frame = this.stack[index]!;
      if (frame.kind === 'eval') continue;
      const first = frame.kind === 'function' ? frame.startLine : 1;
      for (let line = frame.cursor - 1; line >= first; line -= 1) {
        if (lineMatches(frame.lines?.[line - 1], signature)) return { index, line };
      }
    }
    return null;
  }

  private openStartupFile(index: number, file: string): void {
    this.startupIndex = index;
    this.stack = [];
    this.pushFile(file);
  }

  /**
   * Rates how well a frame matches a record. A match at or after the frame's last matched line
   * is strong, and one before it is weak. A file runs forward except in loops, so an outer file
   * that matches going forward wins over an inner one that would have to go back.
   */
  private match(frame: Frame, line: number, signature: CommandSignature): Strength {
    if (frame.kind === 'eval') {
      if (this.options.evalLineNumbers === 'relative') {
        return lineMatches(frame.lines[line - 1], signature) ? 'strong' : null;
      }
      if (line !== frame.evalLine) return null;
      return frame.lines.some((text) => lineMatches(text, signature)) ? 'strong' : null;
    }
    if (frame.kind === 'function' && (line < frame.startLine || line > frame.endLine)) return null;
    if (!lineMatches(frame.lines?.[line - 1], signature)) return null;
    return line >= frame.cursor ? 'strong' : 'weak';
  }

  private locationIn(frame: Frame, line: number | null): SourceLocation {
    if (frame.kind === 'eval') return frame.location;
    return { file: frame.file, line };
  }

  private emit(record: LineRecord, location: SourceLocation | null): TraceRecord {
    const caller = [...this.stack].reverse().find((frame) => frame.kind !== 'eval');
    const inFunction = caller?.kind === 'function' && location?.file === caller.file ? caller : null;
    return {
      depth: Math.max(this.stack.length, 1),
      file: location?.file ?? null,
      line: location?.line ?? null,
      functionName: inFunction?.name ?? null,
      callerFile: inFunction?.callSite.file ?? null,
      callerLine: inFunction?.callSite.line ?? null,
      command: record.command,
    };
  }

  /** Pushes the frame a `.`, `eval` or function call opens. */
  private openFrames(signature: CommandSignature, record: R, location: SourceLocation | null): void {
    const dot = parseDotCommand(signature);
    if (dot) {
      this.pushFile(resolveDotOperand(dot, this.options.dotContext(record), existsSync));
      return;
    }
    const text = evalText(signature);
    if (text !== null && location) {
      this.stack.push({ kind: 'eval', lines: splitLines(text), location, evalLine: record.line ?? 0 });
      return;
    }
    const definition = signature.kind === 'command' ? this.functions.get(signature.commandName!) : undefined;
    if (definition && location) {
      this.stack.push({
        kind: 'function',
        name: definition.name,
        file: definition.file,
        lines: this.options.texts.lines(definition.file),
        startLine: definition.startLine,
        endLine: definition.endLine,
        cursor: definition.startLine,
        callSite: location,
      });
    }
  }

  private pushFile(file: string): void {
    const lines = this.options.texts.lines(file);
    this.stack.push({ kind: 'file', file, lines, cursor: 0 });
    for (const definition of findFunctionDefinitions(file, lines ?? [])) {
      this.functions.set(definition.name, definition);
    }
  }
}

/** Returns the kind of a command: its name, or the variables a pure assignment sets. */
function signatureKey(signature: CommandSignature): string {
  return signature.kind === 'assignment' ? `=${signature.assigned.join(' ')}` : `${signature.commandName}`;
}
