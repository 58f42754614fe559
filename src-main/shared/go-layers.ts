/**
 * Types for Go's own settings layers. For each variable that `go env -json` prints, the engine
 * reports the effective value and the layer that supplied it: the OS environment, the user's Go
 * env file (the one `go env -w` writes), `$GOROOT/go.env` (Go 1.21+) or a built-in default. It
 * also lists the values those layers hide and judges every Go env file line the way the running
 * Go version does, without running `go`.
 */

/** Operating systems the engine computes paths for (runtime.GOOS of the `go` binary). */
export type GoHostOs = 'linux' | 'darwin' | 'windows' | 'freebsd' | 'openbsd' | 'netbsd' | 'dragonfly';

/** The input of the engine: one context and the `go` it runs. */
export interface GoLayersInput {
  /** The context's OS environment, exactly as the `go` process would get it. */
  environment: Record<string, string>;
  /**
   * The Go root the `go` binary belongs to: the parent of its `bin` directory (after resolving
   * symbolic links). Go uses it when neither the environment nor the env file sets GOROOT.
   */
  goroot: string;
  /** The binary's own version, for example `go1.22.12` (the first line of its `$GOROOT/VERSION`). */
  goVersion: string;
  /** runtime.GOOS of the binary. */
  os: GoHostOs;
  /** runtime.GOARCH of the binary, for example `amd64`. */
  arch: string;
  /**
   * The directory `go` runs in. Relative paths (a relative GOENV, for example) resolve against
   * it, and GOMOD and GOWORK depend on it. Without it, GOMOD and GOWORK are not computed.
   */
  workingDirectory?: string;
  /**
   * The Go root compiled into the binary (runtime.GOROOT() without a GOROOT variable); empty for
   * binaries built with -trimpath. When absent, the engine assumes `goroot` for Go before 1.21
   * and an empty string from 1.21 on, which matches the Debian and go.dev builds.
   */
  builtinGoroot?: string;
}

/** The layer a value comes from. */
export type GoSettingSource =
  | { layer: 'environment' }
  | { layer: 'env-file'; path: string; line: number }
  | { layer: 'goroot-go.env'; path: string; line: number }
  | { layer: 'default'; rule: string };

/** One variable as `go env -json` prints it. */
export interface GoLayeredVariable {
  name: string;
  /** The value `go env -json` prints (or would print if the run did not fail). */
  value: string;
  source: GoSettingSource;
  /** The value as the layer stores it, when go prints a different string (cleaned, re-quoted). */
  storedValue?: string;
  /**
   * False when the value depends on something the engine does not evaluate, such as the C
   * compiler probes behind GOGCCFLAGS. `note` then names it.
   */
  exact: boolean;
  note?: string;
}

/** A value set in a lower layer (or an earlier line) that a higher one hides. */
export interface GoShadowedSetting {
  name: string;
  value: string;
  source: GoSettingSource;
  /** The setting go uses instead. */
  winner: GoSettingSource;
  winningValue: string;
  reason: 'overridden-by-environment' | 'overridden-by-env-file' | 'later-line-wins';
  explanation: string;
}

/**
 * An empty or blank value in the OS environment or the Go env file, and whether it hides the
 * layers below it. An empty OS variable never does, but a value of spaces does. An empty line in
 * the Go env file hides `$GOROOT/go.env` (Go 1.21+) but not the built-in default.
 */
export interface GoBlankSetting {
  name: string;
  value: string;
  source: GoSettingSource;
  effect: 'ignored' | 'hides-goroot-go.env' | 'overrides';
  /** The layer go takes the variable from instead, and the value it gets there. */
  effectiveSource: GoSettingSource;
  effectiveValue: string;
  explanation: string;
}

/** The go commands a setting breaks, from worst to harmless. */
export type GoFindingImpact =
  'every-command' | 'go-env' | 'builds' | 'module-downloads' | 'toolchain-switch' | 'ignored' | 'none';

/** A judgement of one Go env file line (or OS variable) by the rules of the running Go version. */
export interface GoSettingFinding {
  origin: 'env-file' | 'goroot-go.env' | 'environment';
  /** File path, or null for the environment. */
  path: string | null;
  /** 1-based line number, or null for the environment. */
  line: number | null;
  /** The key as go reads it (trailing spaces kept), or null for a line go skips. */
  key: string | null;
  severity: 'error' | 'warning' | 'info';
  impact: GoFindingImpact;
  /** Whether go uses this line's value; false when another layer or a later line wins. */
  inEffect: boolean;
  /** The reason, in plain words. */
  reason: string;
  /** The text go itself prints for it, when go fails or warns. */
  goMessage?: string;
}

/** The location of the Go env file or `$GOROOT/go.env`, and whether go could read it. */
export interface GoEnvFileState {
  path: string | null;
  status: 'read' | 'missing' | 'unreadable' | 'not-a-file' | 'disabled' | 'no-location' | 'not-used';
  /** The rule that chose the path, or the reason there is none. */
  detail: string;
}

/** The toolchain that GOTOOLCHAIN hands the command to. */
export interface GoToolchainSwitch {
  toolchain: string;
  via: 'path' | 'module-cache' | 'download';
  /** The executable found on PATH, or the module cache directory. */
  path?: string;
  /**
   * The environment the switched-to `go` starts with: GOTOOLCHAIN_INTERNAL_SWITCH_VERSION and
   * _COUNT set, and GOROOT removed (PATH) or pointing at the module cache directory.
   */
  environment: Record<string, string>;
}

/** The predicted outcome of a full `go env -json` run with this environment. */
export interface GoEnvRunPrediction {
  outcome: 'ok' | 'fails' | 'switches';
  exitCode: number | null;
  /** The first lines go writes to stderr before it exits; empty when it succeeds. */
  message: string;
  /** The variable, and the layer, that makes it fail or switch. */
  cause?: { name: string; source: GoSettingSource };
  switchTo?: GoToolchainSwitch;
  /** Warnings go prints on stderr while still succeeding. */
  warnings: string[];
  /** False when the outcome depends on something the engine does not evaluate, named in `note`. */
  exact: boolean;
  note?: string;
}

export interface GoLayersReport {
  goVersion: string;
  os: GoHostOs;
  arch: string;
  envFile: GoEnvFileState;
  /** `$GOROOT/go.env`; status 'not-used' before Go 1.21. */
  gorootEnvFile: GoEnvFileState;
  /** Every variable `go env -json` prints for this version and GOARCH, sorted by name. */
  variables: GoLayeredVariable[];
  /**
   * Keys of the Go env file that `go env NAME` prints (Go 1.21+ treats every key in the file as
   * a variable) but `go env -json` does not list.
   */
  namedOnlyVariables: GoLayeredVariable[];
  shadowed: GoShadowedSetting[];
  blankSettings: GoBlankSetting[];
  findings: GoSettingFinding[];
  goEnv: GoEnvRunPrediction;
}
