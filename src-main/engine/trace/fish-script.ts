/**
 * A model of a fish script for finding the line a traced command came from. fish 3.6 traces give
 * no line numbers and print commands after expansion, so each statement of the file becomes a
 * pattern: literal words must appear as traced, and a word with an expansion (`$HOME/go`,
 * `(tool init)`, `*.fish`) matches any number of traced arguments that fit its literal parts.
 *
 * Statements are listed in the order fish traces them: a command substitution runs before the
 * command that contains it, `if` and `while` are traced before their condition, `for` and
 * `switch` after the substitutions in their arguments. Redirections, `and`/`or`/`not` and the
 * `command`/`builtin` decorators do not appear in a trace, so they are left out of the patterns.
 */

import { decodeEscape } from './fish-words.ts';

/** The arguments one word of a statement can expand to. */
export interface WordPattern {
  /** The word's text when it contains no expansion. It then matches exactly one equal argument. */
  literal: string | null;
  /** Matches one argument the word can expand to. */
  regex: RegExp;
  minArgs: number;
  maxArgs: number;
}

export type BlockKeyword = 'if' | 'else' | 'else if' | 'while' | 'for' | 'switch' | 'case' | 'begin' | 'end' | 'function';

/** One traced step of the script: a command, or a block keyword that fish traces on its own. */
export interface ScriptUnit {
  line: number;
  keyword: BlockKeyword | null;
  /** For commands: the word patterns, with and without a decorator such as `command`. */
  alternatives: WordPattern[][];
  /** For `function`: the pattern of the function's name. */
  functionName: WordPattern | null;
  /** Index of the `function` unit whose body contains this unit, or -1 outside functions. */
  owner: number;
  /** Index of the innermost block (`if`, `for`, `function`, ...) containing this unit, or -1. */
  block: number;
  /** For a unit that opens a block: index of its `end`, or -1 when the block is not closed. */
  end: number;
}

const OPENERS = new Set<BlockKeyword>(['if', 'while', 'for', 'switch', 'begin', 'function']);
const DECORATORS_WITH_OPTIONS = new Set(['command', 'builtin']);
const DECORATORS = new Set(['exec', 'time']);
const CONDITION_PREFIXES = new Set(['and', 'or', 'not', '!']);

type Piece =
  | { kind: 'literal'; text: string }
  | { kind: 'expansion'; quoted: boolean; substitutions: RawStatement[] }
  | { kind: 'brace' }
  | { kind: 'tilde' };

interface RawWord {
  pieces: Piece[];
  line: number;
}

interface RawStatement {
  words: RawWord[];
}

/** Splits fish source text into statements and words, keeping command substitutions nested. */
class FishLexer {
  private position = 0;
  private readonly lineStarts: number[] = [0];

  constructor(private readonly text: string) {
    for (let index = 0; index < text.length; index += 1) {
      if (text[index] === '\n') this.lineStarts.push(index + 1);
    }
  }

  /** Returns the 1-based line number of a position in the text. */
  lineAt(position: number): number {
    let low = 0;
    let high = this.lineStarts.length - 1;
    while (low < high) {
      const middle = (low + high + 1) >> 1;
      if (this.lineStarts[middle]! <= position) low = middle;
      else high = middle - 1;
    }
    return low + 1;
  }

  /** Reads statements up to the end of the text, or up to the `)` that ends a substitution. */
  readStatements(inSubstitution: boolean): RawStatement[] {
    const statements: RawStatement[] = [];
    let words: RawWord[] = [];
    const finish = () => {
      if (words.length > 0) statements.push({ words });
      words = [];
    };
    const text = this.text;
    while (this.position < text.length) {
      const char = text[this.position]!;
      const next = text[this.position + 1];
      if (char === ' ' || char === '\t' || char === '\r') {
        this.position += 1;
      } else if (char === '\\' && next === '\n') {
        this.position += 2;
      } else if (char === '\n' || char === ';') {
        finish();
        this.position += 1;
      } else if (char === ')') {
        this.position += 1;
        if (inSubstitution) {
          finish();
          return statements;
        }
      } else if (char === '#') {
        while (this.position < text.length && text[this.position] !== '\n') this.position += 1;
      } else if (char === '|') {
        finish();
        this.position += next === '|' ? 2 : 1;
      } else if (char === '&' && (next === '&' || next === '|')) {
        finish();
        this.position += 2;
      } else if (char === '&' && next === '>') {
        if (this.skipRedirection() === 'pipe') finish();
      } else if (char === '&') {
        finish();
        this.position += 1;
      } else if (char === '<' || char === '>' || /^\d+[<>]/.test(text.slice(this.position, this.position + 12))) {
        if (this.skipRedirection() === 'pipe') finish();
      } else {
        words.push(this.readWord());
      }
    }
    finish();
    return statements;
  }

