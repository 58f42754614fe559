/**
 * Tracers for bash and zsh, the two shells whose own trace gives both the file and the line of
 * every command.
 */
import { bashTraceSetup, parseBashTrace } from './bash-trace.ts';
import { buildProvenance } from './provenance-builder.ts';
import { expectedStartupFiles } from './startup-rules.ts';
import { beforeLogout } from './stop-point.ts';
import type { TraceRecord } from './trace-record.ts';
import type { PromptHook, ShellTracer, TraceStopPoint } from './tracer.ts';
import { findZshAssignments, parseZshTrace, zshTraceSetup } from './zsh-trace.ts';

/** Variables bash sets by itself in every interactive shell. */
const BASH_OWN_VARIABLES = ['PWD', 'OLDPWD', 'SHLVL', '_'];
/** Variables zsh sets by itself. */
const ZSH_OWN_VARIABLES = ['PWD', 'OLDPWD', 'SHLVL', '_', 'LOGNAME'];

export const bashTracer: ShellTracer = {
  plan(input) {
    const typed = input.method === 'typed';
    const setup = bashTraceSetup(input.login, input.runningAsRoot, input.captureCommand, typed);
    return {
      argv0: input.argv0,
      args: setup.args,
      method: input.method,
      environment: setup.environment,
      traceOutput: 'fd3',
      captureEmbedded: setup.captureEmbedded,
      // The probe directory in a comment marks the line for removal from a history file.
      typedInput: setup.typedInput === undefined ? undefined : `${setup.typedInput} # ${input.probeDirectory}`,
    };
  },
  analyse(input) {
    return buildProvenance({
      method: 'traced',
      records: beforeCapture(parseBashTrace(input.trace), input.probeDirectory),
      startEnvironment: input.startEnvironment,
      finalEnvironment: input.finalEnvironment,
      shellVariables: BASH_OWN_VARIABLES,
      expectedFiles: expectedStartupFiles('bash', input.login, input.startEnvironment),
      callersInTrace: true,
      endsTrace: BASH_TRACE_ENDS,
    });
  },
  stopPoint(trace) {
    // The trace does not tell the mode; the login and non-login files have no file in common.
    const modes = [true, false].map((login) => startupOrder('bash', login));
    return lastFileRecord(parseBashTrace(trace), modes);
  },
  promptHooks(trace) {
    return findPromptHooks(parseBashTrace(trace), BASH_HOOK_INSTALLS);
  },
};

/**
 * Commands after which bash's trace is lost: a new PS4 drops the record markers, `set +x` stops
 * tracing, and a changed BASH_XTRACEFD sends the trace elsewhere.
 * NOTE: `exec 3>&-` also ends it, but bash traces `exec` without its redirections, so that
 * command cannot be distinguished from a harmless `exec 2>/dev/null`.
 */
const BASH_TRACE_ENDS =
  /^(?:(?:export\s+|declare\s+\S+\s+)?(?:PS4|BASH_XTRACEFD)=|unset\s+(?:\S+\s+)*BASH_XTRACEFD\b|set\s+(?:\S+\s+)*\+(?:\w*x|o\s+xtrace)\b)/;

/** Commands after which zsh's trace is lost: a new PS4, or tracing switched off. */
const ZSH_TRACE_ENDS =
  /^(?:(?:export\s+|typeset\s+\S+\s+)?PS4=|set\s+(?:\S+\s+)*\+(?:\w*x|o\s+xtrace)\b|unsetopt\s+xtrace|setopt\s+no_?xtrace)/;

/** Commands that install a bash prompt hook: a non-empty PROMPT_COMMAND (string or array). */
const BASH_HOOK_INSTALLS = /^(?:export\s+|declare\s+-\w+\s+)?(PROMPT_COMMAND)(?:\[\d*\])?\+?=(?!''$|$)/;

/**
 * Commands that install a zsh prompt hook: add-zsh-hook precmd, or a precmd_functions
 * assignment (what direnv and mise print). A function named `precmd` defined in a startup file is
 * not traced, so it is not found.
 */
const ZSH_HOOK_INSTALLS = /^(?:add-zsh-hook\s+(?:-\S+\s+)*(precmd)\b|(precmd_functions)\+?=)/;

/** Finds the prompt hooks installed by commands read from files. */
function findPromptHooks(records: TraceRecord[], installs: RegExp): PromptHook[] {
  const hooks: PromptHook[] = [];
  for (const record of records) {
    const match = installs.exec(record.command);
    if (!match || !record.file) continue;
    hooks.push({ name: match[1] ?? match[2]!, location: { file: record.file, line: record.line } });
  }
  return hooks;
}

