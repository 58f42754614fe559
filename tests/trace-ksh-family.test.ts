/**
 * Tracers for ksh93, mksh and yash, run against the real shells in throwaway homes, as root and as
 * an unprivileged user. Each case runs the probe untraced and traced, and tracing must not change
 * the captured environment. The trace must name the exact file and line of each Go setting. The
 * cases cover a chain of sourced files, an eval and ksh93's drifting LINENO. They also cover
 * Debian's /etc/mkshrc, which replaces PS4, and yash's own setup files, which set YASH_PS4.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';

import type { Assignment, StartupFile } from '../src-main/shared/provenance.ts';
import { runTracedProbes, type TracedProbeOutcome, type TracedProbeRequest, type TracedShell } from './helpers/ksh-family-probe.ts';
import { USER_VARIANTS } from './helpers/test-user.ts';
import { createHome, type HomeFile, type ThrowawayHome } from './helpers/throwaway-home.ts';

const SHELLS: TracedShell[] = ['ksh93', 'mksh', 'yash'];
const MODES = [
  { name: 'login', login: true },
  { name: 'non-login', login: false },
];

/** Returns the file of a shell and mode that the cases write their lines into. */
function mainFile(shell: TracedShell, login: boolean): string {
  if (shell === 'yash') return login ? '.yash_profile' : '.yashrc';
  if (login) return '.profile';
  return shell === 'ksh93' ? '.kshrc' : '.mkshrc';
}

/** Lines of the main file, by what they do. */
const LINE = { gopath: 2, sourceA: 3, path: 4, eval: 5 };

/** The chain ~/MAIN -> a.sh -> b.sh -> c.sh, with GOROOT in c.sh and GOPROXY in a.sh after it returns. */
function chainFiles(main: string, shell: TracedShell): Record<string, HomeFile> {
  return {
    [main]: [
      '# startup file of the case',
      'export GOPATH="$HOME/go"',
      '. "$HOME/chain/a.sh"',
      'PATH="$HOME/tools/bin:$PATH"',
      `eval "$(printf 'export GOFLAGS=-mod=mod\\nexport GOBIN=/x')"`,
      '',
    ].join('\n'),
    'chain/a.sh': ['# a.sh sources b.sh, then sets GOPROXY', '. "$HOME/chain/b.sh"', 'a_after=1', 'export GOPROXY=direct', ''].join('\n'),
    'chain/b.sh': ['# b.sh sources c.sh', '. "$HOME/chain/c.sh"', ''].join('\n'),
    // The last line checks that tracing keeps `$?` for the command after it.
    'chain/c.sh': ['# c.sh', 'c_local=1', 'export GOROOT="$HOME/sdk/go"', 'false; LAST_STATUS=$?; export LAST_STATUS', ''].join('\n'),
    // A yash login shell also reads ~/.yashrc; an empty one keeps yash's default setup out.
    ...(shell === 'yash' && main === '.yash_profile' ? { '.yashrc': '' } : {}),
  };
}

/** Debian's skeleton ~/.mkshrc, which sources /etc/mkshrc, with a GOPATH line where users add theirs. */
const SKELETON_MKSHRC = '/etc/skel/.mkshrc';
const SKELETON_GOPATH_LINE = 37;
function skeletonMkshrc(): string {
  const lines = readFileSync(SKELETON_MKSHRC, 'utf8').split('\n');
  lines.splice(SKELETON_GOPATH_LINE - 1, 0, 'export GOPATH="$HOME/go"');
  return lines.join('\n');
}

/** A ~/.yashrc made from yash's sample, which sets YASH_PS4 through initialization/common. */
const YASHRC_FROM_SAMPLE = ['. --autoload --no-alias initialization/sample', '', 'export GOPATH="$HOME/go"', ''].join('\n');
const YASHRC_GOPATH_LINE = 3;

/** A startup file that hangs at a known line. */
const HANGING_LINE = 3;
const HANGING_FILE = ['# hangs', 'export GOPATH="$HOME/go"', 'sleep 30', ''].join('\n');

interface Case {
  id: string;
  files: Record<string, HomeFile>;
  request: Omit<TracedProbeRequest, 'home'>;
}

function cases(): Case[] {
  const list: Case[] = [];
  for (const shell of SHELLS) {
    for (const mode of MODES) {
      list.push({
        id: `${shell} ${mode.name}`,
        files: chainFiles(mainFile(shell, mode.login), shell),
        request: { shell, login: mode.login, untraced: true },
      });
      list.push({ id: `${shell} ${mode.name} empty home`, files: {}, request: { shell, login: mode.login } });
    }
    list.push({
      id: `${shell} hang`,
      files: { [mainFile(shell, false)]: HANGING_FILE },
      request: { shell, login: false, deadlineMs: 2_000 },
    });
  }
  if (existsSync(SKELETON_MKSHRC) && existsSync('/etc/mkshrc')) {
    list.push({ id: 'mksh skeleton', files: { '.mkshrc': skeletonMkshrc() }, request: { shell: 'mksh', login: false, untraced: true } });
  }
  list.push({ id: 'yash default', files: {}, request: { shell: 'yash', login: false, untraced: true } });
  list.push({ id: 'yash sample', files: { '.yashrc': YASHRC_FROM_SAMPLE }, request: { shell: 'yash', login: false, untraced: true } });
  return list;
}

