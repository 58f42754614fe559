/**
 * Tracing ksh93 (checked on 93u+m 1.0.4): `-x` with a PS4 from the environment that prints
 * `${.sh.file}`, `${LINENO}`, `${.sh.fun}` and `${.sh.level}` before every command. ksh93 has no
 * XTRACEFD, so the trace shares stderr with the shell's own messages.
 *
 * `.sh.file` is always right, but LINENO is not. Once a file has been dot-sourced, LINENO in every
 * file still open runs ahead of the true line by the lines of the files sourced so far. A sourced
 * file counts on from the LINENO of the line that sourced it. So the line of each record is found
 * by matching the command in its file: at the line this model predicts when the command is there,
 * else at the next matching line after the last match. LINENO only runs ahead, so no line past it
 * is taken. Inside `eval`, LINENO counts the evaluated text's lines from 1.
 */
import type { SourceLocation } from '../../shared/provenance.ts';
import { errorOutputOf, splitTrace, type RawRecord } from './ksh-family-trace.ts';
import { kshExpectedFiles } from './ksh-family-rules.ts';
import {
  commandSignature,
  evalText,
  findFunctionDefinitions,
  lineMatches,
  parseDotCommand,
  splitLines,
  SourceTexts,
  type CommandSignature,
} from './line-match.ts';
import { buildProvenance } from './provenance-builder.ts';
import { findAssignments, splitWords } from './shell-words.ts';
import { FIELD_SEPARATOR, RECORD_START, type TraceRecord } from './trace-record.ts';
import type { ShellTracer, TraceStopPoint } from './tracer.ts';

/** The PS4 for tracing: file, LINENO, function name and nesting level, then the command. */
export const KSH_PS4 =
  `${RECORD_START}\${.sh.file}${FIELD_SEPARATOR}\${LINENO}${FIELD_SEPARATOR}` +
  `\${.sh.fun}${FIELD_SEPARATOR}\${.sh.level}${FIELD_SEPARATOR} `;

const KSH_FIELD_COUNT = 4;

/** Variables ksh93 sets by itself; `A__z` carries the attributes of exported variables. */
const KSH_OWN_VARIABLES = ['A__z', 'PWD', 'OLDPWD', 'SHLVL', '_'];

// NOTE: ksh93 does not trace the body of a function defined as `function name { ... }` unless
// it was marked with `typeset -ft`, so assignments made there have no record and stay unexplained.
// A startup file that assigns PS4 also ends the records: lines after it are not recovered, as
// they are for mksh, because without `.sh.file` their file is unknown.
export const kshTracer: ShellTracer = {
  plan(input) {
    return {
      argv0: input.argv0,
      args: ['-x', ...input.args],
      method: input.method,
      environment: { PS4: KSH_PS4 },
      traceOutput: 'stderr',
    };
  },
  analyse(input) {
    const split = splitTrace(input.trace, KSH_FIELD_COUNT);
    const records = joinExports(locateKshRecords(split.records, new SourceTexts()));
    const home = input.startEnvironment.HOME ?? '';
    const result = buildProvenance({
      method: 'traced',
      records,
      // A new PS4 drops the record markers and `set +x` stops tracing.
      endsTrace: /^(?:(?:export\s+|typeset\s+\S+\s+)?PS4=|set\s+(?:\S+\s+)*\+(?:\w*x|o\s+xtrace)\b)/,
      startEnvironment: input.startEnvironment,
      finalEnvironment: input.finalEnvironment,
      shellVariables: KSH_OWN_VARIABLES,
      expectedFiles: kshExpectedFiles(input.login, home, envAfterProfiles(records, input, home)),
    });
    return { ...result, errorOutput: errorOutputOf(split) };
  },
  stopPoint(trace) {
    return lastFileRecord(kshTraceRecords(trace));
  },
};

/**
 * Returns ENV as ksh93 saw it when it chose the rc file: the last value a traced profile file
 * gave it, else the inherited one.
 */
function envAfterProfiles(
  records: TraceRecord[],
  input: { login: boolean; startEnvironment: Record<string, string> },
  home: string,
): string | undefined {
  let env = input.startEnvironment.ENV;
  if (!input.login) return env;
  const profiles = new Set(['/etc/profile', `${home}/.profile`]);
  for (const record of records) {
    // The first top-level command outside the profile files starts the rc stage.
    if (record.depth === 1 && record.file && !profiles.has(record.file)) break;
    for (const assignment of findAssignments(record.command)) {
      if (assignment.name === 'ENV') env = assignment.unset ? undefined : assignment.value ?? env;
    }
  }
  return env;
}

