/**
 * Rules about GOROOT and GOPATH set in startup files: a GOROOT that is no Go installation, a
 * GOROOT of another version than the go on PATH, and GOPATH equal to GOROOT. GOROOT written in
 * the Go env file has a rule of its own among the Go settings rules.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';

import type { Fix } from '../../shared/findings.ts';
import type { Assignment } from '../../shared/provenance.ts';
import type { ScanContext } from '../../shared/scan-report.ts';
import { editFile, managedBlockEdit, removeLines, replaceLine, startupFileSyntax } from './fix-edits.ts';
import type { FindingDraft, FindingFacts, Rule } from './rule.ts';
import {
  contextLabels,
  displayLocation,
  displayPath,
  idsOf,
  isHomeFile,
  goWithVersion,
  isSimpleAssignment,
  lineText,
  listWords,
  locationOf,
  probedContexts,
  profilePath,
  renderUnset,
  uniqueLocations,
  winningAssignment,
} from './rules-shell-support.ts';
import { isGoRoot, referencePattern } from './rules-value-support.ts';

/** Contexts grouped by the file that gave a variable its value, or by inheriting it. */
interface SettingGroup {
  /** `~/file:NAME` of the file whose line won, or the variable's name when it was inherited. */
  key: string;
  value: string;
  /** The winning assignment in the first context of the group. */
  assignment: Assignment | null;
  /** Every line that assigns the variable in the group's contexts, in the order they ran, once each. */
  assignments: Assignment[];
  contexts: ScanContext[];
}

/**
 * Groups the contexts where `select` returns a value by the file whose line set the variable
 * last. The key names the file and variable, not the line, so it stays the same when lines are
 * added or removed above it.
 */
function groupBySetting(
  facts: FindingFacts,
  name: string,
  select: (context: ScanContext) => string | null,
): SettingGroup[] {
  const groups = new Map<string, SettingGroup>();
  for (const context of probedContexts(facts)) {
    const value = select(context);
    if (value === null) continue;
    const assignment = winningAssignment(context, name);
    const location = assignment?.location;
    const key = location && location.line !== null ? `${displayPath(location.file, facts.home)}:${name}` : name;
    const group = groups.get(key) ?? { key, value, assignment, assignments: [], contexts: [] };
    group.contexts.push(context);
    for (const candidate of context.provenance?.variables[name]?.chain ?? []) {
      const { file, line } = candidate.location;
      if (line === null || candidate.value === null) continue;
      if (group.assignments.some((known) => known.location.file === file && known.location.line === line)) continue;
      group.assignments.push(candidate);
    }
    groups.set(key, group);
  }
  return [...groups.values()];
}

/** Returns where the group's value was set, for evidence: `~/.profile:2`, or null when inherited. */
function sourceOf(facts: FindingFacts, group: SettingGroup): string | null {
  const location = group.assignment?.location;
  if (!location || location.line === null) return null;
  return displayLocation(location.file, location.line, facts.home);
}

function describeSource(facts: FindingFacts, group: SettingGroup): string {
  const source = sourceOf(facts, group);
  return source === null ? 'inherited from the session the contexts started in' : `set at ${source}`;
}

/** Returns the locations of every line that sets the variable in the group's contexts. */
async function locationsOf(facts: FindingFacts, group: SettingGroup) {
  const locations = group.assignments.map((assignment) =>
    locationOf(facts.files, assignment.location.file, assignment.location.line),
  );
  return uniqueLocations(await Promise.all(locations));
}

/**
 * Returns the text without the lines that set `name`. Later lines of the file that use the
 * variable get the value of the removed line above them written out, so a `PATH="$GOROOT/bin:$PATH"`
 * line keeps adding the same directory.
 */
