/** The variables whose origin Go Env Lens traces and explains, in display order. */

/** Always reported, present or not: PATH, the Go settings and the C compiler settings cgo reads. */
export const TRACKED_VARIABLES = [
  'PATH', 'GOROOT', 'GOPATH', 'GOBIN', 'GOENV', 'GOTOOLCHAIN', 'GO111MODULE', 'GOFLAGS', 'GOPROXY',
  'GOPRIVATE', 'GONOPROXY', 'GONOSUMDB', 'GOSUMDB', 'GOINSECURE', 'GOWORK', 'GOMODCACHE', 'GOCACHE',
  'CGO_ENABLED', 'CC',
];

/**
 * Variables that decide which files are read: startup files (ZDOTDIR, BASH_ENV, ENV) and the Go
 * env file (XDG_CONFIG_HOME). Explained when a startup file sets them or the context has them.
 */
export const LOCATION_VARIABLES = ['ZDOTDIR', 'BASH_ENV', 'ENV', 'XDG_CONFIG_HOME'];

/**
 * Reports whether a variable's origin is of interest: the lists above and any GO* or CGO_* one,
 * except Go Env Lens's own GO_ENV_LENS_* settings.
 */
export function isTrackedVariable(name: string): boolean {
  return (
    TRACKED_VARIABLES.includes(name) ||
    LOCATION_VARIABLES.includes(name) ||
    (/^(GO|CGO_)[A-Z0-9_]*$/.test(name) && !name.startsWith('GO_ENV_LENS_'))
  );
}