  /** Skips a redirection and its target. `2>|` is a pipe, so it ends the statement. */
  private skipRedirection(): 'redirection' | 'pipe' {
    const text = this.text;
    while (/\d/.test(text[this.position] ?? '')) this.position += 1;
    if (text[this.position] === '&') this.position += 1;
    const operator = text[this.position];
    this.position += 1;
    if (operator === '>' && text[this.position] === '|') {
      this.position += 1;
      return 'pipe';
    }
    if (operator === '>' && text[this.position] === '>') this.position += 1;
    if (text[this.position] === '?') this.position += 1;
    if (text[this.position] === '&') {
      // A descriptor copy such as `2>&1` or `>&-` has no file word.
      this.position += 1;
      while (/[\d-]/.test(text[this.position] ?? '')) this.position += 1;
      return 'redirection';
    }
    while (text[this.position] === ' ' || text[this.position] === '\t') this.position += 1;
    const target = text[this.position];
    if (target !== undefined && !/[\n;|&<>)]/.test(target)) this.readWord();
    return 'redirection';
  }

  private readWord(): RawWord {
    const text = this.text;
    const start = this.position;
    const pieces: Piece[] = [];
    const literal = (value: string) => {
      const last = pieces.at(-1);
      if (last?.kind === 'literal') last.text += value;
      else pieces.push({ kind: 'literal', text: value });
    };
    while (this.position < text.length) {
      const char = text[this.position]!;
      const next = text[this.position + 1];
      if (/[ \t\r\n;|<>)]/.test(char)) break;
      if (char === '&' && (next === undefined || /[ \t\r\n;|&>]/.test(next))) break;
      if (char === '(' || (char === '$' && next === '(')) {
        this.position += char === '$' ? 2 : 1;
        pieces.push({ kind: 'expansion', quoted: false, substitutions: this.readStatements(true) });
      } else if (char === '$') {
        if (!this.readVariable()) {
          literal('$');
          this.position += 1;
        } else {
          pieces.push({ kind: 'expansion', quoted: false, substitutions: [] });
        }
      } else if (char === "'") {
        literal(this.readSingleQuoted());
      } else if (char === '"') {
        this.readDoubleQuoted(pieces, literal);
      } else if (char === '\\') {
        const { value, next: after } = decodeEscape(text, this.position + 1);
        literal(value);
        this.position = after;
      } else if (char === '*' || char === '?') {
        pieces.push({ kind: 'expansion', quoted: false, substitutions: [] });
        this.position += 1;
      } else if (char === '~' && this.position === start) {
        pieces.push({ kind: 'tilde' });
        this.position += 1;
      } else if (char === '{' && this.braceHasComma()) {
        this.skipBrace();
        pieces.push({ kind: 'brace' });
      } else {
        literal(char);
        this.position += 1;
      }
    }
    return { pieces, line: this.lineAt(start) };
  }

  /** Reads `$name`, `$$name` and any `[index]` after it. Returns false when no name follows the `$`. */
  private readVariable(): boolean {
    const match = /^\$+[A-Za-z0-9_]+/.exec(this.text.slice(this.position, this.position + 256));
    if (!match) return false;
    this.position += match[0].length;
    while (this.text[this.position] === '[') this.skipBalanced('[', ']');
    return true;
  }

  private skipBalanced(open: string, close: string): void {
    let depth = 0;
    while (this.position < this.text.length) {
      const char = this.text[this.position]!;
      if (char === '\\') {
        this.position += 2;
        continue;
      }
      if (char === "'") {
        this.readSingleQuoted();
        continue;
      }
      if (char === open) depth += 1;
      if (char === close) depth -= 1;
      this.position += 1;
      if (depth === 0) return;
    }
  }

  /** True when the `{` at the current position starts a brace expansion (it has a comma). */
  private braceHasComma(): boolean {
    let depth = 0;
    for (let index = this.position; index < this.text.length; index += 1) {
      const char = this.text[index]!;
      if (char === '\\') index += 1;
      else if (char === '{') depth += 1;
      else if (char === '}') {
        depth -= 1;
        if (depth === 0) return false;
      } else if (char === ',' && depth === 1) return true;
      else if (/[ \t\n;|]/.test(char)) return false;
    }
    return false;
  }

  private skipBrace(): void {
    this.skipBalanced('{', '}');
  }

  private readSingleQuoted(): string {
    let value = '';
    this.position += 1;
    while (this.position < this.text.length && this.text[this.position] !== "'") {
      const char = this.text[this.position]!;
      const next = this.text[this.position + 1];
      if (char === '\\' && (next === "'" || next === '\\')) {
        value += next;
        this.position += 2;
      } else {
        value += char;
        this.position += 1;
      }
    }
    this.position += 1;
    return value;
  }

  private readDoubleQuoted(pieces: Piece[], literal: (value: string) => void): void {
    this.position += 1;
    while (this.position < this.text.length && this.text[this.position] !== '"') {
      const char = this.text[this.position]!;
      const next = this.text[this.position + 1];
      if (char === '\\' && next === '\n') {
        this.position += 2;
      } else if (char === '\\' && (next === '"' || next === '\\' || next === '$')) {
        literal(next);
        this.position += 2;
      } else if (char === '$' && next === '(') {
        this.position += 2;
        pieces.push({ kind: 'expansion', quoted: true, substitutions: this.readStatements(true) });
      } else if (char === '$' && this.readVariable()) {
        pieces.push({ kind: 'expansion', quoted: true, substitutions: [] });
      } else {
        literal(char);
        this.position += 1;
      }
    }
    this.position += 1;
  }
}

