/**
 * Turns the syntax tree of an sh startup file into a flat list of the simple commands it can run,
 * in the order the shell runs them: commands inside a command substitution come before the
 * command that contains it. Each step keeps its line and the conditions around it (if/case arms,
 * `&&`/`||` right sides, loop bodies), which the trace matcher needs to tell skipped code from
 * code that must have run.
 */
import type { Node } from 'web-tree-sitter';

import { parseShellSource } from './sh-grammar.ts';

/** One piece of a shell word, before expansion. */
export type WordPart =
  | { kind: 'literal'; text: string }
  /** `$NAME` or `${NAME}`. */
  | { kind: 'variable'; name: string; quoted: boolean }
  /** `~` or `~user` where the shell expands it. */
  | { kind: 'tilde'; user: string }
  /** Unquoted `*`, `?` or `[`: the shell may replace the word with file names. */
  | { kind: 'glob'; text: string }
  /** Anything whose result the reader cannot predict: `$(...)`, `$((...))`, `${X:-y}`, `$1`. */
  | { kind: 'unknown'; quoted: boolean; source: string };

export interface ShWord {
  parts: WordPart[];
  /** The word as written in the file. */
  source: string;
}

export interface ShAssignmentWord {
  name: string;
  value: ShWord;
}

/** A word of a declaration (`export`, `readonly`, `local`) or `unset` command. */
export type ShDeclarationArgument =
  | { kind: 'assignment'; assignment: ShAssignmentWord }
  | { kind: 'word'; word: ShWord };

export type ShStepKind = 'command' | 'test' | 'assignment' | 'declaration' | 'unset';

/** One simple command of a file. */
export interface ShStep {
  index: number;
  /** 1-based line where the command starts. */
  line: number;
  kind: ShStepKind;
  /** NAME=value words: the whole command for `assignment`, the prefix of a `command`. */
  assignments: ShAssignmentWord[];
  /** `command`: name and arguments. `test`: every token from `[` to `]`. `declaration`/`unset`: the keyword. */
  words: ShWord[];
  /** Arguments of a `declaration` or `unset` command, after the keyword. */
  declarationArguments: ShDeclarationArgument[];
  /** Ids of the conditional regions around the step, outermost first. */
  guards: number[];
  /** Mutually exclusive arms (if/elif/else, case items) the step is in: [group id, arm index]. */
  arms: Array<[number, number]>;
  /** Ids of the loops around the step, outermost first. */
  loops: number[];
  /** True inside `( )`, `$( )` or a pipeline of several commands: assignments do not reach the shell. */
  subshell: boolean;
  /**
   * For the last command of an if or elif condition, or of the left side of `&&`/`||`: the guards
   * that run only when its status is true (`runsWhen` true) or false.
   */
  decides: Array<{ guard: number; runsWhen: boolean }>;
  /** True under `!`, which inverts the status the decisions look at. */
  negated: boolean;
  /** The command text as written, for display when the trace did not run it. */
  source: string;
}

export interface ShLoop {
  id: number;
  /** First and last step index inside the loop, condition included. */
  start: number;
  end: number;
  /** For a `for` loop: the variable and the words it runs over. */
  variable: string | null;
  items: ShWord[];
}

export interface ShFunction {
  name: string;
  line: number;
  body: ShScript;
}

/** The flattened commands of one file or one function body. */
export interface ShScript {
  steps: ShStep[];
  loops: Map<number, ShLoop>;
  /** Functions defined here, in definition order; a later definition of a name replaces an earlier one. */
  functions: ShFunction[];
  /** Variables changed in ways no trace line shows (`for` and `read` variables, `${X:=y}`). */
  untrackedVariables: Set<string>;
  /** True when tree-sitter reported syntax errors; the steps cover what it could parse. */
  hasSyntaxErrors: boolean;
}

interface WalkContext {
  guards: number[];
  arms: Array<[number, number]>;
  loops: number[];
  subshell: boolean;
  negated: boolean;
}

const STATEMENT_SKIP = new Set(['comment', 'heredoc_body', 'heredoc_start', 'heredoc_end', 'file_redirect', 'herestring_redirect', 'heredoc_redirect']);

/** Parses shell source into its flattened commands. */
export function readShScript(source: string): ShScript {
  const tree = parseShellSource(source);
  try {
    const builder = new ScriptBuilder();
    builder.walkChildren(tree.rootNode, rootContext());
    return builder.finish(tree.rootNode.hasError);
  } finally {
    tree.delete();
  }
}

function rootContext(): WalkContext {
  return { guards: [], arms: [], loops: [], subshell: false, negated: false };
}

