/**
 * Finds the source line a traced command came from. Traces of ksh93, mksh and yash print commands
 * after expansion, so a line cannot be compared verbatim: a line matches when it contains the
 * command's name (or the assigned variable's name) in a place where a command can start.
 * Also recognises function definitions, `.`/`source` and `eval` commands in traced text.
 */
import path from 'node:path';

import { readRegularTextSync } from '../files/regular-file.ts';
import { splitWords } from './shell-words.ts';

/** The words of a traced command that its source line must contain. */
export interface CommandSignature {
  /**
   * `assignment`: only `NAME=value` words. `command`: a command, maybe with assignments before
   * it. `redirection`: a redirection traced on its own (ksh93 and mksh print `1>& 2` or
   * `>/dev/null` as a record of its own). `empty`: nothing to match.
   */
  kind: 'assignment' | 'command' | 'redirection' | 'empty';
  /** The command name (`export`, `[`, `.`); null for a pure assignment. */
  commandName: string | null;
  /** Variables assigned by `NAME=value` words before the command, or by a pure assignment. */
  assigned: string[];
  /** Variable names given to a declaration command (`export NAME`, `unset NAME`). */
  declared: string[];
  /** The words after the command name, as traced (after expansion). */
  words: string[];
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const ASSIGNMENT = /^([A-Za-z_][A-Za-z0-9_]*)(\[[^\]]*\])?\+?=/;
const REDIRECTION = /^[0-9]*(<|>|&>)/;
const DECLARATION_COMMANDS = new Set(['export', 'readonly', 'typeset', 'declare', 'local', 'unset']);

/** Describes what a traced command's source line must contain. */
export function commandSignature(command: string): CommandSignature {
  const words = splitWords(command);
  const empty: CommandSignature = { kind: 'empty', commandName: null, assigned: [], declared: [], words: [] };
  if (words.length === 0) return empty;
  if (REDIRECTION.test(words[0]!)) return { ...empty, kind: 'redirection', words };

  const assigned: string[] = [];
  let index = 0;
  while (index < words.length) {
    const match = ASSIGNMENT.exec(words[index]!);
    if (!match) break;
    assigned.push(match[1]!);
    index += 1;
  }
  if (index === words.length) return { ...empty, kind: 'assignment', assigned, words };

  const commandName = words[index]!;
  const rest = words.slice(index + 1);
  const declared = DECLARATION_COMMANDS.has(commandName)
    ? rest
        .filter((word) => !word.startsWith('-') && !word.startsWith('+'))
        .map((word) => word.split('=')[0]!)
        .filter((name) => NAME.test(name))
    : [];
  return { kind: 'command', commandName, assigned, declared, words: rest };
}

/** Characters after which a command or an assignment can start on a line. */
const COMMAND_START = String.raw`(?:^|[\s;&|(){}\`!])`;

const patternCache = new Map<string, RegExp>();

