/**
 * Tracing tcsh. `-X -V` make tcsh write every line it reads (verbose) and every command it runs
 * (echo) to stderr, from the first line of /etc/csh.cshrc on, while `-x`/`-v` would start only
 * after the rc files. The probe sends stderr to the trace file, and the trace is aligned with the
 * startup files to find file and line (see tcsh-trace.ts). Both flags set only the shell
 * variables `echo` and `verbose`, so the environment is the same as without them.
 *
 * Startup files of tcsh 6.24, checked with traced runs: /etc/csh.cshrc, then for a login shell
 * /etc/csh.login, then ~/.tcshrc (or ~/.cshrc when ~/.tcshrc does not exist), then for a login
 * shell ~/.login and, when the `savedirs` shell variable is set, ~/.cshdirs. ~/.history is loaded
 * as history only and runs nothing, so it is not listed. Debian's /etc/csh.cshrc and
 * /etc/csh.login source the files in /etc/csh/cshrc.d and /etc/csh/login.d, and the trace shows
 * those.
 */
import { existsSync } from 'node:fs';

import type { StartupFile } from '../../shared/provenance.ts';
import { isTrackedVariable } from '../../shared/tracked-variables.ts';
import { findCshAssignments } from './csh-assignments.ts';
import { buildProvenance, type ExpectedStartupFile } from './provenance-builder.ts';
import { RECORD_START } from './trace-record.ts';
import { alignTcshTrace, tcshRecords, type TcshTraceEvent } from './tcsh-trace.ts';
import type { ShellTracer, TraceStopPoint } from './tracer.ts';

/** Variables tcsh sets by itself (`tcsh -c` in an empty environment), plus OLDPWD from `cd`. */
const TCSH_OWN_VARIABLES = [
  'GROUP', 'HOST', 'HOSTTYPE', 'LOGNAME', 'MACHTYPE', 'NLSPATH', 'OSTYPE', 'PWD', 'OLDPWD', 'SHLVL',
  'USER', 'VENDOR',
];

/** Tag of the line the plan writes at the top of the trace file, before tcsh appends to it. */
const HEADER_TAG = 'go-env-lens tcsh trace';

/**
 * Facts the alignment needs besides the trace. The plan writes them as the trace file's first
 * line, so a trace can be aligned without the context (`stopPoint` gets only the text).
 */
interface TraceHeader {
  startupFiles: string[];
  optionalFiles: string[];
  home: string;
  typedCommand: string | null;
}

// NOTE: a startup file that runs `unset verbose` or `unset echo` ends the matching of trace lines
// to file lines there, so later values are explained only as far as the echo lines allow.
export const tcshTracer: ShellTracer = {
  plan(input) {
    const home = input.environment.HOME ?? '';
    const header: TraceHeader = {
      ...readStartupFiles(input.login, home),
      home,
      typedCommand: input.method === 'typed' ? input.captureCommand : null,
    };
    return {
      argv0: input.argv0,
      args: ['-X', '-V', ...input.args],
      method: input.method,
      environment: {},
      traceOutput: 'stderr',
      // NOTE: this relies on the probe opening its trace file (trace/output in the probe
      // directory) for appending, as it does today.
      files: { 'trace/output': `${RECORD_START}${HEADER_TAG} ${JSON.stringify(header)}\n` },
    };
  },

  analyse(input) {
    const home = input.startEnvironment.HOME ?? '';
    const { header, body } = splitHeader(input.trace);
    const files = header ?? { ...readStartupFiles(input.login, home), home, typedCommand: null };
    const events = alignWithHeader(body, files);
    const records = tcshRecords(events);
    const shellOnlyNames = namesOnlySetInShell(records.map((record) => record.command), input.finalEnvironment);
    const result = buildProvenance({
      method: 'traced',
      records,
      startEnvironment: input.startEnvironment,
      finalEnvironment: input.finalEnvironment,
      shellVariables: TCSH_OWN_VARIABLES,
      expectedFiles: tcshExpectedFiles(input.login, files.home, events),
      findAssignments: (command) => findCshAssignments(command, { home: files.home, shellOnlyNames }),
    });
    const startupFiles = noteAbortedFile(result.startupFiles, events);
    const errorOutput = events
      .filter((event) => event.kind === 'output' || event.kind === 'abort')
      .map((event) => `${event.text}\n`)
      .join('');
    return errorOutput ? { ...result, startupFiles, errorOutput } : { ...result, startupFiles };
  },

  stopPoint(trace) {
    const { header, body } = splitHeader(trace);
    if (!header) return null;
    try {
      return lastCommand(alignWithHeader(body, header));
    } catch {
      // A trace too long to align: no stop point rather than a slow one.
      return null;
    }
  },
};

/** Lists the startup files tcsh reads in a mode, existing ones only, in order. */
function readStartupFiles(login: boolean, home: string): { startupFiles: string[]; optionalFiles: string[] } {
  const userRc = existsSync(`${home}/.tcshrc`) ? `${home}/.tcshrc` : `${home}/.cshrc`;
  const candidates = login
    ? ['/etc/csh.cshrc', '/etc/csh.login', userRc, `${home}/.login`, `${home}/.cshdirs`]
    : ['/etc/csh.cshrc', userRc];
  return {
    startupFiles: candidates.filter((file) => existsSync(file)),
    optionalFiles: login ? [`${home}/.cshdirs`] : [],
  };
}

