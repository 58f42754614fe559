/**
 * The block of lines Go Env Lens adds to a startup file (fixes, a Go version switcher), between
 * two marker comments, so the app can update or remove it later without touching the user's own
 * lines. Also renders the lines that go inside: variable exports and PATH changes in the syntax of
 * each supported shell.
 *
 * All functions work on text with `\n` line endings; the editor layer converts CRLF files.
 */
import { ApiRequestError } from '../../shared/contract.ts';

/** Shell names as the scan reports them, plus the aliases `sh`, `ksh` and `csh`. */
export type ShellName =
  | 'bash'
  | 'zsh'
  | 'sh'
  | 'dash'
  | 'posh'
  | 'ksh93'
  | 'ksh'
  | 'mksh'
  | 'yash'
  | 'fish'
  | 'tcsh'
  | 'csh'
  | 'elvish'
  | 'xonsh';

/** The grammar a shell's startup files are written in. */
type SyntaxFamily = 'posix' | 'csh' | 'fish' | 'elvish' | 'xonsh';

interface ShellSyntax {
  family: SyntaxFamily;
  /** The text that starts a comment line. */
  commentPrefix: string;
  /** True when the shell reads `$'...'` strings with backslash escapes such as `\n`. */
  dollarSingleQuotes: boolean;
}

const posix = (dollarSingleQuotes: boolean): ShellSyntax => ({
  family: 'posix',
  commentPrefix: '#',
  dollarSingleQuotes,
});

/**
 * Syntax facts per shell. bash 5.2, zsh 5.9, ksh93u+m 1.0.4 and mksh 59c read `$'...'` strings.
 * dash 0.5.12, posh 0.14.1 and yash 2.52 read `$'a\nb'` as a `$` followed by plain text.
 */
export const SHELL_SYNTAX: Readonly<Record<ShellName, ShellSyntax>> = {
  bash: posix(true),
  zsh: posix(true),
  sh: posix(false),
  dash: posix(false),
  posh: posix(false),
  ksh93: posix(true),
  ksh: posix(true),
  mksh: posix(true),
  yash: posix(false),
  fish: { family: 'fish', commentPrefix: '#', dollarSingleQuotes: false },
  tcsh: { family: 'csh', commentPrefix: '#', dollarSingleQuotes: false },
  csh: { family: 'csh', commentPrefix: '#', dollarSingleQuotes: false },
  elvish: { family: 'elvish', commentPrefix: '#', dollarSingleQuotes: false },
  xonsh: { family: 'xonsh', commentPrefix: '#', dollarSingleQuotes: false },
};

/** Reports whether a string names a shell of SHELL_SYNTAX, e.g. a scan context's `shell`. */
export function isShellName(name: string): name is ShellName {
  return Object.hasOwn(SHELL_SYNTAX, name);
}

const START_TEXT = '>>> go-env-lens >>>';
const END_TEXT = '<<< go-env-lens <<<';
const NOTICE_TEXT = 'Go Env Lens manages this block, so edits inside it may be replaced.';

/** Matches any line that mentions a marker, exact or not, so a damaged marker is never missed. */
const MARKER_LIKE = /(?:>>>|<<<)\s*go-env-lens|go-env-lens\s*(?:>>>|<<<)/i;

const LINE_BREAK = /[\n\r]/;

const COMMENT_PREFIXES = [...new Set(Object.values(SHELL_SYNTAX).map((syntax) => syntax.commentPrefix))];

/** Returns the start marker line for a shell, e.g. `# >>> go-env-lens >>>`. */
export function startMarker(shell: ShellName): string {
  return `${SHELL_SYNTAX[shell].commentPrefix} ${START_TEXT}`;
}

/** Returns the end marker line for a shell, e.g. `# <<< go-env-lens <<<`. */
export function endMarker(shell: ShellName): string {
  return `${SHELL_SYNTAX[shell].commentPrefix} ${END_TEXT}`;
}

