/**
 * Explaining elvish values by reading its files. elvish has no trace of any kind, so the probe
 * runs unchanged (typed at the REPL, the only mode that reads rc.elv) and the analysis reads
 * rc.elv and the modules it `use`s, looking for environment assignments (see elvish-rc.ts).
 *
 * The rc file of elvish 0.19: ~/.elvish/rc.elv while that legacy file exists, otherwise
 * $XDG_CONFIG_HOME/elvish/rc.elv (default ~/.config/elvish/rc.elv). elvish has no login mode.
 */
import { accessSync, constants, existsSync } from 'node:fs';

import type { Assignment, StartupFile, VariableProvenance } from '../../shared/provenance.ts';
import { isTrackedVariable } from '../../shared/tracked-variables.ts';
import { elvishLocations, readElvishRc, type ElvishAssignment } from './elvish-rc.ts';
import { buildProvenance } from './provenance-builder.ts';
import type { ShellTracer } from './tracer.ts';

/** Variables elvish sets by itself: SHLVL at start (checked in an empty environment), PWD on `cd`. */
const ELVISH_OWN_VARIABLES = ['SHLVL', 'PWD'];

/** Maximum length of the command text kept per assignment. */
const MAX_COMMAND_LENGTH = 300;

export const elvishTracer: ShellTracer = {
  plan(input) {
    return {
      argv0: input.argv0,
      args: input.args,
      method: input.method,
      environment: {},
      traceOutput: 'none',
    };
  },

  analyse(input) {
    const locations = elvishLocations(input.startEnvironment);
    const rcFile = existsSync(locations.legacyRc) ? locations.legacyRc : locations.xdgRc;
    const reading = existsSync(rcFile)
      ? readElvishRc(rcFile, locations, input.startEnvironment)
      : { files: [], assignments: [] };

    const chains = new Map<string, Assignment[]>();
    const unknownValues = new WeakSet<Assignment>();
    for (const found of reading.assignments) {
      if (!isTrackedVariable(found.name)) continue;
      const assignment = toAssignment(found);
      if (!found.valueKnown) unknownValues.add(assignment);
      chains.set(found.name, [...(chains.get(found.name) ?? []), assignment]);
    }
    const result = buildProvenance({
      method: 'read-file',
      records: [],
      startEnvironment: input.startEnvironment,
      finalEnvironment: input.finalEnvironment,
      shellVariables: ELVISH_OWN_VARIABLES,
      expectedFiles: [],
      extraAssignments: chains,
    });
    const variables = Object.fromEntries(
      Object.entries(result.provenance.variables).map(([name, variable]) => [
        name,
        chooseWinner(variable, input.startEnvironment, unknownValues),
      ]),
    );
    const startupFiles = listFiles(rcFile, locations.legacyRc, locations.xdgRc, reading.files);
    return {
      startupFiles,
      provenance: { ...result.provenance, variables },
    };
  },

  stopPoint() {
    // elvish writes no trace, so there is nothing to say where a stuck REPL was.
    return null;
  },
};

function toAssignment(found: ElvishAssignment): Assignment {
  const command = found.command.length > MAX_COMMAND_LENGTH ? `${found.command.slice(0, MAX_COMMAND_LENGTH)}…` : found.command;
  return { location: found.location, via: 'line', command, value: found.value, exported: true };
}

/**
 * Picks the assignment that produced the final value. The text does not show which branch or
 * function call ran, so the winner is the last assignment whose worked-out value equals the final
 * value. When none does, and the value did not come from the session, it is the last assignment
 * whose value could not be worked out (an output capture, for one), since nothing contradicts it.
 */
function chooseWinner(
  variable: VariableProvenance,
  startEnvironment: Record<string, string>,
  unknownValues: WeakSet<Assignment>,
): VariableProvenance {
  if (variable.chain.length === 0) return variable;
  const lastIndexOf = (matches: (assignment: Assignment) => boolean) =>
    variable.chain.reduce<number | null>((found, assignment, index) => (matches(assignment) ? index : found), null);

  const known = lastIndexOf((assignment) => !unknownValues.has(assignment) && assignment.value === variable.finalValue);
  if (known !== null) return { ...variable, winner: known, inherited: null, notExported: false };
  if (variable.finalValue === null) return { ...variable, winner: null, inherited: null, notExported: false };
  if (startEnvironment[variable.name] === variable.finalValue) {
    return { ...variable, winner: null, inherited: 'session', notExported: false };
  }
  const unknown = lastIndexOf((assignment) => unknownValues.has(assignment));
  if (unknown !== null) return { ...variable, winner: unknown, inherited: null, notExported: false };
  const inherited = ELVISH_OWN_VARIABLES.includes(variable.name) ? 'shell' : 'unknown';
  return { ...variable, winner: null, inherited, notExported: false };
}

/** Lists the rc file elvish read or looked for, and the modules it loaded. */
function listFiles(
  rcFile: string,
  legacyRc: string,
  xdgRc: string,
  read: { path: string; usedFrom: { file: string; line: number | null } | null }[],
): StartupFile[] {
  const files: StartupFile[] = [];
  if (rcFile === legacyRc) {
    files.push(rcFileStatus(legacyRc));
    files.push({
      path: xdgRc,
      status: existsSync(xdgRc) ? 'skipped' : 'missing',
      note: '~/.elvish/rc.elv exists, so elvish does not read this file',
      sourcedFrom: null,
    });
  } else {
    files.push({ path: legacyRc, status: 'missing', note: 'looked for; does not exist', sourcedFrom: null });
    files.push(rcFileStatus(xdgRc));
  }
  for (const file of read) {
    if (file.path !== rcFile) files.push({ path: file.path, status: 'read', note: null, sourcedFrom: file.usedFrom });
  }
  return files;
}

function rcFileStatus(file: string): StartupFile {
  if (!existsSync(file)) return { path: file, status: 'missing', note: 'looked for; does not exist', sourcedFrom: null };
  try {
    accessSync(file, constants.R_OK);
  } catch {
    return {
      path: file,
      status: 'skipped',
      note: 'exists but this user cannot read it (permission denied), so elvish could not run it; check its owner and mode',
      sourcedFrom: null,
    };
  }
  return { path: file, status: 'read', note: null, sourcedFrom: null };
}
