/**
 * File-and-line explanations for bash and zsh contexts, through the real `scan --json`: the
 * reported cases, source chains, eval of a tool's init output, functions, ZDOTDIR, and the
 * promise that tracing does not change what the shell ends up with. Every test runs as root
 * (bash replays its startup, because it ignores PS4 from the environment) and as an
 * unprivileged user (bash traces its real startup).
 */
import assert from 'node:assert/strict';
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { describe, test, type TestContext } from 'node:test';

import type { Assignment, StartupFile } from '../src-main/shared/provenance.ts';
import type { ScanContext, ScanReport } from '../src-main/shared/scan-report.ts';
import {
  C01,
  C03,
  C04,
  C09,
  C09_MIRROR,
  C13,
  C16,
  C21,
  C27,
  DEFAULT_GOPROXY,
  GO_INSTALLS,
} from './fixtures/cases.ts';
import { scanJson } from './helpers/run-cli.ts';
import { USER_VARIANTS, type UserVariant } from './helpers/test-user.ts';
import { cleanEnvironment, createHome, type HomeFile } from './helpers/throwaway-home.ts';

interface Scan {
  home: string;
  report: ScanReport;
  context(id: string): ScanContext;
}

async function scanHome(
  t: TestContext,
  files: Record<string, HomeFile>,
  variant: UserVariant,
  extraArgs: string[] = [],
): Promise<Scan> {
  const home = await createHome(files, { owner: variant.user });
  t.after(() => home.remove());
  const report = await scanJson(
    ['--shell', 'bash', '--shell', 'zsh', ...extraArgs],
    cleanEnvironment(home.path),
    { user: variant.user },
  );
  return {
    home: home.path,
    report,
    context(id) {
      const context = report.contexts.find((candidate) => candidate.id === id);
      assert.ok(context, `no context ${id}`);
      assert.equal(context.error, null, `${id} failed: ${context.error?.message}`);
      return context;
    },
  };
}

/** Returns "FILE:LINE" of an assignment, with the home shortened to `~`. */
function where(assignment: Assignment | null | undefined, home: string): string | null {
  if (!assignment) return null;
  const file = assignment.location.file.replace(`${home}/`, '~/');
  return `${file}:${assignment.location.line}`;
}

/** Returns the assignment that produced a variable's final value, as "FILE:LINE". */
function winner(context: ScanContext, name: string, home: string): string | null {
  const story = context.provenance?.variables[name];
  assert.ok(story, `${context.id}: no provenance for ${name}`);
  return story.winner === null ? null : where(story.chain[story.winner], home);
}

/** Returns the assignment that added a PATH entry, as "FILE:LINE". */
function pathOrigin(context: ScanContext, entry: string, home: string): string | null {
  const found = context.provenance?.path.find((candidate) => candidate.entry === entry);
  assert.ok(found, `${context.id}: ${entry} is not on PATH`);
  return where(found.addedBy, home);
}

function startupFile(context: ScanContext, path: string): StartupFile | undefined {
  return context.startupFiles.find((file) => file.path === path);
}

const GO123_BIN = `${GO_INSTALLS.go123.goroot}/bin`;

