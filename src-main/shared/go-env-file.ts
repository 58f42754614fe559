/**
 * Reads the Go env file (the one `go env -w` writes) exactly as cmd/go does: lines split on `\n`
 * only, a line counts only if its first byte is A-Z and it contains `=`, the key is everything
 * before the first `=` and the value everything after it, with no quoting, trimming or expansion
 * (a CR before the newline stays in the value). The last line for a key wins.
 */

/** One line of the file that cmd/go treats as a setting. */
export interface GoEnvFileEntry {
  key: string;
  value: string;
  /** 1-based line number. */
  line: number;
}

/** A line cmd/go silently skips, with the reason, so the UI can explain it. */
export interface GoEnvFileSkippedLine {
  line: number;
  text: string;
  reason:
    | 'blank'
    | 'comment'
    | 'byte-order-mark'
    | 'leading-space'
    | 'not-uppercase'
    | 'no-equals';
}

export interface ParsedGoEnvFile {
  /** Every setting line, in file order (duplicates included). */
  entries: GoEnvFileEntry[];
  /** The winning entry per key: the last one. */
  effective: Map<string, GoEnvFileEntry>;
  skipped: GoEnvFileSkippedLine[];
}

const BYTE_ORDER_MARK = '\uFEFF';

/** Parses the text of a Go env file (decoded as UTF-8; a BOM must be kept, not stripped). */
export function parseGoEnvFile(text: string): ParsedGoEnvFile {
  const entries: GoEnvFileEntry[] = [];
  const skipped: GoEnvFileSkippedLine[] = [];
  const lines = text.split('\n');
  // A final newline does not start another line.
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();

  lines.forEach((lineText, index) => {
    const line = index + 1;
    const first = lineText.charAt(0);
    const equals = lineText.indexOf('=');
    if (first >= 'A' && first <= 'Z' && equals > 0) {
      entries.push({ key: lineText.slice(0, equals), value: lineText.slice(equals + 1), line });
      return;
    }
    skipped.push({ line, text: lineText, reason: skipReason(lineText, equals) });
  });

  const effective = new Map<string, GoEnvFileEntry>();
  for (const entry of entries) effective.set(entry.key, entry);
  return { entries, effective, skipped };
}

function skipReason(lineText: string, equals: number): GoEnvFileSkippedLine['reason'] {
  const trimmed = lineText.replace(/\r$/, '');
  if (trimmed.trim() === '') return 'blank';
  if (lineText.startsWith(BYTE_ORDER_MARK)) return 'byte-order-mark';
  if (trimmed.startsWith('#')) return 'comment';
  if (/^\s/.test(lineText)) return 'leading-space';
  if (equals < 0) return 'no-equals';
  return 'not-uppercase';
}

/**
 * Returns the Go env file path cmd/go uses on Linux and the BSDs for an environment: GOENV when it
 * is set and not empty, otherwise `$XDG_CONFIG_HOME/go/env`, otherwise `$HOME/.config/go/env`.
 * Returns null when there is no file: GOENV=off, or neither variable is set.
 */
export function goEnvFilePath(environment: Record<string, string | undefined>): string | null {
  const explicit = environment.GOENV;
  if (explicit) return explicit === 'off' ? null : explicit;
  const configDirectory = userConfigDirectory(environment);
  return configDirectory === null ? null : `${configDirectory}/go/env`;
}

/** Returns what Go's os.UserConfigDir returns on Linux and the BSDs, or null when it fails. */
export function userConfigDirectory(environment: Record<string, string | undefined>): string | null {
  if (environment.XDG_CONFIG_HOME) return environment.XDG_CONFIG_HOME;
  if (environment.HOME) return `${environment.HOME}/.config`;
  return null;
}