function noticeLine(shell: ShellName): string {
  return `${SHELL_SYNTAX[shell].commentPrefix} ${NOTICE_TEXT}`;
}

/**
 * A startup file whose markers do not form exactly one well-formed block. The message names the
 * lines and what to fix by hand; callers put the file's path in front of it.
 */
export class ManagedBlockError extends ApiRequestError {
  /** The 1-based numbers of the lines at fault. */
  readonly lines: number[];

  constructor(message: string, lines: number[]) {
    super(message);
    this.name = 'ManagedBlockError';
    this.lines = lines;
  }
}

/** The block found in a file. */
export interface ManagedBlock {
  /** 1-based line number of the start marker. */
  startLine: number;
  /** 1-based line number of the end marker. */
  endLine: number;
  /** The lines between the markers, without the notice comment under the start marker. */
  lines: string[];
}

type MarkerKind = 'start' | 'end';

function markerKind(line: string): MarkerKind | 'damaged' | null {
  if (!MARKER_LIKE.test(line)) return null;
  const trimmed = line.trim();
  for (const prefix of COMMENT_PREFIXES) {
    if (trimmed === `${prefix} ${START_TEXT}`) return 'start';
    if (trimmed === `${prefix} ${END_TEXT}`) return 'end';
  }
  return 'damaged';
}

/** Splits `\n` text into lines; a final `\n` ends the last line and does not start a new one. */
function splitLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

const START_EXAMPLE = `"${COMMENT_PREFIXES[0]} ${START_TEXT}"`;
const END_EXAMPLE = `"${COMMENT_PREFIXES[0]} ${END_TEXT}"`;
const RETRY = 'then try again';

/**
 * Finds the Go Env Lens block in a file's text, or returns null when there is none. Throws a
 * ManagedBlockError for anything but exactly one well-formed block, and never guesses which
 * marker was meant.
 */
export function findManagedBlock(text: string): ManagedBlock | null {
  const lines = splitLines(text);
  const blocks: { startLine: number; endLine: number }[] = [];
  let openStart: number | null = null;

  lines.forEach((line, index) => {
    const lineNumber = index + 1;
    const kind = markerKind(line);
    if (kind === 'damaged') {
      throw new ManagedBlockError(
        `line ${lineNumber} looks like a Go Env Lens marker but has other text on it: ` +
          `${JSON.stringify(line)}. Change it to exactly ${START_EXAMPLE} or ${END_EXAMPLE}, ` +
          `or delete it, ${RETRY}`,
        [lineNumber],
      );
    }
    if (kind === 'start') {
      if (openStart !== null) {
        throw new ManagedBlockError(
          `line ${lineNumber} starts a Go Env Lens block inside the block started on line ` +
            `${openStart}. Delete one of the two start markers, ${RETRY}`,
          [openStart, lineNumber],
        );
      }
      openStart = lineNumber;
    } else if (kind === 'end') {
      if (openStart === null) {
        throw new ManagedBlockError(
          `line ${lineNumber} ends a Go Env Lens block (${END_EXAMPLE}) but no start marker ` +
            `comes before it. Add ${START_EXAMPLE} above the block's first line, or delete ` +
            `line ${lineNumber}, ${RETRY}`,
          [lineNumber],
        );
      }
      blocks.push({ startLine: openStart, endLine: lineNumber });
      openStart = null;
    }
  });

  if (openStart !== null) {
    throw new ManagedBlockError(
      `line ${openStart} starts a Go Env Lens block (${START_EXAMPLE}) but no end marker ` +
        `(${END_EXAMPLE}) follows it. Add the end marker after the block's last line, or ` +
        `delete line ${openStart}, ${RETRY}`,
      [openStart],
    );
  }
  const [first, second] = blocks;
  if (first === undefined) return null;
  if (second !== undefined) {
    throw new ManagedBlockError(
      `the file has ${blocks.length} Go Env Lens blocks, on lines ` +
        `${blocks.map((block) => `${block.startLine}-${block.endLine}`).join(', ')}, but only ` +
        `one is allowed. Merge them into one block or delete all but one, ${RETRY}`,
      blocks.flatMap((block) => [block.startLine, block.endLine]),
    );
  }

  const body = lines.slice(first.startLine, first.endLine - 1);
  const notice = body[0]?.trim();
  const hasNotice = COMMENT_PREFIXES.some((prefix) => notice === `${prefix} ${NOTICE_TEXT}`);
  return { ...first, lines: hasNotice ? body.slice(1) : body };
}

