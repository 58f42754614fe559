/**
 * Fixes shared by the rules about Go's own settings: removing or replacing one Go env file line,
 * and removing the startup file lines that export a variable. The Go env file has no managed
 * block, so a fix edits exactly the line at fault. A fix is only offered when the line still
 * contains what the finding read, so an edit never removes a line it did not look at.
 */
import path from 'node:path';

import type { Fix } from '../../shared/findings.ts';
import type { AssignmentVia } from '../../shared/provenance.ts';
import type { ScanContext } from '../../shared/scan-report.ts';
import { SHELL_SYNTAX, ShellValueError } from '../files/managed-block.ts';
import { editFile, removeLines, renderHomeAssignment, replaceLine, startupFileSyntax } from './fix-edits.ts';
import { shownPath, type SettingSite } from './rules-go-support.ts';
import type { FindingFacts } from './rule.ts';

/** The contexts a fix changes, and the change in words. */
export interface FixEffect {
  contextIds: string[];
  description: string;
}

/** Reports whether a text line is a Go env file line setting `key` (a trailing CR allowed). */
export function setsEnvFileKey(lineText: string, key: string): boolean {
  return lineText.startsWith(`${key}=`);
}

/**
 * Returns a fix that removes line `line` of the Go env file `file` (or replaces it with
 * `replacement`), or null when the file cannot be read or the line no longer passes `expect`.
 */
export async function envFileLineFix(
  facts: FindingFacts,
  spec: {
    id: string;
    title: string;
    file: string;
    line: number;
    expect: (lineText: string) => boolean;
    replacement: string | null;
    effect: FixEffect;
  },
): Promise<Fix | null> {
  const opened = await facts.files.read(spec.file);
  if (!opened?.exists || opened.writeBlock !== null) return null;
  const current = opened.text.split('\n')[spec.line - 1];
  if (current === undefined || !spec.expect(current)) return null;
  const edit = await editFile(facts.files, spec.file, (text) =>
    spec.replacement === null ? removeLines(text, [spec.line]) : replaceLine(text, spec.line, spec.replacement),
  );
  return { id: spec.id, title: spec.title, edits: [edit], command: null, effect: spec.effect };
}

/** One line a Go env file fix changes: removed, or replaced by `replacement`. */
export interface EnvFileLineChange {
  line: number;
  expect: (lineText: string) => boolean;
  replacement: string | null;
}

/**
 * Returns a fix that changes several lines of the Go env file `file` in one edit, or null when
 * the file cannot be read or a line no longer passes its `expect`.
 */
export async function envFileLinesFix(
  facts: FindingFacts,
  spec: { id: string; title: string; file: string; changes: EnvFileLineChange[]; effect: FixEffect },
): Promise<Fix | null> {
  const opened = await facts.files.read(spec.file);
  if (!opened?.exists || opened.writeBlock !== null) return null;
  const lines = opened.text.split('\n');
  if (!spec.changes.every((change) => lines[change.line - 1] !== undefined && change.expect(lines[change.line - 1]!))) {
    return null;
  }
  // Later lines first, so each change leaves the line numbers of the next one as they were.
  const ordered = [...spec.changes].sort((left, right) => right.line - left.line);
  const edit = await editFile(facts.files, spec.file, (text) =>
    ordered.reduce(
      (current, change) =>
        change.replacement === null ? removeLines(current, [change.line]) : replaceLine(current, change.line, change.replacement),
      text,
    ),
  );
  return { id: spec.id, title: spec.title, edits: [edit], command: null, effect: spec.effect };
}

/**
 * Returns a fix that sets `key=value` in the Go env file: it replaces the file's last line for the
 * key, or adds a line at the end (creating the file when it is missing).
 */
