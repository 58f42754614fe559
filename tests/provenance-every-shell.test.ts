/**
 * Every shell explained through the real `scan --json`: one HOME gives each shell's startup file
 * a GOPATH at a known line, and each context must name exactly that file and line, with the
 * method its shell allows. Runs as root and as an unprivileged user.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { describe, test } from 'node:test';

import type { ScanContext } from '../src-main/shared/scan-report.ts';
import { GO_INSTALLS } from './fixtures/cases.ts';
import { scanJson } from './helpers/run-cli.ts';
import { USER_VARIANTS } from './helpers/test-user.ts';
import { cleanEnvironment, createHome } from './helpers/throwaway-home.ts';

const GO123_BIN = `${GO_INSTALLS.go123.goroot}/bin`;

/** Startup files; each sets GOPATH to a value naming the shell, at the line given below. */
const FILES = {
  '.profile': ['# login shells of the sh family', '. "$HOME/.config/sh/go.sh"', 'export GOBIN="$HOME/bin"', ''].join('\n'),
  '.config/sh/go.sh': ['', '', 'export GOPATH="$HOME/from-profile"', `export PATH="${GO123_BIN}:$PATH"`, ''].join('\n'),
  '.bashrc': ['# bash', '', 'export GOPATH="$HOME/from-bashrc"', ''].join('\n'),
  '.bash_login': 'export GOPATH="$HOME/from-bash-login"\n',
  '.zshenv': 'export ZDOTDIR="$HOME/.config/zsh"\n',
  '.config/zsh/.zshrc': ['# zsh', 'export GOPATH="$HOME/from-zshrc"', ''].join('\n'),
  '.config/fish/config.fish': ['# fish', 'set -gx GOPATH $HOME/from-fish', ''].join('\n'),
  '.kshrc': ['# ksh93', '', '', 'export GOPATH="$HOME/from-kshrc"', ''].join('\n'),
  '.mkshrc': ['export GOPATH="$HOME/from-mkshrc"', ''].join('\n'),
  '.yashrc': ['# yash', 'export GOPATH="$HOME/from-yashrc"', ''].join('\n'),
  '.yash_profile': ['export GOPATH="$HOME/from-yash-profile"', ''].join('\n'),
  '.tcshrc': ['# tcsh', 'if ($?prompt) then', '  setenv GOPATH $HOME/from-tcshrc', 'endif', ''].join('\n'),
  '.config/elvish/rc.elv': ['# elvish', 'set-env GOPATH ~/from-elvish', ''].join('\n'),
  '.xonshrc': ['# xonsh', "$GOPATH = $HOME + '/from-xonshrc'", ''].join('\n'),
};

/** Context id → [file relative to HOME, line, method] of the GOPATH that wins. */
const EXPECTED: Record<string, [string, number, string]> = {
  // ~/.bash_login exists, so bash login reads it and not ~/.profile; it does not read ~/.bashrc.
  'bash-login': ['.bash_login', 1, 'traced'],
  'bash-non-login': ['.bashrc', 3, 'traced'],
  'zsh-login': ['.config/zsh/.zshrc', 2, 'traced'],
  'zsh-non-login': ['.config/zsh/.zshrc', 2, 'traced'],
  'fish-login': ['.config/fish/config.fish', 2, 'traced'],
  'fish-non-login': ['.config/fish/config.fish', 2, 'traced'],
  // ksh93 and mksh read ~/.profile, then ~/.kshrc or ~/.mkshrc (ENV is unset).
  'ksh93-login': ['.kshrc', 4, 'traced'],
  'ksh93-non-login': ['.kshrc', 4, 'traced'],
  'mksh-login': ['.mkshrc', 1, 'traced'],
  'mksh-non-login': ['.mkshrc', 1, 'traced'],
  'dash-login': ['.config/sh/go.sh', 3, 'read-file'],
  'posh-login': ['.config/sh/go.sh', 3, 'read-file'],
  'yash-login': ['.yashrc', 2, 'traced'],
  'yash-non-login': ['.yashrc', 2, 'traced'],
  'tcsh-login': ['.tcshrc', 3, 'traced'],
  'tcsh-non-login': ['.tcshrc', 3, 'traced'],
  'elvish-non-login': ['.config/elvish/rc.elv', 2, 'read-file'],
  'xonsh-login': ['.xonshrc', 2, 'traced'],
  'xonsh-non-login': ['.xonshrc', 2, 'traced'],
};

/** Contexts that read no file setting GOPATH. */
const WITHOUT_GOPATH = ['dash-non-login', 'posh-non-login', 'desktop', 'script'];

function winnerOf(context: ScanContext, name: string) {
  const story = context.provenance?.variables[name];
  return story && story.winner !== null ? story.chain[story.winner] : undefined;
}

