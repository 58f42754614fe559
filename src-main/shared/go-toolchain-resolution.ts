/**
 * Types for "which Go toolchain really runs" in a context: the `go` found on PATH, the GOROOT it
 * uses, the toolchain GOTOOLCHAIN switching hands the command to (Go 1.21+), and what `go version`
 * and `go env GOROOT` print as a result. Predictions come from files alone; observations come from
 * running the real go offline, so the two can be compared.
 */

/** The layer a Go setting's effective value comes from, highest precedence first. */
export type GoSettingSource =
  /** A non-empty OS environment variable (an empty one counts as unset). */
  | 'os-environment'
  /** The user's Go env file, the one `go env -w` writes (an empty value still counts). */
  | 'user-env-file'
  /** `$GOROOT/go.env` of the running toolchain (Go 1.21+). */
  | 'goroot-go-env'
  /** No layer sets it: cmd/go's built-in default applies. */
  | 'default';

/** The effective value of one Go setting and the layer it comes from. */
export interface GoSettingValue {
  name: string;
  value: string;
  source: GoSettingSource;
  /** The file for the two file layers, otherwise null. */
  file: string | null;
  /** 1-based line in `file`, otherwise null. */
  line: number | null;
}

/** A `go` executable and the build information recorded in it. */
export interface GoBinaryInfo {
  /** The path as found, made absolute. */
  path: string;
  /** The path after resolving every symbolic link. */
  realPath: string;
  isSymlink: boolean;
  /** The binary's own `runtime.Version()`, e.g. `go1.23.5`; null when it has no readable build info. */
  version: string | null;
  goos: string | null;
  goarch: string | null;
  /** Built with `-trimpath`, so no GOROOT is built in; null when unknown. */
  trimmed: boolean | null;
  /** Main package from the build info: `cmd/go` for a real go command. */
  mainPackage: string | null;
}

/** The first `go` on PATH, which a shell or execvp runs for `go`. */
export interface GoBinaryOnPath extends GoBinaryInfo {
  /** The PATH entry it was found in, as written in PATH. */
  pathEntry: string;
  /** Other executables named `go` later on PATH, shadowed by this one. */
  shadowed: string[];
}

/** Source of a go command's GOROOT, in cmd/go's order of precedence. */
export type GorootSource =
  /** A non-empty GOROOT in the OS environment, used exactly as written. */
  | 'os-environment'
  /** A GOROOT line in the user's Go env file. */
  | 'user-env-file'
  /** The Go tree around the executable's resolved location (`bin/go` inside a Go root). */
  | 'executable-location'
  /** The path linked into a binary built without `-trimpath`. */
  | 'built-in'
  /** Nothing: a `-trimpath` binary outside a Go tree, with GOROOT unset. */
  | 'none';

/** The GOROOT one go binary uses, and whether it matches the binary. */
export interface GorootResolution {
  /** The value `go env GOROOT` prints, or null when unknown (a built-in path) or when go cannot start. */
  path: string | null;
  source: GorootSource;
  /** The Go env file and line for `user-env-file`. */
  file: string | null;
  line: number | null;
  /** The Go root around the executable, whatever the source; null outside a Go tree. */
  executableRoot: string | null;
  /** `path` exists and is a directory (checked relative to the working directory when relative). */
  exists: boolean;
  /** `path` has `pkg/tool`, the test cmd/go uses for a Go root. */
  isGoRoot: boolean;
  /** First line of `$GOROOT/VERSION`, e.g. `go1.19.8`. */
  version: string | null;
  /**
   * The binary and the GOROOT differ in version, so builds fail with
   * `compile: version "<GOROOT version>" does not match go tool version "<binary version>"`.
   */
  mixedToolchain: boolean;
  /** The compile error a mixed toolchain produces, or null. */
  mixedToolchainError: string | null;
  /**
   * The Go root whose `go.env` the binary reads (Go 1.21+). cmd/go locates it with the Go env
   * file's GOROOT first, then the OS one, so it can differ from `path`.
   */
  goEnvRoot: string | null;
  /** `goEnvRoot/go.env` exists and the binary reads it (Go 1.21+). */
  hasGoEnv: boolean;
  /** The error every go command prints when this GOROOT cannot be used, e.g. `go: cannot find GOROOT directory: ...`. */
  startupError: string | null;
  /** Plain-language reason for this GOROOT. */
  explanation: string;
}

/** The `go` and `toolchain` lines of a go.work or go.mod file. */
export interface GoModLines {
  file: string;
  kind: 'go.work' | 'go.mod';
  /** `GOWORK` when GOWORK names the file, otherwise the upward directory search. */
  foundBy: 'GOWORK' | 'directory-walk';
  /** Value of the `go` line, e.g. `1.23.5`, or null when there is none. */
  goVersion: string | null;
  goLine: number | null;
  /** Value of the `toolchain` line, e.g. `go1.23.5` or `default`, or null. */
  toolchain: string | null;
  toolchainLine: number | null;
}

/** The go.work and go.mod files cmd/go finds from the working directory. */
export interface ProjectGoFiles {
  directory: string;
  gowork: GoSettingValue;
  /** The go.work in use, or null (none found, GOWORK=off, or GOWORK names a missing file). */
  workFile: string | null;
  /** The nearest go.mod, or null. */
  moduleFile: string | null;
  /** The file whose lines toolchain selection reads: go.work if in use, otherwise go.mod. */
  deciding: GoModLines | null;
  /** The error go stops with because of GOWORK (a relative path), or null. */
  goworkError: string | null;
  /** Quirks that change which file counts, in plain words. */
  notes: string[];
}

