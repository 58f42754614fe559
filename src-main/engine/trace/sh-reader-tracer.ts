/**
 * Provenance for dash and posh, whose `-x` trace gives neither file names nor line numbers: dash
 * expands PS4 but leaves LINENO empty, and posh prints PS4 without expanding it. The startup files
 * are parsed with tree-sitter-bash instead, and the `-x` trace (on stderr) is matched against the
 * parsed commands: the trace lists what ran, in order, with expanded values, and the syntax tree
 * gives the file and line of each command. Where the trace is missing, the files are read without it.
 *
 * The same tracer covers `sh -c` (the script context, dash on Debian), which reads no file.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';

import type { StartupFile } from '../../shared/provenance.ts';
import { buildProvenance, type ExpectedStartupFile } from './provenance-builder.ts';
import { isShellGrammarLoaded, loadShellGrammar } from './sh-grammar.ts';
import { shExpectedStartupFiles, shRootFiles, expandEnvPath, type ShMode, type ShShell } from './sh-rules.ts';
import { readShStartupStatically } from './sh-static-reader.ts';
import { matchShTrace, ScriptCache, type EnteredFile, type ShTraceMatch } from './sh-trace-matcher.ts';
import { DASH_DIALECT, POSH_DIALECT, type ShDialect } from './sh-word-pattern.ts';
import { FIELD_SEPARATOR, RECORD_START } from './trace-record.ts';
import type { ShellTracer, TraceAnalysis, TraceAnalysisInput, TracePlan, TracePlanInput, TraceStopPoint } from './tracer.ts';

/** Variables the shell binary sets by itself (checked with `env -i ... X -c env`). */
const SHELL_VARIABLES: Record<ShShell, string[]> = { dash: ['PWD'], posh: [] };

/**
 * Starts loading the grammar when this module is imported, so it is ready by the time a probe
 * finishes. Callers that must not fall back to the file list await `shReaderReady`.
 */
export const shReaderReady: Promise<void> = loadShellGrammar();
shReaderReady.catch(() => {
  // analyse() reports the failure through its fallback; an unhandled rejection would end the CLI.
});

/** The mode and start environment of a run that `plan` started, for `analyse` and `stopPoint`. */
interface PlannedRun {
  mode: ShMode;
  startEnvironment: Record<string, string>;
  probeDirectory: string;
}

/**
 * Plans by the tag in their PS4, so `stopPoint`, which gets only the trace, can find the mode and
 * HOME of its run. `analyse` removes its entry; past the limit the oldest entries go first.
 */
const plannedRuns = new Map<string, PlannedRun>();
const MAX_PLANNED_RUNS = 256;

/**
 * Returns the PS4 of a traced run: the record separator, a tag naming the run and its mode, and
 * the field separator. It contains no `$`, backquote or backslash, so dash's expansion leaves it
 * as it is, and posh prints it literally anyway.
 */
function tracePrompt(tag: string): string {
  return `${RECORD_START}${tag}${FIELD_SEPARATOR}`;
}

const TAG_PATTERN = /^gel([0-9a-f]{16})([LN])([IC])$/;

/** Creates the tracer of one shell. */
export function createShReaderTracer(shell: ShShell): ShellTracer {
  const dialect = shell === 'dash' ? DASH_DIALECT : POSH_DIALECT;
  return {
    plan: (input) => planTrace(shell, input),
    analyse: (input) => analyseTrace(shell, dialect, input),
    stopPoint: (trace) => findStopPoint(shell, dialect, trace),
  };
}

export const dashTracer: ShellTracer = createShReaderTracer('dash');
export const poshTracer: ShellTracer = createShReaderTracer('posh');

function planTrace(shell: ShShell, input: TracePlanInput): TracePlan {
  const flags = input.args.filter((arg) => /^-[a-z]+$/.test(arg)).join('');
  const interactive = flags.includes('i');
  const login = input.login || input.argv0.startsWith('-') || flags.includes('l');
  const nonce = randomBytes(8).toString('hex');
  const tag = `gel${nonce}${login ? 'L' : 'N'}${interactive ? 'I' : 'C'}`;
  plannedRuns.set(nonce, {
    mode: { shell, login, interactive },
    startEnvironment: input.environment,
    probeDirectory: input.probeDirectory,
  });
  while (plannedRuns.size > MAX_PLANNED_RUNS) plannedRuns.delete(plannedRuns.keys().next().value!);
  return {
    argv0: input.argv0,
    args: ['-x', ...input.args],
    method: input.method,
    environment: { PS4: tracePrompt(tag) },
    traceOutput: 'stderr',
  };
}

/** A trace split into commands, with the run it belongs to. */
interface ParsedTrace {
  nonce: string | null;
  login: boolean | null;
  interactive: boolean | null;
  /** Each command with the output that followed it, up to the next command. */
  chunks: string[];
  /** Output before the first command. */
  leadingOutput: string;
}

function parseTrace(trace: string): ParsedTrace {
  const pieces = trace.split(RECORD_START);
  const parsed: ParsedTrace = { nonce: null, login: null, interactive: null, chunks: [], leadingOutput: pieces[0] ?? '' };
  for (const piece of pieces.slice(1)) {
    const separator = piece.indexOf(FIELD_SEPARATOR);
    const tag = separator === -1 ? null : TAG_PATTERN.exec(piece.slice(0, separator));
    if (!tag) {
      // A startup file printed the separator itself; keep its text with the previous command.
      if (parsed.chunks.length > 0) parsed.chunks[parsed.chunks.length - 1] += `${RECORD_START}${piece}`;
      else parsed.leadingOutput += `${RECORD_START}${piece}`;
      continue;
    }
    parsed.nonce ??= tag[1]!;
    parsed.login ??= tag[2] === 'L';
    parsed.interactive ??= tag[3] === 'I';
    parsed.chunks.push(piece.slice(separator + 1));
  }
  return parsed;
}

