/**
 * Per-shell facts in one table: how to recognise each shell, how to ask its version, and how to
 * start it in each mode so that it reads exactly the startup files a real terminal would.
 * Flags and behaviour were checked on bash 5.2, zsh 5.9, fish 3.6, dash 0.5.12, ksh93u+m 1.0.4,
 * mksh 59c, posh 0.14.1, yash 2.52, tcsh 6.24, elvish 0.19 and xonsh 0.13.
 */

/** The invocation of one mode of a shell. */
export interface ModeInvocation {
  /** argv[0]; a leading `-` makes a login shell where no flag works (tcsh). */
  argv0: string;
  /** Arguments before the probe command; the command is appended when `method` is `command`. */
  args: string[];
  /**
   * `command` passes the probe with `-c`. `typed` types it at the real prompt, for shells where
   * `-i -c` skips the interactive startup (tcsh leaves `$prompt` unset, elvish skips rc.elv).
   */
  method: 'command' | 'typed';
  /** `null` gives the shell /dev/null as stdin so a `read` in a startup file cannot hang it. */
  stdin: 'null' | 'tty';
}

/** How Go Env Lens asks a shell for its version without reading any startup file. */
export type VersionQuery =
  | { kind: 'flag'; args: string[]; pattern: RegExp }
  | { kind: 'package' };

export interface ShellFacts {
  /** Canonical name, used in context ids. */
  name: string;
  /** Names of binaries that are this shell (basename of the real path or of the path found). */
  binaries: string[];
  version: VersionQuery;
  /** Invocation per mode; null when the shell has no such mode (elvish has no login mode). */
  login: ModeInvocation | null;
  nonLogin: ModeInvocation;
  /** Why a mode is missing, shown in place of the context. */
  missingModeNote?: string;
  /**
   * Extra arguments that point the shell's own state (history database, daemon socket) at the
   * probe's private directory, so a typed probe leaves nothing in the user's files.
   */
  privateStateArgs?: (probeDirectory: string) => string[];
  /** Relative startup cost, used to start slow shells first so they do not finish last. */
  cost: number;
}

function commandModes(name: string, cost: number, version: VersionQuery): ShellFacts {
  return {
    name,
    binaries: [name],
    version,
    login: { argv0: name, args: ['-l', '-i', '-c'], method: 'command', stdin: 'null' },
    nonLogin: { argv0: name, args: ['-i', '-c'], method: 'command', stdin: 'null' },
    cost,
  };
}

/** Every shell Go Env Lens can probe. */
export const SHELL_TABLE: ShellFacts[] = [
  commandModes('bash', 4, { kind: 'flag', args: ['--version'], pattern: /version ([^\s(]+)/ }),
  commandModes('zsh', 4, { kind: 'flag', args: ['--version'], pattern: /^zsh (\S+)/ }),
  commandModes('fish', 7, { kind: 'flag', args: ['--version'], pattern: /version (\S+)/ }),
  commandModes('dash', 4, { kind: 'package' }),
  {
    ...commandModes('ksh93', 3, {
      kind: 'flag',
      args: ['--version'],
      pattern: /version\s+.*?(\d+[\w.+/-]*\s+\d{4}-\d\d-\d\d)/,
    }),
    binaries: ['ksh93', 'ksh', 'rksh93'],
  },
  {
    ...commandModes('mksh', 4, { kind: 'package' }),
    binaries: ['mksh', 'mksh-static', 'lksh'],
  },
  commandModes('posh', 4, { kind: 'package' }),
  commandModes('yash', 2, { kind: 'flag', args: ['--version'], pattern: /version (\S+)/ }),
  {
    name: 'tcsh',
    binaries: ['tcsh', 'csh'],
    version: { kind: 'flag', args: ['--version'], pattern: /^tcsh (\S+)/ },
    // `tcsh -l -c` is a usage error; argv[0] `-tcsh` is the only way to a login shell.
    login: { argv0: '-tcsh', args: [], method: 'typed', stdin: 'tty' },
    nonLogin: { argv0: 'tcsh', args: [], method: 'typed', stdin: 'tty' },
    cost: 6,
  },
  {
    name: 'elvish',
    binaries: ['elvish'],
    version: { kind: 'flag', args: ['-version'], pattern: /^(\S+)/ },
    login: null,
    nonLogin: { argv0: 'elvish', args: [], method: 'typed', stdin: 'tty' },
    missingModeNote: 'elvish has no login mode: it reads the same rc.elv however it is started',
    privateStateArgs: (directory) => ['-db', `${directory}/elvish.db`, '-sock', `${directory}/elvish.sock`],
    cost: 19,
  },
  commandModes('xonsh', 250, { kind: 'flag', args: ['--version'], pattern: /xonsh\/(\S+)/ }),
];

/** Returns the facts of the shell a binary name belongs to, or undefined for unknown programs. */
export function findShellFacts(binaryName: string): ShellFacts | undefined {
  return SHELL_TABLE.find((facts) => facts.binaries.includes(binaryName));
}

/**
 * Variables set in every probe's environment to keep the probe free of side effects, with the
 * value each gets. They are removed from the captured result again when unchanged.
 */
export const PROBE_GUARD_VARIABLES: Record<string, string> = {
  // ksh93 writes ~/.sh_history and other shells their history on exit.
  HISTFILE: '/dev/null',
  // oh-my-zsh checks for updates and may prompt; this skips the check without updating.
  DISABLE_AUTO_UPDATE: 'true',
  // xonsh writes a history file on every interactive run.
  XONSH_HISTORY_BACKEND: 'dummy',
  // An empty fish_history keeps fish from writing its history file.
  fish_history: '',
};
