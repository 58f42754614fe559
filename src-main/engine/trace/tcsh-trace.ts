/**
 * Reads the trace of a tcsh started with `-X -V`, which writes to stderr every line it reads as
 * written (verbose) and then every command it runs after substitution (echo), with no file name
 * and no line number. The verbose lines are aligned with the startup files and the files they
 * `source`, which gives each command its file and line.
 *
 * The alignment is a search over readings of the trace: each trace line is a verbose line of a
 * file line that control can reach, an echo of the last verbose line's commands, an error
 * message, or other output. Readings that explain more lines as verbose lines of the expected
 * files cost less, and the cheapest reading wins. An error that makes tcsh abandon its startup
 * (an undefined variable, a missing sourced file) ends the startup files early, as tcsh does.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';

import { cshMatchKey, loadCshScript, type CshScript } from './csh-script.ts';
import type { TraceRecord } from './trace-record.ts';

/** An event of an aligned trace, with the file and line it belongs to. */
export type TcshTraceEvent =
  /** tcsh started reading a file. Depth 1 is a startup file, and deeper files were sourced. */
  | { kind: 'enter'; file: string; depth: number }
  /** A line as tcsh read it (verbose). */
  | { kind: 'read'; file: string; line: number; depth: number; text: string }
  /** A command tcsh ran for the last line read (echo). */
  | { kind: 'command'; file: string; line: number; depth: number; text: string }
  /** An error after which tcsh read no more startup files. */
  | { kind: 'abort'; file: string | null; line: number | null; text: string }
  /** Output that is neither: error messages and what commands wrote to stderr. */
  | { kind: 'output'; text: string }
  /** Lines after the startup files: the typed probe command and prompt hooks. */
  | { kind: 'after-startup'; text: string };

export interface TcshTraceInput {
  trace: string;
  /** The startup files tcsh reads in this mode, in order, existing ones only. */
  startupFiles: string[];
  /** Startup files tcsh may leave unread (~/.cshdirs is read only when `savedirs` is set). */
  optionalFiles?: readonly string[];
  /** HOME, for `~` in `source ~/file`. */
  home: string;
  /** The directory tcsh started in, for relative `source` paths. */
  cwd: string;
  /**
   * The probe command typed at the prompt. Its verbose line marks the end of the startup files,
   * so what follows is not taken for commands of the last file.
   */
  typedCommand?: string;
  /** Script reader, by default `loadCshScript` (from disk). */
  load?: (file: string) => CshScript | null;
}

/** Cost of each reading of a trace line. The alignment keeps the reading with the lowest total. */
const COST = {
  /** Second and later echo lines of one verbose line: several commands, backquotes, aliases. */
  extraEcho: 1,
  /** A verbose line not followed by any echo line (tcsh echoes every command it runs). */
  missingEcho: 2,
  /** An error message in tcsh's format. */
  errorMessage: 0.5,
  /** Any other line: output of a command, or a line the alignment cannot place. */
  otherOutput: 2,
  afterStartup: 1,
  /** Ending with startup files unread, unless an error abandoned them. */
  unfinishedFile: 3,
} as const;

/**
 * Maximum number of readings kept per trace line, and maximum cost of a kept reading above the
 * cheapest one.
 * A wrong reading costs at least `otherOutput` per line it cannot place, so within a few lines
 * it falls behind the right one by more than the margin.
 */
const BEAM_WIDTH = 64;
const BEAM_COST_MARGIN = 8;

/**
 * tcsh's error messages: `name: Undefined variable.`, `file: No such file or directory.`,
 * `Missing }.`, `if: Expression Syntax.` and the like.
 */
