/**
 * Helpers the shell and PATH rules share: file names as the user writes them, which contexts
 * build or inherit the desktop session, where a value was set, and which PATH entries belong to Go.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';

import type { EvidenceLocation, EvidenceValue, FixFileEdit } from '../../shared/findings.ts';
import type { Assignment, PathEntryProvenance } from '../../shared/provenance.ts';
import type { ScanContext } from '../../shared/scan-report.ts';
import { ShellValueError, type ShellName } from '../files/managed-block.ts';
import { managedBlockEdit, renderHomePathEntry, shellFamilyOf } from './fix-edits.ts';
import type { FileReader, FindingFacts } from './rule.ts';

/** Returns `file` with the home folder written as `~`, as users name their startup files. */
export function displayPath(file: string, home: string): string {
  if (file === home) return '~';
  return file.startsWith(`${home}/`) ? `~/${file.slice(home.length + 1)}` : file;
}

/** Returns `~/file:line`, or `~/file` without a line. */
export function displayLocation(file: string, line: number | null, home: string): string {
  return line === null ? displayPath(file, home) : `${displayPath(file, home)}:${line}`;
}

/** Reports whether a file lies in the home folder, where fixes may edit it. */
export function isHomeFile(file: string, home: string): boolean {
  return file.startsWith(`${home}/`);
}

/** Lists names as `a`, `a and b`, or `a, b and c`. */
export function listWords(words: string[]): string {
  if (words.length <= 1) return words.join('');
  return `${words.slice(0, -1).join(', ')} and ${words[words.length - 1]}`;
}

/** Returns the line of a file as the editor shows it, or null when the file or line is missing. */
export async function lineText(files: FileReader, file: string, line: number | null): Promise<string | null> {
  if (line === null) return null;
  const opened = await files.read(file);
  if (opened === null) return null;
  return opened.text.split('\n')[line - 1] ?? null;
}

/** Returns the evidence location of a file and line, with the line's text. */
export async function locationOf(files: FileReader, file: string, line: number | null): Promise<EvidenceLocation> {
  return { file, line, text: await lineText(files, file, line) };
}

/** Returns the contexts whose environment was captured. */
export function probedContexts(facts: FindingFacts): ScanContext[] {
  return facts.report.contexts.filter((context) => context.ok);
}

/** Returns the ids of contexts, for evidence and fix effects. */
export function idsOf(contexts: ScanContext[]): string[] {
  return contexts.map((context) => context.id);
}

/**
 * Returns a context's label for a list in running text: `bash, login terminal` becomes
 * `bash (login terminal)`, so the commas of a list separate contexts only.
 */
export function listedLabel(label: string): string {
  const match = /^([^,()]+), (.+?)(?: \((.+)\))?$/.exec(label);
  if (!match) return label;
  return match[3] === undefined ? `${match[1]} (${match[2]})` : `${match[1]} (${match[2]}, ${match[3]})`;
}

/**
 * Returns the labels of contexts for explanations, each once, e.g.
 * `bash (login terminal), zsh (terminal tab, non-login) and desktop launch (no shell)`.
 */
export function contextLabels(contexts: ScanContext[]): string {
  return listWords([...new Set(contexts.map((context) => listedLabel(context.label)))]);
}

/**
 * Returns a value in quotes for titles and explanations: double quotes with JSON escapes, so a
 * carriage return shows as `\r`, or single quotes for a value with double quotes in it.
 */
export function quotedValue(value: string): string {
  const json = JSON.stringify(value);
  if (value.includes('"') && !value.includes("'") && json.slice(1, -1).replaceAll('\\"', '"') === value) {
    return `'${value}'`;
  }
  return json;
}

/** Returns the verb form that agrees with a list of contexts as the subject: `gets` for one, `get` for more. */
export function verbFor(contexts: ScanContext[], singular: string, plural: string): string {
  return new Set(contexts.map((context) => context.label)).size === 1 ? singular : plural;
}

