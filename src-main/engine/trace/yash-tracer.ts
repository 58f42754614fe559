/**
 * Tracing yash (checked on 2.52). yash ignores PS4 from the environment, so the traced run starts
 * yash with wrapper files in the probe directory: `--profile=` for the login file and
 * `--rcfile=` for the interactive one. The wrappers set the trace prompt and `set -x`, then
 * source the file yash would have read itself, so the user's files run unchanged and in the same
 * order. The rc wrapper ends the trace before the capture command runs.
 *
 * yash's LINENO is the true line in every file and function; inside `eval` it counts the
 * evaluated text's lines from 1. Nothing names the file, so the file is found by following the
 * source chain (source-chain.ts) from the wrappers. yash has no XTRACEFD, so the trace shares
 * stderr with the shell's own messages.
 */
import path from 'node:path';

import { errorOutputOf, recoverChangedPrompt, splitTrace, type SplitTrace } from './ksh-family-trace.ts';
import { YASH_DEFAULT_RC, yashExpectedFiles } from './ksh-family-rules.ts';
import { lastFileRecord } from './ksh-tracer.ts';
import { SourceTexts } from './line-match.ts';
import { buildProvenance } from './provenance-builder.ts';
import { followSourceChain, type LineRecord } from './source-chain.ts';
import { FIELD_SEPARATOR, RECORD_START, type TraceRecord } from './trace-record.ts';
import type { ShellTracer } from './tracer.ts';

/** Names of the wrapper files in the probe directory. */
export const YASH_PROFILE_WRAPPER = 'yash-profile.sh';
export const YASH_RC_WRAPPER = 'yash-rc.sh';

const YASH_FIELD_COUNT = 2;

/** Variables yash sets by itself. */
const YASH_OWN_VARIABLES = ['PWD', 'OLDPWD'];

/** Returns the trace prompt for a mode: LINENO and `l` or `n`, then the command. */
export function yashPs4(login: boolean): string {
  return `${RECORD_START}\${LINENO}${FIELD_SEPARATOR}${login ? 'l' : 'n'}${FIELD_SEPARATOR} `;
}

function singleQuote(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}

/**
 * Returns the wrapper files for a mode, by file name. `inheritedYashPs4` is YASH_PS4 from the
 * shell's environment, if any.
 *
 * yash prints YASH_PS4 in place of PS4 whenever YASH_PS4 is set, and its own
 * initialization/common sets it, so a plain assignment would end the trace there. The wrapper
 * makes YASH_PS4 read-only instead: a later assignment to it fails with an error and the file
 * goes on. YASH_PS4 is not exported, so the environment is unchanged. When YASH_PS4 is inherited
 * (and so exported) it is assigned, and set back at the end if no startup file changed it.
 * Both forms take one line, so every other line has the same number either way.
 * NOTE: the failed assignment leaves `$?` at 2 where an untraced run has 0, so a startup file
 * that assigns YASH_PS4 and then tests `$?` (or runs under `set -e`) behaves differently.
 */
export function yashWrapperFiles(login: boolean, inheritedYashPs4: string | undefined): Record<string, string> {
  const ps4 = singleQuote(yashPs4(login));
  const startTrace =
    inheritedYashPs4 === undefined
      ? `readonly YASH_PS4=${ps4}`
      : `case $- in (*a*) set +a; YASH_PS4=${ps4}; set -a;; (*) YASH_PS4=${ps4};; esac`;
  const endTrace =
    inheritedYashPs4 === undefined
      ? ':'
      : `if [ "$YASH_PS4" = ${ps4} ]; then YASH_PS4=${singleQuote(inheritedYashPs4)}; fi`;
  const readRc = `if [ -r ~/.yashrc ]; then . ~/.yashrc; else . --autoload ${YASH_DEFAULT_RC}; fi`;
  const files: Record<string, string> = {};
  if (login) {
    files[YASH_PROFILE_WRAPPER] = [
      '# Go Env Lens: starts the trace, then reads the login file yash reads itself.',
      startTrace,
      'set -x',
      'if [ -r ~/.yash_profile ]; then . ~/.yash_profile; fi',
      '',
    ].join('\n');
    files[YASH_RC_WRAPPER] = [
      '# Go Env Lens: reads the rc file yash reads itself, then ends the trace.',
      readRc,
      'set +x',
      endTrace,
      '',
    ].join('\n');
  } else {
    files[YASH_RC_WRAPPER] = [
      '# Go Env Lens: starts the trace, reads the rc file yash reads itself, then ends the trace.',
      startTrace,
      'set -x',
      readRc,
      'set +x',
      endTrace,
      '',
    ].join('\n');
  }
  return files;
}

/** The error yash prints when a startup file assigns the read-only YASH_PS4. */
const READ_ONLY_MESSAGE = /^.*\$YASH_PS4 is read-only\n?/gm;

interface YashRecord extends LineRecord {
  login: boolean;
}

