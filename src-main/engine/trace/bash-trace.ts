/**
 * Tracing bash: `-x` with a PS4 that prints the source file, line, function and call site before
 * every command, sent to a private file through BASH_XTRACEFD. bash ignores PS4 from the
 * environment when running as root (bash 4.4 and later), so as root the startup sequence is
 * replayed inside a bash started with `--noprofile --norc`, with the same files in the same order.
 */
import { FIELD_SEPARATOR, RECORD_START, type TraceRecord } from './trace-record.ts';

/** The descriptor bash writes its trace to; the probe supervisor opens the trace file on it. */
export const TRACE_DESCRIPTOR = 3;

/**
 * The PS4 for tracing. bash repeats its first character once per level of nesting, which gives
 * the depth; the fields are file, line, function, caller's line and caller's file.
 */
export const BASH_PS4 =
  // `${NAME-}` is element 0 of an array, and it expands faster than `${NAME[0]-}`: about a
  // quarter less tracing cost with bash-completion on bash 5.2. `-` keeps `set -u` from failing.
  `${RECORD_START}\${BASH_SOURCE-}${FIELD_SEPARATOR}\${LINENO}${FIELD_SEPARATOR}` +
  `\${FUNCNAME-}${FIELD_SEPARATOR}\${BASH_LINENO-}${FIELD_SEPARATOR}\${BASH_SOURCE[1]-}${FIELD_SEPARATOR} `;

/** How a traced bash is started for one mode. */
export interface BashTraceSetup {
  /** Arguments; for a command probe they end with `-c`, and the capture follows unless embedded. */
  args: string[];
  environment: Record<string, string>;
  captureEmbedded: boolean;
  /** For a typed probe as root: the line typed before the capture, which replays the startup. */
  typedInput?: string;
}

/**
 * Returns the arguments and environment of a traced bash. `command` is the probe's capture
 * command; `login` chooses the login startup sequence; `typed` starts an interactive shell that
 * reads its commands from the terminal, so prompt hooks run before the capture.
 */
export function bashTraceSetup(
  login: boolean,
  runningAsRoot: boolean,
  command: string,
  typed = false,
): BashTraceSetup {
  const environment = { BASH_XTRACEFD: String(TRACE_DESCRIPTOR), PS4: BASH_PS4 };
  const modeArgs = login ? ['-l', '-i'] : ['-i'];
  if (!runningAsRoot) {
    return { args: ['-x', ...modeArgs, ...(typed ? [] : ['-c'])], environment, captureEmbedded: false };
  }
  const replay = login
    ? '. /etc/profile; ' +
      'if [ -f ~/.bash_profile ]; then . ~/.bash_profile; ' +
      'elif [ -f ~/.bash_login ]; then . ~/.bash_login; ' +
      'elif [ -f ~/.profile ]; then . ~/.profile; fi'
    : '[ -f /etc/bash.bashrc ] && . /etc/bash.bashrc; [ -f ~/.bashrc ] && . ~/.bashrc';
  // PS4 is set inside the shell, where root's bash accepts it. ANSI-C quoting keeps its control
  // characters out of a typed line, where readline would take them for editing keys.
  const startup = `PS4=${ansiCQuote(BASH_PS4)}; set -x; ${replay}`;
  const rootEnvironment = { BASH_XTRACEFD: String(TRACE_DESCRIPTOR) };
  if (typed) {
    // Tracing stays on, so the prompt hooks that run before the capture line are traced too.
    return {
      args: ['--noprofile', '--norc', ...modeArgs],
      environment: rootEnvironment,
      captureEmbedded: false,
      typedInput: startup,
    };
  }
  // `set +x` keeps the capture out of the trace.
  return {
    args: ['--noprofile', '--norc', ...modeArgs, '-c', `${startup}; { set +x; } 2>/dev/null; ${command}`],
    environment: rootEnvironment,
    captureEmbedded: true,
  };
}

/** Quotes text as `$'...'`, with every control character written as a `\xHH` escape. */
function ansiCQuote(text: string): string {
  const escaped = text.replace(/[\\'\x00-\x1f\x7f]/g, (char) =>
    char === '\\' || char === "'" ? `\\${char}` : `\\x${char.charCodeAt(0).toString(16).padStart(2, '0')}`,
  );
  return `$'${escaped}'`;
}

/** Splits a bash trace into records. Text before the first record is ignored. */
export function parseBashTrace(trace: string): TraceRecord[] {
  const records: TraceRecord[] = [];
  const pattern = new RegExp(`(${RECORD_START}+)([^${RECORD_START}]*)`, 'g');
  for (const match of trace.matchAll(pattern)) {
    const fields = match[2]!.split(FIELD_SEPARATOR);
    if (fields.length < 6) continue;
    const [file, line, functionName, callerLine, callerFile] = fields;
    let command = fields.slice(5).join(FIELD_SEPARATOR);
    if (command.startsWith(' ')) command = command.slice(1);
    if (command.endsWith('\n')) command = command.slice(0, -1);
    records.push({
      depth: match[1]!.length,
      file: file || null,
      line: parseLine(line),
      functionName: functionName || null,
      callerFile: callerFile || null,
      callerLine: parseLine(callerLine),
      command,
    });
  }
  return records;
}

function parseLine(text: string | undefined): number | null {
  const value = Number.parseInt(text ?? '', 10);
  return Number.isNaN(value) ? null : value;
}