function cachedPattern(key: string, build: () => string): RegExp {
  let pattern = patternCache.get(key);
  if (!pattern) {
    pattern = new RegExp(build());
    patternCache.set(key, pattern);
  }
  return pattern;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Reports whether a source line can be the origin of a traced command. Comment lines never
 * match, and `name()` (a function definition) does not count as a call of `name`.
 */
export function lineMatches(line: string | undefined, signature: CommandSignature): boolean {
  if (line === undefined) return false;
  if (line.trimStart().startsWith('#')) return false;
  if (signature.kind === 'empty' || signature.kind === 'redirection') return false;

  for (const name of signature.kind === 'assignment' ? signature.assigned : []) {
    const assignment = cachedPattern(`=${name}`, () => `${COMMAND_START}['"]?${name}(?:\\[[^\\]]*\\])?\\+?=`);
    if (!assignment.test(line)) return false;
  }
  if (signature.kind === 'assignment') return true;

  const name = signature.commandName!;
  const command = cachedPattern(
    `c${name}`,
    // A leading backslash (`\\. file`, `\\: text`) bypasses aliases and is not printed in the trace.
    () => `${COMMAND_START}\\\\*${escapeRegExp(name)}(?=$|[\\s;&|()<>'"])(?!\\s*\\(\\s*\\))`,
  );
  if (!command.test(line)) return false;
  for (const declared of signature.declared) {
    const word = cachedPattern(`w${declared}`, () => `(?<![\\w])${declared}(?![\\w])`);
    if (!word.test(line)) return false;
  }
  return name === '.' || name === 'source' ? dotOperandMatches(line, signature) : true;
}

/**
 * Compares the file a traced `.` read with the operand written on the line. An operand written
 * without expansions names its file literally (apart from `~`), so its last path component must
 * be the traced one's. An operand with `$`, a backquote or a glob can expand to anything.
 */
function dotOperandMatches(line: string, signature: CommandSignature): boolean {
  const dot = parseDotCommand(signature);
  if (!dot) return true;
  const written = /(?:^|[\s;&|(){}`!])\\*(?:\.|source)\s+((?:-\S+\s+)*)([^\s;&|)]+)/.exec(line)?.[2];
  if (written === undefined || /[$`*?[]/.test(written)) return true;
  const unquoted = written.replace(/["']/g, '');
  return path.basename(unquoted) === path.basename(dot.operand);
}

/** A function defined in a file: its name and the lines its definition spans (1-based). */
export interface FunctionDefinition {
  name: string;
  file: string;
  startLine: number;
  endLine: number;
}

const DEFINITION =
  /^\s*(?:function\s+([A-Za-z_][\w.:-]*)\s*(?:\(\s*\))?|([A-Za-z_][\w.:-]*)\s*\(\s*\))\s*(\{|\(|$)/;

/**
 * Finds the function definitions in a file's lines. A body's end is found by counting braces,
 * which is a heuristic: a brace inside a quoted string or a here-document can move it.
 */
export function findFunctionDefinitions(file: string, lines: string[]): FunctionDefinition[] {
  const definitions: FunctionDefinition[] = [];
  lines.forEach((line, index) => {
    const match = DEFINITION.exec(line);
    if (!match) return;
    const name = (match[1] ?? match[2])!;
    definitions.push({ name, file, startLine: index + 1, endLine: findBodyEnd(lines, index) });
  });
  return definitions;
}

function findBodyEnd(lines: string[], startIndex: number): number {
  let depth = 0;
  let opened = false;
  for (let index = startIndex; index < lines.length; index += 1) {
    const code = lines[index]!.replace(/'[^']*'/g, "''").replace(/(^|\s)#.*$/, '$1');
    for (const char of code) {
      if (char === '{') {
        depth += 1;
        opened = true;
      } else if (char === '}') {
        depth -= 1;
      }
    }
    if (opened && depth <= 0) return index + 1;
    // A body that opens no brace within two lines is a `( ... )` body or unusual: assume one line.
    if (!opened && index >= startIndex + 2) return startIndex + 1;
  }
  return lines.length;
}

/** The options of `.` that take no argument (yash: `-A`/`--autoload`, `-L`/`--no-alias`). */
const DOT_OPTIONS = new Set(['-A', '--autoload', '-L', '--no-alias', '-AL', '-LA']);

/** A `.`/`source` command: the file operand and whether yash searches YASH_LOADPATH for it. */
export interface DotCommand {
  operand: string;
  autoload: boolean;
}

/** Recognises a traced `. FILE` or `source FILE` command (also `command . FILE`). */
export function parseDotCommand(signature: CommandSignature): DotCommand | null {
  let words = signature.words;
  let name = signature.commandName;
  if (name === 'command' && (words[0] === '.' || words[0] === 'source')) {
    name = words[0]!;
    words = words.slice(1);
  }
  if (signature.kind !== 'command' || (name !== '.' && name !== 'source')) return null;
  let autoload = false;
  let index = 0;
  while (index < words.length && DOT_OPTIONS.has(words[index]!)) {
    if (words[index]!.includes('A') || words[index] === '--autoload') autoload = true;
    index += 1;
  }
  if (words[index] === '--') index += 1;
  const operand = words[index];
  return operand === undefined ? null : { operand, autoload };
}

/** Returns the text an `eval` command runs (its arguments joined by spaces), or null. */
export function evalText(signature: CommandSignature): string | null {
  if (signature.kind !== 'command' || signature.commandName !== 'eval') return null;
  return signature.words.join(' ');
}

/** The directories a `.` operand resolves against. */
export interface DotContext {
  /** The directory relative operands are taken from (the shell's working directory). */
  directory: string;
  /** The search path for operands without a slash, when known. */
  searchPath?: string;
  /** yash's YASH_LOADPATH for `. --autoload`. */
  loadPath?: string;
}

/**
 * Returns the file a `.` command reads. An operand without a slash is looked up in the search
 * path first, as POSIX shells do, then in the working directory.
 */
export function resolveDotOperand(dot: DotCommand, context: DotContext, exists: (file: string) => boolean): string {
  if (dot.autoload) {
    const directories = (context.loadPath ?? '/usr/share/yash').split(':').filter(Boolean);
    const found = directories.map((directory) => path.join(directory, dot.operand)).find(exists);
    return found ?? path.join(directories[0] ?? '/usr/share/yash', dot.operand);
  }
  if (dot.operand.startsWith('/')) return path.normalize(dot.operand);
  if (!dot.operand.includes('/') && context.searchPath) {
    for (const directory of context.searchPath.split(':')) {
      if (!directory.startsWith('/')) continue;
      const candidate = path.join(directory, dot.operand);
      if (exists(candidate)) return candidate;
    }
  }
  return path.resolve(context.directory, dot.operand);
}

/** File texts read once per analysis; null for a file that cannot be read. */
export class SourceTexts {
  private readonly texts = new Map<string, string[] | null>();

  /** Adds a text that is not on disk (a wrapper that no longer exists). */
  add(file: string, text: string): void {
    this.texts.set(file, splitLines(text));
  }

  lines(file: string): string[] | null {
    if (!this.texts.has(file)) {
      let lines: string[] | null = null;
      try {
        lines = splitLines(readRegularTextSync(file));
      } catch {
        // Unreadable, gone or not a regular file (a process substitution's /dev/fd path, a named
        // pipe): no text to match against.
      }
      this.texts.set(file, lines);
    }
    return this.texts.get(file)!;
  }
}

/** Splits text into lines; line N of a file is element N-1. */
export function splitLines(text: string): string[] {
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  return lines;
}