for (const variant of USER_VARIANTS) {
  describe(`every shell explained ${variant.name}`, { skip: variant.skip }, () => {
    test('GOPATH file and line per context', async (t) => {
      const home = await createHome(FILES, { owner: variant.user });
      t.after(() => home.remove());
      const shells = ['bash', 'zsh', 'fish', 'dash', 'ksh93', 'mksh', 'posh', 'yash', 'tcsh', 'elvish', 'xonsh'];
      const report = await scanJson(
        shells.flatMap((shell) => ['--shell', shell]),
        cleanEnvironment(home.path),
        { user: variant.user, timeoutMs: 300_000 },
      );
      const byId = new Map(report.contexts.map((context) => [context.id, context]));

      for (const [id, [file, line, method]] of Object.entries(EXPECTED)) {
        const context = byId.get(id);
        assert.ok(context, `no context ${id}`);
        assert.equal(context.error, null, `${id}: ${context.error?.message}`);
        assert.equal(context.provenanceError, null, `${id}: ${context.provenanceError}`);
        assert.equal(context.provenance?.method, method, `${id}: method`);
        const winner = winnerOf(context, 'GOPATH');
        assert.ok(winner, `${id}: no assignment explains GOPATH=${context.env.GOPATH}`);
        assert.equal(winner.location.file, `${home.path}/${file}`, `${id}: file`);
        assert.equal(winner.location.line, line, `${id}: line`);
        assert.equal(winner.value, context.env.GOPATH, `${id}: value`);
      }
      for (const id of WITHOUT_GOPATH) {
        const context = byId.get(id)!;
        assert.equal(context.env.GOPATH, undefined, `${id}: GOPATH`);
        assert.equal(winnerOf(context, 'GOPATH'), undefined, `${id}: winner`);
      }

      // The sh-family login shells read ~/.profile, which sources go.sh at line 2.
      for (const id of ['dash-login', 'posh-login', 'ksh93-login', 'mksh-login']) {
        const context = byId.get(id)!;
        const entry = context.provenance?.path.find((candidate) => candidate.entry === GO123_BIN);
        assert.equal(entry?.addedBy?.location.file, `${home.path}/.config/sh/go.sh`, `${id}: PATH entry file`);
        assert.equal(entry?.addedBy?.location.line, 4, `${id}: PATH entry line`);
        const sourced = context.startupFiles.find((file) => file.path === `${home.path}/.config/sh/go.sh`);
        assert.deepEqual(sourced?.sourcedFrom, { file: `${home.path}/.profile`, line: 2 }, `${id}: sourcedFrom`);
        const gobin = winnerOf(context, 'GOBIN');
        assert.equal(gobin?.location.line, 3, `${id}: GOBIN line`);
      }

      // bash login skips ~/.profile because ~/.bash_login exists.
      const bashLogin = byId.get('bash-login')!;
      const profile = bashLogin.startupFiles.find((file) => file.path === `${home.path}/.profile`);
      assert.equal(profile?.status, 'skipped');
      assert.equal(profile?.note, '~/.bash_login exists, so ~/.profile was not read');

      // tcsh's GOPATH sits in an `if ($?prompt)` block, which only a real prompt runs.
      assert.equal(byId.get('tcsh-non-login')?.method, 'typed');

      // Tracing must not change what any context ends up with.
      const untraced = await scanJson(
        ['--no-trace', ...shells.flatMap((shell) => ['--shell', shell])],
        cleanEnvironment(home.path),
        { user: variant.user, timeoutMs: 300_000 },
      );
      for (const context of untraced.contexts) {
        const traced = byId.get(context.id)!;
        assert.equal(context.provenance, null, `${context.id}: explained although untraced`);
        // ksh93 puts its own process id into `_`, so two runs always differ there.
        const withoutPid = (env: Record<string, string>) =>
          context.shell === 'ksh93' ? { ...env, _: env._?.replace(/\d+/g, 'N') ?? '' } : env;
        assert.deepEqual(withoutPid(traced.env), withoutPid(context.env), `${context.id}: tracing changed the environment`);
      }

      // xonsh caches every -c command it runs; the probes' commands must not pile up there.
      const codeCache = await readdir(`${home.path}/.local/share/xonsh/xonsh_code_cache`).catch(() => []);
      assert.deepEqual(codeCache, [], 'xonsh code cache files left by the probes');
    });
  });
}

