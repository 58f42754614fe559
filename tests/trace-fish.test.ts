/**
 * The fish tracer against real fish 3.6. Each case writes startup files into a throwaway home and
 * runs the traced probe (fish_trace) through the real probe supervisor. It then checks the file
 * and line that each Go value and PATH entry is attributed to. fish prints no line numbers, so
 * these tests show that matching traced text back to lines finds the right ones.
 *
 * Every case runs as root and as the unprivileged test user. The probe runs in a child Node
 * process started as that user, because the tracer reads the user's files the way the scan does.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, test, type TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';

import type { Assignment, StartupFile } from '../src-main/shared/provenance.ts';
import type { TraceAnalysis, TraceStopPoint } from '../src-main/engine/trace/tracer.ts';
import { runNodeJson } from './helpers/run-as-test-user.ts';
import { USER_VARIANTS, type TestUser, type UserVariant } from './helpers/test-user.ts';
import { cleanEnvironment, createHome, type HomeFile } from './helpers/throwaway-home.ts';

const FISH = '/usr/bin/fish';
const RUN_PROBE_MODULE = fileURLToPath(new URL('../src-main/engine/probe/run-probe.ts', import.meta.url));
const TRACER_MODULE = fileURLToPath(new URL('../src-main/engine/trace/fish-tracer.ts', import.meta.url));
const SHELL_TABLE_MODULE = fileURLToPath(new URL('../src-main/engine/shells/shell-table.ts', import.meta.url));

/** Deadline of each probe, in milliseconds. fish starts in well under a second. */
const DEADLINE_MS = 10_000;
/** Deadline of the probes that are meant to hang, in milliseconds. */
const HANG_DEADLINE_MS = 2_000;
/**
 * Deadline of the probe that loops 40,000 times before it hangs, in milliseconds. The traced loop
 * took 3.9 s on a 2-core machine (2.1 s untraced).
 */
const LONG_HANG_DEADLINE_MS = 8_000;

const SYSTEM_CONFIG = '/usr/share/fish/config.fish';
const DEBIAN_PROFILE = '/usr/share/fish/vendor_conf.d/00debian-profile.fish';
const GO123_BIN = '/usr/lib/go-1.23/bin';

/** The line of /usr/share/fish/config.fish whose `source $file` reads each conf.d file. */
const CONFD_SOURCE_LINE = readFileSync(SYSTEM_CONFIG, 'utf8')
  .split('\n')
  .findIndex((line) => /^\s*and source \$file\s*$/.test(line)) + 1;

interface ProbeRequest {
  runProbeModule: string;
  tracerModule: string;
  shellTableModule: string;
  home: string;
  login: boolean;
  traced: boolean;
  deadlineMs: number;
  environment: Record<string, string>;
}

interface ProbeOutcome {
  environment: Record<string, string> | null;
  errorCode: string | null;
  durationMs: number;
  analysis: TraceAnalysis | null;
  stop: TraceStopPoint | null;
}

/**
 * Runs inside the child process: one probe of fish, traced or not, with the scan's guard
 * variables, then the tracer's analysis of the trace. Reads the request from argv[1] and prints
 * the outcome as JSON.
 */
const PROBE_SCRIPT = `
const request = JSON.parse(process.argv[1]);
const { runProbe } = await import(request.runProbeModule);
const { fishTracer } = await import(request.tracerModule);
const { PROBE_GUARD_VARIABLES } = await import(request.shellTableModule);
const environment = { ...request.environment, ...PROBE_GUARD_VARIABLES };
const args = request.login ? ['-l', '-i', '-c'] : ['-i', '-c'];
const result = await runProbe({
  shellPath: '${FISH}',
  argv0: 'fish',
  args,
  method: 'command',
  stdin: 'null',
  environment,
  cwd: request.home,
  deadlineMs: request.deadlineMs,
  trace: request.traced
    ? (probeDirectory, captureCommand) => fishTracer.plan({
        login: request.login,
        runningAsRoot: process.getuid() === 0,
        argv0: 'fish',
        args,
        method: 'command',
        captureCommand,
        probeDirectory,
        environment,
      })
    : undefined,
});
const finalEnvironment = result.environment?.variables ?? null;
const analysis = request.traced && result.trace && finalEnvironment
  ? fishTracer.analyse({
      login: request.login,
      trace: result.trace.text,
      probeDirectory: result.probeDirectory,
      startEnvironment: request.environment,
      finalEnvironment,
    })
  : null;
const stop = request.traced && result.trace ? fishTracer.stopPoint(result.trace.text) : null;
process.stdout.write(JSON.stringify({
  environment: finalEnvironment,
  errorCode: result.error?.code ?? null,
  durationMs: result.durationMs,
  analysis,
  stop,
}));
`;

