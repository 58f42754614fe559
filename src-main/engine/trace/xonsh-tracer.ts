/**
 * Tracing xonsh with event hooks. xonsh is started as `xonsh --rc HOOK <rc files and dirs> …`,
 * listing the rc files and directories it would read anyway. Only existing ones are listed,
 * because `--rc` rejects missing paths. So xonsh reads the same files in the same order, after a
 * hook that records every change of an environment variable with the Python stack (see
 * xonsh-hook.ts). The hook writes
 * its records straight to the trace file, so no variable is added to the environment.
 *
 * Startup files of xonsh 0.13 (`$XONSHRC` and `$XONSHRC_DIR`, read with `-i` or `-l`, not by
 * plain `-c`): /etc/xonsh/xonshrc, $XDG_CONFIG_HOME/xonsh/rc.xsh (default ~/.config/xonsh/rc.xsh),
 * ~/.xonshrc, then the `.xsh` and `.py` files of /etc/xonsh/rc.d and $XDG_CONFIG_HOME/xonsh/rc.d,
 * sorted by path.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';

import type { Assignment, SourceLocation, StartupFile } from '../../shared/provenance.ts';
import { isTrackedVariable } from '../../shared/tracked-variables.ts';
import { buildProvenance, type ExpectedStartupFile } from './provenance-builder.ts';
import type { TraceRecord } from './trace-record.ts';
import type { ShellTracer, TraceStopPoint } from './tracer.ts';
import { parseXonshTrace, xonshHookScript, type XonshFrame, type XonshTraceRecord } from './xonsh-hook.ts';

/** Variables xonsh sets by itself (`xonsh -c` in an empty environment), plus OLDPWD from `cd`. */
const XONSH_OWN_VARIABLES = [
  'BASH_COMPLETIONS', 'LC_CTYPE', 'PWD', 'OLDPWD', 'SHELL_TYPE', 'SHLVL', 'THREAD_SUBPROCS',
  'XONSH_DATA_DIR', 'XONSH_HISTORY_FILE', 'XONSH_INTERACTIVE', 'XONSH_LOGIN', 'XONSH_VERSION',
];

/** The hook's file name in the probe directory. */
const HOOK_FILE = 'trace-hook.xsh';
/** The probe's trace file, relative to the probe directory, which the probe reads back. */
const TRACE_FILE = 'trace/output';

/** Maximum length of the command text kept per assignment. */
const MAX_COMMAND_LENGTH = 300;

export const xonshTracer: ShellTracer = {
  plan(input) {
    const hookFile = path.join(input.probeDirectory, HOOK_FILE);
    const traceFile = path.join(input.probeDirectory, TRACE_FILE);
    const sources = xonshRcSources(input.environment);
    const existing = [...sources.files, ...sources.directories].filter((source) => existsSync(source));
    return {
      argv0: input.argv0,
      args: ['--rc', hookFile, ...existing, ...input.args],
      method: input.method,
      environment: {},
      traceOutput: 'none',
      files: { [HOOK_FILE]: xonshHookScript(hookFile, traceFile, existsSync(scriptCacheDirectory(input.environment))) },
    };
  },

  analyse(input) {
    const records = parseXonshTrace(input.trace);
    const chains = buildChains(records);
    const result = buildProvenance({
      method: 'traced',
      records: fileRecords(records),
      startEnvironment: input.startEnvironment,
      finalEnvironment: input.finalEnvironment,
      shellVariables: XONSH_OWN_VARIABLES,
      expectedFiles: xonshExpectedFiles(input.startEnvironment),
      extraAssignments: chains,
      findAssignments: () => [],
    });
    const hookErrors = records.flatMap((record) =>
      record.event === 'hook-error' ? [`Go Env Lens could not trace xonsh: ${record.message}\n`] : [],
    );
    const startupFiles = markFailedFiles(result.startupFiles, records);
    return hookErrors.length > 0
      ? { ...result, startupFiles, errorOutput: hookErrors.join('') }
      : { ...result, startupFiles };
  },

  // The hook records changes, not every command, so the stop point is the last change made in
  // the rc file that was still running, which is at or before the line the shell stopped at.
  stopPoint(trace) {
    const records = parseXonshTrace(trace);
    for (let index = records.length - 1; index >= 0; index -= 1) {
      const record = records[index]!;
      if (record.event === 'set' || record.event === 'unset') {
        const [file, line, , source] = record.stack[0]!;
        return { location: { file, line }, command: source } satisfies TraceStopPoint;
      }
      if (record.event === 'rc-start' || record.event === 'rc-end') return null;
    }
    return null;
  },
};

/** Lists the rc files and directories xonsh reads, from `$XONSHRC`/`$XONSHRC_DIR` or their defaults. */
export function xonshRcSources(environment: Record<string, string>): { files: string[]; directories: string[] } {
  const home = environment.HOME ?? '';
  const configHome = environment.XDG_CONFIG_HOME || `${home}/.config`;
  const userConfig = `${configHome}/xonsh`;
  const fromVariable = (name: string) =>
    environment[name] === undefined ? null : environment[name]!.split(':').filter((entry) => entry !== '');
  return {
    files: fromVariable('XONSHRC') ?? ['/etc/xonsh/xonshrc', `${userConfig}/rc.xsh`, `${home}/.xonshrc`],
    directories: fromVariable('XONSHRC_DIR') ?? ['/etc/xonsh/rc.d', `${userConfig}/rc.d`],
  };
}