/** Ids for guards, arm groups and loops; unique across all scripts so frames never mix them up. */
let nextId = 1;
function newId(): number {
  nextId += 1;
  return nextId;
}

class ScriptBuilder {
  readonly steps: ShStep[] = [];
  readonly loops = new Map<number, ShLoop>();
  readonly functions: ShFunction[] = [];
  readonly untracked = new Set<string>();

  finish(hasSyntaxErrors: boolean): ShScript {
    return {
      steps: this.steps,
      loops: this.loops,
      functions: this.functions,
      untrackedVariables: this.untracked,
      hasSyntaxErrors,
    };
  }

  walkChildren(node: Node, context: WalkContext): void {
    for (const child of node.namedChildren) {
      if (child) this.walkStatement(child, context);
    }
  }

  walkStatement(node: Node, context: WalkContext): void {
    if (STATEMENT_SKIP.has(node.type)) return;
    switch (node.type) {
      case 'command':
        return this.addCommand(node, context);
      case 'declaration_command':
        return this.addDeclaration(node, context, 'declaration');
      case 'unset_command':
        return this.addDeclaration(node, context, 'unset');
      case 'test_command':
        return this.addTest(node, context);
      case 'variable_assignment':
      case 'variable_assignments':
        return this.addAssignments(node, context);
      case 'redirected_statement': {
        const body = node.childForFieldName('body');
        if (body) this.walkStatement(body, context);
        for (const child of node.namedChildren) {
          if (child && child.id !== body?.id) this.collectSubstitutions(child, context);
        }
        return;
      }
      case 'list':
        return this.walkList(node, context);
      case 'pipeline':
        return this.walkPipeline(node, context);
      case 'negated_command':
        return this.walkChildren(node, { ...context, negated: !context.negated });
      case 'compound_statement':
      case 'do_group':
        return this.walkChildren(node, context);
      case 'subshell':
        return this.walkChildren(node, { ...context, subshell: true });
      case 'if_statement':
        return this.walkIf(node, context);
      case 'case_statement':
        return this.walkCase(node, context);
      case 'for_statement':
      case 'c_style_for_statement':
        return this.walkFor(node, context);
      case 'while_statement':
        return this.walkWhile(node, context);
      case 'function_definition':
        return this.addFunction(node);
      default:
        return this.walkChildren(node, context);
    }
  }

  private addStep(node: Node, context: WalkContext, fields: Pick<ShStep, 'kind' | 'assignments' | 'words' | 'declarationArguments'>): void {
    this.steps.push({
      index: this.steps.length,
      line: node.startPosition.row + 1,
      ...fields,
      guards: context.guards,
      arms: context.arms,
      loops: context.loops,
      subshell: context.subshell,
      decides: [],
      negated: context.negated,
      source: node.text,
    });
  }

  /** Walks a condition and returns its last step when it decides the condition's status. */
  private walkCondition(nodes: Node[], context: WalkContext): ShStep | null {
    const before = this.steps.length;
    for (const node of nodes) this.walkStatement(node, context);
    const last = this.steps.at(-1);
    if (!last || this.steps.length === before) return null;
    const sameGuards = last.guards.length === context.guards.length && last.guards.every((guard, index) => guard === context.guards[index]);
    return sameGuards && !last.subshell ? last : null;
  }

  private addCommand(node: Node, context: WalkContext): void {
    const assignments: ShAssignmentWord[] = [];
    const words: ShWord[] = [];
    for (const child of node.namedChildren) {
      if (!child) continue;
      if (child.type === 'variable_assignment') {
        const assignment = this.readAssignment(child, context);
        if (assignment) assignments.push(assignment);
      } else if (child.type === 'command_name') {
        const inner = child.namedChildren[0] ?? child;
        words.push(this.readWord(inner, context, false));
      } else if (STATEMENT_SKIP.has(child.type)) {
        this.collectSubstitutions(child, context);
      } else {
        words.push(this.readWord(child, context, false));
      }
    }
    const firstPart = words[0]?.parts.length === 1 ? words[0].parts[0] : undefined;
    const name = firstPart?.kind === 'literal' ? firstPart.text : null;
    if (name === 'read' || name === 'getopts') {
      for (const word of words.slice(1)) if (/^[A-Za-z_]\w*$/.test(word.source)) this.untracked.add(word.source);
    }
    this.addStep(node, context, { kind: 'command', assignments, words, declarationArguments: [] });
  }