/** Runs one fish probe as the variant's user in a child Node process. */
function runFishProbe(
  user: TestUser | null,
  request: Omit<ProbeRequest, 'runProbeModule' | 'tracerModule' | 'shellTableModule'>,
): Promise<ProbeOutcome> {
  const fullRequest: ProbeRequest = {
    ...request,
    runProbeModule: RUN_PROBE_MODULE,
    tracerModule: TRACER_MODULE,
    shellTableModule: SHELL_TABLE_MODULE,
  };
  return runNodeJson<ProbeOutcome>({
    user,
    args: ['--input-type=module', '--eval', PROBE_SCRIPT, JSON.stringify(fullRequest)],
    environment: { PATH: '/usr/bin:/bin', HOME: request.home },
    label: 'the probe process',
  });
}

interface TracedRun {
  home: string;
  analysis: TraceAnalysis;
  environment: Record<string, string>;
  durationMs: number;
}

/** Creates a home for the variant's user, runs the traced probe in it and checks it finished. */
async function traceHome(
  t: TestContext,
  files: Record<string, HomeFile>,
  variant: UserVariant,
  options: { login: boolean; environment?: (home: string) => Record<string, string> },
): Promise<TracedRun> {
  const home = await createHome(files, { owner: variant.user });
  t.after(() => home.remove());
  const outcome = await runFishProbe(variant.user, {
    home: home.path,
    login: options.login,
    traced: true,
    deadlineMs: DEADLINE_MS,
    environment: cleanEnvironment(home.path, options.environment?.(home.path) ?? {}),
  });
  assert.equal(outcome.errorCode, null, 'the traced fish probe failed');
  assert.ok(outcome.environment, 'the traced fish probe captured no environment');
  assert.ok(outcome.analysis, 'the trace was not analysed');
  return { home: home.path, analysis: outcome.analysis, environment: outcome.environment, durationMs: outcome.durationMs };
}

/** Returns "FILE:LINE" of an assignment, with the home shortened to `~`. */
function where(assignment: Assignment | null | undefined, home: string): string | null {
  if (!assignment) return null;
  return `${assignment.location.file.replace(`${home}/`, '~/')}:${assignment.location.line}`;
}

function variableStory(run: TracedRun, name: string) {
  const story = run.analysis.provenance.variables[name];
  assert.ok(story, `no provenance for ${name}`);
  return story;
}

/** Returns the assignment that produced a variable's final value. */
function winningAssignment(run: TracedRun, name: string): Assignment | null {
  const story = variableStory(run, name);
  return story.winner === null ? null : story.chain[story.winner]!;
}

/** Returns the assignment that added a PATH entry. */
function pathOrigin(run: TracedRun, entry: string): Assignment | null {
  const found = run.analysis.provenance.path.find((candidate) => candidate.entry === entry);
  assert.ok(found, `${entry} is not on PATH`);
  return found.addedBy;
}

function startupFile(run: TracedRun, file: string): StartupFile | undefined {
  return run.analysis.startupFiles.find((candidate) => candidate.path === file);
}

/** Returns "status ~/path" for each startup file, in the reported order. */
function startupList(run: TracedRun): string[] {
  return run.analysis.startupFiles.map((file) => `${file.status} ${file.path.replace(`${run.home}/`, '~/')}`);
}

const FISH_VARIABLES_HEADER = '# This file contains fish universal variable definitions.\n# VERSION: 3.0\n';

