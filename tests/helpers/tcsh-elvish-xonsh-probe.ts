/**
 * Runs one tcsh, elvish or xonsh context untraced and traced, and analyses the trace: the steps
 * a scan takes for one context, so these tracers can be checked on their own. Run as a program
 * (so the probes run as the user the program runs as) with the request as JSON in argv[2], it
 * prints a `ContextProbeResult` as JSON. `runContextProbe` starts it, as root or as the test user.
 */
import { fileURLToPath } from 'node:url';

import { runProbe, type ProbeRequest } from '../../src-main/engine/probe/run-probe.ts';
import { PROBE_GUARD_VARIABLES, SHELL_TABLE } from '../../src-main/engine/shells/shell-table.ts';
import { elvishTracer } from '../../src-main/engine/trace/elvish-tracer.ts';
import { tcshTracer } from '../../src-main/engine/trace/tcsh-tracer.ts';
import type { ShellTracer, TraceAnalysis, TraceStopPoint } from '../../src-main/engine/trace/tracer.ts';
import { xonshTracer } from '../../src-main/engine/trace/xonsh-tracer.ts';
import { runNodeJson } from './run-as-test-user.ts';
import type { TestUser } from './test-user.ts';

const TRACERS: Record<string, ShellTracer> = { tcsh: tcshTracer, elvish: elvishTracer, xonsh: xonshTracer };

export interface ContextProbeRequest {
  shell: 'tcsh' | 'elvish' | 'xonsh';
  login: boolean;
  /** The environment the context starts from (what the scan calls the base environment). */
  environment: Record<string, string>;
  deadlineMs?: number;
  /** Runs the untraced probe with these arguments and `command` delivery instead of the table's. */
  untracedCommandArgs?: string[];
  /** Runs only the traced probe, for probes that are expected to time out. */
  tracedOnly?: boolean;
}

export interface ProbeRun {
  environment: Record<string, string> | null;
  error: string | null;
  durationMs: number;
  output: string;
}

export interface ContextProbeResult {
  untraced: ProbeRun | null;
  traced: ProbeRun & { trace: string | null };
  analysis: TraceAnalysis | null;
  stopPoint: TraceStopPoint | null;
}

const RUNNER = fileURLToPath(import.meta.url);

/** Runs the request as the given user (null: the user running the tests). */
export function runContextProbe(request: ContextProbeRequest, user: TestUser | null): Promise<ContextProbeResult> {
  return runNodeJson<ContextProbeResult>({
    user,
    args: [RUNNER, JSON.stringify(request)],
    environment: { PATH: '/usr/bin:/bin', HOME: request.environment.HOME ?? '/' },
    label: 'the probe runner',
  });
}

/** Removes the probe's guard variables that the context did not inherit, as the scan does. */
function withoutGuards(variables: Record<string, string> | undefined, base: Record<string, string>) {
  if (!variables) return null;
  const result = { ...variables };
  for (const name of Object.keys(PROBE_GUARD_VARIABLES)) if (!(name in base)) delete result[name];
  return result;
}

async function main(request: ContextProbeRequest): Promise<ContextProbeResult> {
  const facts = SHELL_TABLE.find((shell) => shell.name === request.shell)!;
  const invocation = request.login ? facts.login! : facts.nonLogin;
  const tracer = TRACERS[request.shell]!;
  const base = request.environment;
  const probeEnvironment = { ...base, ...PROBE_GUARD_VARIABLES, TERM: 'xterm-256color' };
  const common: ProbeRequest = {
    shellPath: `/usr/bin/${request.shell}`,
    argv0: invocation.argv0,
    args: invocation.args,
    method: invocation.method,
    stdin: invocation.stdin,
    environment: probeEnvironment,
    cwd: base.HOME ?? '/',
    deadlineMs: request.deadlineMs ?? 15_000,
    privateStateArgs: facts.privateStateArgs,
  };

  const untracedRequest: ProbeRequest = request.untracedCommandArgs
    ? { ...common, args: request.untracedCommandArgs, method: 'command', stdin: 'null' }
    : common;
  const untraced = request.tracedOnly ? null : await runProbe(untracedRequest);
  const traced = await runProbe({
    ...common,
    trace: (probeDirectory, captureCommand) =>
      tracer.plan({
        login: request.login,
        runningAsRoot: process.getuid?.() === 0,
        argv0: invocation.argv0,
        args: invocation.args,
        method: invocation.method,
        captureCommand,
        probeDirectory,
        environment: probeEnvironment,
      }),
  });

  const tracedEnvironment = withoutGuards(traced.environment?.variables, base);
  const analysis =
    tracedEnvironment && traced.trace
      ? tracer.analyse({
          login: request.login,
          trace: traced.trace.text,
          probeDirectory: traced.probeDirectory,
          startEnvironment: base,
          finalEnvironment: tracedEnvironment,
        })
      : null;
  return {
    untraced: untraced && {
      environment: withoutGuards(untraced.environment?.variables, base),
      error: untraced.error?.message ?? null,
      durationMs: untraced.durationMs,
      output: untraced.output,
    },
    traced: {
      environment: tracedEnvironment,
      error: traced.error?.message ?? null,
      durationMs: traced.durationMs,
      output: traced.output,
      trace: traced.trace?.text ?? null,
    },
    analysis,
    stopPoint: traced.trace ? tracer.stopPoint(traced.trace.text) : null,
  };
}

if (process.argv[1] === RUNNER) {
  const result = await main(JSON.parse(process.argv[2]!) as ContextProbeRequest);
  process.stdout.write(JSON.stringify(result));
}