  private addDeclaration(node: Node, context: WalkContext, kind: 'declaration' | 'unset'): void {
    const keyword = node.child(0);
    const declarationArguments: ShDeclarationArgument[] = [];
    for (const child of node.namedChildren) {
      if (!child || child.id === keyword?.id) continue;
      if (child.type === 'variable_assignment') {
        const assignment = this.readAssignment(child, context);
        if (assignment) declarationArguments.push({ kind: 'assignment', assignment });
      } else if (STATEMENT_SKIP.has(child.type)) {
        this.collectSubstitutions(child, context);
      } else {
        declarationArguments.push({ kind: 'word', word: this.readWord(child, context, false) });
      }
    }
    const keywordText = keyword?.text ?? (kind === 'unset' ? 'unset' : 'export');
    this.addStep(node, context, {
      kind,
      assignments: [],
      words: [literalWord(keywordText)],
      declarationArguments,
    });
  }

  private addTest(node: Node, context: WalkContext): void {
    const words: ShWord[] = [];
    const visit = (current: Node) => {
      if (WORD_TYPES.has(current.type)) {
        words.push(this.readWord(current, context, false));
        return;
      }
      if (current.childCount === 0) {
        if (current.type !== 'comment') words.push(literalWord(current.text));
        return;
      }
      for (const child of current.children) if (child) visit(child);
    };
    for (const child of node.children) if (child) visit(child);
    this.addStep(node, context, { kind: 'test', assignments: [], words, declarationArguments: [] });
  }

  private addAssignments(node: Node, context: WalkContext): void {
    const nodes = node.type === 'variable_assignment' ? [node] : node.namedChildren.filter((child): child is Node => child?.type === 'variable_assignment');
    const assignments = nodes.map((child) => this.readAssignment(child, context)).filter((item): item is ShAssignmentWord => item !== null);
    this.addStep(node, context, { kind: 'assignment', assignments, words: [], declarationArguments: [] });
  }

  private walkList(node: Node, context: WalkContext): void {
    const children = node.children.filter((child): child is Node => child !== null);
    const operatorIndex = children.findIndex((child) => child.type === '&&' || child.type === '||');
    if (operatorIndex === -1) return this.walkChildren(node, context);
    const left = children.slice(0, operatorIndex).filter((child) => child.isNamed);
    const right = children.slice(operatorIndex + 1).filter((child) => child.isNamed);
    const decider = this.walkCondition(left, context);
    const guard = newId();
    decider?.decides.push({ guard, runsWhen: children[operatorIndex]!.type === '&&' });
    for (const child of right) this.walkStatement(child, { ...context, guards: [...context.guards, guard] });
  }

  private walkPipeline(node: Node, context: WalkContext): void {
    const parts = node.namedChildren.filter((child): child is Node => child !== null && child.type !== 'comment');
    if (parts.length <= 1) return this.walkChildren(node, context);
    // Each command of a pipeline runs in its own subshell, and their trace lines arrive in any
    // order, so every part is optional for the matcher.
    for (const part of parts) {
      this.walkStatement(part, { ...context, subshell: true, guards: [...context.guards, newId()] });
    }
  }

  private walkIf(node: Node, context: WalkContext): void {
    const group = newId();
    const children = node.children.filter((child): child is Node => child !== null);
    const thenIndex = children.findIndex((child) => child.type === 'then');
    const clauses = children.filter((child) => child.type === 'elif_clause' || child.type === 'else_clause');
    const condition = children.slice(0, thenIndex === -1 ? children.length : thenIndex).filter((child) => child.isNamed);
    const body = thenIndex === -1 ? [] : children.slice(thenIndex + 1).filter((child) => child.isNamed && child.type !== 'elif_clause' && child.type !== 'else_clause');
    const armGuards = clauses.map(() => newId());

    const thenGuard = newId();
    const decider = this.walkCondition(condition, context);
    decider?.decides.push({ guard: thenGuard, runsWhen: true });
    if (armGuards[0] !== undefined) decider?.decides.push({ guard: armGuards[0], runsWhen: false });
    const bodyContext: WalkContext = { ...context, guards: [...context.guards, thenGuard], arms: [...context.arms, [group, 0]] };
    for (const child of body) this.walkStatement(child, bodyContext);

    clauses.forEach((clause, index) => {
      const armContext: WalkContext = { ...context, guards: [...context.guards, armGuards[index]!], arms: [...context.arms, [group, index + 1]] };
      if (clause.type === 'else_clause') {
        this.walkChildren(clause, armContext);
        return;
      }
      const parts = clause.children.filter((child): child is Node => child !== null);
      const clauseThen = parts.findIndex((child) => child.type === 'then');
      const clauseCondition = parts.slice(0, clauseThen === -1 ? parts.length : clauseThen).filter((child) => child.isNamed);
      const clauseBody = clauseThen === -1 ? [] : parts.slice(clauseThen + 1).filter((child) => child.isNamed);
      const bodyGuard = newId();
      const clauseDecider = this.walkCondition(clauseCondition, armContext);
      clauseDecider?.decides.push({ guard: bodyGuard, runsWhen: true });
      const next = armGuards[index + 1];
      if (next !== undefined) clauseDecider?.decides.push({ guard: next, runsWhen: false });
      for (const child of clauseBody) this.walkStatement(child, { ...armContext, guards: [...armContext.guards, bodyGuard] });
    });
  }

