/**
 * Runs a scan: discovers the shells, probes a login and a non-login context of each in real
 * pseudo-terminals, adds the desktop and script contexts, and runs `go env` in every one.
 */
import os from 'node:os';

import { ApiRequestError } from '../shared/contract.ts';
import {
  SCAN_SCHEMA_ID,
  SCAN_SCHEMA_VERSION,
  type ContextMode,
  type ScanContext,
  type ScanProgress,
  type ScanReport,
} from '../shared/scan-report.ts';
import { resolveBaseEnvironment, type BaseEnvironmentChoice } from './base-environment.ts';
import { GoProber } from './go/go-probe.ts';
import { guardHistoryFiles } from './probe/history-guard.ts';
import { runProbe, type ProbeResult } from './probe/run-probe.ts';
import {
  discoverShells,
  fillShellVersions,
  resolveLoginShell,
  type DiscoveredShell,
} from './shells/discover.ts';
import { PROBE_GUARD_VARIABLES, type ModeInvocation } from './shells/shell-table.ts';
import { watchXonshCodeCache } from './shells/xonsh-code-cache.ts';
import { buildProvenance } from './trace/provenance-builder.ts';
import { findTraceRedirect } from './trace/redirect-guard.ts';
import { describeStopPoint } from './trace/stop-point.ts';
import type { ShellTracer } from './trace/tracer.ts';
import { tracerFor } from './trace/tracers.ts';

export interface ScanOptions {
  deadlineMs: number;
  /** Only these shells (by name); every installed shell when absent. */
  shells?: string[];
  /** This process's environment. */
  environment: NodeJS.ProcessEnv;
  baseEnvironment?: BaseEnvironmentChoice;
  /** How many probes run at once; the number of cores by default. */
  concurrency?: number;
  /**
   * Trace the startup files to explain each value (the default). Without it, contexts carry no
   * provenance; the environments are the same either way.
   */
  trace?: boolean;
  onProgress?: (progress: ScanProgress) => void;
  /** Only the contexts with these ids (the shells named still decide which exist). */
  contextIds?: string[];
  /** Directories the probed shells may write beneath (see ProbeRequest.confineWrites). */
  confineWrites?: string[];
  /** Changes the environment every context starts from, after it is resolved. */
  adjustBase?: (base: Record<string, string>) => Record<string, string>;
}

/** What a script runs with: POSIX sh, which is dash on Debian and bash in POSIX mode elsewhere. */
const SCRIPT_SHELL = '/bin/sh';

/** A scan request that cannot be carried out as asked (an unknown shell name). */
export class ScanRequestError extends ApiRequestError {
  constructor(message: string) {
    super(message);
    this.name = 'ScanRequestError';
  }
}

/** A context waiting to be probed. */
interface ContextPlan {
  id: string;
  label: string;
  shell: string | null;
  shellPath: string | null;
  /** The shell family in the shell table (`mksh` for lksh and mksh-static), which picks the tracer. */
  family?: string;
  mode: ContextMode;
  invocation: ModeInvocation | null;
  cost: number;
  privateStateArgs?: (directory: string) => string[];
  notApplicable?: string;
}

