/**
 * Reads elvish rc files and the modules they `use`, and finds the environment assignments in them
 * by their text: `set-env NAME value`, `unset-env NAME`, `set E:NAME = value`, `del E:NAME`,
 * `set paths = [...]`. elvish has no trace, so this is how its values are explained.
 *
 * Values are worked out where the text allows: quoted and bare words, `~`, `$E:NAME`, `$@paths`
 * in a list, and words joined without spaces (`$E:HOME/go`). Output captures `(…)` and other
 * variables cannot be worked out, so their text is kept as written. Assignments are listed in the
 * order the text would run them, each module at its first `use`, whether or not a condition or a
 * function call around them really ran.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';

import type { SourceLocation } from '../../shared/provenance.ts';
import { readRegularTextSync } from '../files/regular-file.ts';

/** Modules built into elvish 0.19, whose `use` reads no file. */
const BUILTIN_MODULES = new Set([
  'builtin', 'doc', 'edit', 'epm', 'file', 'flag', 'math', 'os', 'path', 'platform',
  'readline-binding', 're', 'runtime', 'store', 'str', 'unix',
]);

/** Locations of elvish's rc file and module directories, from the environment it starts with. */
export interface ElvishLocations {
  /** ~/.elvish/rc.elv, used instead of the XDG one while it exists. */
  legacyRc: string;
  xdgRc: string;
  /** Module directories in search order. */
  libraryDirectories: string[];
}

export function elvishLocations(environment: Record<string, string>): ElvishLocations {
  const home = environment.HOME ?? '';
  const configHome = environment.XDG_CONFIG_HOME || `${home}/.config`;
  const dataHome = environment.XDG_DATA_HOME || `${home}/.local/share`;
  const dataDirectories = (environment.XDG_DATA_DIRS || '/usr/local/share:/usr/share')
    .split(':')
    .filter((directory) => directory !== '');
  // Checked with strace on elvish 0.19.2: these four, then ~/.elvish/lib when it exists.
  const libraryDirectories = [
    `${configHome}/elvish/lib`,
    `${dataHome}/elvish/lib`,
    ...dataDirectories.map((directory) => `${directory}/elvish/lib`),
  ];
  if (existsSync(`${home}/.elvish/lib`)) libraryDirectories.push(`${home}/.elvish/lib`);
  return { legacyRc: `${home}/.elvish/rc.elv`, xdgRc: `${configHome}/elvish/rc.elv`, libraryDirectories };
}

/** One environment assignment found in a file. */
export interface ElvishAssignment {
  name: string;
  location: SourceLocation;
  /** The statement as written. */
  command: string;
  /** The value after it (worked out, or the expression as written), or null for an unset. */
  value: string | null;
  /** False when the value contains parts that could not be worked out. */
  valueKnown: boolean;
}

/** A file read: the rc file, or a module loaded by `use` at `usedFrom`. */
export interface ElvishFile {
  path: string;
  usedFrom: SourceLocation | null;
}

export interface ElvishReading {
  files: ElvishFile[];
  assignments: ElvishAssignment[];
}

/**
 * Reads an rc file and, at each `use`, the module it loads (once, like elvish), collecting the
 * assignments in the order they appear.
 */
export function readElvishRc(rcFile: string, locations: ElvishLocations, environment: Record<string, string>): ElvishReading {
  const reading: ElvishReading = { files: [], assignments: [] };
  const state = new ValueState(environment);
  const loaded = new Set<string>();

  const readFile = (file: string, usedFrom: SourceLocation | null) => {
    let text: string;
    try {
      text = readRegularTextSync(file);
    } catch {
      return;
    }
    loaded.add(file);
    reading.files.push({ path: file, usedFrom });
    for (const statement of splitStatements(text)) {
      const location = { file, line: statement.line };
      const words = statement.words;
      if (words[0] === 'use' && words[1] !== undefined) {
        const module = resolveModule(literalWord(words[1]), file, locations);
        if (module && !loaded.has(module)) readFile(module, location);
        continue;
      }
      for (const found of findAssignments(words, state)) {
        reading.assignments.push({ ...found, location, command: statement.text });
      }
    }
  };
  readFile(rcFile, null);
  return reading;
}

/** Returns the file a `use` spec loads, or null for a builtin or a module not found. */
function resolveModule(spec: string, fromFile: string, locations: ElvishLocations): string | null {
  if (BUILTIN_MODULES.has(spec)) return null;
  if (spec.startsWith('./') || spec.startsWith('../')) {
    const file = path.resolve(path.dirname(fromFile), `${spec}.elv`);
    return existsSync(file) ? file : null;
  }
  for (const directory of locations.libraryDirectories) {
    const file = path.join(directory, `${spec}.elv`);
    if (existsSync(file)) return file;
  }
  return null;
}

