/** Keeps the last bytes of a stream of text, for showing a shell's output without its megabytes. */
export class OutputTail {
  private chunks: string[] = [];
  private length = 0;
  /** True once anything was dropped from the start. */
  truncated = false;

  constructor(private readonly maxLength: number) {}

  /** Appends text, dropping the oldest text beyond the cap. */
  append(text: string): void {
    this.chunks.push(text);
    this.length += text.length;
    if (this.length > this.maxLength * 2) this.compact();
  }

  /** Returns the kept text. */
  text(): string {
    this.compact();
    return this.chunks.join('');
  }

  private compact(): void {
    const joined = this.chunks.join('');
    if (joined.length > this.maxLength) {
      this.truncated = true;
      this.chunks = [joined.slice(joined.length - this.maxLength)];
    } else {
      this.chunks = [joined];
    }
    this.length = this.chunks[0]!.length;
  }
}

/** Maximum length of the output line quoted in an error message, in characters. */
const MAX_QUOTED_LINE_LENGTH = 80;

/** Terminal escape sequences, which move the cursor or style text but print nothing. */
const ESCAPE_SEQUENCE = new RegExp(
  [
    /\x1b\[[0-9;?<=>]*[ -/]*[@-~]/.source, // CSI: colours, cursor movement, modes
    /\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)/.source, // OSC: window title, hyperlinks
    /\x1b[()][0-9A-Za-z]/.source, // character set selection
    /\x1b[=>]/.source, // keypad mode
  ].join('|'),
  'g',
);

/** Other control characters, which a terminal does not print either. */
const CONTROL_CHARACTER = /[\x00-\x08\x0b-\x1f\x7f]/g;

/**
 * Returns the last line of terminal output that has visible text, without escape sequences and
 * shortened to its end for an error message, or null when there is none. Lines that contain
 * `ignore` (the terminal's echo of a typed probe command) are skipped.
 */
export function lastOutputLine(output: string, ignore?: string): string | null {
  const lines = output
    .replace(ESCAPE_SEQUENCE, '')
    .split(/\r\n|\r|\n/)
    .map((line) => line.replace(CONTROL_CHARACTER, '').trim())
    .filter((line) => line !== '' && (ignore === undefined || !line.includes(ignore)));
  const last = lines.at(-1);
  if (last === undefined) return null;
  if (last.length <= MAX_QUOTED_LINE_LENGTH) return last;
  // A prompt ends its line, so a long line keeps its end.
  return `…${last.slice(1 - MAX_QUOTED_LINE_LENGTH)}`;
}