  private walkCase(node: Node, context: WalkContext): void {
    const value = node.childForFieldName('value');
    if (value) this.collectSubstitutions(value, context);
    const group = newId();
    let arm = 0;
    for (const item of node.namedChildren) {
      if (!item || item.type !== 'case_item') continue;
      const itemContext: WalkContext = { ...context, guards: [...context.guards, newId()], arms: [...context.arms, [group, arm]] };
      arm += 1;
      const patternIds = new Set(item.childrenForFieldName('value').map((pattern) => pattern?.id));
      for (const child of item.namedChildren) {
        if (child && !patternIds.has(child.id)) this.walkStatement(child, itemContext);
      }
    }
  }

  private walkFor(node: Node, context: WalkContext): void {
    const id = newId();
    const variableNode = node.childForFieldName('variable');
    const variable = variableNode?.text ?? null;
    if (variable) this.untracked.add(variable);
    const items = node.childrenForFieldName('value').filter((item): item is Node => item !== null).map((item) => this.readWord(item, context, false));
    const start = this.steps.length;
    const body = node.childForFieldName('body');
    if (body) this.walkStatement(body, { ...context, guards: [...context.guards, newId()], loops: [...context.loops, id] });
    this.loops.set(id, { id, start, end: this.steps.length - 1, variable, items });
  }

  private walkWhile(node: Node, context: WalkContext): void {
    const id = newId();
    const start = this.steps.length;
    const loopContext = { ...context, loops: [...context.loops, id] };
    for (const condition of node.childrenForFieldName('condition')) {
      if (condition) this.walkStatement(condition, loopContext);
    }
    const body = node.childForFieldName('body');
    if (body) this.walkStatement(body, { ...loopContext, guards: [...loopContext.guards, newId()] });
    this.loops.set(id, { id, start, end: this.steps.length - 1, variable: null, items: [] });
  }

  private addFunction(node: Node): void {
    const name = node.childForFieldName('name')?.text;
    const body = node.childForFieldName('body');
    if (!name || !body) return;
    const builder = new ScriptBuilder();
    builder.walkStatement(body, rootContext());
    for (const variable of builder.untracked) this.untracked.add(variable);
    this.functions.push({ name, line: node.startPosition.row + 1, body: builder.finish(body.hasError) });
  }

  private readAssignment(node: Node, context: WalkContext): ShAssignmentWord | null {
    const name = node.childForFieldName('name')?.text;
    if (!name) return null;
    const valueNode = node.childForFieldName('value');
    const value = valueNode ? this.readWord(valueNode, context, true) : { parts: [], source: '' };
    return { name, value };
  }

  /** Emits the commands of every command substitution inside a node, as subshell steps. */
  collectSubstitutions(node: Node, context: WalkContext): void {
    if (node.type === 'command_substitution' || node.type === 'process_substitution') {
      this.walkChildren(node, { ...context, subshell: true, guards: [...context.guards, newId()] });
      return;
    }
    for (const child of node.namedChildren) if (child) this.collectSubstitutions(child, context);
  }

  /**
   * Reads a word into parts. `assignment` is true for the value of NAME=value, where the shell
   * expands `~` after `:` too and never splits fields or expands file names.
   */
  readWord(node: Node, context: WalkContext, assignment: boolean): ShWord {
    const parts: WordPart[] = [];
    this.readParts(node, context, assignment, false, parts, true);
    return { parts: mergeLiterals(parts), source: node.text };
  }

