/**
 * Rules about GOROOT, GOPATH and paths written so that only some programs understand them: a
 * GOROOT of another version, a GOROOT that is no Go root, GOPATH equal to GOROOT, and `~` or
 * relative entries in PATH, GOPATH and GOBIN.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';

import type { Assignment } from '../../shared/provenance.ts';
import type { Fix, FixFileEdit } from '../../shared/findings.ts';
import type { ScanContext } from '../../shared/scan-report.ts';
import { editFile, managedBlockEdit, removeLines, replaceLine, startupFileSyntax } from './fix-edits.ts';
import type { FindingDraft, FindingFacts, Rule } from './rule.ts';
import {
  contextLabels,
  displayLocation,
  displayPath,
  isHomeFile,
  isSimpleAssignment,
  lineText,
  locationOf,
  probedContexts,
  profilePath,
  renderUnset,
  winningAssignment,
} from './rules-shell-support.ts';

/** Contexts grouped by where a variable got its value: the file and line, or `inherited`. */
interface SettingGroup {
  key: string;
  value: string;
  assignment: Assignment | null;
  contexts: ScanContext[];
}

/** Groups the contexts where `select` returns a value by the line that set the variable. */
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
    const key =
      assignment && assignment.location.line !== null
        ? displayLocation(assignment.location.file, assignment.location.line, facts.home)
        : name;
    const group = groups.get(key) ?? { key, value, assignment, contexts: [] };
    group.contexts.push(context);
    groups.set(key, group);
  }
  return [...groups.values()];
}

function describeSource(facts: FindingFacts, group: SettingGroup): string {
  const location = group.assignment?.location;
  if (!location || location.line === null) return 'inherited from the session the contexts started in';
  return `set at ${displayLocation(location.file, location.line, facts.home)}`;
}

/** `$NAME` and `${NAME}` in a line. */
function referencePattern(name: string): RegExp {
  return new RegExp(String.raw`\$\{${name}\}|\$${name}(?![A-Za-z0-9_])`, 'g');
}

/**
 * Builds the fix that removes the line setting a variable. Other lines of the same file that use
 * the variable get its value written out, so PATH keeps the entries they added.
 */
