/**
 * The startup files ksh93 (93u+m 1.0.4), mksh (59c) and yash (2.52) look at in the two probed
 * modes, login (`-l -i`) and interactive (`-i`), in order, as their manuals and strace show.
 * /etc/profile.d is not listed: /etc/profile sources it, so the trace shows those files.
 */
import { accessSync, constants, existsSync } from 'node:fs';

import type { ExpectedStartupFile } from './provenance-builder.ts';

/** yash's initialization file for users without a readable ~/.yashrc. */
export const YASH_DEFAULT_RC = 'initialization/default';

/** yash's YASH_LOADPATH when the environment does not set it. */
export const YASH_DEFAULT_LOAD_PATH = '/usr/share/yash';

/**
 * Returns the file a shell reads for `$ENV`: the value with `~` and `$HOME` expanded, `~/.kshrc`
 * or `~/.mkshrc` when ENV is unset, and null when none is read. ksh93 reads nothing when ENV is
 * set but empty; mksh falls back to ~/.mkshrc then.
 * NOTE: only `~`, `$HOME` and `${HOME}` are expanded; other expansions in ENV are left as written.
 */
export function envFile(shell: 'ksh93' | 'mksh', env: string | undefined, home: string): string | null {
  const fallback = shell === 'ksh93' ? `${home}/.kshrc` : `${home}/.mkshrc`;
  if (env === undefined) return fallback;
  if (env === '') return shell === 'ksh93' ? null : fallback;
  return env
    .replace(/^~(?=\/|$)/, home)
    .replaceAll('${HOME}', home)
    .replace(/\$HOME(?![A-Za-z0-9_])/g, home);
}

/** Returns the files ksh93 looks at; `env` is ENV as it was after the profile files ran. */
export function kshExpectedFiles(login: boolean, home: string, env: string | undefined): ExpectedStartupFile[] {
  const files: ExpectedStartupFile[] = login ? [{ path: '/etc/profile' }, { path: `${home}/.profile` }] : [];
  files.push({ path: '/etc/ksh.kshrc' });
  files.push(...rcFiles('ksh93', home, env));
  return files;
}

/** Returns the files mksh looks at; `env` is ENV as it was after the profile files ran. */
export function mkshExpectedFiles(login: boolean, home: string, env: string | undefined): ExpectedStartupFile[] {
  const files: ExpectedStartupFile[] = login ? [{ path: '/etc/profile' }, { path: `${home}/.profile` }] : [];
  files.push(...rcFiles('mksh', home, env));
  return files;
}

function rcFiles(shell: 'ksh93' | 'mksh', home: string, env: string | undefined): ExpectedStartupFile[] {
  const defaultName = shell === 'ksh93' ? '.kshrc' : '.mkshrc';
  const file = envFile(shell, env, home);
  if (env === undefined) {
    return [{ path: file!, missingNote: 'looked for because ENV is unset; does not exist' }];
  }
  const files: ExpectedStartupFile[] = [];
  if (file !== null) files.push({ path: file, missingNote: `named by ENV (${env}); does not exist` });
  // The default rc is only worth a line when it exists and ENV made the shell pass it by.
  const defaultFile = `${home}/${defaultName}`;
  if (file !== defaultFile && existsSync(defaultFile)) {
    files.push({
      path: defaultFile,
      skippedNote: env === '' ? `ENV is set but empty, so ~/${defaultName} was not read` : `ENV is set, so ~/${defaultName} was not read`,
    });
  }
  return files;
}

/**
 * Returns the files yash looks at. yash never reads /etc/profile or ~/.profile; without a readable
 * ~/.yashrc it reads `initialization/default` from YASH_LOADPATH, which prints a welcome banner.
 */
export function yashExpectedFiles(login: boolean, home: string, loadPath: string | undefined): ExpectedStartupFile[] {
  const files: ExpectedStartupFile[] = login ? [{ path: `${home}/.yash_profile` }] : [];
  const rc = `${home}/.yashrc`;
  const defaultRc = yashDefaultRc(loadPath);
  files.push({
    path: rc,
    missingNote: `looked for; does not exist, so yash read ${defaultRc} instead`,
  });
  if (isReadable(rc)) {
    files.push({ path: defaultRc, skippedNote: '~/.yashrc can be read, so yash did not read its default setup' });
  }
  return files;
}

/** Returns the path of yash's default initialization file for a YASH_LOADPATH. */
export function yashDefaultRc(loadPath: string | undefined): string {
  const directories = (loadPath || YASH_DEFAULT_LOAD_PATH).split(':').filter(Boolean);
  const found = directories.map((directory) => `${directory}/${YASH_DEFAULT_RC}`).find((file) => existsSync(file));
  return found ?? `${directories[0] ?? YASH_DEFAULT_LOAD_PATH}/${YASH_DEFAULT_RC}`;
}

function isReadable(file: string): boolean {
  try {
    accessSync(file, constants.R_OK);
    return true;
  } catch {
    return false;
  }
}