interface Statement {
  line: number;
  text: string;
  words: string[];
}

/**
 * Splits elvish source into statements of words. A statement ends at a newline or `;` outside
 * brackets and parentheses. `{` and `}` also end one, so statements inside blocks are found.
 * Comments (`#` at the start of a word) are dropped and `^` before a newline continues a line.
 */
export function splitStatements(source: string): Statement[] {
  const statements: Statement[] = [];
  let words: string[] = [];
  let word = '';
  let text = '';
  let line = 1;
  let startLine = 1;
  let nesting = 0;

  const endWord = () => {
    if (word !== '') words.push(word);
    word = '';
  };
  const endStatement = () => {
    endWord();
    if (words.length > 0) statements.push({ line: startLine, text: text.trim(), words });
    words = [];
    text = '';
  };

  for (let index = 0; index < source.length; index += 1) {
    const char = source[index]!;
    if (words.length === 0 && word === '' && /\s/.test(char) === false) startLine = line;
    if (char === '\n') line += 1;

    if (char === "'" || char === '"') {
      const end = findStringEnd(source, index);
      const quoted = source.slice(index, end + 1);
      line += (quoted.match(/\n/g) ?? []).length;
      word += quoted;
      text += quoted;
      index = end;
      continue;
    }
    if (char === '#' && (word === '' || /\s/.test(source[index - 1] ?? ''))) {
      while (index + 1 < source.length && source[index + 1] !== '\n') index += 1;
      continue;
    }
    if (char === '^' && source[index + 1] === '\n') {
      endWord();
      text += ' ';
      line += 1;
      index += 1;
      continue;
    }
    if (char === '[' || char === '(') nesting += 1;
    if ((char === ']' || char === ')') && nesting > 0) nesting -= 1;
    if (nesting === 0 && (char === '\n' || char === ';' || char === '{' || char === '}')) {
      endStatement();
      continue;
    }
    if (/\s/.test(char)) {
      if (nesting > 0) word += ' ';
      else endWord();
      text += char === '\n' ? ' ' : char;
      continue;
    }
    word += char;
    text += char;
  }
  endStatement();
  return statements;
}

/** Index of the quote that closes the string starting at `start`. */
function findStringEnd(source: string, start: number): number {
  const quote = source[start];
  for (let index = start + 1; index < source.length; index += 1) {
    const char = source[index];
    if (quote === '"' && char === '\\') {
      index += 1;
    } else if (char === quote) {
      // Two single quotes inside a single-quoted string stand for one quote.
      if (quote === "'" && source[index + 1] === "'") {
        index += 1;
        continue;
      }
      return index;
    }
  }
  return source.length - 1;
}

interface FoundAssignment {
  name: string;
  value: string | null;
  valueKnown: boolean;
}

function findAssignments(words: string[], state: ValueState): FoundAssignment[] {
  const [command, ...rest] = words;
  if (command === 'set-env' && rest.length >= 2) {
    const value = state.evaluateString(rest[1]!);
    return [state.assign(literalWord(rest[0]!), value)];
  }
  if (command === 'unset-env' && rest.length >= 1) {
    return [state.assign(literalWord(rest[0]!), null)];
  }
  if (command === 'del') {
    return rest.filter((target) => target.startsWith('E:')).map((target) => state.assign(target.slice(2), null));
  }
  if (command === 'set') {
    const equals = rest.indexOf('=');
    if (equals !== 1 || rest.length !== 3) return [];
    const target = rest[0]!;
    const valueWord = rest[2]!;
    if (target === 'paths') return [state.assign('PATH', state.evaluatePaths(valueWord))];
    if (target.startsWith('E:')) return [state.assign(target.slice(2), state.evaluateString(valueWord))];
  }
  return [];
}

/** Returns the text of a bare or quoted literal word (a name or a module spec). */
function literalWord(word: string): string {
  return evaluateLiteral(word) ?? word;
}

function evaluateLiteral(word: string): string | null {
  if (/^'(?:[^']|'')*'$/.test(word)) return word.slice(1, -1).replaceAll("''", "'");
  if (/^"(?:[^"\\]|\\.)*"$/.test(word)) return unescapeDoubleQuoted(word.slice(1, -1));
  if (/^[\w./:@+%,-]+$/.test(word)) return word;
  return null;
}

