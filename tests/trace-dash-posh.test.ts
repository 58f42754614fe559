/**
 * Provenance for dash and posh, whose `-x` trace names no file and no line: the startup files are
 * parsed and the trace is matched against them. Real shells run in pseudo-terminals through
 * runProbe, in throwaway HOMEs, as root and as an unprivileged user. The unprivileged runs happen
 * in a child process of this file started with setpriv (see `runWorker`).
 */
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { describe, test, type TestContext } from 'node:test';

import type { StartupFile, VariableProvenance } from '../src-main/shared/provenance.ts';
import { readShStartupStatically } from '../src-main/engine/trace/sh-static-reader.ts';
import { ScriptCache } from '../src-main/engine/trace/sh-trace-matcher.ts';
import { buildCaptureCommand, runProbe } from '../src-main/engine/probe/run-probe.ts';
import { dashTracer, poshTracer, shReaderReady } from '../src-main/engine/trace/sh-reader-tracer.ts';
import type { TraceAnalysis, TraceStopPoint } from '../src-main/engine/trace/tracer.ts';
import { runNodeJson } from './helpers/run-as-test-user.ts';
import { USER_VARIANTS, type UserVariant } from './helpers/test-user.ts';
import { cleanEnvironment, createHome, type HomeFile } from './helpers/throwaway-home.ts';

const WORKER_VARIABLE = 'GEL_SH_TRACE_WORKER';
const THIS_FILE = fileURLToPath(import.meta.url);

type Shell = 'dash' | 'posh';
type Mode = 'login' | 'non-login' | 'script';

/** One context to probe twice, traced and untraced. */
interface ProbeJob {
  shell: Shell;
  mode: Mode;
}

interface ProbeOutcome {
  job: ProbeJob;
  untraced: Record<string, string>;
  traced: Record<string, string>;
  analysis: TraceAnalysis;
  stopPoint: TraceStopPoint | null;
  untracedMs: number;
  tracedMs: number;
  analyseMs: number;
}

interface WorkerRequest {
  jobs: ProbeJob[];
  environment: Record<string, string>;
}

function invocation(job: ProbeJob): { argv0: string; args: string[]; login: boolean } {
  if (job.mode === 'login') return { argv0: job.shell, args: ['-l', '-i', '-c'], login: true };
  if (job.mode === 'non-login') return { argv0: job.shell, args: ['-i', '-c'], login: false };
  return { argv0: 'sh', args: ['-c'], login: false };
}

/** Runs every job traced and untraced, in this process, as the current user. */
async function probeJobs(request: WorkerRequest): Promise<ProbeOutcome[]> {
  await shReaderReady;
  const outcomes: ProbeOutcome[] = [];
  for (const job of request.jobs) {
    const { argv0, args, login } = invocation(job);
    const tracer = job.shell === 'dash' ? dashTracer : poshTracer;
    const home = request.environment.HOME!;
    const base = {
      shellPath: `/usr/bin/${job.shell}`,
      argv0,
      args,
      method: 'command' as const,
      stdin: 'null' as const,
      environment: request.environment,
      cwd: home,
      deadlineMs: 20_000,
    };
    const untraced = await runProbe(base);
    const traced = await runProbe({
      ...base,
      trace: (probeDirectory) =>
        tracer.plan({
          login,
          runningAsRoot: process.getuid?.() === 0,
          argv0,
          args,
          method: 'command',
          captureCommand: buildCaptureCommand(`${probeDirectory}/environment`),
          probeDirectory,
          environment: request.environment,
        }),
    });
    if (!untraced.environment || !traced.environment || !traced.trace) {
      throw new Error(`${job.shell} ${job.mode}: probe failed: ${untraced.error?.message ?? traced.error?.message}`);
    }
    const stopPoint = tracer.stopPoint(traced.trace.text);
    const analyseStarted = performance.now();
    const analysis = tracer.analyse({
      login,
      trace: traced.trace.text,
      probeDirectory: traced.probeDirectory,
      startEnvironment: request.environment,
      finalEnvironment: traced.environment.variables,
    });
    const analyseMs = performance.now() - analyseStarted;
    outcomes.push({
      job,
      untraced: untraced.environment.variables,
      traced: traced.environment.variables,
      analysis,
      stopPoint,
      untracedMs: untraced.durationMs,
      tracedMs: traced.durationMs,
      analyseMs,
    });
  }
  return outcomes;
}