/** Scans the machine and returns the report. */
export async function runScan(options: ScanOptions): Promise<ScanReport> {
  const started = performance.now();
  const resolved = await resolveBaseEnvironment(options.environment, options.baseEnvironment ?? 'auto');
  const base = options.adjustBase
    ? { ...resolved, environment: options.adjustBase(resolved.environment) }
    : resolved;
  // Versions are read while the probes run, so discovery does not delay the first probe.
  const discovered = await discoverShells(
    { ...options.environment, PATH: mergedSearchPath(options.environment, base.environment) },
    { versions: false },
  );
  const versions = fillShellVersions(discovered);
  const unknown = (options.shells ?? []).filter(
    (name) => !discovered.some((shell) => shell.info.name === name || shell.facts?.name === name),
  );
  if (unknown.length > 0) {
    const installed = discovered.filter((shell) => shell.facts).map((shell) => shell.info.name);
    throw new ScanRequestError(
      `no installed shell named ${unknown.map((name) => JSON.stringify(name)).join(', ')}; installed shells: ${installed.join(', ')}`,
    );
  }
  const selected = discovered.filter(
    (shell) => !options.shells || options.shells.includes(shell.info.name) || options.shells.includes(shell.facts?.name ?? ''),
  );
  const plans = [...selected.flatMap(planShellContexts), ...sessionContextPlans()].filter(
    (plan) => !options.contextIds || options.contextIds.includes(plan.id),
  );

  const goProber = new GoProber();
  const contexts = new Array<ScanContext>(plans.length);
  let completed = 0;
  const report = (plan: ContextPlan, state: ScanProgress['state'], durationMs: number | null) =>
    options.onProgress?.({
      contextId: plan.id,
      label: plan.label,
      state,
      durationMs,
      completed,
      total: plans.length,
    });
  plans.forEach((plan) => report(plan, 'queued', null));

  // Slow shells start first, so the scan does not end waiting on xonsh alone.
  const order = plans.map((_, index) => index).sort((a, b) => plans[b]!.cost - plans[a]!.cost);
  const concurrency = options.concurrency ?? Math.max(2, os.availableParallelism());
  let next = 0;
  const worker = async () => {
    while (next < order.length) {
      const index = order[next++]!;
      const plan = plans[index]!;
      report(plan, 'running', null);
      const context = await probeContext(plan, base.environment, options, goProber);
      contexts[index] = context;
      completed += 1;
      let state: ScanProgress['state'] = context.ok ? 'done' : 'failed';
      if (context.error?.code === 'not-applicable') state = 'skipped';
      report(plan, state, context.durationMs);
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(concurrency, order.length) }, worker));
  } finally {
    await goProber.dispose();
    await versions;
  }

  const user = os.userInfo();
  return {
    schema: SCAN_SCHEMA_ID,
    schemaVersion: SCAN_SCHEMA_VERSION,
    createdAt: new Date().toISOString(),
    durationMs: performance.now() - started,
    host: {
      platform: process.platform,
      arch: process.arch,
      user: user.username,
      uid: user.uid,
      home: options.environment.HOME ?? user.homedir,
      loginShell: await resolveLoginShell(options.environment),
    },
    deadlineMs: options.deadlineMs,
    baseEnvironment: base.info,
    shells: discovered.map((shell) => shell.info),
    contexts,
  };
}

function planShellContexts(shell: DiscoveredShell): ContextPlan[] {
  const facts = shell.facts;
  if (!facts) return [];
  const name = shell.info.name;
  const common = {
    shell: name,
    shellPath: shell.info.path,
    family: facts.name,
    cost: facts.cost,
    privateStateArgs: facts.privateStateArgs,
  };
  return [
    {
      ...common,
      id: `${name}-login`,
      label: `${name}, login terminal`,
      mode: 'login',
      invocation: facts.login,
      notApplicable: facts.login ? undefined : facts.missingModeNote,
    },
    {
      ...common,
      id: `${name}-non-login`,
      label: `${name}, terminal tab (non-login)`,
      mode: 'non-login',
      invocation: facts.nonLogin,
    },
  ];
}

function sessionContextPlans(): ContextPlan[] {
  return [
    {
      id: 'desktop',
      label: 'desktop launch (no shell)',
      shell: null,
      shellPath: null,
      mode: 'desktop',
      invocation: null,
      cost: 0,
    },
    {
      id: 'script',
      label: 'script (sh -c)',
      shell: 'sh',
      shellPath: SCRIPT_SHELL,
      mode: 'script',
      invocation: { argv0: 'sh', args: ['-c'], method: 'command', stdin: 'null' },
      cost: 2,
    },
  ];
}