/** Returns `text` with its first letter in upper case, for titles and sentences. */
export function sentence(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** Names line numbers for running text: `line 28`, `lines 3 and 5`, `lines 3, 5 and 9`. */
export function linesPhrase(lines: number[]): string {
  const sorted = [...new Set(lines)].sort((left, right) => left - right);
  return sorted.length === 1 ? `line ${sorted[0]}` : `lines ${listWords(sorted.map(String))}`;
}

/** Returns the locations once each, in their first order. */
export function uniqueLocations(locations: EvidenceLocation[]): EvidenceLocation[] {
  const seen = new Set<string>();
  return locations.filter((location) => {
    const key = `${location.file}:${location.line}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** POSIX shells whose login mode reads /etc/profile and ~/.profile (bash: when it has no ~/.bash_profile). */
const PROFILE_READING_SHELLS = new Set<ShellName>(['sh', 'dash', 'bash', 'ksh93', 'ksh', 'mksh', 'posh']);

/** Order in which contexts stand in for the desktop session, which /bin/sh builds from ~/.profile. */
const SESSION_READER_PREFERENCE: ShellName[] = ['dash', 'sh', 'bash', 'ksh93', 'mksh', 'posh', 'ksh'];

/** Returns the path of the user's ~/.profile. */
export function profilePath(facts: FindingFacts): string {
  return path.join(facts.home, '.profile');
}

/** Reports whether a context read the file (status `read`). */
export function readsFile(context: ScanContext, file: string): boolean {
  return context.startupFiles.some((startup) => startup.path === file && startup.status === 'read');
}

/**
 * Returns the context that shows what a new desktop session gets: a POSIX login shell that read
 * ~/.profile, as the display manager's /bin/sh does at login. Null when no such context was probed.
 */
export function sessionReader(facts: FindingFacts): ScanContext | null {
  const profile = profilePath(facts);
  const candidates = probedContexts(facts).filter((context) => {
    const shell = shellFamilyOf(context);
    return context.mode === 'login' && shell !== null && PROFILE_READING_SHELLS.has(shell) && readsFile(context, profile);
  });
  for (const shell of SESSION_READER_PREFERENCE) {
    const found = candidates.find((context) => shellFamilyOf(context) === shell);
    if (found) return found;
  }
  return null;
}

/** Returns the home files the desktop session reads: those the session reader read, or ~/.profile. */
export function sessionFiles(facts: FindingFacts): Set<string> {
  const reader = sessionReader(facts);
  if (reader === null) return new Set([profilePath(facts)]);
  return new Set(
    reader.startupFiles
      .filter((startup) => startup.status === 'read' && isHomeFile(startup.path, facts.home))
      .map((startup) => startup.path),
  );
}

/**
 * Reports whether a context starts from the desktop session's environment and keeps its PATH:
 * the desktop, scripts, terminal tabs, and login shells that do not read /etc/profile (which
 * resets PATH on Debian and derivatives). Such a context gets what ~/.profile adds at the next login.
 */
export function inheritsSession(context: ScanContext): boolean {
  if (context.mode !== 'login') return true;
  const shell = shellFamilyOf(context);
  return shell === null || !PROFILE_READING_SHELLS.has(shell);
}

/** Returns the PATH entries of an environment, in order. */
export function pathEntries(environment: Record<string, string>): string[] {
  const value = environment.PATH;
  return value === undefined ? [] : value.split(':');
}

/** Returns the provenance of a PATH entry in a context, or null. */
export function pathEntryOf(context: ScanContext, entry: string): PathEntryProvenance | null {
  return context.provenance?.path.find((candidate) => candidate.entry === entry) ?? null;
}

/**
 * Reports whether a PATH entry was put before (`prepend`) or after (`append`) the entries PATH
 * had before the assignment that added it, as the user wrote the line (`PATH=$PATH:dir` appends).
 */
export function pathPosition(context: ScanContext, entry: PathEntryProvenance): 'prepend' | 'append' {
  const addedBy = entry.addedBy;
  const provenance = context.provenance;
  if (!addedBy || addedBy.value === null || !provenance) return 'prepend';
  const chain = provenance.variables.PATH?.chain ?? [];
  const index = chain.findIndex(
    (assignment) =>
      assignment.location.file === addedBy.location.file &&
      assignment.location.line === addedBy.location.line &&
      assignment.command === addedBy.command,
  );
  const previous = index > 0 ? chain[index - 1]!.value : null;
  // Without an earlier assignment, PATH before the line is what the context inherited.
  const before = new Set(
    previous !== null
      ? previous.split(':')
      : provenance.path.filter((candidate) => candidate.addedBy === null).map((candidate) => candidate.entry),
  );
  const after = addedBy.value.split(':');
  const firstOld = after.findIndex((candidate) => before.has(candidate));
  const own = after.indexOf(entry.entry);
  return firstOld === -1 || own === -1 || own < firstOld ? 'prepend' : 'append';
}

/** Returns the assignment that gave a variable its value in a context, or null when inherited. */
export function winningAssignment(context: ScanContext, name: string): Assignment | null {
  const variable = context.provenance?.variables[name];
  if (!variable || variable.winner === null) return null;
  return variable.chain[variable.winner] ?? null;
}

/** Returns the directory of the `go` a context runs, as PATH spells it, or null. */
export function goDirectory(context: ScanContext): string | null {
  return context.go?.path ? path.dirname(context.go.path) : null;
}

/** Returns the directory `go install` writes to in a context: GOBIN, or the first GOPATH entry's bin. */
export function installDirectory(context: ScanContext): string | null {
  const env = context.go?.env;
  if (!env) return null;
  if (env.GOBIN) return env.GOBIN;
  const first = (env.GOPATH ?? '').split(':')[0];
  return first ? path.join(first, 'bin') : null;
}

/** Returns the names of the executable files in a directory (empty when it cannot be read). */
export async function programsIn(directory: string): Promise<string[]> {
  const entries = await fs.readdir(directory, { withFileTypes: true }).catch(() => []);
  const programs: string[] = [];
  for (const entry of entries) {
    const stat = await fs.stat(path.join(directory, entry.name)).catch(() => null);
    if (stat?.isFile() && (stat.mode & 0o111) !== 0) programs.push(entry.name);
  }
  return programs.sort();
}

/** Parses `go1.22.12`, `go1.23rc1` into comparable numbers; null for anything else. */
export function parseGoVersion(version: string | null): number[] | null {
  const match = version === null ? null : /^go(\d+)\.(\d+)(?:\.(\d+))?(?:(rc|beta)(\d+))?/.exec(version);
  if (!match) return null;
  // A release candidate or beta sorts before the release it leads to.
  const prerelease = match[4] === undefined ? Number.MAX_SAFE_INTEGER : Number(match[5]) - (match[4] === 'beta' ? 1000 : 0);
  return [Number(match[1]), Number(match[2]), Number(match[3] ?? 0), prerelease];
}

/** Compares two Go versions; unparsable versions compare equal to everything. */
export function compareGoVersions(left: string | null, right: string | null): number {
  const a = parseGoVersion(left);
  const b = parseGoVersion(right);
  if (a === null || b === null) return 0;
  for (let index = 0; index < a.length; index++) {
    const difference = a[index]! - b[index]!;
    if (difference !== 0) return difference;
  }
  return 0;
}

/** Lines of a startup file that only set one variable, so removing them changes nothing else. */
const SIMPLE_ASSIGNMENT: Record<'posix' | 'fish', (name: string) => RegExp> = {
  posix: (name) => new RegExp(String.raw`^\s*(?:export\s+)?${name}=\S.*$|^\s*(?:export\s+)?${name}=$`),
  fish: (name) => new RegExp(String.raw`^\s*set\s+(?:-[a-zA-Z]+\s+)*${name}(?:\s.*)?$`),
};

/** Reports whether a line of a startup file is nothing but an assignment to `name`. */
export function isSimpleAssignment(text: string | null, name: string, shell: ShellName): boolean {
  if (text === null) return false;
  const family = shell === 'fish' ? 'fish' : 'posix';
  if (family === 'posix' && !['sh', 'dash', 'bash', 'zsh', 'ksh93', 'ksh', 'mksh', 'posh', 'yash'].includes(shell)) {
    return false;
  }
  // A second command on the line (`a=1; b=2`, `x && y`) would be lost with the line.
  if (/[;&|`]|\$\(/.test(text.replace(/"[^"]*"|'[^']*'/g, '')) && !/^\s*#/.test(text)) return false;
  return SIMPLE_ASSIGNMENT[family](name).test(text);
}

/** Renders the line that removes an exported variable in a shell's syntax, or null. */
export function renderUnset(shell: ShellName, name: string): string | null {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) return null;
  switch (shell) {
    case 'fish':
      return `set -e ${name}`;
    case 'tcsh':
    case 'csh':
      return `unsetenv ${name}`;
    case 'elvish':
      return `unset-env ${name}`;
    case 'xonsh':
      return `$${name} = None`;
    default:
      return `unset ${name}`;
  }
}

/**
 * Returns the edit adding `directory` to the front of PATH in the managed block of ~/.profile,
 * or null when the directory cannot be written in sh syntax.
 */
export async function prependInProfile(facts: FindingFacts, directory: string): Promise<FixFileEdit | null> {
  try {
    const line = renderHomePathEntry('sh', directory, 'prepend', facts.home);
    return await managedBlockEdit(facts.files, profilePath(facts), 'sh', [line]);
  } catch (error) {
    if (error instanceof ShellValueError) return null;
    throw error;
  }
}

/** Returns the contexts that read ~/.profile themselves, so a change there reaches them without a new login. */
export function profileReaders(facts: FindingFacts): ScanContext[] {
  const profile = profilePath(facts);
  return probedContexts(facts).filter((context) => readsFile(context, profile));
}

/** Describes when a change to ~/.profile reaches the contexts: at once, or after a new login. */
export function whenProfileReaches(facts: FindingFacts, contexts: ScanContext[]): string {
  const profile = profilePath(facts);
  const direct = contexts.filter((context) => readsFile(context, profile));
  const later = contexts.filter((context) => !readsFile(context, profile));
  const parts: string[] = [];
  if (direct.length > 0) parts.push(`${contextLabels(direct)} at once`);
  if (later.length > 0) parts.push(`${contextLabels(later)} after you log out and back in`);
  return parts.join('; ');
}

/** Reports whether a bash login context skipped ~/.profile because ~/.bash_profile or ~/.bash_login exists. */
export function skipsProfile(facts: FindingFacts, context: ScanContext): boolean {
  const profile = profilePath(facts);
  return (
    context.mode === 'login' &&
    context.startupFiles.some((file) => file.path === profile && file.status === 'skipped')
  );
}

/** Returns the first home startup file a context read, or null. */
export function firstHomeFile(facts: FindingFacts, context: ScanContext): string | null {
  const read = context.startupFiles.find(
    (file) => file.status === 'read' && isHomeFile(file.path, facts.home),
  );
  return read?.path ?? null;
}

/** Returns `/usr/local/go/bin/go (go1.23.5)`, the go program with its version, for evidence. */
export function goWithVersion(goPath: string | null | undefined, version: string | null | undefined): string | null {
  if (!goPath) return null;
  return version ? `${goPath} (${version})` : goPath;
}

/** Returns evidence values naming the go each context runs, with its version. */
export function goValues(contexts: ScanContext[]): EvidenceValue[] {
  return contexts.map((context) => ({
    name: 'go on PATH',
    value: goWithVersion(context.go?.path, context.go?.version),
    contextId: context.id,
    source: null,
  }));
}

/** Returns the locations of the lines that put a directory on PATH in the contexts, once each. */
export async function pathEntryLocations(
  facts: FindingFacts,
  contexts: ScanContext[],
  directoryOf: (context: ScanContext) => string | null,
): Promise<EvidenceLocation[]> {
  const seen = new Set<string>();
  const locations: EvidenceLocation[] = [];
  for (const context of contexts) {
    const directory = directoryOf(context);
    const addedBy = directory === null ? null : pathEntryOf(context, directory)?.addedBy;
    if (!addedBy || addedBy.location.line === null) continue;
    const key = `${addedBy.location.file}:${addedBy.location.line}`;
    if (seen.has(key)) continue;
    seen.add(key);
    locations.push(await locationOf(facts.files, addedBy.location.file, addedBy.location.line));
  }
  return locations;
}

/** Reports whether a PATH entry of a context contains a go binary. */
export function containsGo(context: ScanContext, entry: string): boolean {
  return (context.go?.candidates ?? []).some((candidate) => path.dirname(candidate.path) === entry);
}

/** Reports whether a PATH entry matters to Go: it contains go or the programs go install writes. */
export function isGoEntry(context: ScanContext, entry: string): boolean {
  return entry === installDirectory(context) || containsGo(context, entry);
}
