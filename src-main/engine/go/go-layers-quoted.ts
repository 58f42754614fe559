/**
 * The quoting rules cmd/go applies to list variables (CC, CGO_CFLAGS, GOFLAGS from Go 1.21 on):
 * cmd/internal/quoted.Split and Join, and Go's %q formatting used in its error messages.
 */

/** Reports whether a character is white space for quoted.Split: space, tab, newline or carriage return. */
function isSpace(character: string): boolean {
  return character === ' ' || character === '\t' || character === '\n' || character === '\r';
}

/**
 * Splits a value into fields, allowing single or double quotes around a field, with no escapes
 * inside quotes. Returns the error text cmd/go reports for an unterminated quote.
 */
export function splitQuoted(value: string): { fields: string[] } | { error: string } {
  const fields: string[] = [];
  let rest = value;
  while (rest.length > 0) {
    let start = 0;
    while (start < rest.length && isSpace(rest[start]!)) start++;
    rest = rest.slice(start);
    if (rest.length === 0) break;

    const quote = rest[0]!;
    if (quote === '"' || quote === "'") {
      const end = rest.indexOf(quote, 1);
      if (end < 0) return { error: `unterminated ${quote} string` };
      fields.push(rest.slice(1, end));
      rest = rest.slice(end + 1);
      continue;
    }
    let end = 0;
    while (end < rest.length && !isSpace(rest[end]!)) end++;
    fields.push(rest.slice(0, end));
    rest = rest.slice(end);
  }
  return { fields };
}

/**
 * Joins fields so splitQuoted returns them again, quoting only fields with spaces or quotes.
 * Like `go env`, falls back to joining with spaces when a field has both quote characters.
 */
export function joinQuoted(fields: string[]): string {
  const quoted: string[] = [];
  for (const field of fields) {
    let sawSpace = false;
    let sawSingle = false;
    let sawDouble = false;
    for (const character of field) {
      if (character.codePointAt(0)! > 0x7f) continue;
      if (isSpace(character)) sawSpace = true;
      else if (character === "'") sawSingle = true;
      else if (character === '"') sawDouble = true;
    }
    if (!sawSpace && !sawSingle && !sawDouble) quoted.push(field);
    else if (!sawSingle) quoted.push(`'${field}'`);
    else if (!sawDouble) quoted.push(`"${field}"`);
    else return fields.join(' ');
  }
  return quoted.join(' ');
}

/** Formats a string like Go's %q (strconv.Quote) for printable ASCII and common escapes. */
export function goQuote(value: string): string {
  let out = '"';
  for (const character of value) {
    const code = character.codePointAt(0)!;
    if (character === '"') out += '\\"';
    else if (character === '\\') out += '\\\\';
    else if (character === '\n') out += '\\n';
    else if (character === '\r') out += '\\r';
    else if (character === '\t') out += '\\t';
    else if (character === '\v') out += '\\v';
    else if (character === '\f') out += '\\f';
    else if (character === '\b') out += '\\b';
    else if (character === '\x07') out += '\\a';
    else if (code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).padStart(2, '0')}`;
    else if (code === 0xfeff) out += '\\ufeff';
    else out += character;
  }
  return out + '"';
}