  private readParts(node: Node, context: WalkContext, assignment: boolean, quoted: boolean, parts: WordPart[], wordStart: boolean): void {
    switch (node.type) {
      case 'word':
      case 'number':
      case 'variable_name':
      case 'test_operator':
      case 'extglob_pattern':
        if (quoted) parts.push({ kind: 'literal', text: node.text });
        else readUnquotedText(node.text, assignment, wordStart, parts);
        return;
      case 'raw_string':
        parts.push({ kind: 'literal', text: node.text.slice(1, -1) });
        return;
      case 'string_content':
        parts.push({ kind: 'literal', text: unescapeDoubleQuoted(node.text) });
        return;
      case 'string': {
        // Text between the named children (rare) is literal too.
        const inner = node.namedChildren.filter((child): child is Node => child !== null);
        if (inner.length === 0) {
          parts.push({ kind: 'literal', text: unescapeDoubleQuoted(node.text.slice(1, -1)) });
          return;
        }
        let cursor = node.startIndex + 1;
        for (const child of inner) {
          if (child.startIndex > cursor) parts.push({ kind: 'literal', text: unescapeDoubleQuoted(sliceBetween(node, cursor, child.startIndex)) });
          this.readParts(child, context, assignment, true, parts, false);
          cursor = child.endIndex;
        }
        if (node.endIndex - 1 > cursor) parts.push({ kind: 'literal', text: unescapeDoubleQuoted(sliceBetween(node, cursor, node.endIndex - 1)) });
        return;
      }
      case 'simple_expansion': {
        const name = node.namedChildren[0];
        if (name?.type === 'variable_name') parts.push({ kind: 'variable', name: name.text, quoted });
        else parts.push({ kind: 'unknown', quoted, source: node.text });
        return;
      }
      case 'expansion': {
        const children = node.children.filter((child): child is Node => child !== null);
        const names = children.filter((child) => child.type === 'variable_name');
        if (children.length === 3 && names.length === 1) {
          parts.push({ kind: 'variable', name: names[0]!.text, quoted });
          return;
        }
        if (names.length > 0 && children.some((child) => child.type === ':=' || child.type === '=')) this.untracked.add(names[0]!.text);
        this.collectSubstitutions(node, context);
        parts.push({ kind: 'unknown', quoted, source: node.text });
        return;
      }
      case 'command_substitution':
      case 'process_substitution':
        this.collectSubstitutions(node, context);
        parts.push({ kind: 'unknown', quoted, source: node.text });
        return;
      case 'concatenation': {
        let first = wordStart;
        for (const child of node.children) {
          if (!child) continue;
          this.readParts(child, context, assignment, quoted, parts, first);
          first = false;
        }
        return;
      }
      default:
        this.collectSubstitutions(node, context);
        if (node.childCount === 0) parts.push({ kind: 'literal', text: node.text });
        else parts.push({ kind: 'unknown', quoted, source: node.text });
    }
  }
}

/** Node types that are one shell word. */
const WORD_TYPES = new Set([
  'word', 'string', 'raw_string', 'simple_expansion', 'expansion', 'command_substitution', 'concatenation',
  'number', 'arithmetic_expansion', 'ansi_c_string', 'translated_string', 'process_substitution', 'extglob_pattern',
]);

function literalWord(text: string): ShWord {
  return { parts: [{ kind: 'literal', text }], source: text };
}

function sliceBetween(node: Node, start: number, end: number): string {
  return node.text.slice(start - node.startIndex, end - node.startIndex);
}

/** Removes the backslashes that a double-quoted string drops: before $ ` " \ and newline. */
function unescapeDoubleQuoted(text: string): string {
  return text.replace(/\\([$`"\\\n])/g, (_, char: string) => (char === '\n' ? '' : char));
}

/** Splits unquoted word text into literals, tildes and glob characters, dropping escapes. */
function readUnquotedText(text: string, assignment: boolean, wordStart: boolean, parts: WordPart[]): void {
  let literal = '';
  const flush = () => {
    if (literal) parts.push({ kind: 'literal', text: literal });
    literal = '';
  };
  for (let index = 0; index < text.length; index += 1) {
    const char = text[index]!;
    const tildePosition = (index === 0 && wordStart) || (assignment && index > 0 && text[index - 1] === ':');
    if (char === '~' && tildePosition) {
      const match = /^~([A-Za-z0-9_.-]*)(?=\/|:|$)/.exec(text.slice(index));
      if (match) {
        flush();
        parts.push({ kind: 'tilde', user: match[1]! });
        index += match[0].length - 1;
        continue;
      }
    }
    if (char === '\\' && index + 1 < text.length) {
      if (text[index + 1] !== '\n') literal += text[index + 1];
      index += 1;
      continue;
    }
    if (!assignment && (char === '*' || char === '?' || char === '[')) {
      flush();
      parts.push({ kind: 'glob', text: char });
      continue;
    }
    literal += char;
  }
  flush();
}

function mergeLiterals(parts: WordPart[]): WordPart[] {
  const merged: WordPart[] = [];
  for (const part of parts) {
    const previous = merged.at(-1);
    if (part.kind === 'literal' && previous?.kind === 'literal') previous.text += part.text;
    else merged.push(part.kind === 'literal' ? { ...part } : part);
  }
  return merged;
}