for (const variant of USER_VARIANTS) {
  describe(`fish prompt hooks ${variant.name}`, { skip: variant.skip }, () => {
    test('fish_prompt handler typed at a prompt', async (t) => {
      const home = await createHome(
        {
          // Someone who uses fish at a prompt has the completions fish generates on first use.
          '.local/share/fish/generated_completions/go.fish': '',
          '.config/fish/config.fish': [
            'set -gx GOPATH $HOME/before-hook',
            'function __tool_hook --on-event fish_prompt',
            '    set -gx GOPATH $HOME/from-hook',
            'end',
            '',
          ].join('\n'),
        },
        { owner: variant.user },
      );
      t.after(() => home.remove());
      const report = await scanJson(['--shell', 'fish'], cleanEnvironment(home.path), { user: variant.user });
      for (const id of ['fish-login', 'fish-non-login']) {
        const context = report.contexts.find((candidate) => candidate.id === id)!;
        assert.equal(context.error, null, `${id}: ${context.error?.message}`);
        assert.equal(context.method, 'typed', id);
        assert.match(context.probeNote ?? '', /^prompt hooks found: fish_prompt \(~\/\.config\/fish\/config\.fish:2\)/, id);
        assert.equal(context.env.GOPATH, `${home.path}/from-hook`, id);
        const gopath = context.provenance!.variables.GOPATH!;
        assert.equal(gopath.winner, null, id);
        assert.equal(gopath.inherited, 'prompt-hook', id);
        assert.equal(gopath.chain[0]?.location.line, 1, id);
      }
      // An interactive fish's first-session setup would write these into the user's HOME.
      assert.equal(existsSync(`${home.path}/.config/fish/fish_variables`), false, 'fish_variables written');
      assert.deepEqual(await readdir(`${home.path}/.local/share/fish/generated_completions`), ['go.fish']);
    });

    test('fish hook without typed probe on first use', async (t) => {
      const home = await createHome(
        {
          '.config/fish/config.fish': [
            'function __tool_hook --on-event fish_prompt',
            '    set -gx GOPATH $HOME/from-hook',
            'end',
            '',
          ].join('\n'),
        },
        { owner: variant.user },
      );
      t.after(() => home.remove());
      const report = await scanJson(['--shell', 'fish'], cleanEnvironment(home.path), { user: variant.user });
      const context = report.contexts.find((candidate) => candidate.id === 'fish-non-login')!;
      assert.equal(context.method, 'command');
      assert.match(
        context.probeNote ?? '',
        /^prompt hooks found: fish_prompt \(~\/\.config\/fish\/config\.fish:1\), but an interactive fish would start generating completions into ~\/\.local\/share\/fish\/generated_completions/,
      );
      assert.equal(context.env.GOPATH, undefined);
      assert.equal(existsSync(`${home.path}/.local/share/fish/generated_completions`), false);
    });
  });
}

for (const variant of USER_VARIANTS) {
  describe(`history files untouched ${variant.name}`, { skip: variant.skip }, () => {
    test('probes leave no history lines', async (t) => {
      const existing = 'echo earlier command\n';
      const files = {
        '.bash_history': existing,
        '.bashrc': 'HISTFILE=~/.bash_history\nPROMPT_COMMAND="history -a"\nexport GOPATH="$HOME/b"\n',
        '.zsh_history': existing,
        '.zshrc': [
          'HISTFILE=~/.zsh_history',
          'SAVEHIST=100',
          'setopt INC_APPEND_HISTORY',
          'autoload -Uz add-zsh-hook',
          '_noop_hook() { : }',
          'add-zsh-hook precmd _noop_hook',
          '',
        ].join('\n'),
        // Not a ksh history file: ksh93 would rewrite it.
        'ksh-notes.txt': { text: existing, mode: 0o644 },
        '.kshrc': 'HISTFILE=$HOME/ksh-notes.txt\nexport GOPATH="$HOME/k"\n',
        '.local/share/fish/generated_completions/go.fish': '',
        '.config/fish/config.fish': [
          'set -g fish_history default',
          'function __noop --on-event fish_prompt',
          'end',
          '',
        ].join('\n'),
      };
      const home = await createHome(files, { owner: variant.user });
      t.after(() => home.remove());
      const report = await scanJson(
        ['--shell', 'bash', '--shell', 'zsh', '--shell', 'ksh93', '--shell', 'fish'],
        cleanEnvironment(home.path),
        { user: variant.user },
      );
      for (const id of ['bash-non-login', 'zsh-non-login', 'fish-non-login']) {
        const context = report.contexts.find((candidate) => candidate.id === id)!;
        assert.equal(context.method, 'typed', `${id}: the hook should make the probe typed`);
      }
      for (const name of ['.bash_history', '.zsh_history', 'ksh-notes.txt']) {
        assert.equal(await readFile(`${home.path}/${name}`, 'utf8'), existing, `${name} changed`);
      }
      assert.equal((await stat(`${home.path}/ksh-notes.txt`)).mode & 0o777, 0o644, 'ksh-notes.txt mode changed');
      assert.equal(existsSync(`${home.path}/.local/share/fish/default_history`), false, 'fish history created');
    });
  });
}
