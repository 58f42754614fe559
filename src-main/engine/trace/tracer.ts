/**
 * The contract between the probe and each shell's tracing: how a traced shell is started, and how
 * its trace becomes the context's startup files and provenance. Each shell family has one
 * `ShellTracer`. The traced run is the context's only probe, so its environment is the one
 * reported, and the trace explains it.
 */
import type { ContextProvenance, SourceLocation, StartupFile } from '../../shared/provenance.ts';

/** Input for planning the traced run of one context. */
export interface TracePlanInput {
  login: boolean;
  runningAsRoot: boolean;
  /** argv[0] and arguments of the untraced invocation (without the capture command). */
  argv0: string;
  args: string[];
  /** Delivery of the capture command: appended as an argument, or typed at the prompt. */
  method: 'command' | 'typed';
  /** The capture command; a tracer that wraps the startup (bash as root) embeds it. */
  captureCommand: string;
  /** The probe's private directory; files a plan writes and the trace file live in it. */
  probeDirectory: string;
  /** The environment the shell starts with (guards included, tracing variables not). */
  environment: Record<string, string>;
}

/** The changes that turn an untraced run into a traced one. */
export interface TracePlan {
  argv0: string;
  /** Arguments before the capture command, which is appended when `method` is `command`. */
  args: string[];
  method: 'command' | 'typed';
  /**
   * Variables added to the shell's environment for tracing. They are removed from the captured
   * environment again unless a startup file changed them.
   */
  environment: Record<string, string>;
  /**
   * Destination of the trace. `fd3` opens the trace file on descriptor 3. `stderr` sends the
   * shell's standard error there, so its own error messages arrive mixed with the trace. `none`
   * opens no trace file, for plans whose own files write it or that only read files.
   */
  traceOutput: 'fd3' | 'stderr' | 'none';
  /** True when `args` already contain the capture command, so it is not appended again. */
  captureEmbedded?: boolean;
  /** For a typed probe: a line typed at the first prompt, before the capture command. */
  typedInput?: string;
  /** Files written into the probe directory before the shell starts (wrapper rc files, hooks). */
  files?: Record<string, string>;
}

/** Input for analysing a finished traced run. */
export interface TraceAnalysisInput {
  login: boolean;
  /** The trace as written (see `traceOutput`), decoded as UTF-8; empty when nothing was written. */
  trace: string;
  probeDirectory: string;
  /** The environment the shell started with, without tracing variables. */
  startEnvironment: Record<string, string>;
  /** The environment the shell ended with (what programs see), without guards and tracing variables. */
  finalEnvironment: Record<string, string>;
  /** True for a probe typed at a real prompt because prompt hooks were found: they ran. */
  promptHooksRan?: boolean;
}

export interface TraceAnalysis {
  startupFiles: StartupFile[];
  provenance: ContextProvenance;
  /** Text the shell wrote to stderr that is not trace, for showing with the shell's output. */
  errorOutput?: string;
}

/** A hook that runs before each prompt, and the line that installed it. */
export interface PromptHook {
  name: string;
  location: SourceLocation;
}

/** The place a shell was at when it stopped: the last traced command. */
export interface TraceStopPoint {
  location: SourceLocation;
  command: string;
  /**
   * For shells that read a fixed list of startup files: that list for each mode the run may
   * have had, in reading order, with `~/` standing for HOME, and every file the trace shows
   * commands from. describeStopPoint looks for a named pipe among the files after the last one
   * read, because a shell opening a named pipe waits until another program writes to it.
   */
  startupOrder?: { modes: string[][]; filesRead: string[] };
}

export interface ShellTracer {
  /** Settles when `analyse` can do its full work (a parser loaded); absent when always ready. */
  ready?: Promise<void>;
  plan(input: TracePlanInput): TracePlan;
  analyse(input: TraceAnalysisInput): TraceAnalysis;
  /** The last command the trace shows, for explaining a probe that ran out of time. */
  stopPoint(trace: string): TraceStopPoint | null;
  /**
   * For shells whose `-c` probe skips prompt hooks: the hooks a traced `-c` run installed
   * (PROMPT_COMMAND, precmd), each with where it was installed. A non-empty result makes the
   * scan probe the context again, typed at a real prompt, with `method: 'typed'` in the plan.
   */
  promptHooks?(trace: string): PromptHook[];
  /**
   * Why a probe typed at a real prompt would write into the user's files in this environment
   * (fish's first interactive session generates completions), or null when it would not. The
   * scan then keeps the `-c` probe.
   */
  typedProbeWrites?(environment: Record<string, string>): string | null;
}