/** Source of the toolchain that runs the command. */
export type ToolchainOrigin =
  /** No switch: the `go` found on PATH runs the command. */
  | 'running-binary'
  /** An executable named like the toolchain (`go1.23.5`) on PATH, as `golang.org/dl` installs. */
  | 'path'
  /** Already unpacked in `$GOMODCACHE/golang.org/toolchain@v0.0.1-goX.Y.Z.GOOS-GOARCH`. */
  | 'module-cache'
  /** Downloaded from a local `file://` GOPROXY into the module cache. */
  | 'file-proxy'
  /** A download from a remote proxy or origin would be needed; this tool never makes it. */
  | 'network-download'
  /** None: go stops with `error`. */
  | 'none';

/** Interpretation of the GOTOOLCHAIN value. */
export type GotoolchainMode =
  /** `local`: always the running binary. */
  | 'local'
  /** `auto` or `<name>+auto`: the minimum, raised by go.work/go.mod; found on PATH or downloaded. */
  | 'auto'
  /** `path` or `<name>+path`: like auto, but only PATH is searched. */
  | 'path'
  /** `goX.Y.Z`: exactly that toolchain, go.mod is not consulted. */
  | 'pinned';

/** The toolchain selection cmd/go (Go 1.21+) makes at startup, predicted from files. */
export interface ToolchainSelection {
  gotoolchain: GoSettingValue;
  /** Reason GOTOOLCHAIN is not consulted at all, or null when it is consulted. */
  skipped: string | null;
  mode: GotoolchainMode | null;
  /** The running binary's toolchain name, e.g. `go1.22.12`. */
  localToolchain: string | null;
  /** The minimum from GOTOOLCHAIN (the local toolchain for `auto`, `path` and `local`). */
  minimumToolchain: string | null;
  /** The go.work/go.mod lines read for `auto` and `path`, otherwise null. */
  requirement: GoModLines | null;
  /** The setting or line that decided the choice. */
  decidedBy: 'gotoolchain' | 'go-line' | 'toolchain-line' | 'toolchain-default';
  /** The toolchain that runs, e.g. `go1.23.5`; null when go stops with `error`. */
  chosen: string | null;
  switched: boolean;
  origin: ToolchainOrigin;
  /** The executable that runs the command, when known. */
  executable: string | null;
  /** The module cache directory of the chosen toolchain, for `module-cache` and `file-proxy`. */
  moduleCacheDirectory: string | null;
  /** The GOPROXY entry a download uses, for `file-proxy` and `network-download`. */
  downloadFrom: string | null;
  /** go prints `go: downloading goX.Y.Z (GOOS/GOARCH)` before switching. */
  printsDownloading: boolean;
  /**
   * The checksum database (GOSUMDB) go must consult about the toolchain zip, or null when none.
   * A lookup needs the network unless `$GOMODCACHE/cache/download/sumdb` has cached it.
   */
  checksumDatabase: string | null;
  /** The error every go command stops with (even `go version`), or null. */
  error: string | null;
  /** The error commands that load go.mod or go.work (build, list, test) stop with, or null. */
  moduleError: string | null;
  /** Plain-language reason for the choice. */
  reason: string;
}

/** Binary on PATH, `go version` and `go env GOROOT` side by side, and why they differ. */
export interface ThreeWayView {
  binaryOnPath: string | null;
  /** Predicted `go version` line, e.g. `go version go1.23.5 linux/amd64`; null when go fails. */
  goVersion: string | null;
  /** Predicted `go env GOVERSION`, e.g. `go1.23.5`. */
  runningVersion: string | null;
  /** Predicted `go env GOROOT`; null when unknown or when go fails. */
  goEnvGoroot: string | null;
  /** The three do not describe one and the same Go installation. */
  differs: boolean;
  /** One plain sentence per reason they differ. */
  explanations: string[];
}

/** Everything `resolveToolchain` predicts for one context and working directory. */
export interface ToolchainResolution {
  /** The directory go runs in: the project directory, or `/`. */
  workingDirectory: string;
  binary: GoBinaryOnPath | null;
  /** The GOROOT of the binary on PATH. */
  goroot: GorootResolution | null;
  project: ProjectGoFiles | null;
  selection: ToolchainSelection | null;
  /** The GOROOT of the toolchain that runs after switching; equals `goroot` without a switch. */
  runningGoroot: GorootResolution | null;
  threeWay: ThreeWayView;
  /**
   * Settings this module read itself, with their layers. They come from a minimal reader (OS
   * environment, Go env file, `$GOROOT/go.env`), not from the full layer engine.
   */
  settings: GoSettingValue[];
  notes: string[];
}

/** The result of one go command run by `observeToolchain`. */
export interface ObservedCommand {
  args: string[];
  exitCode: number | null;
  stdout: string;
  stderr: string;
}

/** Output of the real go, run offline in a context and directory. */
export interface ToolchainObservation {
  workingDirectory: string;
  /** The environment go ran with: the context's, plus the offline and scratch overrides. */
  environment: Record<string, string>;
  goVersionCommand: ObservedCommand;
  /** The version from `go version`, e.g. `go1.23.5`; null when it failed. */
  goVersion: string | null;
  goEnvCommand: ObservedCommand;
  /** `go env -json` values of GOROOT, GOVERSION, GOTOOLCHAIN, GOMOD and GOWORK; null when it failed. */
  goEnv: Record<string, string> | null;
  /** `go list -m`, which loads go.mod or go.work; null unless requested. */
  moduleCommand: ObservedCommand | null;
  /** Some command printed `go: downloading goX.Y.Z (GOOS/GOARCH)`. */
  downloaded: boolean;
}