async function probeContext(
  plan: ContextPlan,
  base: Record<string, string>,
  options: ScanOptions,
  goProber: GoProber,
): Promise<ScanContext> {
  const context: ScanContext = {
    id: plan.id,
    label: plan.label,
    shell: plan.shell,
    shellPath: plan.shellPath,
    mode: plan.mode,
    method: plan.invocation ? plan.invocation.method : 'inherited',
    argv: null,
    ok: false,
    error: null,
    durationMs: 0,
    env: {},
    envRaw: {},
    output: '',
    outputTruncated: false,
    go: null,
    startupFiles: [],
    provenance: null,
    provenanceError: null,
    probeNote: null,
  };

  if (plan.notApplicable !== undefined || (plan.mode !== 'desktop' && !plan.invocation)) {
    context.error = { code: 'not-applicable', message: plan.notApplicable ?? 'not applicable', hint: null };
    return context;
  }

  if (!plan.invocation) {
    const started = performance.now();
    context.env = { ...base };
    context.ok = true;
    if (options.trace !== false) context.provenance = sessionProvenance(base, base);
    context.go = await goProber.probe(context.env);
    context.durationMs = performance.now() - started;
    return context;
  }

  let started = performance.now();
  const invocation = plan.invocation;
  // A script's `sh -c` reads no startup file, so its values are explained like the desktop's.
  let tracer =
    options.trace === false || plan.mode === 'script' || !plan.family ? null : tracerFor(plan.family);
  const login = plan.mode === 'login';
  const probeEnvironment = { ...base, ...PROBE_GUARD_VARIABLES, TERM: 'xterm-256color' };
  const redirect = tracer && plan.family ? findTraceRedirect(plan.family, login, probeEnvironment) : null;
  if (redirect) {
    tracer = null;
    context.provenanceError =
      `${shortenHome(redirect.file, base.HOME)}:${redirect.line} (${redirect.text}) sends ` +
      `${redirect.descriptor === 2 ? 'standard error' : 'descriptor 3'} to a file, and the trace ` +
      'goes there, so this context was probed without tracing to keep trace lines out of that ' +
      'file. The values are real; where they come from is not shown.';
  }
  const probe = (method: ModeInvocation['method'], stdin: ModeInvocation['stdin']) =>
    runProbe({
      shellPath: plan.shellPath!,
      argv0: invocation.argv0,
      args: invocation.args,
      method,
      stdin,
      environment: probeEnvironment,
      cwd: base.HOME && base.HOME.startsWith('/') ? base.HOME : '/',
      deadlineMs: options.deadlineMs,
      privateStateArgs: plan.privateStateArgs,
      confineWrites: options.confineWrites,
      trace: tracer
        ? (probeDirectory, captureCommand) =>
            tracer.plan({
              login,
              runningAsRoot: process.getuid?.() === 0,
              argv0: invocation.argv0,
              args: invocation.args,
              method,
              captureCommand,
              probeDirectory,
              environment: probeEnvironment,
            })
        : undefined,
      describeStop: tracer ? (trace, ending) => describeStop(tracer, trace, base.HOME, ending) : undefined,
    });

  // xonsh probes share cache directories that each one cleans up, so they take turns.
  const release = plan.family === 'xonsh' ? await takeTurn('xonsh') : null;
  // Waiting for the turn is not part of the context's own time.
  started = performance.now();
  // Startup files may point xonsh's cache and any shell's history at the user's files.
  const removeCodeCache = plan.family === 'xonsh' ? await watchXonshCodeCache(probeEnvironment) : null;
  const cleanHistory = plan.family ? await guardHistoryFiles(plan.family, login, probeEnvironment) : null;
  let result: ProbeResult;
  let promptHooksRan = false;
  try {
    result = await probe(invocation.method, invocation.stdin);

    // `-c` shows no prompt, so hooks that run before each prompt never ran: probe again, typed.
    const hooks =
      tracer?.promptHooks && result.environment && result.trace && invocation.method === 'command'
        ? tracer.promptHooks(result.trace.text)
        : [];
    if (hooks.length > 0) {
      const installed = hooks
        .map((hook) => `${hook.name} (${shortenHome(hook.location.file, base.HOME)}:${hook.location.line})`)
        .join(', ');
      const writes = tracer?.typedProbeWrites?.(probeEnvironment) ?? null;
      const typed = writes === null ? await probe('typed', 'tty') : null;
      if (typed === null) {
        context.probeNote =
          `prompt hooks found: ${installed}, but ${base.HOME ? writes!.replaceAll(`${base.HOME}/`, '~/') : writes}, so the probe was ` +
          'not typed at a real prompt. The values are from the -c probe, which runs no prompt hook, ' +
          'so values the hooks set are missing.';
      } else if (typed.environment) {
        result = typed;
        promptHooksRan = true;
        context.method = 'typed';
        context.probeNote =
          `prompt hooks found: ${installed}. The probe was typed at a real prompt, so they ran ` +
          'before the environment was captured, as in a terminal.';
      } else {
        context.probeNote =
          `prompt hooks found: ${installed}, but the probe typed at a real prompt failed ` +
          `(${typed.error?.message ?? 'no capture'}). The values are from the -c probe, which runs ` +
          'no prompt hook, so values the hooks set are missing.';
      }
    }
  } finally {
    await removeCodeCache?.();
    await cleanHistory?.();
    release?.();
  }
  context.argv = result.argv;
  context.output = result.output;
  context.outputTruncated = result.outputTruncated;
  context.error = result.error;
  if (result.environment) {
    context.env = withoutGuards(result.environment.variables, base);
    context.envRaw = result.environment.raw;
    context.ok = true;
    if (plan.mode === 'script' && options.trace !== false) context.provenance = sessionProvenance(base, context.env);
    if (tracer?.ready) await tracer.ready.catch(() => undefined);
    if (tracer && result.trace) explainContext(context, tracer, result.trace, {
      login,
      probeDirectory: result.probeDirectory,
      startEnvironment: base,
      promptHooksRan,
    });
    context.go = await goProber.probe(context.env);
  }
  // The whole context: the probe, reading its trace and go env.
  context.durationMs = performance.now() - started;
  return context;
}