export async function setEnvFileValueFix(
  facts: FindingFacts,
  spec: { id: string; title: string; file: string; key: string; value: string; effect: FixEffect },
): Promise<Fix | null> {
  const opened = await facts.files.read(spec.file);
  if (opened === null || opened.writeBlock !== null) return null;
  const assignment = `${spec.key}=${spec.value}`;
  const lines = opened.text === '' ? [] : opened.text.replace(/\n$/, '').split('\n');
  let last = -1;
  lines.forEach((line, index) => {
    if (setsEnvFileKey(line, spec.key)) last = index;
  });
  const edit = await editFile(facts.files, spec.file, (text) => {
    if (last >= 0) return replaceLine(text, last + 1, assignment);
    const separator = text === '' || text.endsWith('\n') ? '' : '\n';
    return `${text}${separator}${assignment}\n`;
  });
  return { id: spec.id, title: spec.title, edits: [edit], command: null, effect: spec.effect };
}

/** One startup file line that assigns a variable, from a context's provenance. */
export interface StartupAssignment {
  file: string;
  line: number;
  via: AssignmentVia;
}

/**
 * Returns every line that assigns a value to `name` in the startup chains of `contexts`, each
 * once. Removing all of them, not only the last, keeps an earlier line from taking its place.
 */
export function startupAssignments(contexts: ScanContext[], name: string): StartupAssignment[] {
  const found = new Map<string, StartupAssignment>();
  for (const context of contexts) {
    for (const assignment of context.provenance?.variables[name]?.chain ?? []) {
      const line = assignment.location.line;
      if (line === null || assignment.value === null) continue;
      found.set(`${assignment.location.file}:${line}`, { file: assignment.location.file, line, via: assignment.via });
    }
  }
  return [...found.values()];
}

/** One shell word: quoted parts, escapes and plain characters, without white space. */
const WORD = String.raw`(?:"(?:[^"\\]|\\.)*"|'[^']*'|\\.|[^\s;&|'"#\\])+`;
const TRAILING_COMMENT = String.raw`\s*(?:#.*)?$`;

function escapeName(name: string): string {
  return name.replace(/[^A-Za-z0-9_]/g, '');
}

/**
 * Reports whether a startup file line does nothing but set (and export) `name`, so removing the
 * whole line removes exactly that setting. Lines that also do other things return false.
 */
export function isPlainAssignment(lineText: string, name: string, family: string): boolean {
  const variable = escapeName(name);
  const patterns: RegExp[] = [];
  switch (family) {
    case 'posix':
      patterns.push(
        new RegExp(
          String.raw`^\s*(?:export\s+|(?:declare|typeset)\s+-[a-zA-Z]*x[a-zA-Z]*\s+)?${variable}=(?:${WORD})?` +
            String.raw`(?:\s*;\s*export\s+${variable})?\s*;?${TRAILING_COMMENT}`,
        ),
        new RegExp(String.raw`^\s*export\s+${variable}\s*;?${TRAILING_COMMENT}`),
      );
      break;
    case 'fish':
      patterns.push(new RegExp(String.raw`^\s*set\s+(?:--?[a-zA-Z-]+\s+)*${variable}(?:\s+${WORD})*${TRAILING_COMMENT}`));
      break;
    case 'csh':
      patterns.push(new RegExp(String.raw`^\s*setenv\s+${variable}(?:\s+${WORD})?${TRAILING_COMMENT}`));
      break;
    case 'elvish':
      patterns.push(
        new RegExp(String.raw`^\s*set-env\s+${variable}\s+${WORD}${TRAILING_COMMENT}`),
        new RegExp(String.raw`^\s*set\s+E:${variable}\s*=\s*${WORD}${TRAILING_COMMENT}`),
      );
      break;
    case 'xonsh':
      patterns.push(new RegExp(String.raw`^\s*\$${variable}\s*=\s*(?:'[^']*'|"[^"]*")${TRAILING_COMMENT}`));
      break;
    default:
      return false;
  }
  return patterns.some((pattern) => pattern.test(lineText));
}

/** Lines that open a POSIX shell block whose body must not be empty. */
const OPENS_BODY = /(?:^|[\s;])(?:then|do|else)$|\{$/;
/** Lines that close such a block or start its next branch. */
const CLOSES_BODY = /^(?:fi|done|else|elif|esac|\}|;;)(?:\s|;|$)/;