/** Character offsets of a block in the text: from its first character to after its last line. */
function blockSpan(text: string, block: ManagedBlock): { start: number; end: number } {
  const lineOffsets = [0];
  for (let index = 0; index < text.length; index++) {
    if (text[index] === '\n') lineOffsets.push(index + 1);
  }
  const start = lineOffsets[block.startLine - 1]!;
  const end = lineOffsets[block.endLine] ?? text.length;
  return { start, end };
}

function checkBlockLines(lines: string[]): void {
  lines.forEach((line, index) => {
    const where = `line ${index + 1} of the new block content (${JSON.stringify(line)})`;
    if (LINE_BREAK.test(line)) {
      throw new ApiRequestError(`${where} contains a line break; pass each line separately`);
    }
    if (line.includes('\0')) throw new ApiRequestError(`${where} contains a NUL character`);
    if (markerKind(line) !== null) {
      throw new ApiRequestError(`${where} looks like a Go Env Lens marker, which would break the block`);
    }
  });
}

/**
 * Writes `lines` into the Go Env Lens block: in place when the file has a block, so every line
 * around it stays byte-identical, otherwise appended at the end. An appended block is separated
 * by one added line break, which makes a blank line after a final newline. That is the line
 * removeManagedBlock takes away again, so a file that ended with a newline (or was empty) comes
 * back byte for byte. A file without a final newline gets one, and keeps it after removal. The
 * result always ends with a newline after the end marker.
 */
export function upsertManagedBlock(text: string, shell: ShellName, lines: string[]): string {
  checkBlockLines(lines);
  const blockText = [startMarker(shell), noticeLine(shell), ...lines, endMarker(shell)].join('\n') + '\n';
  const existing = findManagedBlock(text);

  if (existing !== null) {
    const { start, end } = blockSpan(text, existing);
    return text.slice(0, start) + blockText + text.slice(end);
  }
  if (text === '') return blockText;
  const lineBreaks = text.endsWith('\n') ? '\n' : '\n\n';
  return text + lineBreaks + blockText;
}

/**
 * Removes the Go Env Lens block, found only by its markers, and the blank line right above it
 * (the one upsertManagedBlock added). Returns the text unchanged when there is no block; throws
 * a ManagedBlockError when the markers are broken.
 */
export function removeManagedBlock(text: string): string {
  const block = findManagedBlock(text);
  if (block === null) return text;
  const { start, end } = blockSpan(text, block);
  // text[start - 1] is the line break ending the line above; that line is blank when it is the
  // first line (start === 1) or when the character before its line break is another line break.
  const previousLineIsBlank = start === 1 || (start >= 2 && text[start - 2] === '\n');
  const cutFrom = previousLineIsBlank ? start - 1 : start;
  return text.slice(0, cutFrom) + text.slice(end);
}

/**
 * A value or directory that a shell's startup file cannot express exactly; the message names the
 * value, the shell and what to use instead.
 */
export class ShellValueError extends ApiRequestError {
  constructor(message: string) {
    super(message);
    this.name = 'ShellValueError';
  }
}

const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
/** xonsh 0.13 turns variables with these names into path lists and expands `~` and `$` in them. */
const XONSH_PATH_VARIABLE = /^\w*(?:PATH|DIRS)$/;