/** Returns the last record with a file and line, which is where a shell that stopped was. */
export function lastFileRecord(records: TraceRecord[], ignoredFiles: string[] = []): TraceStopPoint | null {
  for (let index = records.length - 1; index >= 0; index -= 1) {
    const record = records[index]!;
    if (!record.file || record.line === null || ignoredFiles.includes(record.file)) continue;
    if (/^\/(dev|proc\/self)\/fd\//.test(record.file)) continue;
    return { location: { file: record.file, line: record.line }, command: record.command };
  }
  return null;
}

interface FileFrame {
  kind: 'file' | 'function';
  level: number;
  file: string;
  lines: string[] | null;
  /** Last matched line, 0 before the first. */
  cursor: number;
  /** LINENO minus the true line, as last seen or predicted; null when unknown. */
  offset: number | null;
  /** For a function: its name, the lines its body spans and the location that called it. */
  name?: string;
  firstLine: number;
  lastLine: number;
  callSite?: SourceLocation;
}

interface EvalFrame {
  kind: 'eval';
  level: number;
  lines: string[];
  location: SourceLocation;
  /** The LINENO ksh93 printed for the eval command itself. */
  reportedLine: number;
}

type Frame = FileFrame | EvalFrame;

/** Splits a ksh93 trace into records with their true lines. */
export function kshTraceRecords(trace: string): TraceRecord[] {
  return joinExports(locateKshRecords(splitTrace(trace, KSH_FIELD_COUNT).records, new SourceTexts()));
}

/**
 * Joins the two records ksh93 prints for `export NAME=value` (`NAME=value`, then `export NAME`)
 * into one `export NAME=value` record, as bash and mksh print it.
 */
function joinExports(records: TraceRecord[]): TraceRecord[] {
  const joined: TraceRecord[] = [];
  for (const record of records) {
    const previous = joined.at(-1);
    const name = /^export ([A-Za-z_][A-Za-z0-9_]*)$/.exec(record.command)?.[1];
    if (
      name &&
      previous &&
      previous.file === record.file &&
      previous.line === record.line &&
      previous.depth === record.depth &&
      previous.command.startsWith(`${name}=`) &&
      splitWords(previous.command).length === 1
    ) {
      joined[joined.length - 1] = { ...previous, command: `export ${previous.command}` };
      continue;
    }
    joined.push(record);
  }
  return joined;
}

/** Gives every raw ksh93 record its true line; see the top of this file. */
export function locateKshRecords(raw: RawRecord[], texts: SourceTexts): TraceRecord[] {
  const locator = new KshLocator(texts);
  return raw.map((record) => locator.place(record));
}

class KshLocator {
  private stack: Frame[] = [];
  private previous: TraceRecord | null = null;
  /** LINENO of the last `.` command, which a file it sources counts on from. */
  private sourcedFromLine: number | null = null;

  constructor(private readonly texts: SourceTexts) {}

  place(raw: RawRecord): TraceRecord {
    const [file = '', lineText = '', functionName = '', levelText = ''] = raw.fields;
    const reported = Number.parseInt(lineText, 10);
    const level = Number.parseInt(levelText, 10) || 0;
    const signature = commandSignature(raw.command);

    if (!file) {
      // The -c command: no file.
      this.stack = [];
      return this.remember({ ...emptyRecord(raw.command), depth: 1 });
    }
    if (signature.kind === 'redirection' || signature.kind === 'empty' || Number.isNaN(reported)) {
      // ksh93 traces `cmd >&2` as `cmd`, then `1>& 2`: the redirection shares the command's line.
      const previous = this.previous?.file === file ? this.previous : null;
      return this.remember({
        ...emptyRecord(raw.command),
        depth: previous?.depth ?? 1,
        file,
        line: previous?.line ?? null,
      });
    }

    this.popDeeperThan(level);
    const evalFrame = this.enclosingEval(level, reported, signature);
    if (evalFrame) {
      const record = this.remember({
        ...emptyRecord(raw.command),
        depth: this.stack.length,
        file: evalFrame.location.file,
        line: evalFrame.location.line,
      });
      this.afterCommand(signature, record, evalFrame.reportedLine);
      return record;
    }

    const frame = this.frameFor(file, functionName, level);
    const { line, matched } = this.resolveLine(frame, reported, signature);
    if (matched && line !== null) {
      frame.cursor = line;
      frame.offset = reported - line;
    }
    const inFunction = frame.kind === 'function';
    const record = this.remember({
      depth: this.stack.length,
      file,
      line,
      functionName: inFunction ? frame.name! : null,
      callerFile: inFunction ? frame.callSite?.file ?? null : null,
      callerLine: inFunction ? frame.callSite?.line ?? null : null,
      command: raw.command,
    });
    this.afterCommand(signature, record, reported);
    return record;
  }

  private remember(record: TraceRecord): TraceRecord {
    this.previous = record;
    return record;
  }

  /**
   * Pops the frames of files, functions and evals that have returned. Each file that returns
   * moves LINENO on by its length in every file still open.
   */
  private popDeeperThan(level: number): void {
    while (this.stack.length > 0 && this.stack.at(-1)!.level > level) {
      const popped = this.stack.pop()!;
      if (popped.kind !== 'file' || !popped.lines) continue;
      for (const frame of this.stack) {
        if (frame.kind === 'file' && frame.offset !== null) frame.offset += popped.lines.length;
      }
    }
  }

  /**
   * Returns the eval the record runs in, popping evals that have finished. A command is part of
   * an eval at its level when the evaluated text has it at the LINENO printed.
   */
  private enclosingEval(level: number, reported: number, signature: CommandSignature): EvalFrame | null {
    while (this.stack.length > 0) {
      const top = this.stack.at(-1)!;
      if (top.kind !== 'eval' || top.level !== level) return null;
      if (lineMatches(top.lines[reported - 1], signature)) return top;
      this.stack.pop();
    }
    return null;
  }

  /** Returns the frame of the file or function the record is in, opening one if needed. */
  private frameFor(file: string, functionName: string, level: number): FileFrame {
    const top = this.stack.at(-1);
    if (top && top.kind !== 'eval' && top.level === level && top.file === file) {
      if (top.kind === 'file' || top.name === functionName) return top;
    }
    if (top && top.level === level) this.stack.pop();

    const lines = this.texts.lines(file);
    // A file sourced inside a function still shows the function's name: only a new name is a call.
    const enclosing = [...this.stack].reverse().find((frame) => frame.kind === 'function') as FileFrame | undefined;
    let frame: FileFrame;
    if (functionName && functionName !== enclosing?.name && (top === undefined || top.level < level)) {
      const definition = findFunctionDefinitions(file, lines ?? []).find((candidate) => candidate.name === functionName);
      frame = {
        kind: 'function',
        level,
        file,
        lines,
        cursor: definition?.startLine ?? 0,
        offset: null,
        name: functionName,
        firstLine: definition?.startLine ?? 1,
        lastLine: definition?.endLine ?? lines?.length ?? Number.MAX_SAFE_INTEGER,
        callSite: this.previous?.file ? { file: this.previous.file, line: this.previous.line } : undefined,
      };
    } else {
      frame = {
        kind: 'file',
        level,
        file,
        lines,
        cursor: 0,
        offset: level === 0 ? 0 : this.sourcedFromLine,
        firstLine: 1,
        lastLine: lines?.length ?? Number.MAX_SAFE_INTEGER,
      };
    }
    this.stack.push(frame);
    return frame;
  }

  /**
   * Finds the true line of a record in its file, looking only at lines up to LINENO. The
   * predicted line wins if the command is there. Next comes the first matching line from the last
   * match on, then (in a loop) the nearest matching line before it. Without any match, LINENO
   * itself is taken when the file has that many lines.
   */
  private resolveLine(
    frame: FileFrame,
    reported: number,
    signature: CommandSignature,
  ): { line: number | null; matched: boolean } {
    const lines = frame.lines;
    if (!lines) return { line: reported, matched: false };
    const matches = (line: number) => lineMatches(lines[line - 1], signature);
    const limit = Math.min(frame.lastLine, reported);

    if (frame.offset !== null) {
      const predicted = reported - frame.offset;
      if (predicted >= frame.firstLine && predicted <= frame.lastLine && matches(predicted)) {
        return { line: predicted, matched: true };
      }
    }
    for (let line = Math.max(frame.cursor, frame.firstLine); line <= limit; line += 1) {
      if (matches(line)) return { line, matched: true };
    }
    for (let line = Math.min(frame.cursor - 1, limit); line >= frame.firstLine; line -= 1) {
      if (matches(line)) return { line, matched: true };
    }
    return { line: reported <= lines.length ? reported : null, matched: false };
  }

  /** Opens an eval frame after an `eval`, and notes the line a `.` sources from. */
  private afterCommand(signature: CommandSignature, record: TraceRecord, reported: number): void {
    const level = this.stack.at(-1)?.level ?? 0;
    const text = evalText(signature);
    if (text !== null && record.file) {
      this.stack.push({
        kind: 'eval',
        level,
        lines: splitLines(text),
        location: { file: record.file, line: record.line },
        reportedLine: reported,
      });
    }
    if (parseDotCommand(signature)) this.sourcedFromLine = reported;
  }
}

function emptyRecord(command: string): TraceRecord {
  return { depth: 1, file: null, line: null, functionName: null, callerFile: null, callerLine: null, command };
}