/** Runs the jobs as the variant's user: in this process for the invoking user, else in a child. */
async function runJobs(variant: UserVariant, request: WorkerRequest): Promise<ProbeOutcome[]> {
  if (!variant.user) return probeJobs(request);
  return runNodeJson<ProbeOutcome[]>({
    user: variant.user,
    args: [THIS_FILE],
    environment: { ...request.environment, [WORKER_VARIABLE]: JSON.stringify(request) },
    cwd: request.environment.HOME,
    label: 'the probe worker',
  });
}

/** Entry point of the child process that probes as the unprivileged user. */
async function runWorker(requestText: string): Promise<void> {
  const outcomes = await probeJobs(JSON.parse(requestText) as WorkerRequest);
  process.stdout.write(JSON.stringify(outcomes));
}

interface CaseRun {
  home: string;
  outcome(shell: Shell, mode?: Mode): ProbeOutcome;
}

/** Creates a home with the files, probes the jobs and checks what every case shares. */
async function runCase(
  t: TestContext,
  variant: UserVariant,
  files: Record<string, HomeFile>,
  jobs: ProbeJob[],
  extraEnvironment: Record<string, string> = {},
): Promise<CaseRun> {
  const home = await createHome(files, { owner: variant.user });
  t.after(() => home.remove());
  const environment = cleanEnvironment(home.path, extraEnvironment);
  const outcomes = await runJobs(variant, { jobs, environment });
  for (const outcome of outcomes) {
    const label = `${outcome.job.shell} ${outcome.job.mode}`;
    assert.deepEqual(outcome.traced, outcome.untraced, `${label}: the traced environment differs from the untraced one`);
    assert.equal(outcome.analysis.provenance.method, 'read-file', `${label}: method`);
    t.diagnostic(
      `${label}: untraced probe ${outcome.untracedMs.toFixed(0)} ms, traced probe ` +
        `${outcome.tracedMs.toFixed(0)} ms, analysis ${outcome.analyseMs.toFixed(1)} ms`,
    );
  }
  return {
    home: home.path,
    outcome: (shell, mode = 'login') => {
      const found = outcomes.find((outcome) => outcome.job.shell === shell && outcome.job.mode === mode);
      assert.ok(found, `no outcome for ${shell} ${mode}`);
      return found;
    },
  };
}

function variable(outcome: ProbeOutcome, name: string): VariableProvenance {
  const found = outcome.analysis.provenance.variables[name];
  assert.ok(found, `${outcome.job.shell}: no provenance for ${name}`);
  return found;
}

/** Returns "file:line" of the assignment that produced the variable's final value. */
function winnerLocation(outcome: ProbeOutcome, name: string): string | null {
  const provenance = variable(outcome, name);
  if (provenance.winner === null) return null;
  const assignment = provenance.chain[provenance.winner]!;
  return `${assignment.location.file}:${assignment.location.line}`;
}

/** Returns "file:line" of the assignment that added a PATH entry. */
function pathEntryLocation(outcome: ProbeOutcome, entry: string): string | null {
  const found = outcome.analysis.provenance.path.find((candidate) => candidate.entry === entry);
  assert.ok(found, `${outcome.job.shell}: ${entry} is not on PATH`);
  return found.addedBy ? `${found.addedBy.location.file}:${found.addedBy.location.line}` : null;
}

function startupFile(outcome: ProbeOutcome, file: string): StartupFile | undefined {
  return outcome.analysis.startupFiles.find((candidate) => candidate.path === file);
}

const LOGIN_JOBS: ProbeJob[] = [
  { shell: 'dash', mode: 'login' },
  { shell: 'posh', mode: 'login' },
];

