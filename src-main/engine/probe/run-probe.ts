/**
 * Runs one shell in a real pseudo-terminal and captures its complete environment. The shell
 * writes `env -0` to a private file, which is read byte for byte: the terminal stream itself is
 * lossy (it turns `\n` into `\r\n`) and is kept only to show the user what the shell printed.
 */
import { existsSync, promises as fs, watch, type FSWatcher } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import * as pty from 'node-pty';

import type { ContextError } from '../../shared/scan-report.ts';
import type { TracePlan } from '../trace/tracer.ts';
import { parseEnvironmentBlock, type CapturedEnvironment } from './environment-block.ts';
import { CAPTURE_POLL_INTERVAL_MS, MAX_ENVIRONMENT_BYTES, MAX_OUTPUT_BYTES } from './limits.ts';
import { lastOutputLine, OutputTail } from './output-tail.ts';
import { tmuxIsolationVariables, withoutIsolationVariables } from './tmux-isolation.ts';

/**
 * Time the supervisor gets to kill everything the shell started before it is killed itself, in
 * milliseconds. Its own kill loop gives up after 2 s (STOP_TIME_LIMIT_SECONDS in
 * probe-supervisor.pl), so this only runs out when the supervisor itself is stuck. Killing the
 * supervisor leaves behind whatever it had not killed yet.
 */
const CLEANUP_GRACE_MS = 3_000;

/** Terminal size given to probes; wide enough that prompts and banners do not wrap oddly. */
const TERMINAL_COLUMNS = 120;
const TERMINAL_ROWS = 40;

const SUPERVISOR_SCRIPT = fileURLToPath(
  new URL('../../../resources/probe-supervisor.pl', import.meta.url),
);

export interface ProbeRequest {
  /** Absolute path of the shell binary. */
  shellPath: string;
  argv0: string;
  /** Arguments; when `method` is `command`, the capture command is appended after them. */
  args: string[];
  method: 'command' | 'typed';
  stdin: 'null' | 'tty';
  environment: Record<string, string>;
  cwd: string;
  deadlineMs: number;
  /** Extra arguments that need the probe's private directory (placed before `args`). */
  privateStateArgs?: (probeDirectory: string) => string[];
  /**
   * Makes this a traced run: returns, for the probe's private directory, how the traced shell is
   * started. Its argv0, arguments, method and variables replace or join the ones above.
   */
  trace?: (probeDirectory: string, captureCommand: string) => TracePlan;
  /**
   * For a traced run that timed out or whose shell exited before the capture: where the trace
   * shows the shell stopped, in words.
   */
  describeStop?: (trace: string, ending: 'timeout' | 'exit') => string | null;
  /**
   * Directories the shell and everything it starts may write beneath; the probe's own directory
   * is added. Absent: no restriction. The editor's preview sets it, because it runs unsaved drafts.
   */
  confineWrites?: string[];
}

/** What a traced run wrote to its trace file. */
export interface ProbeTrace {
  text: string;
  /** The trace outgrew its limit: `text` holds only its last part, not the whole run. */
  overflowed: boolean;
}

export interface ProbeResult {
  argv: string[];
  environment: CapturedEnvironment | null;
  error: ContextError | null;
  output: string;
  outputTruncated: boolean;
  durationMs: number;
  /** The trace of a traced run, read when the capture appeared or the probe ended; else null. */
  trace: ProbeTrace | null;
  /** The private directory the probe ran in (removed by now); trace paths may mention it. */
  probeDirectory: string;
}

