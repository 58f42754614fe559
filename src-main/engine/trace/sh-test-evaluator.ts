/**
 * Evaluates a traced `[ ... ]` or `test ...` command again, from its expanded arguments, to learn
 * which branch of an if or `&&`/`||` list ran. The file tests look at the file system when the
 * trace is analysed, a moment after the shell ran; a file created or removed in between gives the
 * wrong result, which only matters when two branches contain the same command text.
 */
import { accessSync, constants, lstatSync, statSync } from 'node:fs';

/** Returns the exit status as a boolean, or null for expressions this evaluator does not know. */
export function evaluateTest(words: string[]): boolean | null {
  let args = words;
  if (args[0] === '[') {
    if (args.at(-1) !== ']') return null;
    args = args.slice(1, -1);
  } else if (args[0] === 'test') {
    args = args.slice(1);
  } else {
    return null;
  }
  return evaluateArguments(args);
}

/** POSIX rules by argument count (the `test` utility's specification covers up to four). */
function evaluateArguments(args: string[]): boolean | null {
  switch (args.length) {
    case 0:
      return false;
    case 1:
      return args[0] !== '';
    case 2:
      if (args[0] === '!') return args[1] === '';
      return unary(args[0]!, args[1]!);
    case 3: {
      const binaryResult = binary(args[0]!, args[1]!, args[2]!);
      if (binaryResult !== undefined) return binaryResult;
      if (args[0] === '!') return negate(evaluateArguments(args.slice(1)));
      return null;
    }
    case 4:
      if (args[0] === '!') return negate(evaluateArguments(args.slice(1)));
      return null;
    default:
      return null;
  }
}

function negate(value: boolean | null): boolean | null {
  return value === null ? null : !value;
}

function unary(operator: string, operand: string): boolean | null {
  const stat = (follow: boolean) => {
    try {
      return follow ? statSync(operand) : lstatSync(operand);
    } catch {
      return null;
    }
  };
  const access = (mode: number) => {
    try {
      accessSync(operand, mode);
      return true;
    } catch {
      return false;
    }
  };
  switch (operator) {
    case '-n':
      return operand !== '';
    case '-z':
      return operand === '';
    case '-e':
      return stat(true) !== null;
    case '-f':
      return stat(true)?.isFile() ?? false;
    case '-d':
      return stat(true)?.isDirectory() ?? false;
    case '-s':
      return (stat(true)?.size ?? 0) > 0;
    case '-h':
    case '-L':
      return stat(false)?.isSymbolicLink() ?? false;
    case '-r':
      return access(constants.R_OK);
    case '-w':
      return access(constants.W_OK);
    case '-x':
      return access(constants.X_OK);
    default:
      return null;
  }
}

/** Returns undefined when `operator` is not a binary operator, null when it cannot be decided. */
function binary(left: string, operator: string, right: string): boolean | null | undefined {
  switch (operator) {
    case '=':
      return left === right;
    case '!=':
      return left !== right;
    case '-eq':
    case '-ne':
    case '-lt':
    case '-le':
    case '-gt':
    case '-ge': {
      if (!/^\s*[+-]?\d+\s*$/.test(left) || !/^\s*[+-]?\d+\s*$/.test(right)) return null;
      const a = Number.parseInt(left, 10);
      const b = Number.parseInt(right, 10);
      const results: Record<string, boolean> = { '-eq': a === b, '-ne': a !== b, '-lt': a < b, '-le': a <= b, '-gt': a > b, '-ge': a >= b };
      return results[operator]!;
    }
    default:
      return undefined;
  }
}