const requestText = process.env[WORKER_VARIABLE];
if (requestText) {
  await runWorker(requestText);
} else {
  test('static reader follows sources and loops', async (t) => {
    await shReaderReady;
    const home = await createHome({
      '.profile': 'for f in "$HOME"/.profile.d/*.sh; do\n  . "$f"\ndone\nexport GOPATH="$HOME/go"\n',
      '.profile.d/a.sh': 'export GOBIN="$GOPATH/bin"\n',
      '.profile.d/b.sh': '\nexport GOFLAGS=-mod=mod\n',
    });
    t.after(() => home.remove());
    const read = readShStartupStatically({
      roots: [{ kind: 'file', path: `${home.path}/.profile` }],
      startEnvironment: { HOME: home.path, GOPATH: '/start' },
      cwd: home.path,
      scripts: new ScriptCache(),
    });
    const lines = read.records.map((record) => `${record.file}:${record.line} ${record.command}`);
    assert.deepEqual(lines, [
      `${home.path}/.profile:2 . ${home.path}/.profile.d/a.sh`,
      `${home.path}/.profile.d/a.sh:1 export GOBIN=/start/bin`,
      `${home.path}/.profile:2 . ${home.path}/.profile.d/b.sh`,
      `${home.path}/.profile.d/b.sh:2 export GOFLAGS=-mod=mod`,
      `${home.path}/.profile:4 export GOPATH=${home.path}/go`,
    ]);
  });

  for (const variant of USER_VARIANTS) {
    describe(`dash and posh provenance ${variant.name}`, { skip: variant.skip }, () => {
      test('C13 PATH prepend at profile line 1', async (t) => {
        const run = await runCase(t, variant, { '.profile': 'export PATH="/usr/lib/go-1.23/bin:$PATH"\n' }, LOGIN_JOBS);
        for (const shell of ['dash', 'posh'] as const) {
          const outcome = run.outcome(shell);
          assert.equal(pathEntryLocation(outcome, '/usr/lib/go-1.23/bin'), `${run.home}/.profile:1`, shell);
          assert.equal(outcome.analysis.provenance.path[0]?.entry, '/usr/lib/go-1.23/bin', shell);
          assert.equal(startupFile(outcome, `${run.home}/.profile`)?.status, 'read', shell);
          assert.equal(startupFile(outcome, '/etc/profile')?.status, 'read', shell);
          assert.equal(outcome.stopPoint?.location.file, `${run.home}/.profile`, `${shell}: stop point file`);
          assert.equal(outcome.stopPoint?.location.line, 1, `${shell}: stop point line`);
        }
      });

      test('C16 GOROOT and PATH exact lines', async (t) => {
        const run = await runCase(
          t,
          variant,
          { '.profile': 'export GOROOT=/usr/lib/go-1.19\nexport PATH="$GOROOT/bin:$PATH"\n' },
          LOGIN_JOBS,
        );
        for (const shell of ['dash', 'posh'] as const) {
          const outcome = run.outcome(shell);
          assert.equal(outcome.traced.GOROOT, '/usr/lib/go-1.19', shell);
          assert.equal(winnerLocation(outcome, 'GOROOT'), `${run.home}/.profile:1`, shell);
          assert.equal(winnerLocation(outcome, 'PATH'), `${run.home}/.profile:2`, shell);
          assert.equal(pathEntryLocation(outcome, '/usr/lib/go-1.19/bin'), `${run.home}/.profile:2`, shell);
        }
      });

      test('source chain three files deep', async (t) => {
        const run = await runCase(
          t,
          variant,
          {
            '.profile': '# sources the chain\n. "$HOME/.config/sh/a.sh"\nexport GOFLAGS=-mod=mod\n',
            '.config/sh/a.sh': 'SHDIR=$HOME/.config/sh\n\n. ~/.config/sh/b.sh\n',
            '.config/sh/b.sh': 'GOBIN_BASE=$HOME\n. $SHDIR/c.sh\n',
            '.config/sh/c.sh': '# c\nif true; then\n  :\nfi\nexport GOPATH="$GOBIN_BASE/go"\nexport PATH="$PATH:$GOPATH/bin"\n',
          },
          LOGIN_JOBS,
        );
        const dir = `${run.home}/.config/sh`;
        for (const shell of ['dash', 'posh'] as const) {
          const outcome = run.outcome(shell);
          assert.equal(outcome.traced.GOPATH, `${run.home}/go`, shell);
          assert.equal(winnerLocation(outcome, 'GOPATH'), `${dir}/c.sh:5`, shell);
          assert.equal(pathEntryLocation(outcome, `${run.home}/go/bin`), `${dir}/c.sh:6`, shell);
          assert.equal(winnerLocation(outcome, 'GOFLAGS'), `${run.home}/.profile:3`, shell);
          assert.deepEqual(startupFile(outcome, `${dir}/a.sh`)?.sourcedFrom, { file: `${run.home}/.profile`, line: 2 }, shell);
          assert.deepEqual(startupFile(outcome, `${dir}/b.sh`)?.sourcedFrom, { file: `${dir}/a.sh`, line: 3 }, shell);
          assert.deepEqual(startupFile(outcome, `${dir}/c.sh`)?.sourcedFrom, { file: `${dir}/b.sh`, line: 2 }, shell);
        }
      });

      test('if/else attributes the else line', async (t) => {
        const run = await runCase(
          t,
          variant,
          {
            '.profile':
              'if [ -d /nonexistent/go ]; then\n' +
              '  export GOPATH="$HOME/go"\n' +
              'else\n' +
              '  export GOPATH="$HOME/go"\n' +
              'fi\n' +
              'if [ -n "$GOPATH" ]; then export GOBIN="$GOPATH/bin"; else export GOBIN=/none; fi\n',
          },
          LOGIN_JOBS,
        );
        for (const shell of ['dash', 'posh'] as const) {
          const outcome = run.outcome(shell);
          assert.equal(outcome.traced.GOPATH, `${run.home}/go`, shell);
          assert.equal(winnerLocation(outcome, 'GOPATH'), `${run.home}/.profile:4`, shell);
          assert.equal(variable(outcome, 'GOPATH').chain.length, 1, `${shell}: one GOPATH assignment ran`);
          assert.equal(winnerLocation(outcome, 'GOBIN'), `${run.home}/.profile:6`, shell);
        }
      });

      test('case guard adds PATH entry once', async (t) => {
        const block =
          'case ":$PATH:" in\n' +
          '  *":$HOME/go/bin:"*) ;;\n' +
          '  *) export PATH="$PATH:$HOME/go/bin" ;;\n' +
          'esac\n';
        const run = await runCase(t, variant, { '.profile': block + block }, LOGIN_JOBS);
        for (const shell of ['dash', 'posh'] as const) {
          const outcome = run.outcome(shell);
          const entries = outcome.traced.PATH!.split(':').filter((entry) => entry === `${run.home}/go/bin`);
          assert.equal(entries.length, 1, `${shell}: the guard let the entry in twice`);
          assert.equal(pathEntryLocation(outcome, `${run.home}/go/bin`), `${run.home}/.profile:3`, shell);
          const profileAssignments = variable(outcome, 'PATH').chain.filter((item) => item.location.file === `${run.home}/.profile`);
          assert.deepEqual(profileAssignments.map((item) => item.location.line), [3], shell);
        }
      });

      test('unset removes a variable', async (t) => {
        const run = await runCase(
          t,
          variant,
          { '.profile': 'export GOFLAGS=-mod=vendor\nexport GOPROXY=direct\nunset GOFLAGS\n' },
          LOGIN_JOBS,
          { GOFLAGS: '-race' },
        );
        for (const shell of ['dash', 'posh'] as const) {
          const outcome = run.outcome(shell);
          const goflags = variable(outcome, 'GOFLAGS');
          assert.equal(outcome.traced.GOFLAGS, undefined, shell);
          assert.equal(goflags.finalValue, null, shell);
          assert.deepEqual(
            goflags.chain.map((item) => [item.location.line, item.value]),
            [
              [1, '-mod=vendor'],
              [3, null],
            ],
            shell,
          );
          assert.equal(winnerLocation(outcome, 'GOPROXY'), `${run.home}/.profile:2`, shell);
        }
      });

      test('dash reads ENV and posh does not', async (t) => {
        const run = await runCase(
          t,
          variant,
          {
            '.profile': 'export GOPROXY=off\n',
            '.shrc': '# interactive\nsetgo() {\n  export GOTOOLCHAIN=local\n}\nsetgo\neval "export GOAMD64=v3"\n',
          },
          [
            { shell: 'dash', mode: 'non-login' },
            { shell: 'posh', mode: 'non-login' },
            { shell: 'dash', mode: 'script' },
          ],
          { ENV: '$HOME/.shrc' },
        );
        const dash = run.outcome('dash', 'non-login');
        assert.equal(dash.traced.GOTOOLCHAIN, 'local');
        assert.equal(winnerLocation(dash, 'GOTOOLCHAIN'), `${run.home}/.shrc:5`);
        assert.equal(variable(dash, 'GOTOOLCHAIN').chain[0]?.via, 'function');
        assert.equal(winnerLocation(dash, 'GOAMD64'), `${run.home}/.shrc:6`);
        assert.equal(variable(dash, 'GOAMD64').chain[0]?.via, 'eval');
        assert.equal(dash.traced.GOPROXY, undefined, 'a non-login dash read ~/.profile');

        const posh = run.outcome('posh', 'non-login');
        assert.equal(posh.traced.GOTOOLCHAIN, undefined);
        assert.deepEqual(posh.analysis.startupFiles.map((file) => file.status), ['skipped']);
        assert.equal(posh.analysis.startupFiles[0]?.path, `${run.home}/.shrc`);

        const script = run.outcome('dash', 'script');
        assert.deepEqual(script.analysis.startupFiles, []);
        assert.deepEqual(variable(script, 'PATH').chain, []);
        assert.equal(variable(script, 'PATH').inherited, 'session');
      });
    });
  }
}