/** Spawns the shell, waits for its capture, exit or deadline, and kills everything it started. */
export async function runProbe(request: ProbeRequest): Promise<ProbeResult> {
  const started = performance.now();
  const directory = await createProbeDirectory();
  const captureFile = path.join(directory, 'environment');
  // The supervisor writes the shell's wait status to PROBE_DIRECTORY/exit.
  const exitFile = path.join(directory, 'exit');
  const captureCommand = buildCaptureCommand(captureFile);

  const plan = request.trace?.(directory, captureCommand) ?? null;
  const method = plan?.method ?? request.method;
  const argv0 = plan?.argv0 ?? request.argv0;
  const startEnvironment = { ...request.environment, ...plan?.environment };
  const isolation = tmuxIsolationVariables(startEnvironment, directory);
  const shellArgs = [
    ...(request.privateStateArgs?.(directory) ?? []),
    ...(plan?.args ?? request.args),
    ...(method === 'command' && !plan?.captureEmbedded ? [captureCommand] : []),
  ];
  const argv = [argv0, ...shellArgs];
  const output = new OutputTail(MAX_OUTPUT_BYTES);
  const supervisorOptions: string[] = [request.stdin];
  if (plan && plan.traceOutput !== 'none') supervisorOptions.push(`trace-${plan.traceOutput}`);
  if (request.confineWrites) supervisorOptions.push('confine');

  let terminal: pty.IPty;
  try {
    // A plan whose own hook writes the trace (traceOutput `none`) writes it to trace/output.
    if (plan) await fs.mkdir(path.join(directory, 'trace'), { mode: 0o700 });
    for (const [name, content] of Object.entries(plan?.files ?? {})) {
      await fs.writeFile(path.join(directory, name), content, { mode: 0o600 });
    }
    if (request.confineWrites) {
      const writable = [directory, ...request.confineWrites].join('\0');
      await fs.writeFile(path.join(directory, 'confine'), writable, { mode: 0o600 });
    }
    terminal = pty.spawn(
      'perl',
      [SUPERVISOR_SCRIPT, supervisorOptions.join(','), directory, request.shellPath, argv0, ...shellArgs],
      {
        name: 'xterm-256color',
        cols: TERMINAL_COLUMNS,
        rows: TERMINAL_ROWS,
        cwd: request.cwd,
        env: { ...startEnvironment, ...isolation },
      },
    );
  } catch (error) {
    await fs.rm(directory, { recursive: true, force: true });
    return {
      argv,
      trace: null,
      probeDirectory: directory,
      environment: null,
      error: {
        code: 'spawn-failed',
        message: `could not start ${request.shellPath}: ${(error as Error).message}`,
        hint: 'Check that the shell is installed and executable.',
      },
      output: '',
      outputTruncated: false,
      durationMs: performance.now() - started,
    };
  }

  const exited = new Promise<void>((resolve) => terminal.onExit(() => resolve()));
  terminal.onData((data) => output.append(data));
  // Typed ahead: the shell reads each line when it shows its prompt.
  if (method === 'typed') terminal.write(`${plan?.typedInput ? `${plan.typedInput}\r` : ''}${captureCommand}\r`);

  const outcome = await waitForOutcome(directory, captureFile, exitFile, request.deadlineMs);
  const durationMs = performance.now() - started;
  // Read before the stop: the supervisor removes the directory once everything is killed.
  const capture = outcome.kind === 'captured' ? await readCapture(captureFile) : null;
  const trace = plan ? await readTrace(directory) : null;
  await stopSupervisor(terminal, exited);

  let environment: CapturedEnvironment | null = null;
  let error: ContextError | null = null;
  if (capture === 'too-large') {
    error = {
      code: 'capture-invalid',
      message: `the captured environment is larger than ${MAX_ENVIRONMENT_BYTES} bytes`,
      hint: 'No real environment is this large: look at the shell output below.',
    };
  } else if (capture !== null) {
    environment = withoutIsolationVariables(
      parseEnvironmentBlock(capture),
      isolation,
      request.environment,
    );
    if (plan) environment = withoutTraceVariables(environment, plan.environment, request.environment);
    if (!environment.variables.HOME && !environment.variables.PATH && environment.count === 0) {
      error = {
        code: 'capture-invalid',
        message: 'the shell wrote an empty environment',
        hint: 'Look at the shell output below for what went wrong.',
      };
      environment = null;
    }
  } else if (outcome.kind === 'exited') {
    const stop = trace && request.describeStop ? request.describeStop(trace.text, 'exit') : null;
    error = describeEarlyExit(outcome.status, stop);
  } else {
    // The terminal echoes a typed probe command, and that line tells nothing about the hang.
    const lastLine = lastOutputLine(output.text(), directory);
    const stop = trace && request.describeStop ? request.describeStop(trace.text, 'timeout') : null;
    error = {
      code: 'timeout',
      message:
        `the shell did not finish starting within ${formatSeconds(request.deadlineMs)}` +
        (stop === null ? '' : `: ${stop}`) +
        (lastLine === null ? '' : `. Its last output was ${JSON.stringify(lastLine)}`),
      hint:
        'A startup file may be waiting for input, starting a terminal program (tmux, screen, ' +
        'another shell) or running a slow command. Look at the last lines of the shell output, ' +
        'or raise the deadline if the setup is just slow.',
    };
  }

  // The supervisor has removed the directory unless it was killed before it could.
  await fs.rm(directory, { recursive: true, force: true });
  return {
    argv,
    trace,
    probeDirectory: directory,
    environment,
    error,
    output: output.text(),
    outputTruncated: output.truncated,
    durationMs,
  };
}

