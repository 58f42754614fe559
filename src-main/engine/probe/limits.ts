/** Deadlines and size caps of a probe, each with the reason for its value. */

/**
 * Time a context may take from spawn to captured environment, in milliseconds. Bare shells start
 * in under 20 ms and xonsh in about 250 ms, but nvm, conda or pyenv initialisation can take
 * seconds, so the default leaves room for a slow but working setup. Override with `--deadline`.
 */
export const DEFAULT_PROBE_DEADLINE_MS = 15_000;

/**
 * Shell output kept per context for display, in bytes. Enough for banners and error messages; a
 * startup file printing megabytes keeps only its end, which is where the error usually is.
 */
export const MAX_OUTPUT_BYTES = 64 * 1024;

/**
 * Largest captured environment accepted, in bytes. Linux caps the whole argument and environment
 * area of a process at a quarter of the stack limit (2 MiB by default), so anything larger is
 * not a real environment.
 */
export const MAX_ENVIRONMENT_BYTES = 16 * 1024 * 1024;

/** Time allowed for one `go env` or `go version` run, in milliseconds. */
export const GO_COMMAND_TIMEOUT_MS = 20_000;

/** Time allowed for asking a shell for its version, in milliseconds. */
export const SHELL_VERSION_TIMEOUT_MS = 5_000;

/** How often the probe looks for the capture file, in milliseconds. */
export const CAPTURE_POLL_INTERVAL_MS = 5;
