/**
 * Builds regular expressions that recognise the trace line of a parsed command. dash and posh
 * print a traced command as its expanded words joined by single spaces, without any quoting, so a
 * command's pattern is its words in order: literal text stays literal, a variable whose value is
 * known at that point becomes that value, and every other expansion matches any text.
 */
import type { ShAssignmentWord, ShStep, ShWord, WordPart } from './sh-script-model.ts';

/** The printing and expansion rules of one shell that matter for matching. */
export interface ShDialect {
  shell: 'dash' | 'posh';
  /**
   * dash treats the NAME=value arguments of export, readonly and local as assignments: no field
   * splitting, `~` expanded. posh expands them like any argument.
   */
  declarationAssignments: boolean;
  /**
   * posh prints a command's prefix assignments and each of its redirections as separate trace
   * lines after the command; dash prints the assignments before the command on the same line and
   * leaves redirections out.
   */
  separateTraceLines: boolean;
}

export const DASH_DIALECT: ShDialect = { shell: 'dash', declarationAssignments: true, separateTraceLines: false };
export const POSH_DIALECT: ShDialect = { shell: 'posh', declarationAssignments: false, separateTraceLines: true };

/** Variable values known at one point of the run; a name missing here has an unknown value. */
export interface KnownVariables {
  values: Map<string, string>;
  /** Names whose value must never be assumed (loop and `read` variables, PWD). */
  untracked: Set<string>;
  /** `$1`, `$2`, ... of the running function, or null where they are not known (file level). */
  positional: string[] | null;
}

/** Returns the value a variable or positional parameter is known to have, or undefined. */
export function knownValue(known: KnownVariables, name: string): string | undefined {
  if (/^\d+$/.test(name)) {
    const index = Number.parseInt(name, 10);
    if (!known.positional || index === 0) return undefined;
    return known.positional[index - 1] ?? '';
  }
  if (known.untracked.has(name)) return undefined;
  return known.values.get(name);
}

const ANY = '[\\s\\S]*?';

export function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

/** The expansion rules a word gets: those of a command argument, or of an assignment value. */
type WordContext = 'argument' | 'assignment';

interface WordPattern {
  source: string;
  /** An unquoted word made only of expansions disappears from the command when it expands to nothing. */
  mayVanish: boolean;
  /** Literal characters the pattern requires. */
  literalLength: number;
}

/** Builds the pattern of one word; `known` null gives the loose pattern that assumes no values. */
function wordPattern(word: ShWord, known: KnownVariables | null, context: WordContext): WordPattern {
  let source = '';
  let literalLength = 0;
  let mayVanish = word.parts.length > 0;
  for (const part of word.parts) {
    source += partPattern(part, known, context);
    if (part.kind === 'literal') literalLength += part.text.length;
    const expandsUnquoted = (part.kind === 'variable' || part.kind === 'unknown') && !part.quoted;
    if (!expandsUnquoted) mayVanish = false;
  }
  return { source, mayVanish: context === 'argument' && mayVanish, literalLength };
}

function partPattern(part: WordPart, known: KnownVariables | null, context: WordContext): string {
  switch (part.kind) {
    case 'literal':
      return escapeRegExp(part.text);
    case 'glob':
      return part.text === '?' ? '[\\s\\S]' : ANY;
    case 'tilde': {
      const home = known ? knownValue(known, 'HOME') : undefined;
      if (part.user === '' && home !== undefined) return `(?:${escapeRegExp(home)}|~)`;
      return ANY;
    }
    case 'unknown':
      return ANY;
    case 'variable': {
      const value = known ? knownValue(known, part.name) : undefined;
      if (value === undefined) return ANY;
      if (context === 'argument' && !part.quoted) {
        return escapeRegExp(value.split(/[ \t\n]+/).filter(Boolean).join(' '));
      }
      return escapeRegExp(value);
    }
  }
}

/**
 * Expands an assignment value from the known variables alone, for an assignment the trace does not
 * print; returns null when any part of it is not known.
 */
export function expandAssignmentValue(word: ShWord, known: KnownVariables): string | null {
  let value = '';
  for (const part of word.parts) {
    if (part.kind === 'literal' || part.kind === 'glob') value += part.text;
    else if (part.kind === 'tilde' && part.user === '' && knownValue(known, 'HOME') !== undefined) value += knownValue(known, 'HOME');
    else if (part.kind === 'variable' && knownValue(known, part.name) !== undefined) value += knownValue(known, part.name);
    else return null;
  }
  return value;
}