const ERROR_MESSAGE = /^(?:[^\n]*: )?[A-Z][A-Za-z' ()]*\.$/;

interface Frame {
  script: CshScript;
  /** Index of the line read last, or -1 before the first one. */
  last: number;
  /** A non-blank line was read, so echo lines of its commands may follow. */
  open: boolean;
  /** At least one echo line followed the line read last. */
  echoed: boolean;
}

interface EventNode {
  previous: EventNode | null;
  events: TcshTraceEvent[];
}

interface Reading {
  /** Index in `startupFiles` of the startup file being read, or its length once all are done. */
  top: number;
  frames: readonly Frame[];
  cost: number;
  history: EventNode | null;
}

/**
 * Most trace lines aligned. Alignment takes about 20 µs per line (measured on a 2-core VM), so
 * this bounds it to seconds. A longer trace comes from a startup file looping many thousand times.
 */
export const MAX_ALIGNED_TRACE_LINES = 200_000;

/**
 * Aligns a `-X -V` trace with the startup files and returns the events in order. Throws for a
 * trace longer than MAX_ALIGNED_TRACE_LINES.
 */
export function alignTcshTrace(input: TcshTraceInput): TcshTraceEvent[] {
  const load = cachedLoader(input.load ?? loadCshScript);
  const traceLines = input.trace.split('\n');
  if (traceLines.at(-1) === '') traceLines.pop();
  if (traceLines.length > MAX_ALIGNED_TRACE_LINES) {
    throw new Error(
      `the tcsh trace has ${traceLines.length} lines, more than the ${MAX_ALIGNED_TRACE_LINES} that are matched ` +
        'to startup files; a startup file probably loops',
    );
  }

  const typedKey = input.typedCommand ? cshMatchKey(input.typedCommand) : null;
  const context: AlignContext = { input, load, typedKey };
  let readings: Reading[] = startReading(context);
  for (const rawText of traceLines) {
    const line = describeTraceLine(rawText.replace(/\r$/, ''));
    const next = new Map<string, Reading>();
    for (const reading of readings) {
      for (const option of readTraceLine(context, reading, line)) {
        const key = readingKey(option);
        const known = next.get(key);
        if (!known || option.cost < known.cost) next.set(key, option);
      }
    }
    const sorted = [...next.values()].sort((a, b) => a.cost - b.cost);
    const limit = (sorted[0]?.cost ?? 0) + BEAM_COST_MARGIN;
    readings = sorted.filter((reading) => reading.cost <= limit).slice(0, BEAM_WIDTH);
  }

  const finalCost = (reading: Reading) => reading.cost + unfinishedCost(context, reading);
  const best = readings.reduce<Reading | null>(
    (winner, reading) => (winner === null || finalCost(reading) < finalCost(winner) ? reading : winner),
    null,
  );
  const chunks: TcshTraceEvent[][] = [];
  for (let node = best?.history ?? null; node; node = node.previous) chunks.push(node.events);
  return chunks.reverse().flat();
}

/**
 * Turns aligned events into trace records: one record per command, located at the line it was
 * read from, and one empty record where each file starts, so files that run no command are listed.
 * Commands after an `eval` on the same line are one level deeper, which marks them as the eval's.
 */
export function tcshRecords(events: TcshTraceEvent[]): TraceRecord[] {
  const records: TraceRecord[] = [];
  let evalLine: string | null = null;
  for (const event of events) {
    if (event.kind === 'enter') {
      records.push(record(event.depth, event.file, null, ''));
    } else if (event.kind === 'read') {
      evalLine = null;
    } else if (event.kind === 'command') {
      const lineKey = `${event.file}:${event.line}`;
      const depth = evalLine === lineKey ? event.depth + 1 : event.depth;
      records.push(record(depth, event.file, event.line, event.text));
      if (/^eval\s/.test(event.text)) evalLine = lineKey;
    }
  }
  return records;
}

function record(depth: number, file: string, line: number | null, command: string): TraceRecord {
  return { depth, file, line, functionName: null, callerFile: null, callerLine: null, command };
}

interface AlignContext {
  input: TcshTraceInput;
  load: (file: string) => CshScript | null;
  typedKey: string | null;
}

function cachedLoader(load: (file: string) => CshScript | null): (file: string) => CshScript | null {
  const cache = new Map<string, CshScript | null>();
  return (file) => {
    if (!cache.has(file)) cache.set(file, load(file));
    return cache.get(file)!;
  };
}

function startReading(context: AlignContext): Reading[] {
  const start: Reading = { top: -1, frames: [], cost: 0, history: null };
  return enterStartupFile(context, start, []).map(({ reading, events }) => ({
    ...reading,
    history: { previous: null, events },
  }));
}

/**
 * Moves to the next readable startup file, or past the last one. An optional file gives two
 * ways on: reading it, or skipping to the file after it.
 */
function enterStartupFile(
  context: AlignContext,
  reading: Reading,
  events: TcshTraceEvent[],
): { reading: Reading; events: TcshTraceEvent[] }[] {
  const files = context.input.startupFiles;
  for (let top = reading.top + 1; top < files.length; top += 1) {
    const script = context.load(files[top]!);
    if (!script) continue;
    const entered = {
      reading: { ...reading, top, frames: [newFrame(script)] },
      events: [...events, { kind: 'enter', file: script.path, depth: 1 } as const],
    };
    if (!context.input.optionalFiles?.includes(files[top]!)) return [entered];
    return [entered, ...enterStartupFile(context, { ...reading, top }, events)];
  }
  return [{ reading: { ...reading, top: files.length, frames: [] }, events }];
}

function newFrame(script: CshScript): Frame {
  return { script, last: -1, open: false, echoed: false };
}

function readingKey(reading: Reading): string {
  const frames = reading.frames.map(
    (frame) => `${frame.script.path}\0${frame.last}\0${frame.open ? 1 : 0}${frame.echoed ? 1 : 0}`,
  );
  return `${reading.top}\u0001${frames.join('\u0001')}`;
}

/** A trace line with what every reading of it needs, worked out once. */
interface TraceLine {
  text: string;
  key: string;
  blank: boolean;
  looksLikeError: boolean;
}

function describeTraceLine(text: string): TraceLine {
  const trimmed = text.trim();
  return { text, key: cshMatchKey(text), blank: trimmed === '', looksLikeError: ERROR_MESSAGE.test(trimmed) };
}

/** Returns every reading of one more trace line, starting from `reading`. */
function readTraceLine(context: AlignContext, reading: Reading, line: TraceLine): Reading[] {
  const options: Reading[] = [];
  addOptions(context, reading, line, [], 0, options);
  return options;
}

function addOptions(
  context: AlignContext,
  reading: Reading,
  line: TraceLine,
  events: TcshTraceEvent[],
  cost: number,
  options: Reading[],
): void {
  const { text, key, blank, looksLikeError } = line;
  const extend = (next: Reading, added: TcshTraceEvent[], extraCost: number) => {
    options.push({
      ...next,
      cost: reading.cost + cost + extraCost,
      history: { previous: reading.history, events: [...events, ...added] },
    });
  };
  if (context.typedKey !== null && key === context.typedKey) {
    const done = { ...reading, top: context.input.startupFiles.length, frames: [] };
    extend(done, [{ kind: 'after-startup', text }], unfinishedCost(context, reading));
    return;
  }
  const frame = reading.frames.at(-1);
  if (!frame) {
    extend(reading, [{ kind: 'after-startup', text }], COST.afterStartup);
    return;
  }
  const depth = reading.frames.length;
  const current = frame.last >= 0 ? frame.script.lines[frame.last]! : null;

  // An echo line of the commands of the line read last.
  if (!blank && frame.open && current) {
    const echoed = withTop(reading, { ...frame, echoed: true });
    const command: TcshTraceEvent = { kind: 'command', file: frame.script.path, line: current.line, depth, text };
    const echoCost = (frame.echoed ? COST.extraEcho : 0) + (looksLikeError ? COST.extraEcho : 0);
    const sourced = sourcedFile(text, context.input);
    const script = sourced ? context.load(sourced) : null;
    if (script) {
      extend(
        { ...echoed, frames: [...echoed.frames, newFrame(script)] },
        [command, { kind: 'enter', file: script.path, depth: depth + 1 }],
        echoCost,
      );
    } else {
      extend(echoed, [command], echoCost);
    }
  }

  // An error message: tcsh either goes on, or abandons the startup files.
  if (!blank && looksLikeError) {
    extend(withTop(reading, { ...frame, echoed: true }), [{ kind: 'output', text }], COST.errorMessage);
    extend(
      { ...reading, top: context.input.startupFiles.length, frames: [] },
      [{ kind: 'abort', file: frame.script.path, line: current?.line ?? null, text }],
      COST.errorMessage,
    );
  }
  extend(reading, [{ kind: 'output', text }], COST.otherOutput);

  // A line read from the current file.
  const mustEchoFirst = frame.open && !frame.echoed;
  const next = frame.last >= 0 ? frame.script.lines[frame.last]!.next : frame.script.start;
  for (const index of next) {
    const scriptLine = frame.script.lines[index];
    if (!scriptLine || (scriptLine.key !== key && scriptLine.alternateKey !== key)) continue;
    extend(
      withTop(reading, { ...frame, last: index, open: !blank, echoed: false }),
      [{ kind: 'read', file: frame.script.path, line: scriptLine.line, depth, text }],
      mustEchoFirst ? COST.missingEcho : 0,
    );
  }

  // The end of the current file: the line belongs to the file that sourced it, or to the next
  // startup file.
  if (next.includes(frame.script.lines.length)) {
    if (reading.frames.length > 1) {
      addOptions(context, { ...reading, frames: reading.frames.slice(0, -1) }, line, events, cost, options);
    } else {
      for (const entered of enterStartupFile(context, reading, events)) {
        addOptions(context, entered.reading, line, entered.events, cost, options);
      }
    }
  }
}

/**
 * Returns the cost of stopping at a reading: one share for each startup file not yet started,
 * and one for the current file unless its last line read can be its end.
 */
function unfinishedCost(context: AlignContext, reading: Reading): number {
  const frame = reading.frames.at(-1);
  if (!frame) return 0;
  const next = frame.last >= 0 ? frame.script.lines[frame.last]!.next : frame.script.start;
  const later = context.input.startupFiles.length - 1 - reading.top;
  const current = next.includes(frame.script.lines.length) ? 0 : 1;
  return COST.unfinishedFile * (later + current);
}

function withTop(reading: Reading, frame: Frame): Reading {
  return { ...reading, frames: [...reading.frames.slice(0, -1), frame] };
}

/**
 * Returns the file an echoed `source` command reads, or null. The echo shows words before
 * filename expansion, so `~` is expanded here. `source -h` only loads history, so it reads nothing.
 */
export function sourcedFile(command: string, location: { home: string; cwd: string }): string | null {
  const words = command.trim().split(/\s+/);
  if (words[0] !== 'source' || words[1] === undefined || words[1] === '-h') return null;
  let file = words[1];
  if (file === '~' || file.startsWith('~/')) file = location.home + file.slice(1);
  else if (file.startsWith('~')) return null;
  const resolved = path.resolve(location.cwd, file);
  return existsSync(resolved) ? resolved : null;
}