function checkName(shell: ShellName, name: string): void {
  if (!VARIABLE_NAME.test(name)) {
    throw new ShellValueError(
      `cannot set ${JSON.stringify(name)} in ${shell}: a variable name must consist of ASCII ` +
        'letters, digits and underscores, and must not start with a digit',
    );
  }
}

function checkValue(shell: ShellName, subject: string, value: string): void {
  if (value.includes('\0')) {
    throw new ShellValueError(
      `cannot write ${subject} for ${shell}: the value contains a NUL character, which no environment ` +
        'variable can hold',
    );
  }
  if (LONE_SURROGATE.test(value)) {
    throw new ShellValueError(`cannot write ${subject} for ${shell}: the value is not valid Unicode text`);
  }
}

function singleQuotePosix(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

function dollarQuotePosix(value: string): string {
  const escaped = value
    .replaceAll('\\', '\\\\')
    .replaceAll("'", "\\'")
    .replaceAll('\n', '\\n')
    .replaceAll('\r', '\\r');
  return `$'${escaped}'`;
}

function quotePosix(shell: ShellName, subject: string, value: string): string {
  if (!LINE_BREAK.test(value)) return singleQuotePosix(value);
  if (SHELL_SYNTAX[shell].dollarSingleQuotes) return dollarQuotePosix(value);
  throw new ShellValueError(
    `cannot write ${subject} for ${shell}: the value contains a line break, which ${shell} cannot ` +
      'read from a one-line assignment. Remove the line break, or write it for bash, zsh, ksh or mksh',
  );
}

/**
 * Quotes for csh and tcsh. Single quotes keep everything literal except `!` (history
 * substitution, also in sourced files) and a backslash before a line break, so each `!` is
 * written as `\!` outside the quotes, which works whatever `histchars` is set to.
 */
function quoteCsh(shell: ShellName, subject: string, value: string): string {
  if (LINE_BREAK.test(value)) {
    throw new ShellValueError(
      `cannot write ${subject} for ${shell}: the value contains a line break, which ${shell} cannot ` +
        'read from a one-line setenv. Remove the line break',
    );
  }
  const quoted = value
    .split('!')
    .map((part) => (part === '' ? '' : singleQuotePosix(part)))
    .join('\\!');
  return quoted === '' ? "''" : quoted;
}

/** Quotes for fish: inside single quotes only `\\` and `\'` are escapes; line breaks go outside. */
function quoteFish(value: string): string {
  const parts = value.split(/([\n\r])/);
  const quoted = parts.map((part) => {
    if (part === '\n') return '\\n';
    if (part === '\r') return '\\r';
    if (part === '') return '';
    return `'${part.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`;
  });
  const joined = quoted.join('');
  return joined === '' ? "''" : joined;
}

/** Quotes for elvish: single quotes escape only `''`; double quotes are used for line breaks. */
function quoteElvish(value: string): string {
  if (!LINE_BREAK.test(value)) return `'${value.replaceAll("'", "''")}'`;
  const escaped = value
    .replaceAll('\\', '\\\\')
    .replaceAll('"', '\\"')
    .replaceAll('\n', '\\n')
    .replaceAll('\r', '\\r');
  return `"${escaped}"`;
}

/** Quotes as a Python string literal; xonsh does not expand anything inside it. */
function quotePython(value: string): string {
  let escaped = '';
  for (const character of value) {
    const code = character.codePointAt(0)!;
    if (character === '\\') escaped += '\\\\';
    else if (character === "'") escaped += "\\'";
    else if (character === '\n') escaped += '\\n';
    else if (character === '\r') escaped += '\\r';
    else if (code < 0x20 || code === 0x7f) escaped += `\\x${code.toString(16).padStart(2, '0')}`;
    else escaped += character;
  }
  return `'${escaped}'`;
}

function checkXonshExpansion(shell: ShellName, subject: string, name: string, value: string): void {
  if (XONSH_PATH_VARIABLE.test(name) && /[$~]/.test(value)) {
    throw new ShellValueError(
      `cannot write ${subject} for ${shell}: xonsh expands ~ and $ in variables whose names end in ` +
        'PATH or DIRS, so the value would change. Write the path out in full, without ~ or $',
    );
  }
}

function quoteFor(shell: ShellName, subject: string, value: string): string {
  switch (SHELL_SYNTAX[shell].family) {
    case 'posix':
      return quotePosix(shell, subject, value);
    case 'csh':
      return quoteCsh(shell, subject, value);
    case 'fish':
      return quoteFish(value);
    case 'elvish':
      return quoteElvish(value);
    case 'xonsh':
      return quotePython(value);
  }
}

/**
 * Renders the line that sets and exports an environment variable in a shell's syntax, quoted so
 * the shell reads the value byte for byte. Throws a ShellValueError for a value the shell cannot
 * hold that way.
 */
export function renderAssignment(shell: ShellName, name: string, value: string): string {
  checkName(shell, name);
  const subject = `${name}=${JSON.stringify(value)}`;
  checkValue(shell, subject, value);
  const quoted = quoteFor(shell, subject, value);

  switch (SHELL_SYNTAX[shell].family) {
    case 'posix':
      return `export ${name}=${quoted}`;
    case 'csh':
      return `setenv ${name} ${quoted}`;
    case 'fish':
      return `set -gx ${name} ${quoted}`;
    case 'elvish':
      return `set-env ${name} ${quoted}`;
    case 'xonsh':
      checkXonshExpansion(shell, subject, name, value);
      return `$${name} = ${quoted}`;
  }
}

function checkDirectory(shell: ShellName, directory: string): string {
  const subject = `the PATH entry ${JSON.stringify(directory)}`;
  checkValue(shell, subject, directory);
  if (!directory.startsWith('/')) {
    throw new ShellValueError(`cannot write ${subject} for ${shell}: the directory must be an absolute path`);
  }
  if (directory.includes(':')) {
    throw new ShellValueError(
      `cannot write ${subject} for ${shell}: a PATH entry cannot contain ":", which separates entries`,
    );
  }
  if (LINE_BREAK.test(directory)) {
    throw new ShellValueError(`cannot write ${subject} for ${shell}: the directory contains a line break`);
  }
  if (SHELL_SYNTAX[shell].family === 'xonsh') checkXonshExpansion(shell, subject, 'PATH', directory);
  return quoteFor(shell, subject, directory);
}

/**
 * Renders the line that puts a directory first on PATH. Every form adds no empty entry when PATH
 * is empty (elvish 0.19 then has `$paths` set to nil, not to an empty list). The csh form edits
 * the `path` list, which tcsh keeps in step with PATH. tcsh writes an empty PATH entry back as
 * `.`, which names the same directory.
 */
export function renderPathPrepend(shell: ShellName, directory: string): string {
  const quoted = checkDirectory(shell, directory);
  switch (SHELL_SYNTAX[shell].family) {
    case 'posix':
      return `export PATH=${quoted}"\${PATH:+:$PATH}"`;
    case 'csh':
      return `set path = ( ${quoted} $path:q )`;
    case 'fish':
      return `set -gx PATH ${quoted} $PATH`;
    case 'elvish':
      return `set paths = [${quoted} (all (or $paths []))]`;
    case 'xonsh':
      return `$PATH.insert(0, ${quoted})`;
  }
}

/** Renders the line that puts a directory last on PATH, like renderPathPrepend. */
export function renderPathAppend(shell: ShellName, directory: string): string {
  const quoted = checkDirectory(shell, directory);
  switch (SHELL_SYNTAX[shell].family) {
    case 'posix':
      return `export PATH="\${PATH:+$PATH:}"${quoted}`;
    case 'csh':
      return `set path = ( $path:q ${quoted} )`;
    case 'fish':
      return `set -gx PATH $PATH ${quoted}`;
    case 'elvish':
      return `set paths = [(all (or $paths [])) ${quoted}]`;
    case 'xonsh':
      return `$PATH.append(${quoted})`;
  }
}
