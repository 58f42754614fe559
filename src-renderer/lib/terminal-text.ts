/**
 * Conversion of what a shell printed to its terminal into plain text for display: escape
 * sequences removed and carriage returns applied the way a terminal would apply them.
 */

/** Terminal escape sequences, which carry colours, titles and cursor moves rather than text. */
const ESCAPE_SEQUENCE = new RegExp(
  [
    // OSC strings (window title, working directory, hyperlinks), ended by BEL or ST.
    /\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?/.source,
    // DCS, PM and APC strings, ended by ST.
    /\x1b[P^_][^\x1b]*(?:\x1b\\)?/.source,
    // CSI sequences (colours, cursor moves, modes) in their 7-bit and 8-bit forms.
    /(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]/.source,
    // The remaining short escapes, such as `ESC ( B` or `ESC =`.
    /\x1b[ -/]*[0-~]/.source,
  ].join('|'),
  'g',
);

/** Control characters other than tab and newline, left over after escapes are removed. */
const CONTROL_CHARACTER = /[\x00-\x08\x0b-\x1f\x7f]/g;

/** Returns terminal output as plain text, without escape sequences or control characters. */
export function toPlainText(output: string): string {
  return output
    .replace(ESCAPE_SEQUENCE, '')
    .split(/\r*\n/)
    .map((line) => applyCarriageReturns(line).replace(CONTROL_CHARACTER, '').trimEnd())
    .join('\n');
}

/**
 * Writes each carriage-return-separated part over the start of the line, as a terminal does, so
 * a progress line or zsh's end-of-line mark shows only what stays visible.
 */
function applyCarriageReturns(line: string): string {
  if (!line.includes('\r')) return line;
  let visible = '';
  for (const part of line.split('\r')) visible = part + visible.slice(part.length);
  return visible;
}
