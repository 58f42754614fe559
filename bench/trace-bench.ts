/**
 * Measures what tracing adds to a context. For each traced shell and mode it probes a realistic
 * HOME (Debian's skeleton bash files with bash-completion installed, a 300-line ~/.zshrc that runs
 * compinit, a fish configuration with conf.d files) alternately without and with tracing, in the
 * same run, and prints the medians and the ratio traced/untraced. A context's time is what a scan
 * spends on it: the probe, reading the trace into provenance (traced runs only) and go env. The
 * ratio of the shell part alone, without go env, is printed beside it.
 *
 * Usage: npm run bench [-- --runs N] (both benchmarks), or node --import tsx bench/trace-bench.ts [--runs N]
 */
import { existsSync } from 'node:fs';
import path from 'node:path';

import { GoProber } from '../src-main/engine/go/go-probe.ts';
import { DEFAULT_PROBE_DEADLINE_MS } from '../src-main/engine/probe/limits.ts';
import { runProbe, type ProbeRequest } from '../src-main/engine/probe/run-probe.ts';
import { findShellFacts, PROBE_GUARD_VARIABLES } from '../src-main/engine/shells/shell-table.ts';
import { tracerFor } from '../src-main/engine/trace/tracers.ts';
import { BASH_COMPLETION, createRealisticHome, realisticEnvironment } from './realistic-home.ts';
import { describeMachine, median, parseRunsOption } from './stats.ts';

/** Measured runs per context when `--runs` is not given. */
const DEFAULT_RUNS = 11;
/** The ratio traced/untraced that tracing aims to stay under. */
const TARGET_RATIO = 1.2;

interface ContextTime {
  /** The probe and, when traced, reading the trace. */
  shellMs: number;
  /** The above plus go env. */
  totalMs: number;
}

/** Probes once as a scan does and returns the times in milliseconds. */
async function timeContext(request: ProbeRequest, shell: string, login: boolean, traced: boolean): Promise<ContextTime> {
  const tracer = tracerFor(shell)!;
  const started = performance.now();
  const result = await runProbe({
    ...request,
    trace: traced
      ? (probeDirectory, captureCommand) =>
          tracer.plan({
            login,
            runningAsRoot: process.getuid?.() === 0,
            argv0: request.argv0,
            args: request.args,
            method: request.method,
            captureCommand,
            probeDirectory,
            environment: request.environment,
          })
      : undefined,
  });
  if (!result.environment) throw new Error(`${shell} ${login ? 'login' : 'non-login'} failed: ${result.error?.message}`);
  if (traced) {
    tracer.analyse({
      login,
      trace: result.trace?.text ?? '',
      probeDirectory: result.probeDirectory,
      startEnvironment: request.environment,
      finalEnvironment: result.environment.variables,
    });
  }
  const shellMs = performance.now() - started;
  // A new prober each time: a scan runs go env once per distinct environment, uncached.
  const goProber = new GoProber();
  try {
    await goProber.probe(result.environment.variables);
  } finally {
    await goProber.dispose();
  }
  return { shellMs, totalMs: performance.now() - started };
}

async function main(): Promise<void> {
  const runs = parseRunsOption(DEFAULT_RUNS);
  console.log('Go Env Lens tracing benchmark');
  console.log(describeMachine());
  console.log(`${runs} runs each, untraced and traced alternating, after one warm-up pair; medians.`);
  if (!existsSync(BASH_COMPLETION)) console.log(`note: ${BASH_COMPLETION} is missing, so bash runs without it`);

  const { home, remove } = await createRealisticHome();
  try {
    const environment = realisticEnvironment(home, { ...PROBE_GUARD_VARIABLES, TERM: 'xterm-256color' });
    console.log('');
    console.log(
      `${'context'.padEnd(20)} ${'untraced'.padStart(10)} ${'traced'.padStart(10)}  ` +
        `ratio (target ≤ ${TARGET_RATIO})  shell part: untraced, traced, ratio`,
    );
    for (const shell of ['bash', 'zsh', 'fish', 'ksh93', 'mksh', 'yash', 'dash', 'posh', 'tcsh', 'elvish', 'xonsh']) {
      const facts = findShellFacts(shell);
      const shellPath = ['/usr/bin', '/bin'].map((directory) => `${directory}/${shell}`).find((candidate) => existsSync(candidate));
      if (!facts || !shellPath || !tracerFor(shell)) continue;
      for (const [mode, invocation] of [['login', facts.login], ['non-login', facts.nonLogin]] as const) {
        if (!invocation) continue;
        const request: ProbeRequest = {
          shellPath,
          argv0: invocation.argv0,
          args: invocation.args,
          method: invocation.method,
          stdin: invocation.stdin,
          environment,
          cwd: home,
          deadlineMs: DEFAULT_PROBE_DEADLINE_MS,
          privateStateArgs: facts.privateStateArgs,
        };
        const login = mode === 'login';
        const untraced: ContextTime[] = [];
        const traced: ContextTime[] = [];
        for (let run = 0; run <= runs; run += 1) {
          const plain = await timeContext(request, shell, login, false);
          const withTrace = await timeContext(request, shell, login, true);
          if (run === 0) continue;
          untraced.push(plain);
          traced.push(withTrace);
        }
        const total = [median(untraced.map((time) => time.totalMs)), median(traced.map((time) => time.totalMs))];
        const shellOnly = [median(untraced.map((time) => time.shellMs)), median(traced.map((time) => time.shellMs))];
        console.log(
          `${`${shell}-${mode}`.padEnd(20)} ${`${total[0]!.toFixed(1)} ms`.padStart(10)} ` +
            `${`${total[1]!.toFixed(1)} ms`.padStart(10)}  ${(total[1]! / total[0]!).toFixed(2).padEnd(19)}` +
            `  ${shellOnly[0]!.toFixed(1)} ms, ${shellOnly[1]!.toFixed(1)} ms, ${(shellOnly[1]! / shellOnly[0]!).toFixed(2)}`,
        );
      }
    }
  } finally {
    await remove();
  }
}

await main();
