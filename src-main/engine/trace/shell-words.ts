/**
 * Splits a traced sh-family command into words and recognises assignments in it. Traces print
 * commands after expansion, quoting words with single quotes or ANSI-C `$'...'` quotes where
 * needed, so this handles exactly those quotes and backslash escapes, not full shell grammar.
 */

/** Splits a traced command into unquoted words. */
export function splitWords(command: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  for (let index = 0; index < command.length; index += 1) {
    const char = command[index]!;
    if (char === ' ' || char === '\t' || char === '\n') {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
      continue;
    }
    inWord = true;
    if (char === "'") {
      const end = command.indexOf("'", index + 1);
      const stop = end === -1 ? command.length : end;
      word += command.slice(index + 1, stop);
      index = stop;
    } else if (char === '$' && command[index + 1] === "'") {
      const { text, end } = readAnsiC(command, index + 2);
      word += text;
      index = end;
    } else if (char === '"') {
      let end = index + 1;
      while (end < command.length && command[end] !== '"') {
        if (command[end] === '\\' && end + 1 < command.length) end += 1;
        word += command[end];
        end += 1;
      }
      index = end;
    } else if (char === '\\' && index + 1 < command.length) {
      word += command[index + 1];
      index += 1;
    } else {
      word += char;
    }
  }
  if (inWord) words.push(word);
  return words;
}

const ANSI_C_ESCAPES: Record<string, string> = {
  n: '\n', t: '\t', r: '\r', a: '\x07', b: '\b', e: '\x1b', E: '\x1b', f: '\f', v: '\v',
  '\\': '\\', "'": "'", '"': '"', '?': '?',
};

function readAnsiC(command: string, start: number): { text: string; end: number } {
  let text = '';
  let index = start;
  const bytes: number[] = [];
  const flushBytes = () => {
    if (bytes.length > 0) text += Buffer.from(bytes.splice(0)).toString('utf8');
  };
  while (index < command.length && command[index] !== "'") {
    const char = command[index]!;
    if (char === '\\' && index + 1 < command.length) {
      const next = command[index + 1]!;
      const octal = /^[0-7]{1,3}/.exec(command.slice(index + 1));
      const hex = /^x([0-9a-fA-F]{1,2})/.exec(command.slice(index + 1));
      if (hex) {
        bytes.push(Number.parseInt(hex[1]!, 16));
        index += 1 + hex[0].length;
        continue;
      }
      if (octal) {
        bytes.push(Number.parseInt(octal[0], 8) & 0xff);
        index += 1 + octal[0].length;
        continue;
      }
      flushBytes();
      text += ANSI_C_ESCAPES[next] ?? `\\${next}`;
      index += 2;
      continue;
    }
    flushBytes();
    text += char;
    index += 1;
  }
  flushBytes();
  return { text, end: index };
}

/** An assignment found in a traced command. */
export interface TracedAssignment {
  name: string;
  /** The assigned value, or null for `unset` and for `export NAME` without a value. */
  value: string | null;
  /** True for `export`/`declare -x`, false for a plain assignment, null when the command does not specify. */
  exports: boolean | null;
  unset: boolean;
  /**
   * How `value` combines with the value before: absent replaces it; `append` adds the text
   * (`NAME+=text`); the list forms treat the value as colon-separated entries (zsh's `path`
   * array): `append-list` and `prepend-list` add entries, `unique-list` keeps the first copy of
   * each entry and has no value of its own.
   */
  combine?: 'append' | 'append-list' | 'prepend-list' | 'unique-list';
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Returns the variable assignments a traced sh-family command performs. */
export function findAssignments(command: string): TracedAssignment[] {
  const words = splitWords(command);
  const first = words[0];
  if (first === undefined) return [];

  if (first === 'unset') {
    return words
      .slice(1)
      .filter((word) => NAME.test(word))
      .map((name) => ({ name, value: null, exports: null, unset: true }));
  }
  if (first === 'export' || first === 'declare' || first === 'typeset' || first === 'readonly' || first === 'local') {
    const flags = words.slice(1).filter((word) => word.startsWith('-')).join('');
    const removesExport = first === 'export' ? flags.includes('n') : flags.includes('+x');
    const exports = removesExport ? false : first === 'export' || flags.includes('x') ? true : null;
    return words
      .slice(1)
      .filter((word) => !word.startsWith('-') && !word.startsWith('+'))
      .flatMap((word) => {
        const equals = word.indexOf('=');
        const appends = equals > 0 && word[equals - 1] === '+';
        const name = equals === -1 ? word : word.slice(0, appends ? equals - 1 : equals);
        if (!NAME.test(name)) return [];
        const value = equals === -1 ? null : word.slice(equals + 1);
        return [{ name, value, exports, unset: false, ...(appends ? { combine: 'append' as const } : {}) }];
      });
  }

  // Plain assignments: every leading NAME=value word (a trace prints one per record).
  const assignments: TracedAssignment[] = [];
  for (const word of words) {
    const equals = word.indexOf('=');
    const appends = equals > 0 && word[equals - 1] === '+';
    const name = word.slice(0, appends ? equals - 1 : equals);
    if (equals <= 0 || !NAME.test(name)) break;
    assignments.push({
      name,
      value: word.slice(equals + 1),
      exports: null,
      unset: false,
      ...(appends ? { combine: 'append' as const } : {}),
    });
  }
  // `A=1 cmd` sets A for that command only; only a command made of assignments changes the shell.
  return assignments.length === words.length ? assignments : [];
}