/** A compiled pattern for one trace line, with one capture group per word. */
export interface StepPattern {
  /** Matches the command at the start of a trace chunk, up to the end of a line. */
  regex: RegExp;
  /** Matches only when the command is the whole chunk (a value may contain newlines). */
  wholeRegex: RegExp;
  /** Text every matching line starts with, for a quick check before the regular expression. */
  prefix: string;
  /** True when the pattern requires no literal text at all (`$command "$@"`). */
  unanchored: boolean;
  /** The contents of each capture group, in order. */
  groups: CaptureGroup[];
}

export type CaptureGroup =
  | { kind: 'word'; word: ShWord }
  | { kind: 'assignment'; assignment: ShAssignmentWord; declaration: boolean };

interface PatternPiece {
  source: string;
  mayVanish: boolean;
  literalLength: number;
  group: CaptureGroup;
  /** Literal text at the start of the piece, when it starts with literal text. */
  leadingLiteral: string;
}

/** Builds the pattern of a step's main trace line. */
export function stepPattern(step: ShStep, known: KnownVariables | null, dialect: ShDialect): StepPattern {
  const pieces: PatternPiece[] = [];
  const includePrefix = step.kind === 'assignment' || (step.kind === 'command' && !dialect.separateTraceLines);
  if (includePrefix) {
    for (const assignment of step.assignments) pieces.push(assignmentPiece(assignment, known, false));
  }
  for (const word of step.words) {
    const pattern = wordPattern(word, known, 'argument');
    pieces.push({ ...pattern, group: { kind: 'word', word }, leadingLiteral: leadingLiteral(word) });
  }
  for (const argument of step.declarationArguments) {
    if (argument.kind === 'assignment') {
      pieces.push(assignmentPiece(argument.assignment, known, true, dialect.declarationAssignments ? 'assignment' : 'argument'));
    } else {
      const pattern = wordPattern(argument.word, known, 'argument');
      pieces.push({ ...pattern, group: { kind: 'word', word: argument.word }, leadingLiteral: leadingLiteral(argument.word) });
    }
  }
  return compile(pieces);
}

/** Builds the pattern of posh's separate line with a command's prefix assignments. */
export function prefixAssignmentPattern(step: ShStep, known: KnownVariables | null): StepPattern | null {
  if (step.kind !== 'command' || step.assignments.length === 0) return null;
  return compile(step.assignments.map((assignment) => assignmentPiece(assignment, known, false)));
}

function assignmentPiece(
  assignment: ShAssignmentWord,
  known: KnownVariables | null,
  declaration: boolean,
  context: WordContext = 'assignment',
): PatternPiece {
  const value = wordPattern(assignment.value, known, context);
  return {
    source: `${escapeRegExp(assignment.name)}=${value.source}`,
    mayVanish: false,
    literalLength: assignment.name.length + 1 + value.literalLength,
    group: { kind: 'assignment', assignment, declaration },
    leadingLiteral: `${assignment.name}=`,
  };
}

function leadingLiteral(word: ShWord): string {
  const first = word.parts[0];
  return first?.kind === 'literal' ? first.text : '';
}

function compile(pieces: PatternPiece[]): StepPattern {
  let source = '^';
  pieces.forEach((piece, index) => {
    const separator = index === 0 ? '' : ' ';
    source += piece.mayVanish ? `(?:${separator}(${piece.source}))?` : `${separator}(${piece.source})`;
  });
  const first = pieces[0];
  const literalLength = pieces.reduce((total, piece) => total + piece.literalLength, 0);
  return {
    // The command ends at the end of a line; text after that newline is the command's own output.
    regex: new RegExp(`${source}(?=\\n|$)`),
    wholeRegex: new RegExp(`${source}$`),
    prefix: first && !first.mayVanish ? first.leadingLiteral : '',
    unanchored: literalLength === 0,
    groups: pieces.map((piece) => piece.group),
  };
}

/** Returns the names of the variables a step's words refer to, which decide its specific pattern. */
export function referencedVariables(step: ShStep): string[] {
  const names = new Set<string>();
  const visit = (word: ShWord) => {
    for (const part of word.parts) {
      if (part.kind === 'variable') names.add(part.name);
      if (part.kind === 'tilde') names.add('HOME');
    }
  };
  for (const assignment of step.assignments) visit(assignment.value);
  for (const word of step.words) visit(word);
  for (const argument of step.declarationArguments) {
    visit(argument.kind === 'assignment' ? argument.assignment.value : argument.word);
  }
  return [...names].sort();
}

/** Quotes a word for a canonical trace command that the sh-family word splitter reads back. */
export function quoteWord(word: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(word)) return word;
  return `'${word.replaceAll("'", `'\\''`)}'`;
}
