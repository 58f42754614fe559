/**
 * Types of the scan report: the document `go-env-lens scan --json` prints, the engine returns and
 * the renderer displays. docs/scan-schema.json describes the same shape for other programs; bump
 * SCAN_SCHEMA_VERSION whenever a field changes meaning or disappears.
 */

import type { ContextProvenance, StartupFile } from './provenance.ts';

export const SCAN_SCHEMA_ID = 'go-env-lens/scan';
export const SCAN_SCHEMA_VERSION = 1;

/** The way a context was started. */
export type ContextMode = 'login' | 'non-login' | 'desktop' | 'script';

/**
 * How the probe reached the environment: a command passed with `-c`, a command typed at a real
 * prompt, or no shell at all (the app's own environment).
 */
export type ProbeMethod = 'command' | 'typed' | 'inherited';

/** A stable error code, so the UI and tests need not match on message text. */
export type ContextErrorCode =
  | 'timeout'
  | 'exited-early'
  | 'spawn-failed'
  | 'capture-invalid'
  | 'not-applicable';

/** A failure of one context, in words a user can act on. */
export interface ContextError {
  code: ContextErrorCode;
  message: string;
  /** The action the user can take, when there is one. */
  hint: string | null;
}

/** One executable named `go` found in a PATH directory. */
export interface GoCandidate {
  /** The path as PATH spells it: the directory entry joined with `go`. */
  path: string;
  /** The same file with every symbolic link resolved. */
  realPath: string;
  /** The Go root the binary belongs to (the parent of its `bin` directory), when it has one. */
  goroot: string | null;
  /** The first line of `$GOROOT/VERSION`, read without running the binary. */
  version: string | null;
}

/** The `go` command as one context finds and runs it. */
export interface GoInfo {
  /** The `go` that a program started in this context runs: the first candidate on PATH. */
  path: string | null;
  /** Every `go` on PATH, in PATH order. */
  candidates: GoCandidate[];
  /** `GOVERSION` of the toolchain installed at `path`, with toolchain switching turned off. */
  version: string | null;
  /** The `go env -json` object of that toolchain, run with this context's environment. */
  env: Record<string, string> | null;
  /**
   * Settings read from the layers themselves, because the probe overrides them to stay safe:
   * GOTOOLCHAIN (the probe forces `local`) and GOFLAGS (the probe forces a harmless flag).
   */
  configured: { GOTOOLCHAIN: string; GOFLAGS: string };
  /** The error `go env` printed, in go's own words, when it failed. */
  error: string | null;
  durationMs: number;
}

/** One place a program can be started from, with its complete environment. */
export interface ScanContext {
  /** Stable within a machine, e.g. `bash-login`, `zsh-non-login`, `desktop`, `script`. */
  id: string;
  /** A short label for people, e.g. "bash, login terminal". */
  label: string;
  /** The shell's name, or null for the desktop context. */
  shell: string | null;
  shellPath: string | null;
  mode: ContextMode;
  method: ProbeMethod;
  /** The argument vector the shell was started with, argv[0] included. */
  argv: string[] | null;
  ok: boolean;
  error: ContextError | null;
  durationMs: number;
  /** The complete environment, byte for byte where the value is valid UTF-8. */
  env: Record<string, string>;
  /** Base64 of the raw bytes of every value that is not valid UTF-8 (its `env` entry is lossy). */
  envRaw: Record<string, string>;
  /** What the shell printed to its terminal (banners, errors), escape sequences kept. */
  output: string;
  /** True when `output` keeps only the end of a longer output. */
  outputTruncated: boolean;
  go: GoInfo | null;
  /** The startup files this context read, looked for, or skipped, in the order the shell used them. */
  startupFiles: StartupFile[];
  /** Where each Go variable and each PATH entry came from; null when the shell was not traced. */
  provenance: ContextProvenance | null;
  /** The reason a context whose environment was captured has no provenance, in plain words. */
  provenanceError: string | null;
  /**
   * Why the context was probed the way it was, when that is not the shell's usual way (prompt
   * hooks found, so the probe was typed at a real prompt), in plain words; null otherwise.
   */
  probeNote: string | null;
}

/** One installed shell. */
export interface ShellInfo {
  name: string;
  /** The first path it was found under. */
  path: string;
  realPath: string;
  /** Other paths that lead to the same binary (e.g. /bin/sh for dash). */
  aliases: string[];
  version: string | null;
  /** True for the user's login shell (passwd entry, then $SHELL). */
  isLoginShell: boolean;
  /** False for entries of /etc/shells that Go Env Lens does not know how to start. */
  supported: boolean;
  note: string | null;
}

/** The source of the environment that every shell context starts from. */
export interface BaseEnvironment {
  source: 'self' | 'systemd-user-session';
  note: string;
}

export interface ScanReport {
  schema: typeof SCAN_SCHEMA_ID;
  schemaVersion: typeof SCAN_SCHEMA_VERSION;
  createdAt: string;
  durationMs: number;
  host: {
    platform: string;
    arch: string;
    user: string;
    uid: number;
    home: string;
    loginShell: string | null;
  };
  /** The probe deadline in force, in milliseconds. */
  deadlineMs: number;
  baseEnvironment: BaseEnvironment;
  shells: ShellInfo[];
  contexts: ScanContext[];
}

/** Progress of one context during a scan, sent as an event. */
export interface ScanProgress {
  contextId: string;
  label: string;
  /** `skipped`: the context does not apply (elvish has no login mode), so nothing ran. */
  state: 'queued' | 'running' | 'done' | 'failed' | 'skipped';
  durationMs: number | null;
  completed: number;
  total: number;
}