/**
 * Removes lines from POSIX shell text. A removed line whose block would be left empty (`then`
 * followed directly by `fi`) becomes `:`, the no-op command, because an empty body is a syntax
 * error that would stop the whole file.
 */
export function removeShellLines(text: string, lines: number[], family: string): string {
  if (family !== 'posix') return removeLines(text, lines);
  const all = text.split('\n');
  const removed = new Set(lines);
  const significant = (index: number) => {
    const trimmed = all[index]!.trim();
    return !removed.has(index + 1) && trimmed !== '' && !trimmed.startsWith('#');
  };
  const placeholders = new Map<number, string>();
  for (const line of lines) {
    let before = line - 2;
    while (before >= 0 && !significant(before)) before--;
    let after = line;
    while (after < all.length && !significant(after)) after++;
    const opens = before >= 0 && OPENS_BODY.test(all[before]!.replace(/\s+#.*$/, '').trimEnd());
    const closes = after < all.length && CLOSES_BODY.test(all[after]!.trim());
    if (opens && closes && ![...placeholders.keys()].some((kept) => kept > before + 1 && kept < after + 1)) {
      placeholders.set(line, `${/^\s*/.exec(all[line - 1]!)![0]}:`);
    }
  }
  let result = removeLines(text, lines.filter((line) => !placeholders.has(line)));
  // Line numbers shift as earlier lines go, so each placeholder is placed by its new position.
  const sortedRemoved = lines.filter((line) => !placeholders.has(line)).sort((a, b) => a - b);
  for (const [line, placeholder] of placeholders) {
    const shift = sortedRemoved.filter((removedLine) => removedLine < line).length;
    result = replaceLine(result, line - shift, placeholder);
  }
  return result;
}

/** Quotes a word for a POSIX shell command line when it needs quoting. */
export function shellQuote(word: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}

/**
 * Returns a fix that removes every startup file line assigning `name` in `contexts`. Returns null
 * when one of them cannot be removed safely: a line outside the home folder (system files need an
 * administrator), an eval or function call, or a line that also does something else.
 */
export async function removeAssignmentsFix(
  facts: FindingFacts,
  name: string,
  contexts: ScanContext[],
  spec: { id: string; title: string; effect: FixEffect },
): Promise<Fix | null> {
  const assignments = startupAssignments(contexts, name);
  if (assignments.length === 0) return null;
  const commands: string[] = [];
  const byFile = new Map<string, number[]>();
  for (const assignment of assignments) {
    if (assignment.via === 'fish-universal') {
      commands.push(`fish -c ${shellQuote(`set --erase --universal ${name}`)}`);
      continue;
    }
    if (assignment.via !== 'line' || !isInside(assignment.file, facts.home)) return null;
    byFile.set(assignment.file, [...(byFile.get(assignment.file) ?? []), assignment.line]);
  }

  const edits = [];
  for (const [file, lines] of byFile) {
    const opened = await facts.files.read(file);
    if (!opened?.exists || opened.writeBlock !== null) return null;
    const family = SHELL_SYNTAX[startupFileSyntax(file, facts.report.contexts)].family;
    const text = opened.text.split('\n');
    if (!lines.every((line) => isPlainAssignment(text[line - 1] ?? '', name, family))) return null;
    edits.push(await editFile(facts.files, file, (current) => removeShellLines(current, lines, family)));
  }
  return {
    id: spec.id,
    title: spec.title,
    edits,
    command: commands.length > 0 ? [...new Set(commands)].join(' && ') : null,
    effect: spec.effect,
  };
}

/**
 * Returns a fix that rewrites the one startup file line assigning `name` in `contexts` to export
 * `value` instead, in the file's shell syntax, or null when there is not exactly one such line or
 * it cannot be rewritten safely.
 */
export async function replaceAssignmentFix(
  facts: FindingFacts,
  name: string,
  value: string,
  contexts: ScanContext[],
  spec: { id: string; title: string; effect: FixEffect },
): Promise<Fix | null> {
  const assignments = startupAssignments(contexts, name);
  if (assignments.length !== 1) return null;
  const [assignment] = assignments as [StartupAssignment];
  if (assignment.via !== 'line' || !isInside(assignment.file, facts.home)) return null;
  const opened = await facts.files.read(assignment.file);
  if (!opened?.exists || opened.writeBlock !== null) return null;
  const shell = startupFileSyntax(assignment.file, facts.report.contexts);
  const current = opened.text.split('\n')[assignment.line - 1] ?? '';
  if (!isPlainAssignment(current, name, SHELL_SYNTAX[shell].family)) return null;
  let rendered: string;
  try {
    rendered = `${/^\s*/.exec(current)![0]}${renderHomeAssignment(shell, name, value, facts.home)}`;
  } catch (error) {
    if (error instanceof ShellValueError) return null;
    throw error;
  }
  const edit = await editFile(facts.files, assignment.file, (text) => replaceLine(text, assignment.line, rendered));
  return { id: spec.id, title: spec.title, edits: [edit], command: null, effect: spec.effect };
}

function isInside(file: string, home: string): boolean {
  const relative = path.relative(home, file);
  return relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative);
}

/** Names the startup files of assignments for a fix title: `~/.bashrc` or `~/.bashrc and ~/.profile`. */
export function assignmentFiles(contexts: ScanContext[], name: string, home: string): string {
  const files = [...new Set(startupAssignments(contexts, name).map((assignment) => assignment.file))];
  const shown = files.map((file) => (file.startsWith(`${home}/`) ? `~${file.slice(home.length)}` : file));
  return shown.length <= 1 ? (shown[0] ?? 'the startup files') : `${shown.slice(0, -1).join(', ')} and ${shown.at(-1)}`;
}

/**
 * Returns the fix that removes the setting at `site`: its Go env file line, or the startup file
 * lines that export it. `$GOROOT/go.env` belongs to the Go installation and is never edited.
 */
export async function removeSiteFix(
  facts: FindingFacts,
  site: SettingSite,
  effect: FixEffect,
): Promise<Fix | null> {
  if (site.source.layer === 'env-file') {
    return envFileLineFix(facts, {
      id: 'remove-env-file-line',
      title: `Delete line ${site.source.line} (${site.name}) from ${shownPath(site.source.path, facts.home)}`,
      file: site.source.path,
      line: site.source.line,
      expect: (text) => setsEnvFileKey(text, site.name),
      replacement: null,
      effect,
    });
  }
  if (site.source.layer === 'environment') {
    return removeAssignmentsFix(
      facts,
      site.name,
      site.contexts.map((context) => context.context),
      { id: 'remove-export', title: `Stop exporting ${site.name} in ${site.where}`, effect },
    );
  }
  return null;
}

/**
 * Returns the fix that changes the setting at `site` to `value`: its Go env file line, or the one
 * startup file line that exports it. Null `value` removes the setting.
 */
export async function replaceSiteValueFix(
  facts: FindingFacts,
  site: SettingSite,
  value: string | null,
  spec: { title: string; effect: FixEffect },
): Promise<Fix | null> {
  if (value === null) return removeSiteFix(facts, site, spec.effect);
  if (site.source.layer === 'env-file') {
    return envFileLineFix(facts, {
      id: 'replace-env-file-line',
      title: spec.title,
      file: site.source.path,
      line: site.source.line,
      expect: (text) => setsEnvFileKey(text, site.name),
      replacement: `${site.name}=${value}`,
      effect: spec.effect,
    });
  }
  if (site.source.layer === 'environment') {
    return replaceAssignmentFix(
      facts,
      site.name,
      value,
      site.contexts.map((context) => context.context),
      { id: 'replace-export', title: spec.title, effect: spec.effect },
    );
  }
  return null;
}