/** Drops the capture command, which runs after the startup files and names the probe directory. */
function withoutCaptureCommand(chunks: string[], probeDirectory: string): string[] {
  let end = chunks.findIndex((chunk) => chunk.includes(probeDirectory));
  if (end === -1) return chunks;
  while (end > 0 && chunks[end - 1]!.startsWith('/usr/bin/env -0')) end -= 1;
  return chunks.slice(0, end);
}

function analyseTrace(shell: ShShell, dialect: ShDialect, input: TraceAnalysisInput): TraceAnalysis {
  const parsed = parseTrace(input.trace);
  const planned = parsed.nonce ? plannedRuns.get(parsed.nonce) : undefined;
  if (parsed.nonce) plannedRuns.delete(parsed.nonce);
  const mode: ShMode = planned?.mode ?? { shell, login: input.login, interactive: parsed.interactive ?? true };
  const startEnvironment = input.startEnvironment;
  const home = startEnvironment.HOME ?? '';
  const cwd = home.startsWith('/') ? home : '/';
  const roots = shRootFiles(mode, home);
  const chunks = withoutCaptureCommand(parsed.chunks, input.probeDirectory);
  const envValue = input.finalEnvironment.ENV ?? startEnvironment.ENV;
  const envPath = envValue ? expandEnvPath(envValue, new Map(Object.entries({ ...startEnvironment, ...input.finalEnvironment }))) : null;
  const expectedFiles = shExpectedStartupFiles(mode, home, envPath);

  if (!isShellGrammarLoaded()) {
    // NOTE: without the grammar only the rules' file list is known; callers avoid this by
    // awaiting shReaderReady before the first analysis.
    const result = buildProvenance({
      method: 'files-only',
      records: [],
      startEnvironment,
      finalEnvironment: input.finalEnvironment,
      shellVariables: SHELL_VARIABLES[shell],
      expectedFiles,
    });
    return { ...result, errorOutput: parsed.leadingOutput + chunks.join('') };
  }

  const scripts = new ScriptCache();
  let match: Pick<ShTraceMatch, 'records' | 'enteredFiles' | 'errorOutput'>;
  if (chunks.length > 0 || roots.length === 0) {
    match = matchShTrace({ chunks, dialect, roots, startEnvironment, cwd, scripts });
  } else {
    // Nothing was traced (the shell stopped early, or a startup file turned tracing off):
    // read the files without the trace.
    match = { ...readShStartupStatically({ roots, startEnvironment, cwd, scripts }), errorOutput: '' };
  }

  const result = buildProvenance({
    method: 'read-file',
    records: match.records,
    startEnvironment,
    finalEnvironment: input.finalEnvironment,
    shellVariables: SHELL_VARIABLES[shell],
    expectedFiles,
  });
  return {
    startupFiles: withEnteredFiles(result.startupFiles, match.enteredFiles, expectedFiles),
    provenance: result.provenance,
    errorOutput: parsed.leadingOutput + match.errorOutput,
  };
}

/**
 * Adds the files the run entered but that produced no record (an empty profile.d script), and
 * takes the sourcing line of every entered file from the matcher, which saw the `.` command.
 */
function withEnteredFiles(files: StartupFile[], entered: EnteredFile[], expected: ExpectedStartupFile[]): StartupFile[] {
  const result = files.map((file) => ({ ...file }));
  const sourcedFrom = new Map(entered.filter((file) => file.sourcedFrom).map((file) => [file.path, file.sourcedFrom]));
  for (const file of result) {
    const location = sourcedFrom.get(file.path);
    if (location && file.status === 'read') file.sourcedFrom = location;
  }
  const listed = new Set(result.map((file) => file.path));
  const expectedPaths = new Set(expected.map((file) => file.path));
  for (const file of entered) {
    if (listed.has(file.path) || expectedPaths.has(file.path)) continue;
    listed.add(file.path);
    const exists = existsSync(file.path);
    const entry: StartupFile = {
      path: file.path,
      status: exists ? 'read' : 'missing',
      note: exists ? 'read; it ran no command that could be traced' : 'sourced, but does not exist',
      sourcedFrom: file.sourcedFrom,
    };
    // Place it after the file that sourced it, where the reader expects it.
    const parent = file.sourcedFrom ? result.findIndex((candidate) => candidate.path === file.sourcedFrom!.file) : -1;
    if (parent === -1) result.push(entry);
    else {
      let insertAt = parent + 1;
      while (insertAt < result.length && result[insertAt]!.sourcedFrom?.file === file.sourcedFrom!.file) insertAt += 1;
      result.splice(insertAt, 0, entry);
    }
  }
  return result;
}

function findStopPoint(shell: ShShell, dialect: ShDialect, trace: string): TraceStopPoint | null {
  const parsed = parseTrace(trace);
  if (parsed.chunks.length === 0) return null;
  const planned = parsed.nonce ? plannedRuns.get(parsed.nonce) : undefined;
  const lastChunk = parsed.chunks.at(-1)!;
  const unmatched: TraceStopPoint = { location: { file: '', line: null }, command: lastChunk.split('\n', 1)[0]! };
  if (!planned || !isShellGrammarLoaded()) return unmatched;
  const home = planned.startEnvironment.HOME ?? '';
  const chunks = withoutCaptureCommand(parsed.chunks, planned.probeDirectory);
  const match = matchShTrace({
    chunks,
    dialect,
    roots: shRootFiles({ ...planned.mode, shell }, home),
    startEnvironment: planned.startEnvironment,
    cwd: home.startsWith('/') ? home : '/',
  });
  return match.last ?? unmatched;
}
