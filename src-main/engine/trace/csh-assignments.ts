/**
 * Recognises environment assignments in csh commands as tcsh's echo (`-X`) prints them: after
 * variable and command substitution, with quotes removed and before `~` expansion.
 */
import type { TracedAssignment } from './shell-words.ts';

export interface CshAssignmentOptions {
  /** HOME, for a leading `~` that the echo still shows. */
  home: string;
  /**
   * Names whose plain `set NAME = value` is reported as a shell variable that is never exported.
   * For other names a `set` is ignored: csh keeps shell and environment variables apart, so a
   * `set GOPATH` beside a `setenv GOPATH` does not change what programs see.
   */
  shellOnlyNames?: ReadonlySet<string>;
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Returns the environment assignments an echoed csh command performs. */
export function findCshAssignments(command: string, options: CshAssignmentOptions): TracedAssignment[] {
  const text = command.trim();
  const words = text.split(/\s+/);
  // tcsh echoes an eval's text whole and then each of its commands, so only the commands count.
  if (words.includes(';')) return [];
  switch (words[0]) {
    case 'setenv': {
      const name = words[1];
      if (name === undefined || !NAME.test(name)) return [];
      const value = text.replace(/^setenv\s+\S+\s?/, '');
      return [{ name, value: expandTilde(value, options.home), exports: true, unset: false }];
    }
    case 'unsetenv':
      return words
        .slice(1)
        .filter((name) => NAME.test(name))
        .map((name) => ({ name, value: null, exports: true, unset: true }));
    case 'set':
      return findSetAssignments(text.replace(/^set\s+/, ''), options);
    default:
      return [];
  }
}

/**
 * Reads `set path = ( a b )`, `set path=(a b)` and `set NAME = value`. tcsh keeps `path` and
 * PATH in step, so a `path` list is PATH joined with `:`.
 */
function findSetAssignments(rest: string, options: CshAssignmentOptions): TracedAssignment[] {
  const body = rest.replace(/^(?:-[flr]\s+)+/, '');
  const pathList = /^path\s*=\s*\((.*)\)\s*$/.exec(body);
  if (pathList) {
    const entries = pathList[1]!.trim().split(/\s+/).filter((entry) => entry !== '');
    const value = entries.map((entry) => expandTilde(entry, options.home)).join(':');
    return [{ name: 'PATH', value, exports: true, unset: false }];
  }
  const single = /^([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(\S*)\s*$/.exec(body);
  if (!single) return [];
  const [, name, value] = single;
  if (name === 'path') return [{ name: 'PATH', value: expandTilde(value!, options.home), exports: true, unset: false }];
  if (!options.shellOnlyNames?.has(name!)) return [];
  return [{ name: name!, value: expandTilde(value!, options.home), exports: false, unset: false }];
}

/** Expands `~` at the start of a word, as csh does. `~user` is left as it is. */
function expandTilde(word: string, home: string): string {
  if (word === '~' || word.startsWith('~/')) return home + word.slice(1);
  return word;
}