type Outcome = { kind: 'captured' } | { kind: 'exited'; status: number } | { kind: 'timeout' };

/** Waits until the capture file or the exit file appears, or the deadline passes. */
async function waitForOutcome(
  directory: string,
  captureFile: string,
  exitFile: string,
  deadlineMs: number,
): Promise<Outcome> {
  return new Promise((resolve) => {
    let settled = false;
    let watcher: FSWatcher | null = null;
    const check = async () => {
      if (settled) return;
      if (await exists(captureFile)) return finish({ kind: 'captured' });
      if (await exists(exitFile)) {
        // The shell may have written the capture just before exiting: look once more.
        if (await exists(captureFile)) return finish({ kind: 'captured' });
        const status = Number.parseInt(await fs.readFile(exitFile, 'utf8').catch(() => ''), 10);
        return finish({ kind: 'exited', status: Number.isNaN(status) ? -1 : status });
      }
    };
    const finish = (outcome: Outcome) => {
      if (settled) return;
      settled = true;
      clearInterval(poll);
      clearTimeout(deadline);
      watcher?.close();
      resolve(outcome);
    };
    try {
      watcher = watch(directory, () => void check());
    } catch {
      // Without inotify the poll below still finds the files, only later.
    }
    const poll = setInterval(() => void check(), CAPTURE_POLL_INTERVAL_MS * 10);
    const deadline = setTimeout(() => finish({ kind: 'timeout' }), deadlineMs);
    void check();
  });
}

