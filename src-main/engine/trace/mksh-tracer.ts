/**
 * Tracing mksh (checked on 59c): `-x` with a PS4 from the environment. mksh's LINENO is the true
 * line in every file, including inside functions (the definition's line) and `eval` (the eval's
 * own line), but nothing in mksh names the file being read. The file is found by following the
 * source chain (source-chain.ts), starting from the startup files mksh reads in each mode.
 *
 * Besides LINENO, the PS4 carries the mode and HOME and ENV as they are when each command runs,
 * so a trace alone (a probe that timed out) shows which startup files were in play.
 * mksh has no XTRACEFD, so the trace shares stderr with the shell's own messages.
 */
import { errorOutputOf, recoverChangedPrompt, splitTrace, type SplitTrace } from './ksh-family-trace.ts';
import { envFile, mkshExpectedFiles } from './ksh-family-rules.ts';
import { lastFileRecord } from './ksh-tracer.ts';
import { SourceTexts } from './line-match.ts';
import { buildProvenance } from './provenance-builder.ts';
import { followSourceChain, type LineRecord } from './source-chain.ts';
import { FIELD_SEPARATOR, RECORD_START, type TraceRecord } from './trace-record.ts';
import type { ShellTracer } from './tracer.ts';

/**
 * Returns the PS4 for a mode: LINENO, `l` or `n`, HOME and ENV, then the command. PS4 from the
 * environment is exported, and a startup file that assigns PS4 (Debian's /etc/mkshrc does) would
 * leave it exported, unlike an untraced run. So unless PS4 was inherited, each expansion removes
 * the export (only the first changes anything): `${|...;}` runs commands in the shell itself, and
 * `typeset -g` acts on the global variable. `\\builtin` keeps a function or alias named typeset out of it. It keeps
 * `$?` for the traced command, and it comes after LINENO, which reads 0 once it has run.
 */
export function mkshPs4(login: boolean, inherited: boolean): string {
  const unexport = inherited
    ? ''
    : '${|\\\\builtin typeset status=$?; \\\\builtin typeset -g +x PS4; \\\\builtin return $status;}';
  return (
    `${RECORD_START}\${LINENO}${FIELD_SEPARATOR}${unexport}${login ? 'l' : 'n'}${FIELD_SEPARATOR}` +
    `\${HOME}${FIELD_SEPARATOR}\${ENV-}${FIELD_SEPARATOR} `
  );
}

const MKSH_FIELD_COUNT = 4;

/** Variables mksh sets by itself. */
const MKSH_OWN_VARIABLES = ['_', 'PWD', 'OLDPWD'];

interface MkshRecord extends LineRecord {
  login: boolean;
  home: string;
  /** ENV when the command ran; mksh prints unset and empty alike. */
  env: string;
}

export const mkshTracer: ShellTracer = {
  plan(input) {
    return {
      argv0: input.argv0,
      args: ['-x', ...input.args],
      method: input.method,
      environment: { PS4: mkshPs4(input.login, input.environment.PS4 !== undefined) },
      traceOutput: 'stderr',
    };
  },
  analyse(input) {
    const split = splitMkshTrace(input.trace);
    const mkshRecords = toMkshRecords(split);
    const searchPath = input.finalEnvironment.PATH ?? input.startEnvironment.PATH;
    const records = locateMkshRecords(mkshRecords, searchPath);
    const home = input.startEnvironment.HOME ?? '';
    const result = buildProvenance({
      method: 'traced',
      records,
      // `set +x` stops tracing; a new PS4 is followed by text matching.
      endsTrace: /^set\s+(?:\S+\s+)*\+(?:\w*x|o\s+xtrace)\b/,
      startEnvironment: input.startEnvironment,
      finalEnvironment: input.finalEnvironment,
      shellVariables: MKSH_OWN_VARIABLES,
      expectedFiles: mkshExpectedFiles(input.login, home, envForRc(mkshRecords, records, input, home)),
    });
    return { ...result, errorOutput: errorOutputOf(split) };
  },
  stopPoint(trace) {
    return lastFileRecord(mkshTraceRecords(trace));
  },
};

/** Splits a mksh trace, with the records printed after a startup file changed PS4. */
function splitMkshTrace(trace: string): SplitTrace {
  return recoverChangedPrompt(splitTrace(trace, MKSH_FIELD_COUNT), 'PS4');
}

/** Reads the fields of each record; a record without fields keeps the context before it. */
function toMkshRecords(split: SplitTrace): MkshRecord[] {
  let context = { login: false, home: '', env: '' };
  return split.records.map((raw) => {
    if (raw.promptChanged) return { line: null, command: raw.command, ...context };
    const [line = '', mode = '', home = '', env = ''] = raw.fields;
    const parsed = Number.parseInt(line, 10);
    context = { login: mode === 'l', home, env };
    return { line: Number.isNaN(parsed) ? 0 : parsed, command: raw.command, ...context };
  });
}

/** Splits a mksh trace into records with their files and true lines. */
export function mkshTraceRecords(trace: string, searchPath?: string): TraceRecord[] {
  return locateMkshRecords(toMkshRecords(splitMkshTrace(trace)), searchPath);
}

function locateMkshRecords(records: MkshRecord[], searchPath: string | undefined): TraceRecord[] {
  return followSourceChain(records, {
    startupFiles: (record) => {
      const rc = envFile('mksh', record.env || undefined, record.home)!;
      return record.login ? ['/etc/profile', `${record.home}/.profile`, rc] : [rc];
    },
    evalLineNumbers: 'caller',
    texts: new SourceTexts(),
    dotContext: (record) => ({ directory: record.home || '/', searchPath }),
  });
}

/**
 * Returns ENV as mksh saw it when it chose the rc file: the value printed with the first
 * top-level command outside the profile files, else the value left by the last profile command.
 */
function envForRc(
  mkshRecords: MkshRecord[],
  records: TraceRecord[],
  input: { login: boolean; startEnvironment: Record<string, string> },
  home: string,
): string | undefined {
  if (!input.login) return input.startEnvironment.ENV || undefined;
  const profiles = new Set(['/etc/profile', `${home}/.profile`]);
  let env = input.startEnvironment.ENV;
  for (const [index, record] of records.entries()) {
    env = mkshRecords[index]!.env;
    if (record.depth === 1 && record.file && !profiles.has(record.file)) break;
  }
  return env || undefined;
}