/** xonsh's script cache directory: `$XONSH_DATA_DIR/xonsh_script_cache`, by default under XDG_DATA_HOME. */
function scriptCacheDirectory(environment: Record<string, string>): string {
  const dataHome = environment.XDG_DATA_HOME || `${environment.HOME ?? ''}/.local/share`;
  const dataDirectory = environment.XONSH_DATA_DIR || `${dataHome}/xonsh`;
  return `${dataDirectory}/xonsh_script_cache`;
}

/** Lists the rc files of a context, then each rc directory's files in xonsh's order. */
function xonshExpectedFiles(environment: Record<string, string>): ExpectedStartupFile[] {
  const sources = xonshRcSources(environment);
  const files: ExpectedStartupFile[] = sources.files.map((file) => ({ path: file }));
  for (const directory of sources.directories) {
    let names: string[];
    try {
      names = readdirSync(directory);
    } catch {
      continue;
    }
    const scripts = names
      .filter((name) => /\.(xsh|py)$/.test(name))
      .map((name) => path.join(directory, name))
      .filter((file) => isFile(file))
      .sort();
    files.push(...scripts.map((file) => ({ path: file })));
  }
  return files;
}

function isFile(file: string): boolean {
  try {
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

/**
 * Records that list the files read, in order: each rc file as it starts, and each file sourced
 * from rc code (`source`, an imported module) where its first change shows it, right after the
 * line that loaded it. They carry no command: the changes themselves come as assignments.
 */
function fileRecords(records: XonshTraceRecord[]): TraceRecord[] {
  const result: TraceRecord[] = [];
  const seen = new Set<string>();
  for (const record of records) {
    if (record.event === 'rc-start') {
      seen.add(record.file);
      result.push(fileRecord(1, record.file, null));
      continue;
    }
    if (record.event !== 'set' && record.event !== 'unset') continue;
    const outermostFirst = [...record.stack].reverse();
    outermostFirst.forEach(([file], depth) => {
      if (seen.has(file) || depth === 0) return;
      seen.add(file);
      const [parentFile, parentLine] = outermostFirst[depth - 1]!;
      result.push(fileRecord(depth, parentFile, parentLine), fileRecord(depth + 1, file, null));
    });
  }
  return result;
}

function fileRecord(depth: number, file: string, line: number | null): TraceRecord {
  return { depth, file, line, functionName: null, callerFile: null, callerLine: null, command: '' };
}

/**
 * Builds each tracked variable's chain from the hook's records. A change inside a function is
 * placed at the line that called the function, like the other shells' traces. A PATH change that
 * no record explains (in-place edits the hook does not wrap) is placed on the rc file as a whole.
 */
function buildChains(records: XonshTraceRecord[]): Map<string, Assignment[]> {
  const chains = new Map<string, Assignment[]>();
  const add = (name: string, assignment: Assignment) => {
    chains.set(name, [...(chains.get(name) ?? []), assignment]);
  };
  let lastPath: string | null | undefined;
  for (const record of records) {
    if (record.event === 'set' || record.event === 'unset') {
      if (!isTrackedVariable(record.name) || record.stack.length === 0) continue;
      const value = record.event === 'set' ? record.value : null;
      if (record.event === 'set' && value === null) continue;
      const { location, via, source } = locate(record.stack);
      add(record.name, { location, via, command: shorten(source.trim()), value, exported: true });
      if (record.name === 'PATH') lastPath = value;
    } else if (record.event === 'rc-end') {
      const expected = lastPath === undefined ? record.pathBefore : lastPath;
      if (record.pathAfter !== null && record.pathAfter !== expected) {
        add('PATH', {
          location: { file: record.file, line: null },
          via: 'line',
          command: 'PATH changed while this file ran',
          value: record.pathAfter,
          exported: true,
        });
      }
      lastPath = record.pathAfter;
    }
  }
  return chains;
}

/** The line a user would edit for a recorded change: the call site of a function. */
function locate(stack: XonshFrame[]): { location: SourceLocation; via: Assignment['via']; source: string } {
  const [file, line, functionName, source] = stack[0]!;
  const caller = stack[1];
  if (caller && !functionName.startsWith('<')) {
    return { location: { file: caller[0], line: caller[1] }, via: 'function', source: caller[3] };
  }
  return { location: { file, line }, via: 'line', source };
}

function shorten(command: string): string {
  return command.length > MAX_COMMAND_LENGTH ? `${command.slice(0, MAX_COMMAND_LENGTH)}…` : command;
}

/** Notes rc files that stopped at an error. xonsh prints the error and goes on with the next file. */
function markFailedFiles(files: StartupFile[], records: XonshTraceRecord[]): StartupFile[] {
  const failed = new Set(
    records.flatMap((record) => (record.event === 'rc-end' && !record.loaded ? [record.file] : [])),
  );
  return files.map((file) =>
    failed.has(file.path)
      ? { ...file, note: 'stopped at an error; xonsh went on with the next rc file (see the output)' }
      : file,
  );
}
