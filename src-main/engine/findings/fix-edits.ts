/**
 * Builds the file edits of fixes from the files as they are now. Lines the app adds always go in
 * the Go Env Lens managed block; removing or changing a user's line edits exactly that line.
 * Every helper works on the editor's text, with `\n` line endings and 1-based line numbers.
 */
import path from 'node:path';

import type { FixFileEdit } from '../../shared/findings.ts';
import type { ScanContext } from '../../shared/scan-report.ts';
import {
  findManagedBlock,
  isShellName,
  renderAssignment,
  renderPathAppend,
  renderPathPrepend,
  SHELL_SYNTAX,
  upsertManagedBlock,
  type ShellName,
} from '../files/managed-block.ts';
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

/** A piece of a value: literal text, or the home folder written as `$HOME`. */
type HomePiece = { home: true } | { home: false; text: string };

/**
 * Splits a value into literal text and the home folder at the start of each `:`-separated entry,
 * or returns null when no entry lies in the home folder.
 */
function homePieces(value: string, home: string): HomePiece[] | null {
  if (!path.isAbsolute(home) || home === '/' || home.endsWith('/')) return null;
  const pieces: HomePiece[] = [];
  let found = false;
  value.split(':').forEach((entry, index) => {
    if (index > 0) pieces.push({ home: false, text: ':' });
    if (entry === home || entry.startsWith(`${home}/`)) {
      pieces.push({ home: true });
      entry = entry.slice(home.length);
      found = true;
    }
    if (entry !== '') pieces.push({ home: false, text: entry });
  });
  return found ? pieces : null;
}

/** Characters fish reads literally outside quotes. */
const FISH_PLAIN = /^[A-Za-z0-9_@%+=:,./-]*$/;
/** Characters that keep a special meaning inside csh double quotes, or end them. */
const CSH_DOUBLE_QUOTE_SPECIAL = /["$!`\\\n\r]/;

/**
 * Writes pieces as one shell word that expands `$HOME`, or returns null for a shell where the
 * literal text cannot be written that way (the caller then writes the path out in full).
 */
function homeWord(shell: ShellName, pieces: HomePiece[]): string | null {
  const family = SHELL_SYNTAX[shell].family;
  const literal = pieces.flatMap((piece) => (piece.home ? [] : [piece.text])).join('');
  if (/[\n\r]/.test(literal)) return null;
  if (family === 'posix') {
    const body = pieces
      .map((piece) => (piece.home ? '$HOME' : piece.text.replace(/[\\"$`]/g, '\\$&')))
      .join('');
    return `"${body}"`;
  }
  if (family === 'csh') {
    if (CSH_DOUBLE_QUOTE_SPECIAL.test(literal)) return null;
    return `"${pieces.map((piece) => (piece.home ? '$HOME' : piece.text)).join('')}"`;
  }
  if (family === 'fish') {
    // fish neither splits a variable's value into words nor expands it again, so $HOME needs no quotes.
    return pieces
      .map((piece) => {
        if (piece.home) return '$HOME';
        if (FISH_PLAIN.test(piece.text)) return piece.text;
        return `'${piece.text.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`;
      })
      .join('');
  }
  return null;
}

/**
 * Renders the line that exports a variable, like renderAssignment, but writes each entry in the
 * home folder as `$HOME/…` in sh-family shells, zsh, fish and tcsh. The line then reads like one a
 * user writes and keeps working when the home folder moves. Other shells get the full path.
 *
 * @throws ShellValueError for a value the shell cannot hold, as renderAssignment does.
 */
export function renderHomeAssignment(shell: ShellName, name: string, value: string, home: string): string {
  const absolute = renderAssignment(shell, name, value);
  const pieces = homePieces(value, home);
  const word = pieces === null ? null : homeWord(shell, pieces);
  if (word === null) return absolute;
  switch (SHELL_SYNTAX[shell].family) {
    case 'posix':
      return `export ${name}=${word}`;
    case 'csh':
      return `setenv ${name} ${word}`;
    case 'fish':
      return `set -gx ${name} ${word}`;
    default:
      return absolute;
  }
}

/**
 * Renders the line that puts a directory first (`prepend`) or last (`append`) on PATH, like
 * renderPathPrepend and renderPathAppend, with a directory in the home folder written as `$HOME/…`.
 *
 * @throws ShellValueError for a directory the shell cannot write, as the managed-block renderers do.
 */
export function renderHomePathEntry(
  shell: ShellName,
  directory: string,
  position: 'prepend' | 'append',
  home: string,
): string {
  const absolute = position === 'prepend' ? renderPathPrepend(shell, directory) : renderPathAppend(shell, directory);
  const pieces = homePieces(directory, home);
  const word = pieces === null ? null : homeWord(shell, pieces);
  if (word === null) return absolute;
  switch (SHELL_SYNTAX[shell].family) {
    case 'posix':
      return position === 'prepend'
        ? `export PATH=${word.slice(0, -1)}\${PATH:+:$PATH}"`
        : `export PATH="\${PATH:+$PATH:}${word.slice(1)}`;
    case 'csh':
      return position === 'prepend' ? `set path = ( ${word} $path:q )` : `set path = ( $path:q ${word} )`;
    case 'fish':
      return position === 'prepend' ? `set -gx PATH ${word} $PATH` : `set -gx PATH $PATH ${word}`;
    default:
      return absolute;
  }
}