/** Returns "FILE:LINE" of an assignment with the home shortened to `~`. */
function where(assignment: Assignment | null | undefined, home: string): string | null {
  if (!assignment) return null;
  return `${assignment.location.file.replace(`${home}/`, '~/')}:${assignment.location.line}`;
}

/**
 * Returns a copy of an environment with ksh93's `_` made comparable: ksh93 exports `_` as the
 * shell's process id between asterisks followed by the command's path, and the process id
 * differs between any two runs.
 */
function comparable(shell: TracedShell, variables: Record<string, string>): Record<string, string> {
  if (shell !== 'ksh93' || variables._ === undefined) return variables;
  return { ...variables, _: variables._.replace(/^\*\d+\*/, '*PID*') };
}

for (const variant of USER_VARIANTS) {
  describe(`ksh93, mksh and yash tracing ${variant.name}`, { skip: variant.skip }, () => {
    const homes = new Map<string, ThrowawayHome>();
    const outcomes = new Map<string, TracedProbeOutcome>();

    before(async () => {
      const list = cases();
      for (const entry of list) homes.set(entry.id, await createHome(entry.files, { owner: variant.user }));
      const results = await runTracedProbes(
        list.map((entry) => ({ ...entry.request, home: homes.get(entry.id)!.path })),
        variant.user,
      );
      list.forEach((entry, index) => outcomes.set(entry.id, results[index]!));
    });
    after(async () => {
      for (const home of homes.values()) await home.remove();
    });

    /** The outcome of a case that must have captured an environment and analysed its trace. */
    function run(id: string) {
      const outcome = outcomes.get(id);
      assert.ok(outcome, `case ${id} did not run`);
      assert.equal(outcome.traced.error, null, `${id}: the traced probe failed: ${outcome.traced.error?.message}`);
      assert.ok(outcome.traced.variables, `${id}: the traced probe captured no environment`);
      assert.ok(outcome.analysis, `${id}: the trace was not analysed`);
      return { outcome, analysis: outcome.analysis, home: homes.get(id)!.path };
    }

    function winner(id: string, name: string): { at: string | null; value: string | null; via: string | null } {
      const { analysis, home } = run(id);
      const story = analysis.provenance.variables[name];
      assert.ok(story, `${id}: no provenance for ${name}`);
      const chosen = story.winner === null ? null : story.chain[story.winner];
      return { at: where(chosen, home), value: story.finalValue, via: chosen?.via ?? null };
    }

    function startupFile(id: string, relative: string): StartupFile {
      const { analysis, home } = run(id);
      const path = relative.startsWith('/') ? relative : `${home}/${relative}`;
      const found = analysis.startupFiles.find((file) => file.path === path);
      assert.ok(found, `${id}: ${relative} is not listed: ${JSON.stringify(analysis.startupFiles)}`);
      return found;
    }

    function assertSameEnvironment(id: string, shell: TracedShell): void {
      const { outcome } = run(id);
      assert.ok(outcome.untraced, `${id}: no untraced run`);
      assert.equal(outcome.untraced.error, null, `${id}: the untraced probe failed`);
      console.log(
        `${variant.name} ${id}: untraced ${outcome.untraced.durationMs.toFixed(0)} ms, ` +
          `traced ${outcome.traced.durationMs.toFixed(0)} ms`,
      );
      assert.deepEqual(
        comparable(shell, outcome.traced.variables!),
        comparable(shell, outcome.untraced.variables!),
        `${id}: tracing changed the environment`,
      );
    }

    for (const shell of SHELLS) {
      for (const mode of MODES) {
        const id = `${shell} ${mode.name}`;
        const main = `~/${mainFile(shell, mode.login)}`;

        test(`${id}: environment equals untraced run`, () => {
          assertSameEnvironment(id, shell);
        });

        test(`${id}: GOPATH at its line`, () => {
          const { home } = run(id);
          assert.deepEqual(winner(id, 'GOPATH'), { at: `${main}:${LINE.gopath}`, value: `${home}/go`, via: 'line' });
        });

        test(`${id}: source chain three files deep`, () => {
          const { home } = run(id);
          assert.deepEqual(winner(id, 'GOROOT'), { at: '~/chain/c.sh:3', value: `${home}/sdk/go`, via: 'line' });
          assert.deepEqual(winner(id, 'GOPROXY'), { at: '~/chain/a.sh:4', value: 'direct', via: 'line' });
          const sourcedFrom = (file: string) => {
            const from = startupFile(id, file).sourcedFrom;
            return from ? `${from.file.replace(`${home}/`, '~/')}:${from.line}` : null;
          };
          assert.equal(sourcedFrom('chain/a.sh'), `${main}:${LINE.sourceA}`);
          assert.equal(sourcedFrom('chain/b.sh'), '~/chain/a.sh:2');
          assert.equal(sourcedFrom('chain/c.sh'), '~/chain/b.sh:2');
        });

        test(`${id}: PATH entry at its line`, () => {
          const { analysis, home } = run(id);
          const entry = analysis.provenance.path.find((candidate) => candidate.entry === `${home}/tools/bin`);
          assert.ok(entry, `${id}: ~/tools/bin is not on PATH`);
          assert.equal(where(entry.addedBy, home), `${main}:${LINE.path}`);
        });

        test(`${id}: eval lines at the eval's line`, () => {
          assert.deepEqual(winner(id, 'GOFLAGS'), { at: `${main}:${LINE.eval}`, value: '-mod=mod', via: 'eval' });
          assert.deepEqual(winner(id, 'GOBIN'), { at: `${main}:${LINE.eval}`, value: '/x', via: 'eval' });
        });
      }

      test(`${shell}: stop point names the hanging line`, () => {
        const outcome = outcomes.get(`${shell} hang`)!;
        const home = homes.get(`${shell} hang`)!.path;
        assert.equal(outcome.traced.error?.code, 'timeout', `${shell}: the probe did not time out`);
        assert.deepEqual(outcome.stop, {
          location: { file: `${home}/${mainFile(shell, false)}`, line: HANGING_LINE },
          command: 'sleep 30',
        });
      });
    }

    test('ksh93: drifting LINENO gives the true line', () => {
      // ksh93 93u+m 1.0.4 counts LINENO on from the lines of files sourced before: the record of
      // `export GOPROXY=direct` (a.sh line 4, after b.sh and c.sh were sourced) shows more.
      const { outcome } = run('ksh93 login');
      const record = new RegExp('\\x1e[^\\x1f]*/chain/a\\.sh\\x1f(\\d+)\\x1f[^\\x1f]*\\x1f\\d+\\x1f GOPROXY=direct').exec(outcome.trace);
      assert.ok(record, 'the trace has no record of GOPROXY=direct in a.sh');
      assert.notEqual(Number(record[1]), 4, 'ksh93 printed the true line, so this case does not show the drift');
      assert.equal(winner('ksh93 login', 'GOPROXY').at, '~/chain/a.sh:4');
    });

    test('expected files: missing ones with reasons', () => {
      const status = (id: string, file: string) => {
        const found = startupFile(id, file);
        return `${found.status}: ${found.note}`;
      };
      assert.equal(status('ksh93 non-login empty home', '/etc/ksh.kshrc').split(':')[0], existsSync('/etc/ksh.kshrc') ? 'read' : 'missing');
      assert.equal(status('ksh93 non-login empty home', '.kshrc'), 'missing: looked for because ENV is unset; does not exist');
      assert.equal(status('ksh93 login empty home', '.profile'), 'missing: looked for; does not exist');
      assert.equal(status('mksh non-login empty home', '.mkshrc'), 'missing: looked for because ENV is unset; does not exist');
      assert.equal(status('mksh login empty home', '.profile'), 'missing: looked for; does not exist');
      assert.equal(status('yash login empty home', '.yash_profile'), 'missing: looked for; does not exist');
      assert.match(status('yash non-login empty home', '.yashrc'), /^missing: .*so yash read \/usr\/share\/yash\/initialization\/default instead$/);
      assert.equal(startupFile('yash non-login empty home', '/usr/share/yash/initialization/default').status, 'read');
      assert.equal(startupFile('yash non-login', '/usr/share/yash/initialization/default').status, 'skipped');
    });

    test('mksh: Debian skeleton that replaces PS4', { skip: !existsSync(SKELETON_MKSHRC) && 'no Debian mksh skeleton' }, () => {
      assertSameEnvironment('mksh skeleton', 'mksh');
      assert.ok(startupFile('mksh skeleton', '/etc/mkshrc').sourcedFrom, '/etc/mkshrc is not shown as sourced');
      assert.deepEqual(winner('mksh skeleton', 'GOPATH').at, `~/.mkshrc:${SKELETON_GOPATH_LINE}`);
    });

    test('yash: default setup without ~/.yashrc', () => {
      assertSameEnvironment('yash default', 'yash');
      assert.equal(startupFile('yash default', '/usr/share/yash/initialization/common').status, 'read');
    });

    test('yash: rc from the sample that sets YASH_PS4', () => {
      assertSameEnvironment('yash sample', 'yash');
      assert.equal(winner('yash sample', 'GOPATH').at, `~/.yashrc:${YASHRC_GOPATH_LINE}`);
      assert.doesNotMatch(run('yash sample').analysis.errorOutput ?? '', /read-only/);
    });
  });
}