/** Fills a context's startup files and provenance from its trace. */
function explainContext(
  context: ScanContext,
  tracer: ShellTracer,
  trace: { text: string; overflowed: boolean },
  run: {
    login: boolean;
    probeDirectory: string;
    startEnvironment: Record<string, string>;
    promptHooksRan: boolean;
  },
): void {
  if (trace.overflowed) {
    context.provenanceError =
      'the trace of the startup files was larger than 64 MiB, so no value can be explained; ' +
      'a startup file probably loops. Look at the shell output below.';
    return;
  }
  try {
    const analysis = tracer.analyse({
      login: run.login,
      trace: trace.text,
      probeDirectory: run.probeDirectory,
      startEnvironment: run.startEnvironment,
      finalEnvironment: context.env,
      promptHooksRan: run.promptHooksRan,
    });
    context.startupFiles = analysis.startupFiles;
    context.provenance = analysis.provenance;
    if (analysis.errorOutput) context.output += analysis.errorOutput;
  } catch (error) {
    context.provenanceError = `the trace could not be read: ${(error as Error).message}`;
  }
}

/** The last turn queued per name; a new turn starts when the previous one is released. */
const turns = new Map<string, Promise<void>>();

/** Waits until the previous holder of `name` is done, and returns the function that releases it. */
async function takeTurn(name: string): Promise<() => void> {
  const previous = turns.get(name) ?? Promise.resolve();
  let release!: () => void;
  const current = new Promise<void>((resolve) => (release = resolve));
  const queued = previous.then(() => current);
  turns.set(name, queued);
  await previous;
  return () => {
    release();
    if (turns.get(name) === queued) turns.delete(name);
  };
}

function shortenHome(file: string, home: string | undefined): string {
  return home && file.startsWith(`${home}/`) ? `~/${file.slice(home.length + 1)}` : file;
}

function describeStop(
  tracer: ShellTracer,
  trace: string,
  home: string | undefined,
  ending: 'timeout' | 'exit',
): string | null {
  const stop = tracer.stopPoint(trace);
  return stop ? describeStopPoint(stop, home, ending) : null;
}

/**
 * Builds the provenance of a context that reads no startup file (the desktop, a script's `sh -c`):
 * every value comes from the session the app was started in.
 */
function sessionProvenance(base: Record<string, string>, final: Record<string, string>) {
  return buildProvenance({
    method: 'files-only',
    records: [],
    startEnvironment: base,
    finalEnvironment: final,
    shellVariables: [],
    expectedFiles: [],
  }).provenance;
}

/**
 * Undoes the probe's guard variables, so `env` shows what the shell exports without them. A guard
 * the context inherited gets its inherited value back unless a startup file changed it; a guard it
 * did not inherit is removed. TERM stays: every terminal emulator sets it, so a shell in a
 * terminal sees it.
 * NOTE: a guard name that was not inherited is removed even when a startup file exports it. The
 * probe passes every guard exported, so a plain assignment (yash's default `HISTFILE=~/...`, a
 * `HISTFILE=` line in ~/.zshrc) stays exported too, and the capture cannot tell the two apart.
 * Plain assignment is the common form, and no guard name changes what go does.
 */
function withoutGuards(
  captured: Record<string, string>,
  base: Record<string, string>,
): Record<string, string> {
  const result = { ...captured };
  for (const [name, guardValue] of Object.entries(PROBE_GUARD_VARIABLES)) {
    if (!(name in result)) continue;
    if (!(name in base)) delete result[name];
    else if (result[name] === guardValue) result[name] = base[name]!;
  }
  return result;
}

function mergedSearchPath(own: NodeJS.ProcessEnv, base: Record<string, string>): string {
  return [own.PATH, base.PATH].filter(Boolean).join(':');
}
