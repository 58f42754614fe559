/**
 * Types of the Go toolchain inventory: every Go installed on a machine, found by reading the file
 * system only (no `go` binary is run), with the version manager that owns each one.
 */

/** The operating system whose directory layout the inventory recognises. */
export type ToolchainPlatform = 'linux' | 'darwin' | 'windows';

/**
 * The tool or package that installed a toolchain, decided from where its Go root lies.
 * `path-only`: found through PATH in no known location. `goroot-only`: named only by GOROOT (the
 * environment or the Go env file) in no known location.
 */
export type ToolchainManager =
  | 'path-only'
  | 'goroot-only'
  | 'tarball'
  | 'macos-pkg'
  | 'windows-msi'
  | 'debian'
  | 'fedora'
  | 'system-package'
  | 'golang.org/dl'
  | 'toolchain-module'
  | 'goenv'
  | 'gvm'
  | 'asdf'
  | 'mise'
  | 'g'
  | 'gobrew'
  | 'goup'
  | 'snap'
  | 'homebrew'
  | 'macports'
  | 'nix'
  | 'scoop';

/** The kind of search that reached a toolchain. */
export type ToolchainSource = 'path' | 'goroot-variable' | 'go-env-file' | 'known-location';

/**
 * A path that leads to a toolchain without being its Go root:
 * - `path`: a `go` (or `go.exe`) in a PATH directory;
 * - `path-versioned`: a `goX.Y.Z` on PATH that is the toolchain's own binary, the name GOTOOLCHAIN
 *   looks for before downloading;
 * - `dl-wrapper`: a golang.org/dl command `goX.Y.Z`, which runs `~/sdk/goX.Y.Z/bin/go`;
 * - `symlink`: a symbolic link to the Go root or to a directory above it (`/usr/lib/go`, a
 *   manager's `current` link);
 * - `goroot-variable` and `go-env-file`: a GOROOT setting that names it;
 * - `snap-launcher`: `/snap/bin/go`, which snapd turns into `/snap/go/current/bin/go`;
 * - `shim`: a Scoop shim whose `.shim` file names the toolchain's `go.exe`.
 */
export type ToolchainAliasKind =
  | 'path'
  | 'path-versioned'
  | 'dl-wrapper'
  | 'symlink'
  | 'goroot-variable'
  | 'go-env-file'
  | 'snap-launcher'
  | 'shim';

export interface ToolchainAlias {
  /** The path in the platform's own spelling (`C:\…` on Windows). */
  path: string;
  kind: ToolchainAliasKind;
  /** The path after each symbolic link followed from `path`, in order; empty when it is no link. */
  links: string[];
  /** Position of the PATH directory (0-based) for `path`, `path-versioned`, `dl-wrapper`, `snap-launcher` and `shim`. */
  pathIndex: number | null;
}

/**
 * The state of one part of a Go root. `not-executable`: present without any execute bit.
 * `unreadable`: this user may not look inside a directory on the way.
 */
export type ToolchainPartState = 'present' | 'missing' | 'broken-symlink' | 'not-executable' | 'unreadable';

/** The parts of a Go root the inventory checks. */
export interface ToolchainLayout {
  /** The Go root directory itself. */
  directory: ToolchainPartState;
  /** `bin/go`, or `bin/go.exe` on Windows. */
  goBinary: ToolchainPartState;
  /** `VERSION`, which release archives and distribution packages ship. */
  versionFile: ToolchainPartState;
  /** `src/runtime`, standing for the standard library sources. */
  source: ToolchainPartState;
  /** `pkg/tool/<os_arch>`, the compiler, linker and other tools. */
  tools: ToolchainPartState;
  /** `go.env`, the Go 1.21+ defaults (GOPROXY, GOSUMDB, GOTOOLCHAIN). */
  goEnvFile: ToolchainPartState;
}

/** The source of a version, most reliable first. */
export type ToolchainVersionSource =
  | 'VERSION'
  | 'VERSION.cache'
  | 'build-info'
  | 'module-name'
  | 'directory-name'
  | 'goversion-source'
  | 'go.env';

/**
 * How much of the version is known: `release` is a full version such as go1.23.5, `language`
 * only go1.23 (from `src/internal/goversion`), `lower-bound` means "this version or newer".
 */
export type ToolchainVersionPrecision = 'release' | 'language' | 'lower-bound';

export interface ToolchainVersion {
  /** `go1.23.5`, `devel go1.24-abcdef …`, or `go1.23` for the less precise sources. */
  value: string;
  source: ToolchainVersionSource;
  precision: ToolchainVersionPrecision;
}

/** The source of GOOS and GOARCH, most reliable first. */
export type ToolchainPlatformSource = 'build-info' | 'binary-header' | 'tool-directory' | 'module-name';