export const yashTracer: ShellTracer = {
  plan(input) {
    const wrappers = yashWrapperFiles(input.login, input.environment.YASH_PS4);
    const wrapperArgs = Object.keys(wrappers).map((name) =>
      name === YASH_PROFILE_WRAPPER
        ? `--profile=${path.join(input.probeDirectory, name)}`
        : `--rcfile=${path.join(input.probeDirectory, name)}`,
    );
    return {
      argv0: input.argv0,
      args: [...wrapperArgs, ...input.args],
      method: input.method,
      environment: {},
      traceOutput: 'stderr',
      files: wrappers,
    };
  },
  analyse(input) {
    const inheritedYashPs4 = input.startEnvironment.YASH_PS4;
    const split = splitYashTrace(input.trace, inheritedYashPs4);
    const wrapperPaths = Object.keys(yashWrapperFiles(input.login, inheritedYashPs4)).map((name) =>
      path.join(input.probeDirectory, name),
    );
    const loadPath = input.finalEnvironment.YASH_LOADPATH ?? input.startEnvironment.YASH_LOADPATH;
    const records = locateYashRecords(toYashRecords(split), input.login, inheritedYashPs4, {
      probeDirectory: input.probeDirectory,
      home: input.startEnvironment.HOME ?? '/',
      searchPath: input.finalEnvironment.PATH ?? input.startEnvironment.PATH,
      loadPath,
    });
    const result = buildProvenance({
      method: 'traced',
      records,
      // `set +x` stops tracing.
      endsTrace: /^set\s+(?:\S+\s+)*\+(?:\w*x|o\s+xtrace)\b/,
      startEnvironment: input.startEnvironment,
      finalEnvironment: input.finalEnvironment,
      shellVariables: YASH_OWN_VARIABLES,
      expectedFiles: yashExpectedFiles(input.login, input.startEnvironment.HOME ?? '', loadPath),
      probeFiles: wrapperPaths,
    });
    return { ...result, errorOutput: errorOutputOf(split).replace(READ_ONLY_MESSAGE, '') };
  },
  stopPoint(trace) {
    // The probe directory is gone by now; the wrappers get stand-in paths and are left out.
    const probeDirectory = '/nonexistent/go-env-lens-probe';
    const yashRecords = toYashRecords(splitYashTrace(trace, undefined));
    // Whether YASH_PS4 was inherited changes only the wrappers' text, not their line numbers.
    const records = locateYashRecords(yashRecords, yashRecords[0]?.login ?? false, undefined, {
      probeDirectory,
      home: '/',
      searchPath: undefined,
      loadPath: undefined,
    });
    const wrappers = [YASH_PROFILE_WRAPPER, YASH_RC_WRAPPER].map((name) => path.join(probeDirectory, name));
    return lastFileRecord(records, wrappers);
  },
};

/**
 * Splits a yash trace. While YASH_PS4 is read-only, no startup file can change the prompt. When
 * it was inherited it is not read-only, so records printed after a file assigned it are recovered.
 */
function splitYashTrace(trace: string, inheritedYashPs4: string | undefined): SplitTrace {
  const split = splitTrace(trace, YASH_FIELD_COUNT);
  return inheritedYashPs4 === undefined ? split : recoverChangedPrompt(split, 'YASH_PS4');
}

function toYashRecords(split: SplitTrace): YashRecord[] {
  let login = false;
  return split.records.map((raw) => {
    if (raw.promptChanged) return { line: null, command: raw.command, login };
    const [line = '', mode = ''] = raw.fields;
    const parsed = Number.parseInt(line, 10);
    login = mode === 'l';
    return { line: Number.isNaN(parsed) ? 0 : parsed, command: raw.command, login };
  });
}

/** Splits a yash trace into records with their files and lines (wrapper records included). */
export function yashTraceRecords(
  trace: string,
  login: boolean,
  inheritedYashPs4: string | undefined,
  context: YashLocateContext,
): TraceRecord[] {
  return locateYashRecords(toYashRecords(splitYashTrace(trace, inheritedYashPs4)), login, inheritedYashPs4, context);
}

/** The probe directory of a yash run and the directories its `.` operands resolve against. */
export interface YashLocateContext {
  probeDirectory: string;
  home: string;
  searchPath: string | undefined;
  loadPath: string | undefined;
}

function locateYashRecords(
  records: YashRecord[],
  login: boolean,
  inheritedYashPs4: string | undefined,
  context: YashLocateContext,
): TraceRecord[] {
  const texts = new SourceTexts();
  const wrappers: string[] = [];
  for (const [name, text] of Object.entries(yashWrapperFiles(login, inheritedYashPs4))) {
    const file = path.join(context.probeDirectory, name);
    texts.add(file, text);
    wrappers.push(file);
  }
  return followSourceChain(records, {
    startupFiles: () => wrappers,
    evalLineNumbers: 'relative',
    texts,
    dotContext: () => ({ directory: context.home, searchPath: context.searchPath, loadPath: context.loadPath }),
  });
}
