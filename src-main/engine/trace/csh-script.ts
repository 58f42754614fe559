/**
 * Reads a csh script into the logical lines that tcsh's verbose mode (`-V`) echoes, and works
 * out which lines control can reach after each one. tcsh's trace names neither file nor line,
 * so the trace is matched against these lines to find both.
 *
 * Observed on tcsh 6.24 with `-X -V`: every line tcsh reads is echoed once as written, with its
 * comment removed and its words separated by single spaces (comment and blank lines echo as
 * empty lines). Lines skipped by a false `if`, a `switch` search or a `goto` are not echoed.
 * Loop bodies are echoed again on every pass.
 */
import { readRegularTextSync } from '../files/regular-file.ts';

export interface CshLine {
  /** Line number (1-based) of the first physical line, which continuation lines are joined to. */
  line: number;
  /** The logical line as written, continuation lines joined. */
  text: string;
  /** The text as compared with the trace: comment and all whitespace removed. */
  key: string;
  /** The key of `else if (…) then` without `else`, as tcsh echoes it when a false `if` reaches it. */
  alternateKey: string | null;
  /** Indices of the lines that can be echoed next. The index `lines.length` is the end of the file. */
  next: number[];
}

export interface CshScript {
  path: string;
  lines: CshLine[];
  /** Indices of the lines that can be echoed first. */
  start: number[];
}

/** Reads and analyses a csh script, or returns null when it cannot be read. */
export function loadCshScript(file: string): CshScript | null {
  let text: string;
  try {
    text = readRegularTextSync(file);
  } catch {
    return null;
  }
  return parseCshScript(file, text);
}

/** Splits a csh script into logical lines and links each to the lines that can follow it. */
export function parseCshScript(file: string, text: string): CshScript {
  const lines = joinContinuations(text).map(({ line, text: lineText }) => {
    const key = cshMatchKey(lineText);
    return {
      line,
      text: lineText,
      key,
      alternateKey: /^\s*else\s+if\b/.test(lineText) ? key.slice('else'.length) : null,
      next: [] as number[],
    };
  });
  linkControlFlow(lines);
  return { path: file, lines, start: [0] };
}

/** Returns the text of a line as the trace is compared with it: no comment, no whitespace. */
export function cshMatchKey(text: string): string {
  return stripComment(text).replace(/\s+/g, '');
}

/**
 * Removes a csh comment. In a script, `#` starts a comment anywhere outside quotes, even inside a
 * word (`echo a#b` prints `a`), except in `$#name` and `${#name}`.
 */
function stripComment(text: string): string {
  let quote: string | null = null;
  for (let index = 0; index < text.length; index += 1) {
    const char = text[index]!;
    if (quote !== null) {
      if (char === quote) quote = null;
      continue;
    }
    if (char === '\\') {
      index += 1;
    } else if (char === "'" || char === '"' || char === '`') {
      quote = char;
    } else if (char === '#') {
      const previous = text[index - 1];
      const afterDollar = previous === '$' || (previous === '{' && text[index - 2] === '$');
      if (!afterDollar) return text.slice(0, index);
    }
  }
  return text;
}

/** Joins lines that end in an unescaped backslash with the line after them. */
function joinContinuations(text: string): { line: number; text: string }[] {
  const physical = text.split('\n').map((line) => line.replace(/\r$/, ''));
  if (physical.at(-1) === '') physical.pop();
  const logical: { line: number; text: string }[] = [];
  for (let index = 0; index < physical.length; index += 1) {
    const first = index;
    let joined = physical[index]!;
    while (endsWithContinuation(joined) && index + 1 < physical.length) {
      index += 1;
      joined = `${joined.slice(0, -1)} ${physical[index]}`;
    }
    logical.push({ line: first + 1, text: joined });
  }
  return logical;
}

function endsWithContinuation(text: string): boolean {
  const backslashes = /\\*$/.exec(text)![0].length;
  return backslashes % 2 === 1;
}

/** Kind of a line for control flow, from its words without comment and trailing `;`. */
type LineShape =
  | 'if-then'
  | 'else-if'
  | 'else'
  | 'endif'
  | 'foreach'
  | 'while'
  | 'end'
  | 'switch'
  | 'label-case'
  | 'breaksw'
  | 'endsw'
  | 'break'
  | 'continue'
  | 'goto'
  | 'label'
  | 'plain';