/** Maximum number of wildcards one word's pattern keeps (see `wordPattern`). */
const MAX_WILDCARDS = 3;

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

/** Builds the pattern of one word: what each traced argument must look like, and how many. */
function wordPattern(word: RawWord): WordPattern {
  // The literal runs between expansions. An expansion can stand for any text.
  const literals: string[] = [''];
  let expandsToAny = false;
  let expandsToMany = false;
  for (const piece of word.pieces) {
    if (piece.kind === 'literal') {
      literals[literals.length - 1] += piece.text;
      continue;
    }
    if (literals.at(-1) !== '' || literals.length === 1) literals.push('');
    if (piece.kind === 'brace') expandsToMany = true;
    if (piece.kind === 'expansion' && !piece.quoted) expandsToAny = true;
  }
  if (literals.length === 1) {
    return { literal: literals[0]!, regex: new RegExp(`^${escapeRegex(literals[0]!)}$`), minArgs: 1, maxArgs: 1 };
  }
  // Each wildcard between literals multiplies the backtracking on a mismatch, so a word with many
  // only has its first and last literal checked.
  const kept = literals.length > MAX_WILDCARDS + 1 ? [literals[0]!, literals.at(-1)!] : literals;
  return {
    literal: null,
    regex: new RegExp(`^${kept.map(escapeRegex).join('[\\s\\S]*')}$`),
    minArgs: expandsToAny ? 0 : 1,
    maxArgs: expandsToAny || expandsToMany ? Number.POSITIVE_INFINITY : 1,
  };
}

function literalOf(word: RawWord | undefined): string | null {
  if (!word || word.pieces.length !== 1 || word.pieces[0]!.kind !== 'literal') return null;
  return word.pieces[0]!.text;
}

/** Turns statements into units, tracking which block and function each unit is in. */
class UnitBuilder {
  readonly units: ScriptUnit[] = [];
  private readonly openBlocks: number[] = [];

  addStatements(statements: RawStatement[]): void {
    for (const statement of statements) this.addStatement(statement.words);
  }

  private addStatement(allWords: RawWord[]): void {
    let words = allWords;
    while (words.length > 0 && CONDITION_PREFIXES.has(literalOf(words[0]) ?? '')) words = words.slice(1);
    if (words.length === 0) return;
    const line = words[0]!.line;
    const first = literalOf(words[0]);

    switch (first) {
      case 'if':
      case 'while':
        this.push(line, first);
        this.addStatement(words.slice(1));
        return;
      case 'else':
        if (literalOf(words[1]) === 'if') {
          this.push(line, 'else if');
          this.addStatement(words.slice(2));
        } else {
          this.push(line, 'else');
          this.addStatement(words.slice(1));
        }
        return;
      case 'for':
      case 'switch':
        this.addSubstitutions(words.slice(1));
        this.push(line, first);
        return;
      case 'case':
        this.push(line, 'case');
        return;
      case 'begin':
        this.push(line, 'begin');
        this.addStatement(words.slice(1));
        return;
      case 'end':
        this.push(line, 'end');
        return;
      case 'function':
        this.push(line, 'function', [], words[1] ? wordPattern(words[1]) : null);
        return;
      default:
        break;
    }

    this.addSubstitutions(words);
    const patterns = words.map(wordPattern);
    const alternatives = [patterns];
    const second = literalOf(words[1]);
    if (first !== null && words.length > 1) {
      const decorates = DECORATORS.has(first) || (DECORATORS_WITH_OPTIONS.has(first) && !second?.startsWith('-'));
      if (decorates) alternatives.unshift(patterns.slice(1));
    }
    this.push(line, null, alternatives);
  }

