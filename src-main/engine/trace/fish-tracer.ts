/**
 * Tracing fish 3.6: the shell runs in its normal mode with `fish_trace=1` in the environment,
 * which traces every command from the first line of /usr/share/fish/config.fish on.
 *
 * fish writes the trace to its debug output. `--debug-output=FILE` sends that to the trace file
 * instead of stderr, so the shell's stderr stays the terminal (as in an untraced run). Only
 * fish's own warnings move to the file, and they come back as `errorOutput`. The supervisor also
 * opens the file on descriptor 3 (`fd3`), because it watches the size of files it opened. fish
 * itself ignores that descriptor.
 *
 * The trace has no line numbers: lines are found by matching each traced command's text against
 * the statements of its file (see fish-trace.ts), so the method is still `traced`, because the
 * commands and their order come from the real run. Universal variables are read from
 * fish_variables and placed before everything the trace shows.
 *
 * NOTE: fish_trace is exported like any inherited variable, so a fish that a startup file starts
 * traces too, to its own stderr. A startup file that captures such a fish's stderr
 * (`set x (fish -c … 2>&1)`) gets trace lines in the value. The probe removes fish_trace itself
 * from the reported environment when no startup file changed it. A startup file that erases
 * fish_trace or sets it empty ends the trace at that line.
 * NOTE: `--on-variable` handlers run untraced. The one in /usr/share/fish/config.fish that
 * applies fish_user_paths to PATH is simulated, but a user's own handler that exports something
 * leaves that value unexplained.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';

import type { ContextProvenance, SourceLocation } from '../../shared/provenance.ts';
import { readRegularTextSync } from '../files/regular-file.ts';
import { fishConfigDirectory, listFishStartupFiles, universalVariableFile } from './fish-startup-files.ts';
import { locateFishTrace, locateLastCommand, parseFishTrace, type LocatedFishCommand } from './fish-trace.ts';
import { FishVariables, parseUniversalVariables, universalAssignments } from './fish-variables.ts';
import { buildProvenance } from './provenance-builder.ts';
import type { TracedAssignment } from './shell-words.ts';
import type { PromptHook, ShellTracer, TraceStopPoint } from './tracer.ts';

/** Variables fish sets by itself with `-c` (LC_CTYPE comes from a traced line of config.fish). */
const FISH_OWN_VARIABLES = ['PWD', 'USER', 'LC_CTYPE'];

/** Largest fish_variables file read, in bytes. fish writes one line per variable. */
const MAX_UNIVERSAL_FILE_BYTES = 1024 * 1024;

/**
 * fish_variables as each planned run found it, by probe directory. A startup file can rewrite
 * the file (`set -U`, `fish_add_path` without `-g`), so it is read before the shell starts.
 */
const universalSnapshots = new Map<string, string | null>();
/** Snapshots kept for runs that were planned but never analysed (a probe that failed to start). */
const MAX_SNAPSHOTS = 64;

/**
 * The value fish 3.6 gives `__fish_initialized` once its first-session setup is done; setup steps
 * added after that version would still run.
 */
const FISH_INITIALIZED_VERSION = '3400';

/**
 * A function that runs before the prompt or before each command line: the hooks that direnv and
 * `mise activate fish` install. A `-c` probe fires neither event.
 */
const FISH_HOOK_DEFINITION = /^function\s+\S+.*\s--on-event(?:=|\s+)(fish_prompt|fish_preexec)\b/;

