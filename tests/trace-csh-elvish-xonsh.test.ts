/**
 * Startup files and value origins for tcsh, elvish and xonsh, from real shells in throwaway
 * HOMEs: tcsh and elvish typed at a real prompt, xonsh with `-i -c`. tcsh is traced with `-X -V`
 * and the trace is matched to file lines, elvish's files are read, and xonsh is traced by a hook
 * rc file. Every case checks that the traced run ends with exactly the environment of the
 * untraced one, and runs as root and as an unprivileged user.
 */
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, test, type TestContext } from 'node:test';

import type { Assignment, StartupFile } from '../src-main/shared/provenance.ts';
import { runContextProbe, type ContextProbeRequest, type ContextProbeResult } from './helpers/tcsh-elvish-xonsh-probe.ts';
import { USER_VARIANTS, type UserVariant } from './helpers/test-user.ts';
import { cleanEnvironment, createHome, type HomeFile } from './helpers/throwaway-home.ts';

interface Run {
  home: string;
  result: ContextProbeResult;
  environment: Record<string, string>;
}

/** Creates the home, runs the context untraced and traced, and checks both runs worked. */
async function runContext(
  t: TestContext,
  variant: UserVariant,
  files: Record<string, HomeFile>,
  request: Omit<ContextProbeRequest, 'environment'>,
): Promise<Run> {
  const home = await createHome(files, { owner: variant.user });
  t.after(() => home.remove());
  const result = await runContextProbe({ ...request, environment: cleanEnvironment(home.path) }, variant.user);
  if (result.untraced) {
    t.diagnostic(
      `${request.shell} ${request.login ? 'login' : 'non-login'}: untraced ${result.untraced.durationMs.toFixed(1)} ms, ` +
        `traced ${result.traced.durationMs.toFixed(1)} ms`,
    );
    assert.equal(result.untraced.error, null, 'the untraced probe failed');
  }
  if (request.tracedOnly) return { home: home.path, result, environment: {} };
  assert.equal(result.traced.error, null, `the traced probe failed; output: ${result.traced.output}`);
  assert.ok(result.traced.environment, 'the traced probe captured no environment');
  assert.ok(result.analysis, 'the trace was not analysed');
  return { home: home.path, result, environment: result.traced.environment };
}

function assertSameEnvironment(run: Run): void {
  assert.deepEqual(run.result.traced.environment, run.result.untraced?.environment, 'tracing changed the environment');
}

function variable(run: Run, name: string) {
  const found = run.result.analysis!.provenance.variables[name];
  assert.ok(found, `no provenance for ${name}`);
  return found;
}

/** Returns the assignment that produced a variable's final value. */
function winner(run: Run, name: string): Assignment {
  const found = variable(run, name);
  assert.notEqual(found.winner, null, `${name} has no winning assignment: ${JSON.stringify(found)}`);
  return found.chain[found.winner!]!;
}

function pathEntry(run: Run, entry: string) {
  const found = run.result.analysis!.provenance.path.find((candidate) => candidate.entry === entry);
  assert.ok(found, `${entry} is not in PATH`);
  return found;
}

function startupFile(run: Run, file: string): StartupFile {
  const found = run.result.analysis!.startupFiles.find((candidate) => candidate.path === file);
  assert.ok(found, `${file} is not among the startup files: ${JSON.stringify(run.result.analysis!.startupFiles)}`);
  return found;
}

function readFiles(run: Run): string[] {
  return run.result.analysis!.startupFiles.filter((file) => file.status === 'read').map((file) => file.path);
}

/**
 * ~/.tcshrc sets GOPATH one way where a prompt exists and another way where none does, as in
 * `tcsh -c` and `tcsh -i -c`. go.csh takes the `else` branch unless GOROOT is inherited.
 */
const TCSH_HOME: Record<string, HomeFile> = {
  '.tcshrc': [
    '# tcsh startup for the test',
    'set path = ( $path /opt/tcsh-bin )',
    'if ($?prompt) then',
    '  # only a typed session has a prompt',
    '  setenv GOPATH {HOME}/typed-go',
    'else',
    '  setenv GOPATH /no-prompt',
    'endif',
    'source ~/go.csh',
  ].join('\n'),
  'go.csh': [
    '# Go settings',
    'if ($?GOROOT) then',
    '  # keep the inherited GOROOT',
    'else',
    '  setenv GOROOT /usr/local/go',
    'endif',
    'set path = ( /usr/local/go/bin $path )',
  ].join('\n'),
  '.cshrc': 'setenv GOPATH /never-read\n',
  '.login': '# login only\nsetenv GOFLAGS -mod=mod\n',
};