/**
 * Lists the files tcsh looks at in a mode, with the reason for each one it did not read: the
 * rules, plus the startup files an error made tcsh abandon.
 */
export function tcshExpectedFiles(login: boolean, home: string, events: TcshTraceEvent[]): ExpectedStartupFile[] {
  const tcshrc = `${home}/.tcshrc`;
  const cshrc = `${home}/.cshrc`;
  const files: ExpectedStartupFile[] = [{ path: '/etc/csh.cshrc' }];
  if (login) files.push({ path: '/etc/csh.login' });
  if (existsSync(tcshrc)) {
    files.push({ path: tcshrc });
    if (existsSync(cshrc)) files.push({ path: cshrc, skippedNote: '~/.tcshrc exists, so ~/.cshrc was not read' });
  } else {
    files.push({ path: tcshrc, missingNote: 'looked for; does not exist, so ~/.cshrc is read instead' }, { path: cshrc });
  }
  if (login) {
    files.push({ path: `${home}/.login` });
    if (existsSync(`${home}/.cshdirs`)) {
      files.push({ path: `${home}/.cshdirs`, skippedNote: 'read only when the savedirs shell variable is set' });
    }
  }

  const abort = events.find((event) => event.kind === 'abort');
  if (!abort || abort.kind !== 'abort') return files;
  const entered = new Set(events.flatMap((event) => (event.kind === 'enter' ? [event.file] : [])));
  const where = abort.file ? ` in ${shorten(abort.file, home)}${abort.line === null ? '' : `:${abort.line}`}` : '';
  const note = `not read: tcsh stopped reading its startup files after the error "${abort.text.trim()}"${where}`;
  return files.map((file) =>
    entered.has(file.path) || file.skippedNote ? file : { ...file, skippedNote: note },
  );
}

/** Notes, on the file where tcsh abandoned its startup files, the line and the error. */
function noteAbortedFile(files: StartupFile[], events: TcshTraceEvent[]): StartupFile[] {
  const abort = events.find((event) => event.kind === 'abort');
  if (!abort || abort.kind !== 'abort' || abort.file === null) return files;
  const at = abort.line === null ? '' : ` at line ${abort.line}`;
  const note = `tcsh stopped reading startup files here${at} after the error "${abort.text.trim()}"`;
  return files.map((file) => (file.path === abort.file && file.status === 'read' ? { ...file, note } : file));
}

function shorten(file: string, home: string): string {
  return home && file.startsWith(`${home}/`) ? `~/${file.slice(home.length + 1)}` : file;
}

/**
 * Tracked names given only a shell variable (`set GOPATH = …`, never `setenv`) and absent from
 * the environment: the classic csh mistake, reported as never exported.
 */
function namesOnlySetInShell(commands: string[], finalEnvironment: Record<string, string>): Set<string> {
  const set = new Set<string>();
  const exported = new Set<string>();
  for (const command of commands) {
    const words = command.trim().split(/\s+/);
    if (words[0] === 'setenv' && words[1]) exported.add(words[1]);
    if (words[0] === 'unsetenv') words.slice(1).forEach((name) => exported.add(name));
    const shellSet = /^set\s+(?:-[flr]\s+)*([A-Za-z_][A-Za-z0-9_]*)\s*=/.exec(command.trim());
    if (shellSet) set.add(shellSet[1]!);
  }
  return new Set(
    [...set].filter((name) => isTrackedVariable(name) && !exported.has(name) && !(name in finalEnvironment)),
  );
}

/** Aligns a trace. The probe starts tcsh in HOME, so relative `source` paths start from there. */
function alignWithHeader(trace: string, header: TraceHeader): TcshTraceEvent[] {
  return alignTcshTrace({
    trace,
    startupFiles: header.startupFiles,
    optionalFiles: header.optionalFiles,
    home: header.home,
    cwd: header.home,
    typedCommand: header.typedCommand ?? undefined,
  });
}

function splitHeader(trace: string): { header: TraceHeader | null; body: string } {
  const prefix = `${RECORD_START}${HEADER_TAG} `;
  if (!trace.startsWith(prefix)) return { header: null, body: trace };
  const end = trace.indexOf('\n');
  try {
    const header = JSON.parse(trace.slice(prefix.length, end === -1 ? undefined : end)) as TraceHeader;
    return { header, body: end === -1 ? '' : trace.slice(end + 1) };
  } catch {
    return { header: null, body: trace };
  }
}

/** Returns the last command run from a startup file, or the last line read when it ran none. */
function lastCommand(events: TcshTraceEvent[]): TraceStopPoint | null {
  for (let index = events.length - 1; index >= 0; index -= 1) {
    const event = events[index]!;
    if (event.kind === 'command' || event.kind === 'read') {
      if (event.kind === 'read' && event.text.trim() === '') continue;
      return { location: { file: event.file, line: event.line }, command: event.text };
    }
  }
  return null;
}