function shapeOf(text: string): LineShape {
  const words = stripComment(text).trim().replace(/\s*;$/, '');
  if (/^if\s*\(.*\)\s*then$/.test(words)) return 'if-then';
  if (/^else\s+if\s*\(.*\)\s*then$/.test(words)) return 'else-if';
  if (words === 'else') return 'else';
  if (words === 'endif') return 'endif';
  if (/^foreach\s/.test(words)) return 'foreach';
  if (/^while\s*\(/.test(words)) return 'while';
  if (words === 'end') return 'end';
  if (/^switch\s*\(/.test(words)) return 'switch';
  if (/^case\s.*:$/.test(words) || /^default\s*:$/.test(words)) return 'label-case';
  if (words === 'breaksw') return 'breaksw';
  if (words === 'endsw') return 'endsw';
  if (words === 'break') return 'break';
  if (words === 'continue') return 'continue';
  if (/^goto\s/.test(words)) return 'goto';
  if (/^[^\s:;()]+:$/.test(words)) return 'label';
  return 'plain';
}

type Block =
  | { kind: 'if'; branches: number[] }
  | { kind: 'loop'; start: number; isWhile: boolean; exits: number[] }
  | { kind: 'switch'; start: number; labels: number[]; breaks: number[] };

/**
 * Fills `next` of every line: the following line, plus the jumps of `if`/`else`, loops,
 * `switch` and `goto`. Blocks left open at the end of the file close at the end of the file.
 */
function linkControlFlow(lines: CshLine[]): void {
  const end = lines.length;
  const shapes = lines.map((line) => shapeOf(line.text));
  const jumps = new Map<number, number[]>();
  const addJumps = (index: number, targets: number[]) => {
    jumps.set(index, [...(jumps.get(index) ?? []), ...targets]);
  };
  const stack: Block[] = [];
  const labels: number[] = [];
  const gotos: number[] = [];

  const closeIf = (block: Extract<Block, { kind: 'if' }>, endif: number) => {
    block.branches.forEach((branch, position) => {
      const sibling = block.branches[position + 1] ?? endif;
      const afterEndif = Math.min(endif + 1, end);
      if (shapes[branch] === 'else') {
        // tcsh echoes `else` only after a true branch, and then skips past endif.
        addJumps(branch, [afterEndif]);
        return;
      }
      // A false condition goes to the next `else if` (echoed), past `else`, or past `endif`.
      const falseTarget = sibling < end && shapes[sibling] === 'else-if' ? sibling : Math.min(sibling + 1, end);
      addJumps(branch, [falseTarget]);
      // An `else if` reached after a true branch is echoed, then skips to after endif.
      if (shapes[branch] === 'else-if') addJumps(branch, [afterEndif]);
    });
  };
  const closeLoop = (block: Extract<Block, { kind: 'loop' }>, endLine: number) => {
    const first = block.isWhile ? block.start : block.start + 1;
    const after = Math.min(endLine + 1, end);
    addJumps(block.start, [after]);
    if (endLine < end) addJumps(endLine, [first, after]);
    for (const exit of block.exits) {
      addJumps(exit, shapes[exit] === 'break' ? [after] : [first, after]);
    }
  };
  const closeSwitch = (block: Extract<Block, { kind: 'switch' }>, endsw: number) => {
    const after = Math.min(endsw + 1, end);
    addJumps(block.start, [...block.labels.map((label) => label + 1), after]);
    for (const breaksw of block.breaks) addJumps(breaksw, [after]);
  };
  const closeUntil = (kind: Block['kind'], at: number): boolean => {
    const position = stack.map((block) => block.kind).lastIndexOf(kind);
    if (position === -1) return false;
    while (stack.length > position) {
      const block = stack.pop()!;
      const closeAt = stack.length === position ? at : end;
      if (block.kind === 'if') closeIf(block, closeAt);
      else if (block.kind === 'loop') closeLoop(block, closeAt);
      else closeSwitch(block, closeAt);
    }
    return true;
  };
  const innermost = <K extends Block['kind']>(kind: K) =>
    [...stack].reverse().find((block): block is Extract<Block, { kind: K }> => block.kind === kind);

  shapes.forEach((shape, index) => {
    switch (shape) {
      case 'if-then':
        stack.push({ kind: 'if', branches: [index] });
        break;
      case 'else-if':
      case 'else':
        innermost('if')?.branches.push(index);
        break;
      case 'endif':
        closeUntil('if', index);
        break;
      case 'foreach':
      case 'while':
        stack.push({ kind: 'loop', start: index, isWhile: shape === 'while', exits: [] });
        break;
      case 'end':
        closeUntil('loop', index);
        break;
      case 'break':
      case 'continue':
        innermost('loop')?.exits.push(index);
        break;
      case 'switch':
        stack.push({ kind: 'switch', start: index, labels: [], breaks: [] });
        break;
      case 'label-case':
        innermost('switch')?.labels.push(index);
        break;
      case 'breaksw':
        innermost('switch')?.breaks.push(index);
        break;
      case 'endsw':
        closeUntil('switch', index);
        break;
      case 'goto':
        gotos.push(index);
        break;
      case 'label':
        labels.push(index);
        break;
      default:
        break;
    }
  });
  while (stack.length > 0) closeUntil(stack.at(-1)!.kind, end);
  for (const goto of gotos) addJumps(goto, labels.map((label) => label + 1));

  lines.forEach((line, index) => {
    const shape = shapes[index];
    // A line that jumps away does not also fall through to the next line.
    const fallsThrough = shape !== 'else' && shape !== 'breaksw' && shape !== 'break' && shape !== 'goto';
    const targets = [...(fallsThrough ? [index + 1] : []), ...(jumps.get(index) ?? [])];
    line.next = [...new Set(targets.map((target) => Math.min(target, end)))];
  });
}