const ELVISH_HOME: Record<string, HomeFile> = {
  '.config/elvish/rc.elv': [
    '# elvish startup for the test',
    'use go/env',
    'set-env GOPATH /x',
    'if (eq a b) { set-env GOPROXY never }',
    'set paths = [',
    '  ~/elvish-bin',
    '  $@paths',
    ']',
  ].join('\n'),
  '.config/elvish/lib/go/env.elv': ['set-env GOROOT /usr/local/go', 'set paths = [$@paths $E:GOROOT/bin]'].join('\n'),
};

const XONSH_HOME: Record<string, HomeFile> = {
  '.xonshrc': [
    '# xonsh startup for the test',
    "$GOPATH = '/x'",
    'source ~/go.xsh',
    "$PATH.insert(0, '/opt/xonsh-bin')",
  ].join('\n'),
  'go.xsh': [
    '# sourced from ~/.xonshrc',
    'def set_go_root():',
    "    $GOROOT = '/usr/local/go'",
    '',
    'set_go_root()',
  ].join('\n'),
};

/** Files left under a directory whose path names a probe directory. */
function probeLeftovers(directory: string): string[] {
  let entries: string[];
  try {
    entries = readdirSync(directory, { recursive: true }) as string[];
  } catch {
    return [];
  }
  return entries.filter((entry) => entry.includes('go-env-lens-probe')).map((entry) => path.join(directory, entry));
}