/** Executable formats the inventory reads headers of. `script`: starts with `#!`. */
export type ExecutableFormat = 'elf' | 'mach-o' | 'pe' | 'script' | 'unknown';

/** Facts read from a `go` binary's file, without running it. */
export interface GoBinaryInfo {
  /** The path in the platform's spelling. */
  path: string;
  realPath: string;
  format: ExecutableFormat;
  /** GOOS and GOARCH from the executable header (ELF OS/ABI 0 is read as linux). */
  headerGoos: string | null;
  headerGoarch: string | null;
  /** The Go version recorded in the binary's build information (Go 1.13+). */
  buildVersion: string | null;
  /** `build` settings of the build information (Go 1.18+), e.g. GOOS, GOARCH, -trimpath. */
  buildSettings: Record<string, string>;
  /** The main package path from the build information, e.g. `cmd/go` or `golang.org/dl/go1.22.0`. */
  mainPackage: string | null;
  /**
   * True for a `-trimpath` build, which has no GOROOT built in and works only inside a Go root or
   * with GOROOT set. Null when the build information has no build settings (before Go 1.18).
   */
  trimpath: boolean | null;
}

export type ToolchainProblemCode =
  | 'directory-missing'
  | 'go-binary-missing'
  | 'go-binary-broken-symlink'
  | 'go-binary-not-executable'
  | 'version-file-missing'
  | 'source-missing'
  | 'tools-missing'
  | 'go-env-missing'
  | 'sdk-not-unpacked'
  | 'version-mismatch'
  | 'trimmed-binary-without-goroot'
  | 'unreadable';

/** Something wrong with a toolchain, in words a user can act on. */
export interface ToolchainProblem {
  code: ToolchainProblemCode;
  message: string;
}

/** One installed Go toolchain. */
export interface InstalledToolchain {
  /** Stable within a machine: the real Go root, or the real binary path for a `go` outside any Go root. */
  id: string;
  /** The Go root with every symbolic link resolved, in the platform's spelling; null for a lone binary. */
  goroot: string | null;
  manager: ToolchainManager;
  /** The location rule that decided the manager, e.g. "goenv version directory (~/.goenv/versions/*)". */
  managerEvidence: string;
  foundBy: ToolchainSource[];
  version: ToolchainVersion | null;
  goos: string | null;
  goarch: string | null;
  platformSource: ToolchainPlatformSource | null;
  /** The `<os_arch>` directories under `pkg/tool`. */
  toolDirectories: string[];
  goBinary: GoBinaryInfo | null;
  layout: ToolchainLayout;
  /**
   * Parts a complete Go root has and this one lacks, relative to the Go root (`bin/go`, `src`, …).
   * A `go` binary outside any Go root lists `GOROOT` alone.
   */
  missing: string[];
  /** True when the Go root could be read and nothing is missing. */
  complete: boolean;
  problems: ToolchainProblem[];
  aliases: ToolchainAlias[];
  /** True when the first `go` on PATH leads here, so a program started with that PATH runs it. */
  firstOnPath: boolean;
}

/**
 * A `go` on PATH that is not a Go binary but a version manager's launcher, which picks a
 * toolchain at run time from its own settings (for example `.go-version` files).
 */
export interface GoShim {
  path: string;
  realPath: string;
  /** The manager the shim belongs to, or null for an unknown script or program named `go`. */
  manager: ToolchainManager | null;
  pathIndex: number;
  note: string;
}

/** A symbolic link in a place where a Go root is expected, whose target does not exist. */
export interface DanglingToolchainLink {
  path: string;
  target: string;
  manager: ToolchainManager | null;
}

export interface ToolchainInventory {
  platform: ToolchainPlatform;
  /** The host directory the platform's `/` (or `C:\`) was read from. */
  root: string;
  toolchains: InstalledToolchain[];
  shims: GoShim[];
  danglingLinks: DanglingToolchainLink[];
  /** Every location pattern looked at, in the platform's spelling, for explaining what was not found. */
  searchedLocations: string[];
  durationMs: number;
}

/** The setting of a scan context that leads to a toolchain. */
export type ToolchainReferenceField = 'go.path' | 'env.GOROOT' | 'go.env.GOROOT';

export interface ToolchainReference {
  contextId: string;
  field: ToolchainReferenceField;
  /** The value as the context has it. */
  path: string;
}

/** The scan contexts that run or point at one toolchain. */
export interface ToolchainContextUse {
  toolchainId: string;
  /** Contexts whose `go` or GOROOT leads here, each once, in scan order. */
  contextIds: string[];
  references: ToolchainReference[];
  /** Contexts that have this toolchain on PATH behind another `go`, which runs instead. */
  shadowedIn: string[];
}

export interface ToolchainUsage {
  toolchains: ToolchainContextUse[];
  /** Context settings that lead to no toolchain of the inventory. */
  unmatched: ToolchainReference[];
}
