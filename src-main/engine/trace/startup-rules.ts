/**
 * The startup files each shell looks at in each mode, in order, as its documentation and strace
 * show. The trace says which files really ran; these rules add the ones that were looked for and
 * missing, or present and skipped, with the reason in plain words.
 */
import { existsSync } from 'node:fs';

import type { ExpectedStartupFile } from './provenance-builder.ts';

/** Returns the files a shell looks at for a mode, for the given HOME and environment. */
export function expectedStartupFiles(
  shell: string,
  login: boolean,
  environment: Record<string, string>,
): ExpectedStartupFile[] {
  const home = environment.HOME ?? '';
  switch (shell) {
    case 'bash':
      return login
        ? [{ path: '/etc/profile' }, ...firstExisting(home, ['.bash_profile', '.bash_login', '.profile'])]
        : [{ path: '/etc/bash.bashrc' }, { path: `${home}/.bashrc` }];
    case 'zsh': {
      const zdot = environment.ZDOTDIR || home;
      const files = [{ path: '/etc/zsh/zshenv' }, { path: `${zdot}/.zshenv` }];
      if (login) files.push({ path: '/etc/zsh/zprofile' }, { path: `${zdot}/.zprofile` });
      files.push({ path: '/etc/zsh/zshrc' }, { path: `${zdot}/.zshrc` });
      if (login) files.push({ path: '/etc/zsh/zlogin' }, { path: `${zdot}/.zlogin` });
      return files;
    }
    default:
      return [];
  }
}

/** bash reads only the first existing of its login files; the others are skipped, with the reason. */
function firstExisting(home: string, names: string[]): ExpectedStartupFile[] {
  const winner = names.find((name) => existsSync(`${home}/${name}`));
  return names.map((name) => ({
    path: `${home}/${name}`,
    skippedNote: winner && winner !== name ? `~/${winner} exists, so ~/${name} was not read` : undefined,
    missingNote: 'looked for; does not exist',
  }));
}