export const fishTracer: ShellTracer = {
  plan(input) {
    universalSnapshots.set(input.probeDirectory, readUniversalFile(input.environment));
    while (universalSnapshots.size > MAX_SNAPSHOTS) {
      universalSnapshots.delete(universalSnapshots.keys().next().value!);
    }
    // A typed probe reads its command at the prompt, so `-c` goes.
    const modeArgs = input.method === 'typed' ? input.args.filter((arg) => arg !== '-c') : input.args;
    return {
      argv0: input.argv0,
      args: [`--debug-output=${path.join(input.probeDirectory, 'trace', 'output')}`, ...modeArgs],
      method: input.method,
      environment: {
        fish_trace: '1',
        // An interactive fish runs its first-session setup unless __fish_initialized is set,
        // and saves default key bindings as a universal variable unless fish_key_bindings is set.
        // Either would write fish_variables, and the setup also generates completions into the
        // user's data directory.
        ...(input.method === 'typed'
          ? { __fish_initialized: FISH_INITIALIZED_VERSION, fish_key_bindings: 'fish_default_key_bindings' }
          : {}),
      },
      traceOutput: 'fd3',
    };
  },

  analyse(input) {
    const environment = input.startEnvironment;
    const { lines, errorOutput } = parseFishTrace(input.trace);
    const located = locateFishTrace(lines, { workingDirectory: workingDirectory(input.finalEnvironment, environment) });

    const universalText = universalSnapshots.has(input.probeDirectory)
      ? universalSnapshots.get(input.probeDirectory)!
      : readUniversalFile(environment);
    universalSnapshots.delete(input.probeDirectory);
    const universals = universalText === null ? [] : parseUniversalVariables(universalText);

    const { provenance } = buildProvenance({
      method: 'traced',
      records: located.commands.map((command) => command.record),
      startEnvironment: environment,
      finalEnvironment: input.finalEnvironment,
      shellVariables: FISH_OWN_VARIABLES,
      expectedFiles: [],
      extraAssignments: universalAssignments(universals, environment, universalVariableFile(environment)),
      // Every call made from a file carries its call site (see fish-trace.ts).
      callersInTrace: true,
      findAssignments: assignmentsByCommand(located.commands, new FishVariables(environment, universals)),
      // fish does not trace event handlers, so what the prompt hooks changed has no line.
      unexplainedOrigin: input.promptHooksRan ? 'prompt-hook' : undefined,
    });
    markGeneratedAssignments(provenance, located.commands);
    return {
      startupFiles: listFishStartupFiles(located.sourcedFiles, environment),
      provenance,
      errorOutput: errorOutput || undefined,
    };
  },

  typedProbeWrites(environment) {
    // fish generates completions from man pages into this directory in the background on the
    // first interactive session that finds it missing, whatever else is set.
    const dataHome = environment.XDG_DATA_HOME || (environment.HOME ? path.join(environment.HOME, '.local/share') : null);
    if (!dataHome) return null;
    const generated = path.join(dataHome, 'fish', 'generated_completions');
    return existsSync(generated)
      ? null
      : `an interactive fish would start generating completions into ${generated}, which does not exist yet`;
  },

  promptHooks(trace) {
    const { lines } = parseFishTrace(trace);
    const located = locateFishTrace(lines, { workingDirectory: '/' });
    const hooks: PromptHook[] = [];
    for (const command of located.commands) {
      const match = FISH_HOOK_DEFINITION.exec(command.line.command);
      const location = command.location;
      // fish's own functions in /usr/share/fish are not the user's hooks.
      if (!match || !location || location.file.startsWith('/usr/share/fish/')) continue;
      hooks.push({ name: match[1]!, location });
    }
    return hooks;
  },

  stopPoint(trace) {
    // NOTE: the working directory is unknown here, so a relative `source` path resolves from `/`.
    const last = locateLastCommand(trace, { workingDirectory: '/' });
    if (!last?.location) return null;
    return { location: last.location, command: last.line.command } satisfies TraceStopPoint;
  },
};

/** Returns the directory fish resolves a relative `source` path from: where the probe started it. */
function workingDirectory(finalEnvironment: Record<string, string>, startEnvironment: Record<string, string>): string {
  return finalEnvironment.PWD ?? startEnvironment.HOME ?? '/';
}

function readUniversalFile(environment: Record<string, string>): string | null {
  if (!path.isAbsolute(fishConfigDirectory(environment))) return null;
  try {
    const text = readRegularTextSync(universalVariableFile(environment));
    return text.length > MAX_UNIVERSAL_FILE_BYTES ? text.slice(0, MAX_UNIVERSAL_FILE_BYTES) : text;
  } catch {
    return null;
  }
}

/**
 * Replays the traced commands against fish's variables in trace order and returns a
 * `findAssignments` for the provenance builder, which calls it once per record in the same
 * order. Results are queued by command text, so a builder that skipped a record would only shift
 * that text's queue.
 */
function assignmentsByCommand(
  commands: LocatedFishCommand[],
  variables: FishVariables,
): (command: string) => TracedAssignment[] {
  const queues = new Map<string, TracedAssignment[][]>();
  for (const command of commands) {
    const assignments = variables.apply(command.line.step.args, { id: command.scopeId, inFunction: command.inFunction });
    const queue = queues.get(command.record.command) ?? [];
    queue.push(assignments);
    queues.set(command.record.command, queue);
  }
  return (command) => queues.get(command)?.shift() ?? [];
}

/**
 * Marks assignments made by generated code (`tool init | source`, `source (tool init | psub)`)
 * as `eval`: they are attributed to the line that sourced the code, which the builder cannot
 * tell apart from an ordinary line.
 */
function markGeneratedAssignments(provenance: ContextProvenance, commands: LocatedFishCommand[]): void {
  const generated = new Map<string, string[]>();
  for (const command of commands) {
    if (!command.generated || !command.location) continue;
    const key = locationKey(command.location);
    generated.set(key, [...(generated.get(key) ?? []), command.line.command]);
  }
  if (generated.size === 0) return;
  for (const variable of Object.values(provenance.variables)) {
    for (const assignment of variable.chain) {
      if (assignment.via !== 'line') continue;
      const texts = generated.get(locationKey(assignment.location)) ?? [];
      const shortened = assignment.command.endsWith('…') ? assignment.command.slice(0, -1) : null;
      if (texts.some((text) => text === assignment.command || (shortened !== null && text.startsWith(shortened)))) {
        assignment.via = 'eval';
      }
    }
  }
}

function locationKey(location: SourceLocation): string {
  return `${location.file}\0${location.line}`;
}
