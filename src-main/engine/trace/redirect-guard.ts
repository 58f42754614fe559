/**
 * Finds startup files that would carry a trace into a file of the user's. Most shells write their
 * trace to standard error, and bash to descriptor 3, so a startup file that redirects that
 * descriptor for the rest of the shell (`exec 2>>~/zsh-errors.log`) would append trace lines to
 * the user's own file. Such a context is probed without tracing.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

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

/** Targets that are not the user's files: the terminal, the null device and other descriptors. */
const HARMLESS_TARGET = /^(?:&\s*[-\d]|\/dev\/(?:null|tty|stderr|stdout)\b)/;

/**
 * Returns the first line of the shell's likely startup files that redirects its trace descriptor
 * into a file, or null. `environment` is the one the shell starts with.
 */
export function findTraceRedirect(
  family: string,
  environment: Record<string, string>,
): TraceRedirect | null {
  const descriptor = family === 'bash' ? 3 : 2;
  // fish writes its trace to a file of its own and xonsh's hook writes directly; elvish is not
  // traced. tcsh cannot redirect its own standard error for the rest of the session.
  if (['fish', 'xonsh', 'elvish', 'tcsh'].includes(family)) return null;
  const home = environment.HOME ?? '';
  const seen = new Set<string>();
  const queue = candidateFiles(family, home, environment).map((file) => ({ file, depth: 0 }));
  while (queue.length > 0) {
    const { file, depth } = queue.shift()!;
    if (seen.has(file)) continue;
    seen.add(file);
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    const lines = text.split('\n');
    for (const [index, raw] of lines.entries()) {
      const line = raw.replace(/(^|\s)#.*$/, '');
      const target = redirectTarget(line, descriptor);
      if (target !== null && !HARMLESS_TARGET.test(target)) {
        return { file, line: index + 1, text: raw.trim(), descriptor };
      }
      if (depth < MAX_SOURCE_DEPTH) {
        for (const sourced of sourcedFiles(line, home)) queue.push({ file: sourced, depth: depth + 1 });
      }
    }
  }
  return null;
}

/**
 * The target of an `exec` that redirects `descriptor` (`exec 2>>log`, `exec &>log`,
 * `exec >log 2>&1`), or null.
 */
function redirectTarget(line: string, descriptor: 2 | 3): string | null {
  const start = line.search(/(^|[\s;&|])exec\s/);
  if (start === -1) return null;
  const command = line.slice(start);
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

function candidateFiles(family: string, home: string, environment: Record<string, string>): string[] {
  const inHome = (...names: string[]) => names.map((name) => path.join(home, name));
  const profileD = listDirectory('/etc/profile.d', '.sh');
  const env = environment.ENV ? [environment.ENV.replace(/^~(?=\/)/, home).replace(/\$\{?HOME\}?/g, home)] : [];
  switch (family) {
    case 'bash':
      return ['/etc/profile', ...profileD, '/etc/bash.bashrc', ...inHome('.bash_profile', '.bash_login', '.profile', '.bashrc')];
    case 'zsh': {
      const zdot = environment.ZDOTDIR || home;
      const names = ['.zshenv', '.zprofile', '.zshrc', '.zlogin'];
      return [
        ...names.map((name) => `/etc/zsh/${name.slice(1)}`),
        ...names.map((name) => path.join(zdot, name)),
        ...names.map((name) => path.join(home, '.config/zsh', name)),
      ];
    }
    default:
      return [
        '/etc/profile',
        ...profileD,
        '/etc/ksh.kshrc',
        '/etc/mkshrc',
        ...inHome('.profile', '.kshrc', '.mkshrc', '.yashrc', '.yash_profile'),
        ...env,
      ];
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