// NOTE: a startup file that sets PS4 itself ends the records from that line on, and keeps PS4
// exported (zsh exports what it imported), so such a setup is explained only up to that line.
export const zshTracer: ShellTracer = {
  plan(input) {
    const setup = zshTraceSetup(input.login, input.method === 'typed');
    return {
      argv0: input.argv0,
      args: setup.args,
      method: input.method,
      environment: setup.environment,
      traceOutput: 'stderr',
    };
  },
  analyse(input) {
    const parsed = parseZshTrace(input.trace);
    const records = beforeCapture(parsed.records, input.probeDirectory);
    const errorOutput = parsed.errorOutput;
    // ZDOTDIR set in ~/.zshenv moves every later user file: the rules follow the final value.
    const rulesEnvironment = { ...input.startEnvironment };
    const zdotdir = input.finalEnvironment.ZDOTDIR ?? shellValue(records, 'ZDOTDIR');
    if (zdotdir) rulesEnvironment.ZDOTDIR = zdotdir;
    const result = buildProvenance({
      method: 'traced',
      records,
      startEnvironment: input.startEnvironment,
      finalEnvironment: input.finalEnvironment,
      shellVariables: ZSH_OWN_VARIABLES,
      expectedFiles: zshExpectedFiles(input.login, input.startEnvironment, rulesEnvironment),
      findAssignments: findZshAssignments,
      endsTrace: ZSH_TRACE_ENDS,
    });
    return { ...result, errorOutput };
  },
  stopPoint(trace) {
    const parsed = parseZshTrace(trace);
    const modes = parsed.login === null ? [] : [startupOrder('zsh', parsed.login)];
    return lastFileRecord(parsed.records, modes);
  },
  promptHooks(trace) {
    return findPromptHooks(parseZshTrace(trace).records, ZSH_HOOK_INSTALLS);
  },
};

/**
 * zsh reads ~/.zshenv from ZDOTDIR as it was at startup, and every later user file from ZDOTDIR
 * as that file left it.
 */
function zshExpectedFiles(
  login: boolean,
  startEnvironment: Record<string, string>,
  laterEnvironment: Record<string, string>,
) {
  const before = expectedStartupFiles('zsh', login, startEnvironment);
  const after = expectedStartupFiles('zsh', login, laterEnvironment);
  return after.map((file, index) => (index <= 1 ? before[index]! : file));
}

/**
 * Returns the records up to the capture command. A typed probe shows one more prompt after it, and the
 * prompt hooks that run then changed nothing the capture saw.
 */
function beforeCapture(records: TraceRecord[], probeDirectory: string): TraceRecord[] {
  // The capture's `mv` record; a record that only runs on into the capture's text (after a
  // startup file changed PS4) is not it.
  const capture = records.findIndex(
    (record) => /^\S*mv /.test(record.command) && record.command.includes(`${probeDirectory}/environment`),
  );
  return capture === -1 ? records : records.slice(0, capture);
}

/** Returns the value a traced assignment last gave a shell variable (for ones not exported). */
function shellValue(records: TraceRecord[], name: string): string | undefined {
  let value: string | undefined;
  for (const record of records) {
    const match = new RegExp(`^(?:export |typeset (?:-x )?)?${name}=(.*)$`).exec(record.command);
    if (match) value = match[1]!.replace(/^'(.*)'$/, '$1');
  }
  return value;
}

/**
 * Returns the last record read from a file before any logout file ran: where a shell that
 * stopped was. `modes` are the startup file lists of the modes the run may have had.
 */
function lastFileRecord(traced: TraceRecord[], modes: string[][]): TraceStopPoint | null {
  const records = beforeLogout(traced);
  const filesRead = [...new Set(records.flatMap((record) => (record.file ? [record.file] : [])))];
  for (let index = records.length - 1; index >= 0; index -= 1) {
    const record = records[index]!;
    if (record.file && !/^\/(dev|proc\/self)\/fd\//.test(record.file)) {
      const stop: TraceStopPoint = { location: { file: record.file, line: record.line }, command: record.command };
      return modes.length === 0 ? stop : { ...stop, startupOrder: { modes, filesRead } };
    }
  }
  return null;
}

/** Returns the startup files a shell reads in a mode, in order, with `~/` standing for HOME. */
function startupOrder(shell: 'bash' | 'zsh', login: boolean): string[] {
  // Only the paths are used, so the notes that bash's rules derive from `~/...` lookups do not matter.
  return expectedStartupFiles(shell, login, { HOME: '~' }).map((file) => file.path);
}
