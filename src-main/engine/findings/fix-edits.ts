/**
 * Builds the file edits of fixes from the files as they are now. Lines the app adds always go in
 * the Go Env Lens managed block; removing or changing a user's line edits exactly that line.
 * Every helper works on the editor's text, with `\n` line endings and 1-based line numbers.
 */
import path from 'node:path';

import type { FixFileEdit } from '../../shared/findings.ts';
import type { ScanContext } from '../../shared/scan-report.ts';
import { findManagedBlock, isShellName, upsertManagedBlock, type ShellName } from '../files/managed-block.ts';
import { findShellFacts } from '../shells/shell-table.ts';
import type { FileReader } from './rule.ts';

/** A file a fix needs that cannot be read, so no edit can be computed for it. */
export class FixFileUnreadableError extends Error {
  constructor(readonly path: string) {
    super(`${path} cannot be read, so no edit can be prepared for it; check that the file is a readable text file`);
    this.name = 'FixFileUnreadableError';
  }
}

/**
 * Reads a file through `files` and returns the edit that `transform` makes to its text.
 *
 * @throws FixFileUnreadableError when the file cannot be read.
 */
export async function editFile(
  files: FileReader,
  file: string,
  transform: (text: string) => string,
): Promise<FixFileEdit> {
  const current = await files.read(file);
  if (current === null) throw new FixFileUnreadableError(file);
  return {
    path: current.path,
    expectedHash: current.hash,
    before: current.text,
    after: transform(current.text),
    exists: current.exists,
  };
}

/** Splits `\n` text into lines and remembers whether the last line ended with a line break. */
function splitText(text: string): { lines: string[]; finalNewline: boolean } {
  if (text === '') return { lines: [], finalNewline: true };
  const finalNewline = text.endsWith('\n');
  const lines = (finalNewline ? text.slice(0, -1) : text).split('\n');
  return { lines, finalNewline };
}

function joinText(lines: string[], finalNewline: boolean): string {
  if (lines.length === 0) return '';
  return lines.join('\n') + (finalNewline ? '\n' : '');
}

function checkLine(lines: string[], line: number): void {
  if (!Number.isInteger(line) || line < 1 || line > lines.length) {
    throw new RangeError(`line ${line} is outside the text, which has ${lines.length} lines`);
  }
}

/** Removes the given 1-based lines; every other line stays byte for byte. */
export function removeLines(text: string, lines: number[]): string {
  const split = splitText(text);
  for (const line of lines) checkLine(split.lines, line);
  const removed = new Set(lines);
  const kept = split.lines.filter((_, index) => !removed.has(index + 1));
  return joinText(kept, split.finalNewline);
}

/** Replaces one 1-based line with `newText` (which may hold several lines). */
export function replaceLine(text: string, line: number, newText: string): string {
  const split = splitText(text);
  checkLine(split.lines, line);
  split.lines.splice(line - 1, 1, newText);
  return joinText(split.lines, split.finalNewline);
}

/** Inserts `newText` after the 1-based `line`; line 0 inserts before the first line. */
export function insertAfterLine(text: string, line: number, newText: string): string {
  const split = splitText(text);
  if (line !== 0) checkLine(split.lines, line);
  split.lines.splice(line, 0, newText);
  return joinText(split.lines, split.finalNewline);
}

/**
 * Returns the edit that adds `lines` to the managed block of `file`, in the syntax of `shell`.
 * Lines the block already has are kept and not repeated, so two fixes can share one block.
 */
export async function managedBlockEdit(
  files: FileReader,
  file: string,
  shell: ShellName,
  lines: string[],
): Promise<FixFileEdit> {
  return editFile(files, file, (text) => {
    const existing = findManagedBlock(text)?.lines ?? [];
    const merged = [...existing, ...lines.filter((line) => !existing.includes(line))];
    return upsertManagedBlock(text, shell, merged);
  });
}

/** Returns the shell syntax a context's startup files use, or null for the desktop context. */
export function shellFamilyOf(context: ScanContext): ShellName | null {
  if (context.shell === null) return null;
  if (context.mode === 'script') return 'sh';
  const name = findShellFacts(context.shell)?.name ?? context.shell;
  return isShellName(name) ? name : null;
}

/** Startup file names whose syntax is known from the name alone. */
const SYNTAX_BY_FILE_NAME: Record<string, ShellName> = {
  'config.fish': 'fish',
  fish_variables: 'fish',
  '.cshrc': 'tcsh',
  '.tcshrc': 'tcsh',
  '.login': 'tcsh',
  '.logout': 'tcsh',
  'rc.elv': 'elvish',
  '.xonshrc': 'xonsh',
  'rc.xsh': 'xonsh',
  '.zshrc': 'zsh',
  '.zshenv': 'zsh',
  '.zprofile': 'zsh',
  '.zlogin': 'zsh',
  '.bashrc': 'bash',
  '.bash_profile': 'bash',
  '.bash_login': 'bash',
  '.kshrc': 'ksh93',
  '.mkshrc': 'mksh',
  '.yashrc': 'yash',
  '.yash_profile': 'yash',
  '.profile': 'sh',
};

/** Reports whether a file has the name of a user's startup file, such as `.bashrc` or `config.fish`. */
export function isStartupFileName(file: string): boolean {
  return Object.hasOwn(SYNTAX_BY_FILE_NAME, path.basename(file));
}

/**
 * Returns the syntax a startup file must be written in: that of the contexts that read it when
 * they agree on one family, otherwise the syntax its name implies. `~/.profile` is read by dash,
 * bash, ksh and others, so it is written in plain POSIX sh.
 */
export function startupFileSyntax(file: string, contexts: ScanContext[]): ShellName {
  const byName = SYNTAX_BY_FILE_NAME[path.basename(file)];
  if (byName !== undefined) return byName;
  const readers = contexts.filter((context) =>
    context.startupFiles.some((startup) => startup.path === file && startup.status === 'read'),
  );
  const shells = new Set(readers.map(shellFamilyOf).filter((shell): shell is ShellName => shell !== null));
  if (shells.size === 1) return [...shells][0]!;
  return 'sh';
}