for (const variant of USER_VARIANTS) {
  describe(`tcsh tracing ${variant.name}`, { skip: variant.skip }, () => {
    for (const login of [true, false]) {
      test(`tcsh ${login ? 'login' : 'non-login'} typed session`, async (t) => {
        const run = await runContext(t, variant, TCSH_HOME, { shell: 'tcsh', login });
        const { home, environment } = run;
        assertSameEnvironment(run);

        assert.equal(environment.GOPATH, `${home}/typed-go`);
        assert.equal(environment.GOROOT, '/usr/local/go');
        assert.equal(environment.GOFLAGS, login ? '-mod=mod' : undefined);
        assert.equal(environment.PATH, '/usr/local/go/bin:/usr/bin:/bin:/opt/tcsh-bin');

        assert.equal(run.result.analysis!.provenance.method, 'traced');
        assert.deepEqual(winner(run, 'GOPATH').location, { file: `${home}/.tcshrc`, line: 5 });
        assert.deepEqual(winner(run, 'GOROOT').location, { file: `${home}/go.csh`, line: 5 });
        assert.deepEqual(pathEntry(run, '/opt/tcsh-bin').addedBy?.location, { file: `${home}/.tcshrc`, line: 2 });
        assert.deepEqual(pathEntry(run, '/usr/local/go/bin').addedBy?.location, { file: `${home}/go.csh`, line: 7 });
        assert.equal(pathEntry(run, '/usr/bin').inherited, 'session');
        if (login) assert.deepEqual(winner(run, 'GOFLAGS').location, { file: `${home}/.login`, line: 2 });

        const expectedOrder = login
          ? ['/etc/csh.cshrc', '/etc/csh.login', `${home}/.tcshrc`, `${home}/go.csh`, `${home}/.login`]
          : ['/etc/csh.cshrc', `${home}/.tcshrc`, `${home}/go.csh`];
        assert.deepEqual(readFiles(run), expectedOrder);
        assert.deepEqual(startupFile(run, `${home}/go.csh`).sourcedFrom, { file: `${home}/.tcshrc`, line: 9 });
        const cshrc = startupFile(run, `${home}/.cshrc`);
        assert.equal(cshrc.status, 'skipped');
        assert.equal(cshrc.note, '~/.tcshrc exists, so ~/.cshrc was not read');
      });
    }

    test('tcsh -c misses the prompt-only block', async (t) => {
      const run = await runContext(t, variant, TCSH_HOME, { shell: 'tcsh', login: false, untracedCommandArgs: ['-c'] });
      assert.equal(run.result.untraced?.environment?.GOPATH, '/no-prompt', 'tcsh -c has no prompt');
      assert.equal(run.environment.GOPATH, `${run.home}/typed-go`);
    });

    test('tcsh ~/.cshrc read without ~/.tcshrc', async (t) => {
      const run = await runContext(
        t,
        variant,
        { '.cshrc': '# read because ~/.tcshrc is missing\nsetenv GOPATH ~/csh-go\n' },
        { shell: 'tcsh', login: false },
      );
      assertSameEnvironment(run);
      assert.equal(run.environment.GOPATH, `${run.home}/csh-go`);
      assert.deepEqual(winner(run, 'GOPATH').location, { file: `${run.home}/.cshrc`, line: 2 });
      assert.equal(winner(run, 'GOPATH').value, `${run.home}/csh-go`);
      const tcshrc = startupFile(run, `${run.home}/.tcshrc`);
      assert.equal(tcshrc.status, 'missing');
      assert.equal(tcshrc.note, 'looked for; does not exist, so ~/.cshrc is read instead');
      assert.equal(startupFile(run, `${run.home}/.cshrc`).status, 'read');
    });

    test('tcsh files sourced from a loop', async (t) => {
      const run = await runContext(
        t,
        variant,
        {
          '.tcshrc': [
            'set dir = ~/tcsh.d',
            'if (-e $dir && `/bin/ls $dir` != "") then',
            '  foreach FILE (`/bin/ls $dir/*`)',
            '    source $FILE;',
            '  end;',
            'endif',
            'setenv GOTOOLCHAIN local',
          ].join('\n'),
          'tcsh.d/10-go.csh': 'setenv GOPATH /loop-go\n',
          'tcsh.d/20-proxy.csh': '# proxy\n\nsetenv GOPROXY direct\n',
        },
        { shell: 'tcsh', login: false },
      );
      assertSameEnvironment(run);
      const { home } = run;
      assert.deepEqual(winner(run, 'GOPATH').location, { file: `${home}/tcsh.d/10-go.csh`, line: 1 });
      assert.deepEqual(winner(run, 'GOPROXY').location, { file: `${home}/tcsh.d/20-proxy.csh`, line: 3 });
      assert.deepEqual(winner(run, 'GOTOOLCHAIN').location, { file: `${home}/.tcshrc`, line: 7 });
      assert.deepEqual(startupFile(run, `${home}/tcsh.d/10-go.csh`).sourcedFrom, { file: `${home}/.tcshrc`, line: 4 });
      assert.deepEqual(startupFile(run, `${home}/tcsh.d/20-proxy.csh`).sourcedFrom, { file: `${home}/.tcshrc`, line: 4 });
    });

    test('tcsh error abandons later files', async (t) => {
      const run = await runContext(
        t,
        variant,
        {
          '.tcshrc': 'setenv GOPATH /a\nsource ~/broken.csh\nsetenv GOBIN /never\n',
          'broken.csh': 'setenv GOROOT /r\nsetenv GOPROXY $undefined_variable\n',
          '.login': 'setenv GOFLAGS -never\n',
        },
        { shell: 'tcsh', login: true },
      );
      assertSameEnvironment(run);
      const { home, environment } = run;
      assert.equal(environment.GOPATH, '/a');
      assert.equal(environment.GOROOT, '/r');
      assert.equal(environment.GOBIN, undefined);
      assert.equal(environment.GOFLAGS, undefined);
      assert.deepEqual(winner(run, 'GOROOT').location, { file: `${home}/broken.csh`, line: 1 });
      const loginFile = startupFile(run, `${home}/.login`);
      assert.equal(loginFile.status, 'skipped');
      assert.equal(
        loginFile.note,
        'not read: tcsh stopped reading its startup files after the error ' +
          '"undefined_variable: Undefined variable." in ~/broken.csh:2',
      );
      assert.equal(
        startupFile(run, `${home}/broken.csh`).note,
        'tcsh stopped reading startup files here at line 2 after the error "undefined_variable: Undefined variable."',
      );
      assert.match(run.result.analysis!.errorOutput ?? '', /undefined_variable: Undefined variable\./);
    });

    test('tcsh stop point names the waiting line', async (t) => {
      const run = await runContext(
        t,
        variant,
        { '.tcshrc': 'setenv GOPATH /a\n/bin/sleep 30\n' },
        { shell: 'tcsh', login: false, deadlineMs: 2_000, tracedOnly: true },
      );
      assert.match(run.result.traced.error ?? '', /did not finish starting/);
      assert.deepEqual(run.result.stopPoint, {
        location: { file: `${run.home}/.tcshrc`, line: 2 },
        command: '/bin/sleep 30',
      });
    });
  });

  describe(`elvish files ${variant.name}`, { skip: variant.skip }, () => {
    test('elvish rc.elv and a used module', async (t) => {
      const run = await runContext(t, variant, ELVISH_HOME, { shell: 'elvish', login: false });
      assertSameEnvironment(run);
      const { home, environment } = run;
      const rc = `${home}/.config/elvish/rc.elv`;
      const module = `${home}/.config/elvish/lib/go/env.elv`;

      assert.equal(environment.GOPATH, '/x');
      assert.equal(environment.GOPROXY, undefined);
      assert.equal(environment.PATH, `${home}/elvish-bin:/usr/bin:/bin:/usr/local/go/bin`);

      assert.equal(run.result.analysis!.provenance.method, 'read-file');
      assert.deepEqual(winner(run, 'GOPATH').location, { file: rc, line: 3 });
      assert.deepEqual(winner(run, 'GOROOT').location, { file: module, line: 1 });
      assert.equal(variable(run, 'GOPROXY').winner, null, 'the untaken branch did not set GOPROXY');
      assert.deepEqual(pathEntry(run, `${home}/elvish-bin`).addedBy?.location, { file: rc, line: 5 });
      assert.deepEqual(pathEntry(run, '/usr/local/go/bin').addedBy?.location, { file: module, line: 2 });

      assert.equal(startupFile(run, `${home}/.elvish/rc.elv`).status, 'missing');
      assert.deepEqual(readFiles(run), [rc, module]);
      assert.deepEqual(startupFile(run, module).sourcedFrom, { file: rc, line: 2 });
    });

    test('elvish legacy rc.elv wins', async (t) => {
      const run = await runContext(
        t,
        variant,
        {
          '.elvish/rc.elv': '# legacy location\nset E:GOPATH = ~/legacy-go\n',
          '.config/elvish/rc.elv': 'set-env GOPATH /xdg\n',
        },
        { shell: 'elvish', login: false },
      );
      assertSameEnvironment(run);
      const { home } = run;
      assert.equal(run.environment.GOPATH, `${home}/legacy-go`);
      assert.deepEqual(winner(run, 'GOPATH').location, { file: `${home}/.elvish/rc.elv`, line: 2 });
      const xdgRc = startupFile(run, `${home}/.config/elvish/rc.elv`);
      assert.equal(xdgRc.status, 'skipped');
      assert.equal(xdgRc.note, '~/.elvish/rc.elv exists, so elvish does not read this file');
    });
  });

  describe(`xonsh tracing ${variant.name}`, { skip: variant.skip }, () => {
    for (const login of [true, false]) {
      test(`xonsh ${login ? 'login' : 'non-login'} hooks`, async (t) => {
        const run = await runContext(t, variant, XONSH_HOME, { shell: 'xonsh', login });
        assertSameEnvironment(run);
        const { home, environment } = run;

        assert.equal(environment.GOPATH, '/x');
        assert.equal(environment.GOROOT, '/usr/local/go');
        assert.equal(environment.PATH, '/opt/xonsh-bin:/usr/bin:/bin');

        assert.equal(run.result.analysis!.provenance.method, 'traced');
        const gopath = winner(run, 'GOPATH');
        assert.deepEqual(gopath.location, { file: `${home}/.xonshrc`, line: 2 });
        assert.equal(gopath.via, 'line');
        assert.equal(gopath.command, "$GOPATH = '/x'");
        const goroot = winner(run, 'GOROOT');
        assert.deepEqual(goroot.location, { file: `${home}/go.xsh`, line: 5 }, 'a function is placed at its call');
        assert.equal(goroot.via, 'function');
        assert.deepEqual(pathEntry(run, '/opt/xonsh-bin').addedBy?.location, { file: `${home}/.xonshrc`, line: 4 });

        assert.deepEqual(readFiles(run), [`${home}/.xonshrc`, `${home}/go.xsh`]);
        assert.deepEqual(startupFile(run, `${home}/go.xsh`).sourcedFrom, { file: `${home}/.xonshrc`, line: 3 });
        assert.equal(startupFile(run, '/etc/xonsh/xonshrc').status, 'missing');
        assert.equal(startupFile(run, `${home}/.config/xonsh/rc.xsh`).status, 'missing');

        assert.deepEqual(probeLeftovers(`${home}/.local/share/xonsh`), [], 'the hook left files in the data directory');
      });
    }
  });
}