  /** Adds the statements inside the words' command substitutions, which fish runs first. */
  private addSubstitutions(words: RawWord[]): void {
    for (const word of words) {
      for (const piece of word.pieces) {
        if (piece.kind === 'expansion') this.addStatements(piece.substitutions);
      }
    }
  }

  private push(
    line: number,
    keyword: BlockKeyword | null,
    alternatives: WordPattern[][] = [],
    functionName: WordPattern | null = null,
  ): void {
    const index = this.units.length;
    const owner = this.innermostFunction();
    const block = this.openBlocks.at(-1) ?? -1;
    this.units.push({ line, keyword, alternatives, functionName, owner, block, end: -1 });
    if (keyword === 'end') {
      const closed = this.openBlocks.pop();
      if (closed !== undefined) this.units[closed]!.end = index;
    } else if (keyword !== null && OPENERS.has(keyword)) {
      this.openBlocks.push(index);
    }
  }

  private innermostFunction(): number {
    for (let index = this.openBlocks.length - 1; index >= 0; index -= 1) {
      const unit = this.units[this.openBlocks[index]!]!;
      if (unit.keyword === 'function') return this.openBlocks[index]!;
    }
    return -1;
  }
}

/** Parses fish source text into its traced steps, in the order fish runs them. */
export function parseFishScript(text: string): ScriptUnit[] {
  const lexer = new FishLexer(text);
  const builder = new UnitBuilder();
  builder.addStatements(lexer.readStatements(false));
  return builder.units;
}

/** Reports whether word patterns can expand to exactly the traced arguments. */
export function patternsMatch(patterns: WordPattern[], args: string[]): boolean {
  const failed = new Set<number>();
  const key = (patternIndex: number, argIndex: number) => patternIndex * (args.length + 1) + argIndex;
  const matchFrom = (patternIndex: number, argIndex: number): boolean => {
    if (patternIndex === patterns.length) return argIndex === args.length;
    if (failed.has(key(patternIndex, argIndex))) return false;
    const pattern = patterns[patternIndex]!;
    let matched = false;
    if (pattern.literal !== null) {
      matched = args[argIndex] === pattern.literal && matchFrom(patternIndex + 1, argIndex + 1);
    } else {
      const maxCount = Math.min(pattern.maxArgs, args.length - argIndex);
      for (let count = 0; count <= maxCount && !matched; count += 1) {
        if (count > 0 && !pattern.regex.test(args[argIndex + count - 1]!)) break;
        if (count >= pattern.minArgs) matched = matchFrom(patternIndex + 1, argIndex + count);
      }
    }
    if (!matched) failed.add(key(patternIndex, argIndex));
    return matched;
  };
  return matchFrom(0, 0);
}

/** A traced command, split into arguments and classified as a block keyword or a command. */
export interface TracedStep {
  keyword: BlockKeyword | null;
  args: string[];
}

/** Classifies a traced command's arguments: fish traces `if`, `end if`, `for ITEMS`, ... */
export function classifyTracedStep(args: string[]): TracedStep {
  const first = args[0];
  if (first === 'else') return { keyword: args[1] === 'if' ? 'else if' : 'else', args };
  if (first === 'if' || first === 'while' || first === 'begin') return { keyword: first, args };
  if (first === 'for' || first === 'switch' || first === 'end' || first === 'function') {
    return { keyword: first, args };
  }
  return { keyword: null, args };
}

/** Reports whether a unit is the source of a traced step. */
export function unitMatches(unit: ScriptUnit, step: TracedStep): boolean {
  if (unit.keyword !== step.keyword) return false;
  if (step.keyword === 'function') {
    const name = step.args[1];
    return name !== undefined && unit.functionName !== null && patternsMatch([unit.functionName], [name]);
  }
  if (step.keyword !== null) return true;
  return unit.alternatives.some((patterns) => patternsMatch(patterns, step.args));
}