function withoutSettings(text: string, removed: { line: number; value: string }[], name: string): string {
  const byLine = new Map(removed.map((item) => [item.line, item.value]));
  let current: string | null = null;
  let next = text;
  // NOTE: a use of the variable above the first removed line of this file keeps the `$NAME`
  // spelling. It got its value from another file, and the same fix may remove that file's line.
  text.split('\n').forEach((other, index) => {
    const value = byLine.get(index + 1);
    if (value !== undefined) {
      current = value;
      return;
    }
    if (current === null || /^\s*#/.test(other) || !referencePattern(name).test(other)) return;
    next = replaceLine(next, index + 1, other.replace(referencePattern(name), current));
  });
  return removeLines(next, [...byLine.keys()]);
}

/**
 * Returns the fix that removes every line setting a variable in the group's contexts, so no
 * earlier line takes over. Where one of them cannot be removed (the session, a system file, a
 * line that does more), the fix unsets the variable in a managed block instead.
 */
async function removeSettingFix(
  facts: FindingFacts,
  name: string,
  group: SettingGroup,
  effect: Fix['effect'],
): Promise<Fix | null> {
  const byFile = new Map<string, { line: number; value: string }[]>();
  let removable = group.assignments.length > 0 && group.assignment !== null;
  for (const assignment of group.assignments) {
    const { file, line } = assignment.location;
    const shell = startupFileSyntax(file, facts.report.contexts);
    const text = await lineText(facts.files, file, line);
    if (!isHomeFile(file, facts.home) || line === null || !isSimpleAssignment(text, name, shell)) {
      removable = false;
      break;
    }
    byFile.set(file, [...(byFile.get(file) ?? []), { line, value: assignment.value ?? '' }]);
  }
  if (removable) {
    const places = group.assignments.map((assignment) =>
      displayLocation(assignment.location.file, assignment.location.line, facts.home),
    );
    const edits = [];
    for (const [file, removed] of byFile) {
      edits.push(await editFile(facts.files, file, (current) => withoutSettings(current, removed, name)));
    }
    return {
      id: 'remove-line',
      title: `Delete the ${name} ${places.length === 1 ? 'line' : 'lines'} at ${listWords(places)}`,
      edits,
      command: null,
      effect,
    };
  }
  const location = group.assignment?.location;
  const inHome = !!location && isHomeFile(location.file, facts.home);
  const file = inHome ? location.file : profilePath(facts);
  const shell = file === profilePath(facts) ? 'sh' : startupFileSyntax(file, facts.report.contexts);
  const unset = renderUnset(shell, name);
  if (unset === null) return null;
  return {
    id: 'unset',
    title: `Unset ${name} at the end of ${displayPath(file, facts.home)}`,
    edits: [await managedBlockEdit(facts.files, file, shell, [unset])],
    command: null,
    effect,
  };
}

/** Says why a GOROOT value is not a Go root, or returns null when it is one. */
async function gorootProblem(value: string): Promise<string | null> {
  if (value.includes(':')) return 'is a list of directories, but GOROOT must name exactly one directory';
  if (!path.isAbsolute(value)) return 'is a relative path, so its meaning changes with the current directory';
  const stat = await fs.stat(value).catch(() => null);
  if (stat === null) return 'names a directory that does not exist';
  if (!stat.isDirectory()) {
    return path.basename(value) === 'go'
      ? 'names the go program itself, not the directory Go is installed in'
      : 'names a file, not a directory';
  }
  if (await isGoRoot(value)) return null;
  if (path.basename(value) === 'bin' && (await isGoRoot(path.dirname(value)))) {
    return `names the bin directory inside the Go installation, not the installation (${path.dirname(value)})`;
  }
  return 'is a directory without the Go standard library (no src and pkg/tool inside)';
}

const gorootInvalid: Rule = {
  id: 'goroot-invalid',
  severity: 'error',
  title: 'GOROOT is not a Go installation',
  reads: ['contexts', 'provenance', 'file-system'],
  async check(facts) {
    const drafts: FindingDraft[] = [];
    for (const group of groupBySetting(facts, 'GOROOT', (context) => context.env.GOROOT || null)) {
      const problem = await gorootProblem(group.value);
      if (problem === null) continue;
      const labels = contextLabels(group.contexts);
      const goError = group.contexts.map((context) => context.go?.error).find((error) => error);
      const goMessage = goError?.split('\n')[0]?.trim().replace(/[.:]$/, '');
      const consequence = goMessage
        ? `Every go command fails in ${labels}: ${goMessage}.`
        : `In ${labels}, go cannot find its standard library, so builds fail with "package fmt is not in std".`;
      const fix = await removeSettingFix(facts, 'GOROOT', group, {
        contextIds: idsOf(group.contexts),
        description: 'go finds its installation by itself from where the go program is.',
      });
      const source = describeSource(facts, group);
      drafts.push({
        key: group.key,
        title: `GOROOT=${group.value} is not a Go installation`,
        explanation:
          `GOROOT (${source}) ${problem}. GOROOT must be the directory Go is installed in, the ` +
          `one that contains bin, src and pkg. ${consequence} Go finds its own installation ` +
          'when GOROOT is not set, so the simplest fix is to delete the line.',
        evidence: {
          contextIds: idsOf(group.contexts),
          values: [{ name: 'GOROOT', value: group.value, contextId: group.contexts[0]!.id, source: sourceOf(facts, group) }],
          locations: await locationsOf(facts, group),
        },
        fixes: fix === null ? [] : [fix],
      });
    }
    return drafts;
  },
};

const gorootStale: Rule = {
  id: 'goroot-stale',
  severity: 'error',
  title: 'GOROOT points at a different Go version than the go on PATH',
  reads: ['contexts', 'provenance', 'toolchains'],
  async check(facts) {
    const gorootOf = (context: ScanContext) =>
      facts.contexts.find((item) => item.context.id === context.id)?.resolution?.goroot ?? null;
    const groups = groupBySetting(facts, 'GOROOT', (context) => {
      const goroot = gorootOf(context);
      if (!context.env.GOROOT || !context.go?.version || goroot?.source !== 'os-environment') return null;
      if (!goroot.isGoRoot || goroot.version === null) return null;
      // VERSION files of Go 1.21 and later carry a second line with the build time.
      return goroot.version.split(/\s/)[0] !== context.go.version ? context.env.GOROOT : null;
    });
    const drafts: FindingDraft[] = [];
    for (const group of groups) {
      const context = group.contexts[0]!;
      const go = context.go!;
      const goroot = gorootOf(context)!;
      const source = describeSource(facts, group);
      const ownRoot = go.candidates[0]?.goroot ?? 'the directory above its bin';
      const compileError = goroot.mixedToolchainError ?? 'compile: version … does not match go tool version …';
      const fix = await removeSettingFix(facts, 'GOROOT', group, {
        contextIds: idsOf(group.contexts),
        description: `The go on PATH (${go.version}) uses its own installation (${ownRoot}).`,
      });
      drafts.push({
        key: group.key,
        title: `GOROOT is ${goroot.version} at ${group.value}, but the go on PATH is ${go.version}`,
        explanation:
          `In ${contextLabels(group.contexts)}, \`go\` is ${go.path} (${go.version}), but GOROOT ` +
          `(${source}) makes it use the compiler and standard library of ${group.value} ` +
          `(${goroot.version}). Builds then fail with messages such as "${compileError}". This ` +
          'usually happens when Go was upgraded and an old GOROOT line stayed. Go finds its own ' +
          'installation when GOROOT is not set.',
        evidence: {
          contextIds: idsOf(group.contexts),
          values: [
            { name: 'GOROOT', value: group.value, contextId: context.id, source: sourceOf(facts, group) },
            { name: 'go on PATH', value: goWithVersion(go.path, go.version), contextId: context.id, source: null },
          ],
          locations: await locationsOf(facts, group),
        },
        fixes: fix === null ? [] : [fix],
      });
    }
    return drafts;
  },
};

const gopathIsGoroot: Rule = {
  id: 'gopath-is-goroot',
  severity: 'warning',
  title: 'GOPATH is the Go installation directory',
  reads: ['contexts', 'provenance'],
  async check(facts) {
    const groups = groupBySetting(facts, 'GOPATH', (context) => {
      const env = context.go?.env;
      if (!env?.GOPATH || !env.GOROOT) return null;
      const root = path.resolve(env.GOROOT);
      const entries = env.GOPATH.split(':').filter((entry) => entry !== '');
      return entries.some((entry) => path.resolve(entry) === root) ? env.GOPATH : null;
    });
    const drafts: FindingDraft[] = [];
    for (const group of groups) {
      const goroot = group.contexts[0]!.go!.env!.GOROOT!;
      const fromLine = group.assignment !== null && group.assignment.location.line !== null;
      const source = fromLine ? describeSource(facts, group) : 'the default, ~/go';
      const fix = fromLine
        ? await removeSettingFix(facts, 'GOPATH', group, {
            contextIds: idsOf(group.contexts),
            description: 'GOPATH becomes the default, ~/go.',
          })
        : null;
      const moveGo = fromLine
        ? ''
        : ' Go is installed in ~/go, the default GOPATH: move it to another folder such as ' +
          '/usr/local/go and update PATH.';
      drafts.push({
        key: group.key,
        title: `GOPATH is the same directory as GOROOT (${goroot})`,
        explanation:
          `GOPATH (${source}) is where go keeps downloaded modules and installed programs, and ` +
          `GOROOT is where Go itself is installed. Both are ${goroot} in ` +
          `${contextLabels(group.contexts)}, so every go command prints "warning: GOPATH set to ` +
          `GOROOT (${goroot}) has no effect", which breaks editors that read go env, and go ` +
          `install writes into the Go installation.${moveGo}`,
        evidence: {
          contextIds: idsOf(group.contexts),
          values: [
            { name: 'GOPATH', value: group.value, contextId: group.contexts[0]!.id, source: fromLine ? sourceOf(facts, group) : 'default' },
            { name: 'GOROOT', value: goroot, contextId: group.contexts[0]!.id, source: null },
          ],
          locations: await locationsOf(facts, group),
        },
        fixes: fix === null ? [] : [fix],
      });
    }
    return drafts;
  },
};

/** The rules about GOROOT and GOPATH set in startup files. */
export const SHELL_GOROOT_RULES: Rule[] = [gorootInvalid, gorootStale, gopathIsGoroot];
