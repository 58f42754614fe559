/**
 * The benchmark's fixture: a throwaway HOME whose startup files give four shells different Go
 * setups, so that a scan of it probes ten contexts (four shells in two modes, desktop and script)
 * and runs `go env` in most of them.
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** Shells the fixture scan covers; each reads its own files below. */
export const FIXTURE_SHELLS = ['bash', 'zsh', 'fish', 'ksh93'];

/** Startup files by path relative to HOME. The Go toolchains are Debian's golang-1.xx-go. */
const FIXTURE_FILES: Record<string, string> = {
  '.profile': [
    'export GOPATH="$HOME/go-profile"',
    'export PATH="/usr/lib/go-1.22/bin:$PATH"',
    'if [ -n "$BASH_VERSION" ] && [ -f "$HOME/.bashrc" ]; then . "$HOME/.bashrc"; fi',
    '',
  ].join('\n'),
  '.bashrc': [
    'case $- in *i*) ;; *) return;; esac',
    'export GOPATH="$HOME/work/go"',
    'export PATH="/usr/lib/go-1.23/bin:$GOPATH/bin:$PATH"',
    '',
  ].join('\n'),
  '.zshenv': 'export GOTOOLCHAIN=local\n',
  '.zshrc': 'export PATH="/usr/lib/go-1.19/bin:$PATH"\n',
  '.config/fish/config.fish': [
    'set -gx GOPATH $HOME/fish-go',
    'set -gx PATH /usr/lib/go-1.23/bin $PATH',
    '',
  ].join('\n'),
  '.kshrc': 'export GOFLAGS=-mod=mod\nexport PATH="/usr/lib/go-1.22/bin:$PATH"\n',
  '.config/go/env': 'GOPROXY=direct\n',
};

/** A fixture HOME on disk and the environment a scan of it starts from. */
export interface FixtureHome {
  home: string;
  environment: Record<string, string>;
  remove(): Promise<void>;
}

/** Creates the fixture HOME under the system's temporary directory. */
export async function createFixtureHome(): Promise<FixtureHome> {
  const parent = await fs.mkdtemp(path.join(os.tmpdir(), 'go-env-lens-bench-'));
  const home = path.join(parent, 'home');
  for (const [relative, text] of Object.entries(FIXTURE_FILES)) {
    const target = path.join(home, relative);
    await fs.mkdir(path.dirname(target), { recursive: true });
    await fs.writeFile(target, text);
  }
  return {
    home,
    environment: {
      HOME: home,
      USER: os.userInfo().username,
      LOGNAME: os.userInfo().username,
      TERM: 'dumb',
      LANG: 'C.UTF-8',
      PATH: '/usr/bin:/bin',
    },
    remove: () => fs.rm(parent, { recursive: true, force: true }),
  };
}