/** Asks the supervisor to kill the shell and everything it started, then makes sure it is gone. */
async function stopSupervisor(terminal: pty.IPty, exited: Promise<void>): Promise<void> {
  try {
    process.kill(terminal.pid, 'SIGTERM');
  } catch {
    // Already gone.
  }
  const graceOver = new Promise<'timeout'>((resolve) =>
    setTimeout(() => resolve('timeout'), CLEANUP_GRACE_MS).unref(),
  );
  if ((await Promise.race([exited, graceOver])) === 'timeout') {
    try {
      process.kill(terminal.pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
    await exited;
  }
}

function describeEarlyExit(status: number, stop: string | null): ContextError {
  const exitCode = status >= 0 && (status & 0x7f) === 0 ? status >> 8 : null;
  const signal = status > 0 && (status & 0x7f) !== 0 ? status & 0x7f : null;
  const how =
    exitCode !== null
      ? `exited with code ${exitCode}`
      : signal !== null
        ? `was killed by signal ${signal}`
        : 'exited';
  return {
    code: 'exited-early',
    message:
      `the shell ${how} before its startup files finished, so its environment is unknown` +
      (stop === null ? '' : `; ${stop}`),
    hint:
      'A startup file may call exit, exec another program, or stop on an error with set -e. ' +
      'Look at the shell output below.',
  };
}

function formatSeconds(milliseconds: number): string {
  return `${(milliseconds / 1000).toFixed(milliseconds % 1000 === 0 ? 0 : 1)} s`;
}

/** Reads the capture file, unless it is too large to be an environment. */
async function readCapture(captureFile: string): Promise<Buffer | 'too-large'> {
  const { size } = await fs.stat(captureFile);
  return size > MAX_ENVIRONMENT_BYTES ? 'too-large' : fs.readFile(captureFile);
}

/** Longest trace read back, in bytes; the supervisor keeps the file below 64 MiB. */
const MAX_TRACE_READ_BYTES = 80 * 1024 * 1024;

/** Reads the trace file, and the saved tail when the supervisor had to empty it. */
async function readTrace(directory: string): Promise<ProbeTrace> {
  const overflowed = await exists(path.join(directory, 'trace', 'overflow'));
  const tail = overflowed
    ? await fs.readFile(path.join(directory, 'trace', 'tail')).catch(() => Buffer.alloc(0))
    : Buffer.alloc(0);
  let body = Buffer.alloc(0);
  try {
    const handle = await fs.open(path.join(directory, 'trace', 'output'), 'r');
    try {
      const { size } = await handle.stat();
      const length = Math.min(size, MAX_TRACE_READ_BYTES);
      body = Buffer.alloc(length);
      await handle.read(body, 0, length, size - length);
    } finally {
      await handle.close();
    }
  } catch {
    // No trace written: the shell never started, or wrote nothing.
  }
  return { text: Buffer.concat([tail, body]).toString('utf8'), overflowed };
}

/**
 * Removes the tracing variables from a captured environment, like the guards: one the shell
 * inherited gets its inherited value back, one it did not is removed, unless a startup file
 * changed it.
 */
function withoutTraceVariables(
  environment: CapturedEnvironment,
  traceVariables: Record<string, string>,
  inherited: Record<string, string>,
): CapturedEnvironment {
  const variables = { ...environment.variables };
  const raw = { ...environment.raw };
  for (const [name, value] of Object.entries(traceVariables)) {
    if (variables[name] !== value) continue;
    if (name in inherited) variables[name] = inherited[name]!;
    else {
      delete variables[name];
      delete raw[name];
    }
  }
  return { ...environment, variables, raw, count: Object.keys(variables).length };
}

async function exists(file: string): Promise<boolean> {
  return fs.access(file).then(
    () => true,
    () => false,
  );
}

/**
 * Creates a private directory for one probe's files. Its path must need no quoting in any of the
 * eleven shell syntaxes, because it is spliced into the capture command.
 */
async function createProbeDirectory(): Promise<string> {
  const base = /^[\w./-]+$/.test(os.tmpdir()) ? os.tmpdir() : '/tmp';
  return fs.mkdtemp(path.join(base, 'go-env-lens-probe-'));
}

/**
 * Builds the capture command. It is valid in all supported shells: `;` works everywhere, `&&` is
 * not elvish syntax. Absolute paths keep aliases and functions named `env` or `mv` out of it, and
 * the rename makes the file appear complete or not at all.
 */
export function buildCaptureCommand(captureFile: string): string {
  return `${ENV_PROGRAM} -0 > ${captureFile}.partial; ${MV_PROGRAM} ${captureFile}.partial ${captureFile}`;
}

const ENV_PROGRAM = '/usr/bin/env';
const MV_PROGRAM = ['/usr/bin/mv', '/bin/mv'].find((candidate) => existsSync(candidate)) ?? 'mv';
