/** Formatting of durations and cell values for display. */

/** Formats a duration in milliseconds as "850 ms", "3.2 s" or "2 min 5 s". */
export function formatDuration(durationMs: number): string {
  if (durationMs < 999.5) return `${Math.round(durationMs)} ms`;
  // Below 59.95 s, since toFixed(1) would round anything above up to "60.0 s".
  if (durationMs < 59_950) return `${(durationMs / 1000).toFixed(1)} s`;
  const seconds = Math.round(durationMs / 1000);
  return `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
}

/** Text shown for a value that is missing (null), such as a Go setting of a context without go. */
export const NO_VALUE_TEXT = '—';
/** Text shown for a value set to the empty string, written the way Go code writes it. */
export const EMPTY_VALUE_TEXT = '""';

/** Returns the text shown for a value, making null and the empty string visible. */
export function displayValue(value: string | null): string {
  if (value === null) return NO_VALUE_TEXT;
  return value === '' ? EMPTY_VALUE_TEXT : value;
}

/**
 * Splits a value after each path or list separator, so that a long path can wrap at a slash
 * rather than in the middle of a directory name.
 */
export function splitAtSeparators(value: string): string[] {
  return value.match(/[^/,:|]*[/,:|]*/g)?.filter((segment) => segment !== '') ?? [value];
}

/**
 * Shortens paths under the home directory to "~/..." in each entry of a list value, as shells
 * print them, so that table cells stay narrow. Only for display: comparisons use full values.
 */
export function abbreviateHome(value: string, home: string): string {
  if (home === '' || home === '/') return value;
  return value
    .split(/([:,|])/)
    .map((entry) => {
      const underHome = entry === home || entry.startsWith(`${home}/`);
      return underHome ? `~${entry.slice(home.length)}` : entry;
    })
    .join('');
}

/** Matches text that ends a sentence: a full stop, question or exclamation mark, or ellipsis. */
const SENTENCE_END = /[.!?…]["'”)\]]*$/;

/**
 * Ends a message with a full stop unless it ends a sentence already. The engine's messages end
 * without one, as Go's error messages do, so a sentence the UI puts after them needs it.
 */
export function endSentence(text: string): string {
  const trimmed = text.trimEnd();
  return trimmed === '' || SENTENCE_END.test(trimmed) ? trimmed : `${trimmed}.`;
}

/** Joins messages into one text, each ended as a sentence; empty and missing parts are left out. */
export function joinSentences(...parts: (string | null | undefined)[]): string {
  return parts
    .filter((part): part is string => typeof part === 'string' && part.trim() !== '')
    .map(endSentence)
    .join(' ');
}

/** Writes every path under the home directory in a message as "~/...", as shells print them. */
export function abbreviateHomeInText(text: string, home: string): string {
  if (home === '' || home === '/') return text;
  const trimmed = home.endsWith('/') ? home.slice(0, -1) : home;
  return text.replaceAll(`${trimmed}/`, '~/');
}