const DOUBLE_QUOTE_ESCAPES: Record<string, string> = {
  n: '\n', t: '\t', r: '\r', a: '\x07', b: '\b', e: '\x1b', f: '\f', v: '\v', '\\': '\\', '"': '"',
};

function unescapeDoubleQuoted(text: string): string {
  return text.replace(/\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|.)/g, (_, escape: string) => {
    if (/^[xuU]/.test(escape)) return String.fromCodePoint(Number.parseInt(escape.slice(1), 16));
    return DOUBLE_QUOTE_ESCAPES[escape] ?? `\\${escape}`;
  });
}

/** The environment as the assignments so far leave it, for `$E:NAME` and `$@paths`. */
class ValueState {
  private readonly environment: Record<string, string | null>;

  constructor(start: Record<string, string>) {
    this.environment = { ...start };
  }

  assign(name: string, value: { text: string; known: boolean } | null): FoundAssignment {
    if (value?.known) this.environment[name] = value.text;
    else if (value === null) this.environment[name] = null;
    else delete this.environment[name];
    return { name, value: value?.text ?? null, valueKnown: value?.known ?? true };
  }

  /** Works out a word used as a string. Parts that cannot be worked out keep their text. */
  evaluateString(word: string): { text: string; known: boolean } {
    const parts = splitCompound(word);
    let text = '';
    let known = true;
    parts.forEach((part, index) => {
      const value = this.evaluatePart(part, index === 0);
      if (value === null) {
        known = false;
        text += part;
      } else {
        text += value;
      }
    });
    return { text, known };
  }

  /** Works out the value of `paths`: a list word, entry by entry, joined with `:`. */
  evaluatePaths(word: string): { text: string; known: boolean } {
    if (!word.startsWith('[') || !word.endsWith(']')) return { text: word, known: false };
    const entries: string[] = [];
    let known = true;
    for (const item of splitStatements(word.slice(1, -1)).flatMap((statement) => statement.words)) {
      if (item === '$@paths') {
        const current = this.environment.PATH;
        if (current === undefined) known = false;
        else if (current !== null && current !== '') entries.push(...current.split(':'));
        continue;
      }
      const value = this.evaluateString(item);
      known &&= value.known;
      entries.push(value.text);
    }
    return { text: entries.join(':'), known };
  }

  private evaluatePart(part: string, first: boolean): string | null {
    if (part.startsWith("'") || part.startsWith('"')) return evaluateLiteral(part);
    if (part.startsWith('$E:')) {
      const value = this.environment[part.slice(3)];
      return value === undefined ? null : value ?? '';
    }
    if (part.startsWith('$') || part.startsWith('(') || part.startsWith('[') || part.startsWith('{')) return null;
    if (first && (part === '~' || part.startsWith('~/'))) {
      const home = this.environment.HOME;
      return home === undefined || home === null ? null : home + part.slice(1);
    }
    return part.includes('*') || part.includes('?') ? null : part;
  }
}

/**
 * Splits a compound word into its parts: quoted strings, `$variables`, bracketed expressions and
 * bare text, which elvish joins into one string.
 */
function splitCompound(word: string): string[] {
  const parts: string[] = [];
  let index = 0;
  while (index < word.length) {
    const char = word[index]!;
    let end: number;
    if (char === "'" || char === '"') {
      end = findStringEnd(word, index) + 1;
    } else if (char === '$') {
      end = index + 1;
      if (word[end] === '@') end += 1;
      while (end < word.length && /[\w:~-]/.test(word[end]!)) end += 1;
    } else if (char === '(' || char === '[' || char === '{') {
      end = findClosing(word, index) + 1;
    } else {
      end = index + 1;
      while (end < word.length && !/['"$(\[{]/.test(word[end]!)) end += 1;
    }
    parts.push(word.slice(index, end));
    index = end;
  }
  return parts;
}

const CLOSING_BRACKETS: Record<string, string> = { '(': ')', '[': ']', '{': '}' };

function findClosing(word: string, start: number): number {
  const open = word[start]!;
  const close = CLOSING_BRACKETS[open]!;
  let depth = 0;
  for (let index = start; index < word.length; index += 1) {
    const char = word[index];
    if (char === "'" || char === '"') {
      index = findStringEnd(word, index);
    } else if (char === open) {
      depth += 1;
    } else if (char === close) {
      depth -= 1;
      if (depth === 0) return index;
    }
  }
  return word.length - 1;
}
