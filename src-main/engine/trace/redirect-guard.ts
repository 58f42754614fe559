/**
 * Finds startup files that would carry a trace into a file of the user's. Most shells write their
 * trace to standard error, and bash to descriptor 3, so a startup file that redirects that
 * descriptor for the rest of the shell (`exec 2>>~/zsh-errors.log`) would append trace lines to
 * the user's own file. Such a context is probed without tracing.
 */
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';

import { readRegularTextSync } from '../files/regular-file.ts';

/** A line that redirects the descriptor a shell's trace goes to. */
export interface TraceRedirect {
  file: string;
  line: number;
  text: string;
  /** The descriptor redirected: 2 (standard error) or 3 (bash's trace descriptor). */
  descriptor: 2 | 3;
}

/** How far `source` and `.` commands with literal paths are followed. */
const MAX_SOURCE_DEPTH = 3;

/**
 * Targets that are not the user's files: closing (`&-`), standard output or error, the terminal
 * and the null device. A descriptor of 3 or more (`2>&9`) may have been opened on a file.
 */
const HARMLESS_TARGET = /^(?:&\s*(?:-|[12](?!\d))|\/dev\/(?:null|tty|stderr|stdout)\b)/;

/**
 * Returns the first line of the shell's likely startup files that redirects its trace descriptor
 * into a file, or null. `environment` is the one the shell starts with.
 */
export function findTraceRedirect(
  family: string,
  login: boolean,
  environment: Record<string, string>,
): TraceRedirect | null {
  const descriptor = family === 'bash' ? 3 : 2;
  // fish writes its trace to a file of its own and xonsh's hook writes directly; elvish is not
  // traced. tcsh cannot redirect its own standard error for the rest of the session.
  if (['fish', 'xonsh', 'elvish', 'tcsh'].includes(family)) return null;
  for (const { file, line, text } of startupFileLines(family, login, environment)) {
    const target = redirectTarget(text.replace(/(^|\s)#.*$/, ''), descriptor);
    if (target !== null && !HARMLESS_TARGET.test(target)) {
      return { file, line, text: text.trim(), descriptor };
    }
  }
  return null;
}

/**
 * Yields every line of the startup files a shell likely reads in a mode, following `source` and
 * `.` commands with literal paths up to three files deep. Only the shell's rules are used, not a
 * run, so files behind conditions are included.
 */
export function* startupFileLines(
  family: string,
  login: boolean,
  environment: Record<string, string>,
): Generator<{ file: string; line: number; text: string }> {
  const home = environment.HOME ?? '';
  const seen = new Set<string>();
  const queue = candidateFiles(family, login, home, environment).map((file) => ({ file, depth: 0 }));
  while (queue.length > 0) {
    const { file, depth } = queue.shift()!;
    if (seen.has(file)) continue;
    seen.add(file);
    let text: string;
    try {
      text = readRegularTextSync(file);
    } catch {
      // Missing, unreadable, or not a regular file: a named pipe would block the read for good.
      continue;
    }
    for (const [index, raw] of text.split('\n').entries()) {
      yield { file, line: index + 1, text: raw };
      if (depth < MAX_SOURCE_DEPTH) {
        const code = raw.replace(/(^|\s)#.*$/, '');
        for (const sourced of sourcedFiles(code, home)) queue.push({ file: sourced, depth: depth + 1 });
      }
    }
  }
}

/**
 * Returns the target of an `exec` that redirects `descriptor` (`exec 2>>log`, `exec &>log`,
 * `exec >log 2>&1`), or null.
 */
function redirectTarget(line: string, descriptor: 2 | 3): string | null {
  // A quote may come first: `eval "exec 2>>log"`.
  const start = line.search(/(^|[\s;&|"'])exec\s/);
  if (start === -1) return null;
  const command = line.slice(start).replace(/^["']/, '');
  const both = descriptor === 2 ? '|&>>?|>&(?!\\s*\\d)' : '';
  const match = new RegExp(`(?:^|\\s)(?:${descriptor}(?:>>?|<>|>\\|)${both})\\s*(\\S+)`).exec(command);
  if (!match) return null;
  if (descriptor === 2 && /^&\s*1$/.test(match[1]!)) {
    // Standard error follows standard output: where does that go?
    const output = /(?:^|\s)1?>>?(?!&)\s*(\S+)/.exec(command);
    return output ? output[1]! : match[1]!;
  }
  return match[1]!;
}

/** Files a line sources with a path that can be resolved without running anything. */
function sourcedFiles(line: string, home: string): string[] {
  const match = /(?:^|[\s;&|])(?:\.|source)\s+("[^"]+"|'[^']+'|[^\s;&|]+)/.exec(line);
  if (!match) return [];
  const word = match[1]!.replace(/^["']|["']$/g, '');
  const resolved = word
    .replace(/^~(?=\/)/, home)
    .replace(/\$\{?HOME\}?/g, home);
  if (!resolved.startsWith('/') || /[$`*?]/.test(resolved)) return [];
  return [resolved];
}

/**
 * Lists the startup files a shell reads in a mode, by its rules. The caller follows the files
 * they source. ENV replaces the rc file of ksh93 and mksh when set.
 */
function candidateFiles(family: string, login: boolean, home: string, environment: Record<string, string>): string[] {
  const inHome = (...names: string[]) => names.map((name) => path.join(home, name));
  const profile = ['/etc/profile', ...listDirectory('/etc/profile.d', '.sh'), ...inHome('.profile')];
  const env = environment.ENV ? [environment.ENV.replace(/^~(?=\/)/, home).replace(/\$\{?HOME\}?/g, home)] : null;
  switch (family) {
    case 'bash':
      return login
        ? ['/etc/profile', ...listDirectory('/etc/profile.d', '.sh'), ...inHome('.bash_profile', '.bash_login', '.profile')]
        : ['/etc/bash.bashrc', ...inHome('.bashrc')];
    case 'zsh': {
      const zdot = environment.ZDOTDIR || home;
      const names = login ? ['zshenv', 'zprofile', 'zshrc', 'zlogin'] : ['zshenv', 'zshrc'];
      return [...names.map((name) => `/etc/zsh/${name}`), ...names.map((name) => path.join(zdot, `.${name}`))];
    }
    case 'dash':
      return [...(login ? profile : []), ...(env ?? [])];
    case 'posh':
      return login ? profile : [];
    case 'ksh93':
      return [...(login ? profile : []), '/etc/ksh.kshrc', ...(env ?? inHome('.kshrc'))];
    case 'mksh':
      return [...(login ? profile : []), ...(env ?? inHome('.mkshrc'))];
    case 'yash':
      return inHome(...(login ? ['.yash_profile', '.yashrc'] : ['.yashrc']));
    default:
      return [];
  }
}

function listDirectory(directory: string, suffix: string): string[] {
  if (!existsSync(directory)) return [];
  try {
    return readdirSync(directory)
      .filter((name) => name.endsWith(suffix))
      .sort()
      .map((name) => path.join(directory, name));
  } catch {
    return [];
  }
}
