/**
 * Runs real shells through runProbe, once untraced and once with a tracer's plan, and analyses the
 * trace the way the scan does. For the unprivileged test user the runs happen in a child process
 * started through setpriv, because a probe runs as the user of the process that starts it.
 * Run directly (`node --import tsx ksh-family-probe.ts --child`), this file reads requests as JSON on
 * stdin and writes the outcomes as JSON on stdout.
 */
import { fileURLToPath, pathToFileURL } from 'node:url';

import { runProbe, type ProbeResult } from '../../src-main/engine/probe/run-probe.ts';
import { PROBE_GUARD_VARIABLES } from '../../src-main/engine/shells/shell-table.ts';
import { kshTracer } from '../../src-main/engine/trace/ksh-tracer.ts';
import { mkshTracer } from '../../src-main/engine/trace/mksh-tracer.ts';
import type { ShellTracer, TraceAnalysis, TraceStopPoint } from '../../src-main/engine/trace/tracer.ts';
import { yashTracer } from '../../src-main/engine/trace/yash-tracer.ts';
import { runNodeJson } from './run-as-test-user.ts';
import type { TestUser } from './test-user.ts';
import { cleanEnvironment } from './throwaway-home.ts';

export type TracedShell = 'ksh93' | 'mksh' | 'yash';

const TRACERS: Record<TracedShell, ShellTracer> = { ksh93: kshTracer, mksh: mkshTracer, yash: yashTracer };

export interface TracedProbeRequest {
  shell: TracedShell;
  login: boolean;
  home: string;
  deadlineMs?: number;
  /** Also run the probe untraced, for comparing environments and times. */
  untraced?: boolean;
}

/** One probe run, reduced to what the tests look at. */
export interface ProbeRun {
  variables: Record<string, string> | null;
  error: ProbeResult['error'];
  durationMs: number;
}

export interface TracedProbeOutcome {
  request: TracedProbeRequest;
  traced: ProbeRun;
  untraced: ProbeRun | null;
  /** The raw trace text the traced run wrote. */
  trace: string;
  /** The analysis of a run that captured an environment. */
  analysis: TraceAnalysis | null;
  stop: TraceStopPoint | null;
}

/** Returns the shell arguments of a mode, as the shell table gives them for these three shells. */
function modeArgs(login: boolean): string[] {
  return login ? ['-l', '-i', '-c'] : ['-i', '-c'];
}

/** Removes the probe's guard variables again, as the scan does before analysing. */
function withoutGuards(variables: Record<string, string>, base: Record<string, string>): Record<string, string> {
  const result = { ...variables };
  for (const [name, guardValue] of Object.entries(PROBE_GUARD_VARIABLES)) {
    if (!(name in result)) continue;
    if (!(name in base)) delete result[name];
    else if (result[name] === guardValue) result[name] = base[name]!;
  }
  return result;
}

async function runOne(request: TracedProbeRequest): Promise<TracedProbeOutcome> {
  const tracer = TRACERS[request.shell];
  const base = cleanEnvironment(request.home);
  const environment = { ...base, ...PROBE_GUARD_VARIABLES, TERM: 'xterm-256color' };
  const args = modeArgs(request.login);
  const probe = {
    shellPath: `/usr/bin/${request.shell}`,
    argv0: request.shell,
    args,
    method: 'command' as const,
    stdin: 'null' as const,
    environment,
    cwd: request.home,
    deadlineMs: request.deadlineMs ?? 15_000,
  };
  const untraced = request.untraced ? await runProbe(probe) : null;
  const traced = await runProbe({
    ...probe,
    trace: (probeDirectory, captureCommand) =>
      tracer.plan({
        login: request.login,
        runningAsRoot: process.getuid?.() === 0,
        argv0: request.shell,
        args,
        method: 'command',
        captureCommand,
        probeDirectory,
        environment,
      }),
  });
  const trace = traced.trace?.text ?? '';
  const analysis = traced.environment
    ? tracer.analyse({
        login: request.login,
        trace,
        probeDirectory: traced.probeDirectory,
        startEnvironment: base,
        finalEnvironment: withoutGuards(traced.environment.variables, base),
      })
    : null;
  return {
    request,
    traced: summarise(traced),
    untraced: untraced ? summarise(untraced) : null,
    trace,
    analysis,
    stop: tracer.stopPoint(trace),
  };
}

function summarise(result: ProbeResult): ProbeRun {
  return { variables: result.environment?.variables ?? null, error: result.error, durationMs: result.durationMs };
}

/** Runs the requests one after another, as the invoking user or as `user`. */
export async function runTracedProbes(
  requests: TracedProbeRequest[],
  user: TestUser | null,
): Promise<TracedProbeOutcome[]> {
  if (!user) {
    const outcomes: TracedProbeOutcome[] = [];
    for (const request of requests) outcomes.push(await runOne(request));
    return outcomes;
  }
  return runNodeJson<TracedProbeOutcome[]>({
    user,
    args: [fileURLToPath(import.meta.url), '--child'],
    environment: { PATH: '/usr/bin:/bin', HOME: requests[0]?.home ?? '/', LANG: 'C.UTF-8' },
    label: 'the probe child',
    stdin: JSON.stringify(requests),
  });
}

async function childMain(): Promise<void> {
  let input = '';
  for await (const chunk of process.stdin) input += chunk;
  const outcomes = await runTracedProbes(JSON.parse(input) as TracedProbeRequest[], null);
  process.stdout.write(JSON.stringify(outcomes));
}

if (process.argv[2] === '--child' && import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await childMain();
}