for (const variant of USER_VARIANTS) {
  describe(`bash and zsh provenance ${variant.name}`, { skip: variant.skip }, () => {
    test('C01 Go lines in bashrc', async (t) => {
      const { home, context } = await scanHome(t, C01.files, variant);
      const nonLogin = context('bash-non-login');
      assert.equal(nonLogin.provenance?.method, 'traced');
      assert.equal(winner(nonLogin, 'GOPATH', home), '~/.bashrc:3');
      assert.equal(nonLogin.provenance?.variables.GOPATH?.chain[0]?.exported, true);
      assert.equal(pathOrigin(nonLogin, GO123_BIN, home), '~/.bashrc:4');
      assert.equal(pathOrigin(nonLogin, `${home}/work/go/bin`, home), '~/.bashrc:4');

      const login = context('bash-login');
      assert.equal(winner(login, 'GOPATH', home), '~/.bashrc:3');
      const bashrc = startupFile(login, `${home}/.bashrc`);
      assert.deepEqual(bashrc?.sourcedFrom, { file: `${home}/.profile`, line: 2 });

      const desktop = context('desktop');
      assert.equal(desktop.provenance?.variables.GOPATH?.finalValue, null);
      assert.equal(desktop.provenance?.variables.PATH?.inherited, 'session');
    });

    test('C03 bash_profile hides profile', async (t) => {
      const { home, context } = await scanHome(t, C03.files, variant);
      const login = context('bash-login');
      const files = login.startupFiles.map((file) => `${file.status} ${file.path.replace(`${home}/`, '~/')}`);
      assert.deepEqual(files.filter((line) => line.includes('~/')), [
        'read ~/.bash_profile',
        'missing ~/.bash_login',
        'skipped ~/.profile',
      ]);
      assert.equal(
        startupFile(login, `${home}/.profile`)?.note,
        '~/.bash_profile exists, so ~/.profile was not read',
      );
      assert.equal(pathOrigin(login, `${home}/.local/bin`, home), '~/.bash_profile:2');
      assert.equal(login.provenance?.variables.GOPATH?.finalValue, null);
    });

    test('C04 PATH below the guard', async (t) => {
      const { home, context } = await scanHome(t, C04.files, variant);
      assert.equal(pathOrigin(context('bash-non-login'), GO123_BIN, home), '~/.bashrc:6');
    });

    test('C09 GOPROXY without export', async (t) => {
      const { home, context } = await scanHome(t, C09.files, variant);
      const bash = context('bash-non-login').provenance!.variables.GOPROXY!;
      assert.equal(bash.finalValue, null);
      assert.equal(bash.notExported, true);
      assert.equal(where(bash.chain[bash.winner!], home), '~/.bashrc:2');
      assert.equal(bash.chain[bash.winner!]?.value, C09_MIRROR);

      const zsh = context('zsh-non-login').provenance!.variables.GOPROXY!;
      assert.equal(zsh.finalValue, C09_MIRROR);
      assert.equal(zsh.notExported, false);
      assert.equal(where(zsh.chain[zsh.winner!], home), '~/.zshrc:2');
    });

    test('C13 PATH from profile', async (t) => {
      const { home, context } = await scanHome(t, C13.files, variant);
      assert.equal(pathOrigin(context('bash-login'), GO123_BIN, home), '~/.profile:1');
    });

    test('C16 stale GOROOT', async (t) => {
      const { home, context } = await scanHome(t, C16.files, variant);
      const login = context('bash-login');
      assert.equal(winner(login, 'GOROOT', home), '~/.profile:1');
      assert.equal(login.env.GOROOT, GO_INSTALLS.go122.goroot);
      assert.equal(pathOrigin(login, GO123_BIN, home), '~/.profile:2');
    });

    test('C21 exported GOPROXY', async (t) => {
      const { home, context } = await scanHome(t, C21.files, variant);
      const nonLogin = context('bash-non-login');
      assert.equal(winner(nonLogin, 'GOPROXY', home), '~/.bashrc:2');
      assert.equal(nonLogin.env.GOPROXY, DEFAULT_GOPROXY);
    });

    test('C27 leftover GO111MODULE', async (t) => {
      const { home, context } = await scanHome(t, C27.files, variant);
      for (const id of ['zsh-login', 'zsh-non-login']) {
        assert.equal(winner(context(id), 'GO111MODULE', home), '~/.zshrc:2', id);
      }
      assert.equal(context('bash-login').provenance?.variables.GO111MODULE?.finalValue, null);
    });

    test('source chain three deep', async (t) => {
      const files = {
        '.bashrc': 'export FROM_BASHRC=1\n. ~/.config/sh/a.sh\n',
        '.zshrc': 'source ~/.config/sh/a.sh\n',
        '.config/sh/a.sh': '# a\n. ~/.config/sh/b.sh\nexport GOBIN="$HOME/bin-from-a"\n',
        '.config/sh/b.sh': '\n. ~/.config/sh/c.sh\n',
        '.config/sh/c.sh': '# c\n\nexport GOPATH="$HOME/from-c"\nexport PATH="$GOPATH/bin:$PATH"\n',
      };
      const { home, context } = await scanHome(t, files, variant);
      for (const id of ['bash-non-login', 'zsh-non-login', 'zsh-login']) {
        const current = context(id);
        assert.equal(winner(current, 'GOPATH', home), '~/.config/sh/c.sh:3', id);
        assert.equal(winner(current, 'GOBIN', home), '~/.config/sh/a.sh:3', id);
        assert.equal(pathOrigin(current, `${home}/from-c/bin`, home), '~/.config/sh/c.sh:4', id);
        assert.deepEqual(
          startupFile(current, `${home}/.config/sh/c.sh`)?.sourcedFrom,
          { file: `${home}/.config/sh/b.sh`, line: 2 },
          id,
        );
        assert.deepEqual(
          startupFile(current, `${home}/.config/sh/b.sh`)?.sourcedFrom,
          { file: `${home}/.config/sh/a.sh`, line: 2 },
          id,
        );
      }
    });

    test('eval of tool init output', async (t) => {
      const tool = [
        '#!/bin/sh',
        "printf 'export GOFLAGS=-mod=mod\\n'",
        "printf 'export GOBIN=%s/tool-bin\\n' \"$HOME\"",
        "printf 'export PATH=\"%s/tool-bin:$PATH\"\\n' \"$HOME\"",
      ].join('\n');
      const files = {
        'bin/tool': { text: `${tool}\n`, mode: 0o755 },
        '.bashrc': '# tools\n\neval "$(~/bin/tool init -)"\nexport AFTER=1\n',
        '.zshrc': '\neval "$(~/bin/tool init -)"\n',
      };
      const { home, context } = await scanHome(t, files, variant);
      for (const [id, line] of [['bash-non-login', 3], ['zsh-non-login', 2]] as const) {
        const current = context(id);
        const goflags = current.provenance!.variables.GOFLAGS!;
        assert.equal(where(goflags.chain[goflags.winner!], home), `~/.${id.startsWith('bash') ? 'bashrc' : 'zshrc'}:${line}`, id);
        assert.equal(goflags.chain[goflags.winner!]?.via, 'eval', id);
        const gobin = current.provenance!.variables.GOBIN!;
        assert.equal(gobin.finalValue, `${home}/tool-bin`, id);
        assert.equal(where(gobin.chain[gobin.winner!], home)?.endsWith(`:${line}`), true, id);
        assert.equal(pathOrigin(current, `${home}/tool-bin`, home)?.endsWith(`:${line}`), true, id);
      }
    });

    test('function called from bashrc', async (t) => {
      const files = {
        '.config/sh/lib.sh': 'set_go() {\n  export GOPATH="$1"\n}\n',
        '.bashrc': '. ~/.config/sh/lib.sh\n\nset_go "$HOME/fn-gopath"\n',
        '.zshrc': '. ~/.config/sh/lib.sh\n\nset_go "$HOME/fn-gopath"\n',
      };
      const { home, context } = await scanHome(t, files, variant);
      for (const [id, file] of [['bash-non-login', '.bashrc'], ['zsh-non-login', '.zshrc']] as const) {
        const story = context(id).provenance!.variables.GOPATH!;
        assert.equal(story.finalValue, `${home}/fn-gopath`, id);
        assert.equal(where(story.chain[story.winner!], home), `~/${file}:3`, id);
        assert.equal(story.chain[story.winner!]?.via, 'function', id);
      }
    });

    test('ZDOTDIR set in zshenv', async (t) => {
      const files = {
        '.zshenv': 'export ZDOTDIR="$HOME/.config/zsh"\n',
        '.zshrc': 'export GOPATH=/decoy/never-read\n',
        '.config/zsh/.zshrc': '# moved here\nexport GOPATH="$HOME/zd-gopath"\n',
        '.config/zsh/.zprofile': 'export GOBIN="$HOME/zd-bin"\n',
      };
      const { home, context } = await scanHome(t, files, variant);
      const login = context('zsh-login');
      assert.equal(winner(login, 'GOPATH', home), '~/.config/zsh/.zshrc:2');
      assert.equal(winner(login, 'GOBIN', home), '~/.config/zsh/.zprofile:1');
      assert.equal(winner(login, 'ZDOTDIR', home), '~/.zshenv:1');
      const paths = login.startupFiles.filter((file) => file.status === 'read').map((file) => file.path);
      assert.ok(paths.includes(`${home}/.zshenv`));
      assert.ok(paths.includes(`${home}/.config/zsh/.zshrc`));
      assert.ok(!paths.includes(`${home}/.zshrc`), 'the ~/.zshrc in HOME must not be listed as read');
      assert.equal(startupFile(login, `${home}/.config/zsh/.zlogin`)?.status, 'missing');
      assert.equal(winner(context('zsh-non-login'), 'GOPATH', home), '~/.config/zsh/.zshrc:2');
    });

    test('prompt hooks typed at a prompt', async (t) => {
      const files = {
        '.bashrc': [
          'export GOPATH="$HOME/before-hook"',
          '_tool_hook() {',
          `  eval "$(printf 'export GOFLAGS=-mod=vendor\\n')"`,
          '  export GOPATH="$HOME/from-hook"',
          '}',
          'PROMPT_COMMAND="_tool_hook${PROMPT_COMMAND:+;$PROMPT_COMMAND}"',
          '',
          'PROMPT_COMMAND="$PROMPT_COMMAND;export GOTOOLCHAIN=local"',
          '',
        ].join('\n'),
        '.zshrc': [
          'export GOPATH="$HOME/before-hook"',
          'autoload -Uz add-zsh-hook',
          '_tool_hook() {',
          `  eval "$(printf 'export GOFLAGS=-mod=vendor\\n')"`,
          '  export GOPATH="$HOME/from-hook"',
          '}',
          'add-zsh-hook precmd _tool_hook',
          '',
        ].join('\n'),
      };
      const { home, context } = await scanHome(t, files, variant);
      const bash = context('bash-non-login');
      assert.equal(bash.method, 'typed');
      assert.match(bash.probeNote ?? '', /^prompt hooks found: PROMPT_COMMAND \(~\/\.bashrc:6\), PROMPT_COMMAND \(~\/\.bashrc:8\)\./);
      assert.equal(bash.env.GOPATH, `${home}/from-hook`);
      assert.equal(winner(bash, 'GOPATH', home), '~/.bashrc:4');
      assert.equal(winner(bash, 'GOFLAGS', home), '~/.bashrc:3');
      assert.equal(winner(bash, 'GOTOOLCHAIN', home), '~/.bashrc:8');
      const gopath = bash.provenance!.variables.GOPATH!;
      assert.equal(gopath.chain[gopath.winner!]?.via, 'prompt-hook');
      assert.equal(gopath.chain[0]?.location.line, 1, 'the startup assignment comes first in the chain');

      for (const id of ['zsh-login', 'zsh-non-login']) {
        const zsh = context(id);
        assert.equal(zsh.method, 'typed', id);
        assert.equal(zsh.env.GOPATH, `${home}/from-hook`, id);
        assert.equal(winner(zsh, 'GOPATH', home), '~/.zshrc:5', id);
        assert.equal(winner(zsh, 'GOFLAGS', home), '~/.zshrc:4', id);
        assert.equal(zsh.provenance!.variables.GOPATH!.chain.at(-1)?.via, 'prompt-hook', id);
      }
      // bash login does not read ~/.bashrc here, so it has no hook and stays a -c probe.
      assert.equal(context('bash-login').method, 'command');
      assert.equal(context('bash-login').probeNote, null);
    });

    test('appends and zsh path arrays', async (t) => {
      const files = {
        '.bashrc': [
          'PATH+=:/usr/lib/go-1.22/bin',
          'export GOFLAGS=-a',
          'export GOFLAGS+=" -b"',
          'PATH="/usr/lib/go-1.23/bin:$PATH"',
          'PATH="/usr/lib/go-1.23/bin:$PATH"',
          '',
        ].join('\n'),
        '.zshrc': [
          'path=(/usr/lib/go-1.22/bin $path)',
          'path+=(/usr/lib/go-1.23/bin /usr/bin)',
          'typeset -U path',
          'path[1,0]=(/usr/local/go/bin)',
          '',
        ].join('\n'),
      };
      const { home, context } = await scanHome(t, files, variant);
      const bash = context('bash-non-login');
      assert.equal(bash.env.GOFLAGS, '-a -b');
      assert.equal(winner(bash, 'GOFLAGS', home), '~/.bashrc:3');
      assert.equal(pathOrigin(bash, '/usr/lib/go-1.22/bin', home), '~/.bashrc:1');
      const copies = bash.provenance!.path.filter((entry) => entry.entry === '/usr/lib/go-1.23/bin');
      assert.deepEqual(
        copies.map((entry) => [entry.index, where(entry.addedBy, home), entry.duplicateOf]),
        [[0, '~/.bashrc:5', null], [1, '~/.bashrc:4', 0]],
        'each copy is attributed to the line that put it there: line 5 prepended the first one',
      );

      const zsh = context('zsh-non-login');
      assert.equal(zsh.env.PATH, '/usr/local/go/bin:/usr/lib/go-1.22/bin:/usr/bin:/bin:/usr/lib/go-1.23/bin');
      assert.equal(winner(zsh, 'PATH', home), '~/.zshrc:4');
      assert.equal(pathOrigin(zsh, '/usr/lib/go-1.22/bin', home), '~/.zshrc:1');
      assert.equal(pathOrigin(zsh, '/usr/lib/go-1.23/bin', home), '~/.zshrc:2');
      assert.equal(pathOrigin(zsh, '/usr/local/go/bin', home), '~/.zshrc:4');
      assert.equal(zsh.provenance!.path.find((entry) => entry.entry === '/usr/bin')?.inherited, 'session');
    });

    test('trace end is reported', async (t) => {
      const files = {
        '.bashrc': 'export GOPATH="$HOME/one"\nPS4="+ mine "\nexport GOBIN="$HOME/bin"\n',
        '.zshrc': 'export GOPATH="$HOME/one"\nunsetopt xtrace\nexport GOBIN="$HOME/bin"\n',
      };
      const { home, context } = await scanHome(t, files, variant);
      for (const [id, file, command] of [
        ['bash-non-login', '.bashrc', "PS4='+ mine '"],
        ['zsh-non-login', '.zshrc', 'unsetopt xtrace'],
      ] as const) {
        const current = context(id);
        assert.deepEqual(current.provenance?.traceEnd, {
          location: { file: `${home}/${file}`, line: 2 },
          command,
        }, id);
        const gobin = current.provenance!.variables.GOBIN!;
        assert.equal(gobin.finalValue, `${home}/bin`, id);
        assert.equal(gobin.winner, null, id);
        assert.equal(gobin.inherited, 'unknown', id);
        assert.equal(winner(current, 'GOPATH', home), `~/${file}:1`, id);
      }
    });

    test('unreadable and replacing files', async (t) => {
      const files = {
        '.bash_profile': { text: 'export GOPATH=/never\n', mode: 0o000 },
        '.bash_login': 'export GOPATH=/never-either\n',
      };
      const home = (await createHome(files, { owner: variant.user })).path;
      t.after(() => rm(path.dirname(home), { recursive: true, force: true }));
      // A session PATH that /etc/profile's own value does not contain.
      const report = await scanJson(['--shell', 'bash'], cleanEnvironment(home, { PATH: '/bin:/usr/bin' }), {
        user: variant.user,
      });
      const login = report.contexts.find((context) => context.id === 'bash-login')!;
      assert.equal(login.error, null, login.error?.message);
      // /etc/profile writes PATH out in full, so it adds every entry it names.
      const usrBin = login.provenance!.path.find((entry) => entry.entry === '/usr/bin');
      assert.equal(usrBin?.addedBy?.location.file, '/etc/profile');
      assert.equal(usrBin?.inherited, null);
      if (variant.user) {
        const profile = startupFile(login, `${home}/.bash_profile`);
        assert.equal(profile?.status, 'skipped');
        assert.match(profile?.note ?? '', /cannot read it \(permission denied\)/);
      }
    });

    test('trace kept out of user files', async (t) => {
      const files = {
        '.zshrc': 'export GOPATH="$HOME/z"\nexec 2>>"$HOME/zsh-errors.log"\nexport GOBIN="$HOME/zbin"\n',
        '.bashrc': 'export GOPATH="$HOME/b"\nexec 3>"$HOME/fd3.log"\nexport GOBIN="$HOME/bbin"\n',
      };
      const { home, context } = await scanHome(t, files, variant);
      for (const [id, log, line] of [
        ['zsh-non-login', 'zsh-errors.log', 'exec 2>>"$HOME/zsh-errors.log"'],
        ['bash-non-login', 'fd3.log', 'exec 3>"$HOME/fd3.log"'],
      ] as const) {
        const current = context(id);
        assert.equal(current.provenance, null, `${id}: traced although its trace would reach ${log}`);
        assert.match(current.provenanceError ?? '', new RegExp(`^~/\\.${id.slice(0, 3) === 'zsh' ? 'zshrc' : 'bashrc'}:2 \\(`), id);
        assert.ok(current.provenanceError?.includes(line), id);
        assert.equal(current.env.GOBIN, `${home}/${id.startsWith('zsh') ? 'zbin' : 'bbin'}`, id);
        const written = await readFile(`${home}/${log}`, 'utf8').catch(() => '');
        assert.ok(!written.includes('\x1e'), `${id}: trace records in ${log}`);
        assert.ok(!written.includes('go-env-lens-probe'), `${id}: probe commands in ${log}`);
      }
    });

    test('traced environment equals untraced', async (t) => {
      const files = {
        ...C01.files,
        '.zshrc': 'export GOPATH="$HOME/z"\nunset GOFLAGS\nexport GOFLAGS=-v\n',
        '.zshenv': 'typeset -U path\n',
      };
      const home = await createHome(files, { owner: variant.user });
      t.after(() => home.remove());
      const environment = cleanEnvironment(home.path);
      const shells = ['--shell', 'bash', '--shell', 'zsh'];
      const traced = await scanJson(shells, environment, { user: variant.user });
      const untraced = await scanJson([...shells, '--no-trace'], environment, { user: variant.user });
      for (const context of traced.contexts) {
        const other = untraced.contexts.find((candidate) => candidate.id === context.id)!;
        assert.equal(context.ok, true, `${context.id}: ${context.error?.message}`);
        assert.equal(other.provenance, null, `${context.id}: --no-trace still explained values`);
        assert.deepEqual(context.env, other.env, `${context.id}: tracing changed the environment`);
      }
      assert.equal(traced.contexts.find((context) => context.id === 'bash-non-login')?.env.PS4, undefined);
    });
  });
}
