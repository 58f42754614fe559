/**
 * The startup files dash and posh read in each mode, in order (checked with strace and marker
 * files on dash 0.5.12 and posh 0.14.1):
 * - dash login: /etc/profile, then ~/.profile, then $ENV when also interactive;
 * - dash interactive, not login: $ENV only;
 * - posh login: /etc/profile, then ~/.profile; posh never reads $ENV;
 * - `-c` without `-i` or `-l` (scripts, `sh -c`): nothing.
 * /etc/profile.d/*.sh are not on the list: Debian's /etc/profile sources them in a loop, and the
 * trace shows each one where that happens.
 */
import type { ExpectedStartupFile } from './provenance-builder.ts';

export type ShShell = 'dash' | 'posh';

/** A file the shell reads by itself; `env` is read from the path in $ENV at that moment. */
export type ShRootFile = { kind: 'file'; path: string } | { kind: 'env' };

export interface ShMode {
  shell: ShShell;
  login: boolean;
  interactive: boolean;
}

/** Returns the files the shell itself reads, in order. */
export function shRootFiles(mode: ShMode, home: string): ShRootFile[] {
  const roots: ShRootFile[] = [];
  if (mode.login) roots.push({ kind: 'file', path: '/etc/profile' }, { kind: 'file', path: `${home}/.profile` });
  if (mode.shell === 'dash' && mode.interactive) roots.push({ kind: 'env' });
  return roots;
}

/**
 * Expands the value of ENV the way dash does: parameter expansion only (`$HOME/.shrc` works,
 * `~/.shrc` does not). Returns null when a variable in it has no known value.
 */
export function expandEnvPath(value: string, variables: Map<string, string>): string | null {
  let unknown = false;
  const expanded = value.replace(/\$(?:\{([A-Za-z_]\w*)\}|([A-Za-z_]\w*))/g, (_, braced?: string, plain?: string) => {
    const name = (braced ?? plain)!;
    const known = variables.get(name);
    if (known === undefined) unknown = true;
    return known ?? '';
  });
  return unknown ? null : expanded;
}

/**
 * Returns the files this mode looks at by the rules above, with the notes shown for missing or skipped
 * ones. `envPath` is $ENV as the shell expanded it, or null when ENV is unset.
 */
export function shExpectedStartupFiles(mode: ShMode, home: string, envPath: string | null): ExpectedStartupFile[] {
  const files: ExpectedStartupFile[] = [];
  if (mode.login) {
    files.push({ path: '/etc/profile' });
    files.push({ path: `${home}/.profile`, missingNote: 'looked for; does not exist' });
  }
  if (envPath === null) return files;
  if (mode.shell === 'posh') {
    files.push({ path: envPath, skippedNote: 'posh never reads the file named by $ENV', missingNote: 'named by $ENV, which posh never reads; does not exist' });
  } else if (mode.interactive) {
    files.push({ path: envPath, missingNote: 'named by $ENV; does not exist' });
  } else if (mode.login) {
    files.push({ path: envPath, skippedNote: 'dash reads the file named by $ENV only in interactive shells', missingNote: 'named by $ENV; does not exist' });
  }
  return files;
}
