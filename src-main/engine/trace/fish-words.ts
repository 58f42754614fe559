/**
 * Reads words the way fish 3.6 quotes them. fish prints traced arguments after expansion with its
 * own escaping (`'a b'`, `new\nline`, `set\ -gx\ X\ 1\\n`), which differs from sh: a backslash
 * outside quotes starts an escape such as `\n` or `\x2d`, and inside single quotes only `\'` and
 * `\\` are escapes. fish_variables stores values with `\xHH`, `\uHHHH` and `\UHHHHHHHH` escapes.
 */

/** Characters that a backslash turns into a control character, as fish's unescape does. */
const LETTER_ESCAPES: Record<string, string> = {
  a: '\x07',
  b: '\b',
  e: '\x1b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
};

/**
 * Decodes one backslash escape of unquoted fish text starting at `index` (the character after the
 * backslash). Returns the decoded text and the index after the escape.
 */
export function decodeEscape(text: string, index: number): { value: string; next: number } {
  const char = text[index];
  if (char === undefined) return { value: '\\', next: index };
  if (char === '\n') return { value: '', next: index + 1 };
  const letter = LETTER_ESCAPES[char];
  if (letter !== undefined) return { value: letter, next: index + 1 };

  const numeric = /^(?:[xX]([0-9a-fA-F]{1,2})|u([0-9a-fA-F]{1,4})|U([0-9a-fA-F]{1,8})|([0-7]{1,3}))/.exec(
    text.slice(index, index + 9),
  );
  if (numeric) {
    const [whole, hex, short, long, octal] = numeric;
    const code = hex !== undefined
      ? Number.parseInt(hex, 16)
      : short !== undefined
        ? Number.parseInt(short, 16)
        : long !== undefined
          ? Number.parseInt(long, 16)
          : Number.parseInt(octal!, 8);
    // NOTE: fish keeps `\x80`-`\xff` as raw bytes, but here they become the code points of the
    // same number. That differs only for values that are not valid UTF-8.
    const value = code <= 0x10ffff ? String.fromCodePoint(code) : '';
    return { value, next: index + whole.length };
  }
  if (char === 'c' && index + 1 < text.length) {
    return { value: String.fromCharCode(text.charCodeAt(index + 1) & 0x1f), next: index + 2 };
  }
  return { value: char, next: index + 1 };
}

/**
 * Splits a command as fish prints it in a trace into its arguments: words separated by spaces,
 * with single quotes, double quotes and backslash escapes removed.
 */
export function splitTracedWords(command: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let index = 0;
  while (index < command.length) {
    const char = command[index]!;
    if (char === ' ' || char === '\t' || char === '\n') {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
      index += 1;
      continue;
    }
    inWord = true;
    if (char === "'") {
      index += 1;
      while (index < command.length && command[index] !== "'") {
        if (command[index] === '\\' && (command[index + 1] === "'" || command[index + 1] === '\\')) index += 1;
        word += command[index];
        index += 1;
      }
      index += 1;
    } else if (char === '"') {
      index += 1;
      while (index < command.length && command[index] !== '"') {
        if (command[index] === '\\' && /["\\$]/.test(command[index + 1] ?? '')) index += 1;
        word += command[index];
        index += 1;
      }
      index += 1;
    } else if (char === '\\') {
      const { value, next } = decodeEscape(command, index + 1);
      word += value;
      index = next;
    } else {
      word += char;
      index += 1;
    }
  }
  if (inWord) words.push(word);
  return words;
}

/** The character fish puts between the elements of a list in fish_variables (`\x1e`). */
const LIST_SEPARATOR = '\x1e';
/** The value fish writes for a list with no elements (`\x1d`). */
const EMPTY_LIST = '\x1d';

/** Decodes a value of fish_variables into its list elements. */
export function decodeUniversalValue(encoded: string): string[] {
  let text = '';
  let index = 0;
  while (index < encoded.length) {
    if (encoded[index] === '\\') {
      const { value, next } = decodeEscape(encoded, index + 1);
      text += value;
      index = next;
    } else {
      text += encoded[index];
      index += 1;
    }
  }
  if (text === EMPTY_LIST) return [];
  return text.split(LIST_SEPARATOR);
}
