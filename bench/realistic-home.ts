/**
 * A realistic HOME for the benchmarks: Debian's skeleton bash files with bash-completion enabled,
 * a 300-line ~/.zshrc that runs compinit, and a fish configuration with conf.d files.
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const BASH_COMPLETION = '/usr/share/bash-completion/bash_completion';

/** Generates a ~/.zshrc of about 300 lines in the style of a hand-grown configuration. */
function realisticZshrc(): string {
  const lines = [
    'autoload -Uz compinit',
    'compinit -i',
    'setopt autocd extendedglob nomatch notify',
    'HISTSIZE=10000',
    'SAVEHIST=10000',
    "zstyle ':completion:*' menu select",
    "zstyle ':completion:*' matcher-list 'm:{a-z}={A-Za-z}'",
    'export GOPATH="$HOME/go"',
    'export PATH="$GOPATH/bin:/usr/lib/go-1.23/bin:$PATH"',
  ];
  for (let index = 0; lines.length < 290; index += 1) {
    lines.push(`alias g${index}='git log --oneline -n ${index + 1}'`);
    lines.push(`helper_${index}() { print -r -- "helper ${index}: $*" }`);
    lines.push(`[[ -d $HOME/opt/tool${index} ]] && path+=($HOME/opt/tool${index}/bin)`);
  }
  lines.push('export GOFLAGS=-mod=mod', 'bindkey -e', '');
  return lines.join('\n');
}

const FISH_CONFIG = [
  'set -gx GOPATH $HOME/go',
  'fish_add_path -g /usr/lib/go-1.23/bin',
  'if status is-interactive',
  '    abbr -a gs git status',
  '    set -g fish_greeting',
  'end',
  '',
].join('\n');

function fishConfD(index: number): string {
  return [
    `set -gx TOOL${index}_HOME $HOME/.tool${index}`,
    `function tool${index}_hello`,
    `    echo tool ${index}`,
    'end',
    `abbr -a t${index} tool${index}_hello`,
    '',
  ].join('\n');
}

export async function createRealisticHome(): Promise<{ home: string; remove(): Promise<void> }> {
  const parent = await fs.mkdtemp(path.join(os.tmpdir(), 'go-env-lens-bench-'));
  const home = path.join(parent, 'home');
  const files: Record<string, string> = {
    '.bashrc': await fs.readFile('/etc/skel/.bashrc', 'utf8'),
    '.profile': await fs.readFile('/etc/skel/.profile', 'utf8'),
    '.zshrc': realisticZshrc(),
    '.config/fish/config.fish': FISH_CONFIG,
  };
  // Debian's skeleton .bashrc leaves bash-completion commented out; a typical user enables it.
  files['.bashrc'] += `\n[ -f ${BASH_COMPLETION} ] && . ${BASH_COMPLETION}\n`;
  files['.profile'] += '\nexport PATH="$PATH:/usr/local/go/bin:$HOME/go/bin"\n';
  for (let index = 0; index < 6; index += 1) files[`.config/fish/conf.d/tool${index}.fish`] = fishConfD(index);
  for (const [relative, text] of Object.entries(files)) {
    const target = path.join(home, relative);
    await fs.mkdir(path.dirname(target), { recursive: true });
    await fs.writeFile(target, text);
  }
  return { home, remove: () => fs.rm(parent, { recursive: true, force: true }) };
}

/** Returns the session environment of the invoking user in `home`, with `extra` added last. */
export function realisticEnvironment(home: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    HOME: home,
    USER: os.userInfo().username,
    LOGNAME: os.userInfo().username,
    LANG: 'C.UTF-8',
    PATH: '/usr/local/bin:/usr/bin:/bin',
    ...extra,
  };
}