/** C06: universal GOPATH and GOTOOLCHAIN, and go on PATH from config.fish. */
const C06_FILES: Record<string, HomeFile> = {
  '.config/fish/fish_variables':
    FISH_VARIABLES_HEADER +
    'SETUVAR --export --path GOPATH:{HOME}/old\\x2dgopath\n' +
    'SETUVAR --export GOTOOLCHAIN:local\n',
  '.config/fish/config.fish': `fish_add_path -g ${GO123_BIN}\n`,
};

for (const variant of USER_VARIANTS) {
  describe(`fish tracer ${variant.name}`, { skip: variant.skip }, () => {
    for (const login of [false, true]) {
      test(`C06 universal variables, ${login ? 'login' : 'non-login'}`, async (t) => {
        const run = await traceHome(t, C06_FILES, variant, { login });
        assert.equal(run.analysis.provenance.method, 'traced');

        const gopath = variableStory(run, 'GOPATH');
        assert.equal(gopath.finalValue, `${run.home}/old-gopath`);
        assert.equal(where(winningAssignment(run, 'GOPATH'), run.home), '~/.config/fish/fish_variables:3');
        assert.equal(winningAssignment(run, 'GOPATH')?.via, 'fish-universal');
        assert.equal(winningAssignment(run, 'GOPATH')?.exported, true);

        assert.equal(variableStory(run, 'GOTOOLCHAIN').finalValue, 'local');
        assert.equal(where(winningAssignment(run, 'GOTOOLCHAIN'), run.home), '~/.config/fish/fish_variables:4');
        assert.equal(winningAssignment(run, 'GOTOOLCHAIN')?.via, 'fish-universal');

        assert.equal(run.environment.PATH?.split(':')[0], GO123_BIN);
        assert.equal(where(pathOrigin(run, GO123_BIN), run.home), '~/.config/fish/config.fish:1');
        assert.equal(pathOrigin(run, GO123_BIN)?.via, 'function');
        assert.equal(pathOrigin(run, '/usr/bin'), null);

        const order = startupList(run).filter((line) => !line.includes('/functions/') && !line.includes('__fish_build_paths'));
        assert.deepEqual(order, [
          'read ~/.config/fish/fish_variables',
          `read ${SYSTEM_CONFIG}`,
          `read ${DEBIAN_PROFILE}`,
          'read /etc/fish/config.fish',
          'read ~/.config/fish/config.fish',
        ]);
        assert.deepEqual(startupFile(run, DEBIAN_PROFILE)?.sourcedFrom, { file: SYSTEM_CONFIG, line: CONFD_SOURCE_LINE });
      });
    }

    test('Debian login dirs come from fish_add_path', async (t) => {
      const run = await traceHome(t, C06_FILES, variant, { login: true });
      const localBin = pathOrigin(run, '/usr/local/bin');
      assert.equal(localBin?.location.file, DEBIAN_PROFILE);
      assert.equal(localBin?.via, 'function');
      const profileLines = readFileSync(DEBIAN_PROFILE, 'utf8').split('\n');
      assert.equal(profileLines[localBin!.location.line! - 1]?.trim(), 'fish_add_path -aP /usr/local/bin');
    });

    test('fish_user_paths only in fish_variables', async (t) => {
      const run = await traceHome(
        t,
        {
          '.config/fish/fish_variables':
            FISH_VARIABLES_HEADER +
            'SETUVAR __fish_initialized:3400\n' +
            'SETUVAR fish_user_paths:{HOME}/tools/bin\n',
          'tools/bin/.keep': '',
        },
        variant,
        { login: false },
      );
      const toolsBin = `${run.home}/tools/bin`;
      assert.equal(run.environment.PATH, `${toolsBin}:/usr/bin:/bin`);
      assert.equal(where(pathOrigin(run, toolsBin), run.home), '~/.config/fish/fish_variables:4');
      assert.equal(pathOrigin(run, toolsBin)?.via, 'fish-universal');
      assert.equal(pathOrigin(run, '/usr/bin'), null);

      const config = startupFile(run, `${run.home}/.config/fish/config.fish`);
      assert.equal(config?.status, 'missing');
      assert.equal(config?.note, 'looked for; does not exist');
    });

    test('conf.d GOPATH overridden by config.fish', async (t) => {
      const run = await traceHome(
        t,
        {
          '.config/fish/conf.d/go.fish': '# Go workspace\nset -gx GOPATH $HOME/confd-go\n',
          '.config/fish/config.fish': 'set -l unrelated 1\nset -gx GOPATH $HOME/go\n',
        },
        variant,
        { login: false },
      );
      const gopath = variableStory(run, 'GOPATH');
      assert.equal(gopath.finalValue, `${run.home}/go`);
      assert.deepEqual(
        gopath.chain.map((assignment) => `${where(assignment, run.home)} ${assignment.value}`),
        [`~/.config/fish/conf.d/go.fish:2 ${run.home}/confd-go`, `~/.config/fish/config.fish:2 ${run.home}/go`],
      );
      assert.equal(where(winningAssignment(run, 'GOPATH'), run.home), '~/.config/fish/config.fish:2');

      const confd = startupFile(run, `${run.home}/.config/fish/conf.d/go.fish`);
      assert.deepEqual(confd?.sourcedFrom, { file: SYSTEM_CONFIG, line: CONFD_SOURCE_LINE });
      const order = startupList(run);
      assert.ok(
        order.indexOf('read ~/.config/fish/conf.d/go.fish') < order.indexOf(`read ${DEBIAN_PROFILE}`),
        `user conf.d files come before vendor ones: ${order.join(', ')}`,
      );
    });

    test('conf.d file masks a vendor file', async (t) => {
      const run = await traceHome(
        t,
        { '.config/fish/conf.d/00debian-profile.fish': { symlink: '/dev/null' } },
        variant,
        { login: true },
      );
      const user = startupFile(run, `${run.home}/.config/fish/conf.d/00debian-profile.fish`);
      assert.equal(user?.status, 'skipped');
      assert.equal(user?.note, 'not a regular file, so the conf.d loop skips it');
      const vendor = startupFile(run, DEBIAN_PROFILE);
      assert.equal(vendor?.status, 'skipped');
      assert.match(vendor?.note ?? '', /has the same name and comes first/);
      assert.equal(run.environment.PATH, '/usr/bin:/bin');
    });

    test('function from conf.d called in config.fish', async (t) => {
      const run = await traceHome(
        t,
        {
          '.config/fish/conf.d/a.fish': 'function use_go --description "set up Go"\n    set -gx GOROOT $argv[1]\nend\n',
          '.config/fish/config.fish': '# Go\n\nuse_go /usr/lib/go-1.23\n',
        },
        variant,
        { login: false },
      );
      const goroot = winningAssignment(run, 'GOROOT');
      assert.equal(goroot?.value, '/usr/lib/go-1.23');
      assert.equal(where(goroot, run.home), '~/.config/fish/config.fish:3');
      assert.equal(goroot?.via, 'function');
    });

    test('generated code sourced at its line', async (t) => {
      const run = await traceHome(
        t,
        {
          '.config/fish/config.fish':
            'set -gx GOFLAGS -mod=readonly\n' +
            "echo 'set -gx GOFLAGS -mod=mod' | source\n" +
            "source (printf 'set -gx GOPROXY direct\\n' | psub)\n",
        },
        variant,
        { login: false },
      );
      assert.equal(variableStory(run, 'GOFLAGS').finalValue, '-mod=mod');
      assert.equal(where(winningAssignment(run, 'GOFLAGS'), run.home), '~/.config/fish/config.fish:2');
      assert.equal(winningAssignment(run, 'GOFLAGS')?.via, 'eval');
      assert.equal(variableStory(run, 'GOFLAGS').chain[0]?.via, 'line');

      assert.equal(variableStory(run, 'GOPROXY').finalValue, 'direct');
      assert.equal(where(winningAssignment(run, 'GOPROXY'), run.home), '~/.config/fish/config.fish:3');
      assert.equal(winningAssignment(run, 'GOPROXY')?.via, 'eval');
      assert.ok(
        run.analysis.startupFiles.every((file) => !file.path.includes('.psub')),
        'the temporary file of psub is not a startup file',
      );
    });

    test('same line text twice', async (t) => {
      const run = await traceHome(
        t,
        {
          '.config/fish/config.fish':
            'set -gx GOPATH $HOME/go\n' +
            'set -gx GOPATH /srv/go\n' +
            'echo between > /dev/null\n' +
            'set -gx GOPATH $HOME/go\n',
        },
        variant,
        { login: false },
      );
      assert.deepEqual(
        variableStory(run, 'GOPATH').chain.map((assignment) => where(assignment, run.home)),
        ['~/.config/fish/config.fish:1', '~/.config/fish/config.fish:2', '~/.config/fish/config.fish:4'],
      );
      assert.equal(where(winningAssignment(run, 'GOPATH'), run.home), '~/.config/fish/config.fish:4');
    });

    test('PATH lists, login block and erase', async (t) => {
      const files: Record<string, HomeFile> = {
        '.config/fish/config.fish': [
          'set -p PATH /opt/first',
          'set -a PATH /opt/last',
          'contains /opt/c $PATH; or set -gx PATH /opt/c $PATH',
          'if status is-login',
          '    set --path -gx GOTOOLCHAIN local',
          'end',
          'set -gx GOBIN /tmp/unused',
          'set -e GOBIN',
          'set -g GONOSUMDB example.com',
          '',
        ].join('\n'),
      };
      const nonLogin = await traceHome(t, files, variant, { login: false });
      assert.equal(nonLogin.environment.PATH, '/opt/c:/opt/first:/usr/bin:/bin:/opt/last');
      assert.equal(where(pathOrigin(nonLogin, '/opt/first'), nonLogin.home), '~/.config/fish/config.fish:1');
      assert.equal(where(pathOrigin(nonLogin, '/opt/last'), nonLogin.home), '~/.config/fish/config.fish:2');
      assert.equal(where(pathOrigin(nonLogin, '/opt/c'), nonLogin.home), '~/.config/fish/config.fish:3');
      assert.equal(variableStory(nonLogin, 'GOTOOLCHAIN').chain.length, 0);

      const gobin = variableStory(nonLogin, 'GOBIN');
      assert.equal(gobin.finalValue, null);
      assert.deepEqual(gobin.chain.map((assignment) => assignment.value), ['/tmp/unused', null]);
      assert.equal(where(gobin.chain[1], nonLogin.home), '~/.config/fish/config.fish:8');

      const nosumdb = variableStory(nonLogin, 'GONOSUMDB');
      assert.equal(nosumdb.notExported, true);
      assert.equal(where(nosumdb.chain[nosumdb.winner!], nonLogin.home), '~/.config/fish/config.fish:9');

      const login = await traceHome(t, files, variant, { login: true });
      assert.equal(where(winningAssignment(login, 'GOTOOLCHAIN'), login.home), '~/.config/fish/config.fish:5');
    });

    test('XDG_CONFIG_HOME moves fish_variables', async (t) => {
      const run = await traceHome(
        t,
        {
          'xdg/fish/fish_variables': FISH_VARIABLES_HEADER + 'SETUVAR --export GOPROXY:off\n',
          'xdg/fish/config.fish': 'set -gx GOFLAGS -v\n',
        },
        variant,
        { login: false, environment: (home) => ({ XDG_CONFIG_HOME: `${home}/xdg` }) },
      );
      assert.equal(where(winningAssignment(run, 'GOPROXY'), run.home), '~/xdg/fish/fish_variables:3');
      assert.equal(where(winningAssignment(run, 'GOFLAGS'), run.home), '~/xdg/fish/config.fish:1');
      assert.equal(startupList(run)[0], 'read ~/xdg/fish/fish_variables');
    });

    /** Runs a probe that blocks on `read` from a FIFO no one writes to, like a terminal no one types in. */
    async function runHangingProbe(t: TestContext, files: Record<string, HomeFile>, deadlineMs: number) {
      const home = await createHome(files, { owner: variant.user });
      t.after(() => home.remove());
      const fifo = `${home.path}/input.fifo`;
      execFileSync('mkfifo', [fifo]);
      if (variant.user) execFileSync('chown', [`${variant.user.uid}:${variant.user.gid}`, fifo]);
      const outcome = await runFishProbe(variant.user, {
        home: home.path,
        login: false,
        traced: true,
        deadlineMs,
        environment: cleanEnvironment(home.path),
      });
      return { home: home.path, outcome };
    }

    test('hang reported at its line', async (t) => {
      const { home, outcome } = await runHangingProbe(
        t,
        { '.config/fish/config.fish': "set -gx GOPATH $HOME/go\n\nread -P 'Continue? ' answer < ~/input.fifo\n" },
        HANG_DEADLINE_MS,
      );
      assert.equal(outcome.errorCode, 'timeout');
      assert.deepEqual(outcome.stop?.location, { file: `${home}/.config/fish/config.fish`, line: 3 });
      assert.equal(outcome.stop?.command, "read -P 'Continue? ' answer");
    });

    test('hang after a long loop', async (t) => {
      // About 280,000 records, more than the stop point walks, so only the last ones are read.
      const { home, outcome } = await runHangingProbe(
        t,
        {
          '.config/fish/conf.d/count.fish':
            'function count_up\n    set -g counter (math $counter + 1)\n    if test $counter -lt 0\n        echo never\n    end\nend\n',
          '.config/fish/config.fish':
            'set -g counter 0\nfor i in (seq 40000)\n    count_up\n    set -g last $i\nend\n' +
            'function wait_for_answer\n    read -P "Go on? " answer < ~/input.fifo\nend\nwait_for_answer\n',
        },
        LONG_HANG_DEADLINE_MS,
      );
      assert.equal(outcome.errorCode, 'timeout');
      assert.deepEqual(outcome.stop?.location, { file: `${home}/.config/fish/config.fish`, line: 9 });
      assert.equal(outcome.stop?.command, "read -P 'Go on? ' answer");
    });

    test('traced environment equals untraced', async (t) => {
      const home = await createHome(
        {
          '.config/fish/fish_variables': FISH_VARIABLES_HEADER + 'SETUVAR --export GOPROXY:off\n',
          '.config/fish/conf.d/go.fish': 'set -gx GOPATH $HOME/go\n',
          '.config/fish/config.fish': `fish_add_path -g ${GO123_BIN}\nset -gx GOFLAGS -mod=mod\n`,
        },
        { owner: variant.user },
      );
      t.after(() => home.remove());
      const request = { home: home.path, deadlineMs: DEADLINE_MS, environment: cleanEnvironment(home.path) };
      for (const login of [false, true]) {
        const traced = await runFishProbe(variant.user, { ...request, login, traced: true });
        const untraced = await runFishProbe(variant.user, { ...request, login, traced: false });
        assert.equal(traced.errorCode, null);
        assert.equal(untraced.errorCode, null);
        assert.equal(traced.environment?.fish_trace, undefined);
        assert.deepEqual(traced.environment, untraced.environment);
      }
    });

    test('traced probe time, measured', async (t) => {
      const home = await createHome({ '.config/fish/config.fish': `fish_add_path -g ${GO123_BIN}\n` }, { owner: variant.user });
      t.after(() => home.remove());
      const request = { home: home.path, login: true, deadlineMs: DEADLINE_MS, environment: cleanEnvironment(home.path) };
      const rounds = 5;
      const durations = { traced: [] as number[], untraced: [] as number[] };
      for (let round = 0; round < rounds; round += 1) {
        durations.traced.push((await runFishProbe(variant.user, { ...request, traced: true })).durationMs);
        durations.untraced.push((await runFishProbe(variant.user, { ...request, traced: false })).durationMs);
      }
      const median = (values: number[]) => [...values].sort((left, right) => left - right)[Math.floor(values.length / 2)]!;
      t.diagnostic(
        `fish -l -i probe, median of ${rounds}: traced ${median(durations.traced).toFixed(0)} ms, ` +
          `untraced ${median(durations.untraced).toFixed(0)} ms`,
      );
    });
  });
}