async function removeSettingFix(
  facts: FindingFacts,
  name: string,
  group: SettingGroup,
  effect: Fix['effect'],
): Promise<Fix | null> {
  const location = group.assignment?.location;
  if (location && location.line !== null && isHomeFile(location.file, facts.home)) {
    const line = location.line;
    const shell = startupFileSyntax(location.file, facts.report.contexts);
    const text = await lineText(facts.files, location.file, line);
    if (isSimpleAssignment(text, name, shell)) {
      const edit = await editFile(facts.files, location.file, (current) => {
        let next = current;
        current.split('\n').forEach((other, index) => {
          if (index + 1 === line || /^\s*#/.test(other) || !referencePattern(name).test(other)) return;
          next = replaceLine(next, index + 1, other.replace(referencePattern(name), group.value));
        });
        return removeLines(next, [line]);
      });
      return {
        id: 'remove-line',
        title: `Delete the ${name} line at ${displayLocation(location.file, line, facts.home)}`,
        edits: [edit],
        command: null,
        effect,
      };
    }
  }
  // Set by the session, by a system file or by a line that does more: unset it afterwards.
  const file = location && isHomeFile(location.file, facts.home) ? location.file : profilePath(facts);
  const shell = startupFileSyntax(file, facts.report.contexts);
  const unset = renderUnset(shell, name);
  if (unset === null) return null;
  const edit: FixFileEdit = await managedBlockEdit(facts.files, file, shell, [unset]);
  return { id: 'unset', title: `Unset ${name} at the end of ${displayPath(file, facts.home)}`, edits: [edit], command: null, effect };
}

async function locationsOf(facts: FindingFacts, group: SettingGroup) {
  const location = group.assignment?.location;
  return location && location.line !== null ? [await locationOf(facts.files, location.file, location.line)] : [];
}

/** Why a GOROOT value is not a Go root, in words, or null when it is one. */
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

/** Reports whether a directory is a Go root: it has `pkg/tool`, the check cmd/go makes. */
async function isGoRoot(directory: string): Promise<boolean> {
  const stat = await fs.stat(path.join(directory, 'pkg', 'tool')).catch(() => null);
  return stat?.isDirectory() ?? false;
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
      const goError = group.contexts.map((context) => context.go?.error).find((error) => error);
      const fix = await removeSettingFix(facts, 'GOROOT', group, {
        contextIds: group.contexts.map((context) => context.id),
        description: 'go finds its installation by itself from where the go program is.',
      });
      drafts.push({
        key: group.key,
        title: `GOROOT=${group.value} is not a Go installation`,
        explanation:
          `GOROOT (${describeSource(facts, group)}) ${problem}. GOROOT must be the directory Go is ` +
          'installed in, the one that contains bin, src and pkg. ' +
          (goError
            ? `Every go command fails in ${contextLabels(group.contexts)}: ${goError.split('\n')[0]}`
            : `In ${contextLabels(group.contexts)}, go cannot find its standard library, so builds fail with "package fmt is not in std".`) +
          ' Go finds its own installation when GOROOT is not set, so the simplest fix is to delete the line.',
        evidence: {
          contextIds: group.contexts.map((context) => context.id),
          values: [{ name: 'GOROOT', value: group.value, contextId: group.contexts[0]!.id, source: describeSource(facts, group) }],
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
    const drafts: FindingDraft[] = [];
    const resolutionOf = (context: ScanContext) => facts.contexts.find((item) => item.context.id === context.id)?.resolution ?? null;
    const groups = groupBySetting(facts, 'GOROOT', (context) => {
      const goroot = resolutionOf(context)?.goroot;
      if (!context.env.GOROOT || !context.go?.version || goroot?.source !== 'os-environment') return null;
      if (!goroot.isGoRoot || goroot.version === null) return null;
      return goroot.version.split(/\s/)[0] !== context.go.version ? context.env.GOROOT : null;
    });
    for (const group of groups) {
      const context = group.contexts[0]!;
      const goroot = resolutionOf(context)!.goroot!;
      const fix = await removeSettingFix(facts, 'GOROOT', group, {
        contextIds: group.contexts.map((item) => item.id),
        description: `go ${context.go!.version} uses its own installation (${context.go!.candidates[0]?.goroot ?? 'the directory above its bin'}).`,
      });
      drafts.push({
        key: group.key,
        title: `GOROOT is ${goroot.version} at ${group.value}, but the go on PATH is ${context.go!.version}`,
        explanation:
          `In ${contextLabels(group.contexts)}, \`go\` is ${context.go!.path} (${context.go!.version}), but GOROOT ` +
          `(${describeSource(facts, group)}) makes it use the compiler and standard library of ${group.value} ` +
          `(${goroot.version}). Builds then fail with messages such as ` +
          `${goroot.mixedToolchainError ? `"${goroot.mixedToolchainError}"` : '"compile: version … does not match go tool version …"'}. ` +
          'This usually happens when Go was upgraded and an old GOROOT line stayed. Go finds its own ' +
          'installation when GOROOT is not set.',
        evidence: {
          contextIds: group.contexts.map((item) => item.id),
          values: [
            { name: 'GOROOT', value: group.value, contextId: context.id, source: describeSource(facts, group) },
            { name: 'go on PATH', value: context.go!.path, contextId: context.id, source: context.go!.version },
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
    const drafts: FindingDraft[] = [];
    const groups = groupBySetting(facts, 'GOPATH', (context) => {
      const env = context.go?.env;
      if (!env?.GOPATH || !env.GOROOT) return null;
      const root = path.resolve(env.GOROOT);
      return env.GOPATH.split(':').some((entry) => entry !== '' && path.resolve(entry) === root) ? env.GOPATH : null;
    });
    for (const group of groups) {
      const goroot = group.contexts[0]!.go!.env!.GOROOT!;
      const fromLine = group.assignment !== null && group.assignment.location.line !== null;
      const fix = fromLine
        ? await removeSettingFix(facts, 'GOPATH', group, {
            contextIds: group.contexts.map((context) => context.id),
            description: 'GOPATH becomes the default, ~/go.',
          })
        : null;
      drafts.push({
        key: group.key,
        title: `GOPATH is the same directory as GOROOT (${goroot})`,
        explanation:
          `GOPATH (${fromLine ? describeSource(facts, group) : 'the default, ~/go'}) is where go keeps downloaded modules ` +
          `and installed programs; GOROOT is where Go itself is installed. Both are ${goroot} in ` +
          `${contextLabels(group.contexts)}, so every go command prints "warning: GOPATH set to GOROOT (${goroot}) has no effect", ` +
          'which breaks editors that read go env, and go install writes into the Go installation.' +
          (fromLine ? '' : ' Go is installed in ~/go, the default GOPATH: move it to another folder such as /usr/local/go and update PATH.'),
        evidence: {
          contextIds: group.contexts.map((context) => context.id),
          values: [
            { name: 'GOPATH', value: group.value, contextId: group.contexts[0]!.id, source: describeSource(facts, group) },
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

/** Returns `line` with the literal `~` of `entry` written as `$HOME` (or the home itself inside single quotes). */
function expandTildeInLine(line: string, entry: string, home: string): string | null {
  if (!entry.startsWith('~/') && entry !== '~') return null;
  const index = line.indexOf(entry);
  if (index === -1) return null;
  let quote: string | null = null;
  for (let position = 0; position < index; position++) {
    const character = line[position];
    if (quote === null && (character === '"' || character === "'")) quote = character;
    else if (character === quote) quote = null;
  }
  const replacement = quote === "'" ? home : '$HOME';
  return line.slice(0, index) + replacement + line.slice(index + 1);
}

interface UnexpandedEntry {
  name: string;
  entry: string;
  kind: 'tilde' | 'relative';
  assignment: Assignment | null;
  contexts: ScanContext[];
}

/** Finds `~` and relative entries in PATH (from provenance) and in GOPATH and GOBIN. */
function unexpandedEntries(facts: FindingFacts): UnexpandedEntry[] {
  const found = new Map<string, UnexpandedEntry>();
  const add = (context: ScanContext, name: string, entry: string, assignment: Assignment | null) => {
    const kind = entry.startsWith('~') ? 'tilde' : 'relative';
    const key = `${name}:${entry}`;
    const item = found.get(key) ?? { name, entry, kind, assignment, contexts: [] };
    item.contexts.push(context);
    item.assignment ??= assignment;
    found.set(key, item);
  };
  for (const context of probedContexts(facts)) {
    for (const entry of context.provenance?.path ?? []) {
      if (entry.problem === 'tilde' || entry.problem === 'relative') add(context, 'PATH', entry.entry, entry.addedBy);
    }
    for (const name of ['GOPATH', 'GOBIN']) {
      for (const entry of (context.env[name] ?? '').split(':')) {
        if (entry !== '' && !path.isAbsolute(entry)) add(context, name, entry, winningAssignment(context, name));
      }
    }
  }
  return [...found.values()];
}

const unexpandedPath: Rule = {
  id: 'unexpanded-path',
  severity: 'warning',
  title: 'a path with a literal ~ or a relative path',
  reads: ['contexts', 'provenance'],
  async check(facts) {
    const drafts: FindingDraft[] = [];
    for (const item of unexpandedEntries(facts)) {
      const location = item.assignment?.location;
      const where = location && location.line !== null ? ` (from ${displayLocation(location.file, location.line, facts.home)})` : '';
      const consequence =
        item.name === 'PATH'
          ? item.kind === 'tilde'
            ? 'Only bash looks up commands in it; every other program, including editors, make and exec.LookPath in Go ' +
              'programs, looks for a folder literally named "~" in its current directory and finds nothing.'
            : 'Programs look it up relative to whatever directory they run in, so commands are found in one folder and not in another.'
          : `go refuses to work with it: ${item.kind === 'tilde' ? `"${item.name} entry cannot start with shell metacharacter '~'"` : `"${item.name} entry is relative; must be absolute path"`}.`;
      let fix: Fix | null = null;
      if (item.kind === 'tilde' && location && location.line !== null && isHomeFile(location.file, facts.home)) {
        const line = location.line;
        const text = await lineText(facts.files, location.file, line);
        const rewritten = text === null ? null : expandTildeInLine(text, item.entry, facts.home);
        if (rewritten !== null) {
          fix = {
            id: 'use-home',
            title: `Write $HOME instead of ~ at ${displayLocation(location.file, line, facts.home)}`,
            edits: [await editFile(facts.files, location.file, (current) => replaceLine(current, line, rewritten))],
            command: null,
            effect: {
              contextIds: item.contexts.map((context) => context.id),
              description: `${item.name} holds ${path.join(facts.home, item.entry.slice(1))}, which every program understands.`,
            },
          };
        }
      }
      drafts.push({
        key: `${item.name}:${item.entry}`,
        severity: item.name === 'PATH' ? 'warning' : 'error',
        title: `${item.name} contains ${item.kind === 'tilde' ? 'a literal ~' : 'a relative path'}: ${item.entry}`,
        explanation:
          `${item.name} in ${contextLabels(item.contexts)} contains "${item.entry}"${where}. ` +
          (item.kind === 'tilde'
            ? 'A shell replaces ~ with the home folder only at the start of an unquoted word, so inside quotes or after a colon it stays the character ~. '
            : '') +
          consequence,
        evidence: {
          contextIds: item.contexts.map((context) => context.id),
          values: [{ name: item.name, value: item.entry, contextId: item.contexts[0]!.id, source: where === '' ? null : where.slice(7, -1) }],
          locations: location && location.line !== null ? [await locationOf(facts.files, location.file, location.line)] : [],
        },
        fixes: fix === null ? [] : [fix],
      });
    }
    return drafts;
  },
};

/** The rules about GOROOT, GOPATH and unexpanded paths. */
export const SHELL_GOROOT_RULES: Rule[] = [gorootInvalid, gorootStale, gopathIsGoroot, unexpandedPath];
