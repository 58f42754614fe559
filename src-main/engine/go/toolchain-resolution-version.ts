/**
 * Go version strings as cmd/go compares them (Go 1.21+ `internal/gover`): `1.21` is a language
 * version that sorts before `1.21rc1`, which sorts before `1.21.0`. Before 1.21 a missing patch
 * means `.0`. Versions here carry no `go` prefix; toolchain names (`go1.23.5`) do.
 */

interface ParsedGoVersion {
  major: string;
  minor: string;
  patch: string;
  /** `""`, `alpha`, `beta` or `rc`. */
  kind: string;
  prerelease: string;
}

const INVALID: ParsedGoVersion = { major: '', minor: '', patch: '', kind: '', prerelease: '' };

/** Parses a Go version such as `1.23.5`, `1.23`, `1.21rc1`; returns null when it is malformed. */
function parseGoVersion(text: string): ParsedGoVersion | null {
  const major = cutDecimal(text);
  if (!major) return null;
  let rest = major.rest;
  if (rest === '') return { ...INVALID, major: major.value, minor: '0', patch: '0' };
  if (rest[0] !== '.') return null;

  const minor = cutDecimal(rest.slice(1));
  if (!minor) return null;
  rest = minor.rest;
  const version: ParsedGoVersion = { ...INVALID, major: major.value, minor: minor.value };
  if (rest === '') {
    // A missing patch is `.0` before Go 1.21 and a language version from 1.21 on.
    if (compareDecimals(minor.value, '21') < 0) version.patch = '0';
    return version;
  }

  if (rest[0] === '.') {
    const patch = cutDecimal(rest.slice(1));
    // Prereleases of patch releases (1.21.3rc1) are not valid versions.
    if (!patch || patch.rest !== '') return null;
    return { ...version, patch: patch.value };
  }

  const kind = /^[a-z]+/.exec(rest)?.[0];
  if (!kind) return null;
  rest = rest.slice(kind.length);
  if (rest === '') return { ...version, kind };
  const prerelease = cutDecimal(rest);
  if (!prerelease || prerelease.rest !== '') return null;
  return { ...version, kind, prerelease: prerelease.value };
}

function cutDecimal(text: string): { value: string; rest: string } | null {
  const digits = /^[0-9]+/.exec(text)?.[0];
  // A leading zero is allowed only for the number 0 itself.
  if (!digits || (digits.length > 1 && digits[0] === '0')) return null;
  return { value: digits, rest: text.slice(digits.length) };
}

function compareDecimals(x: string, y: string): number {
  if (x === y) return 0;
  if (x.length !== y.length) return x.length < y.length ? -1 : 1;
  return x < y ? -1 : 1;
}

/** Reports whether a string is a valid Go version (without the `go` prefix). */
export function isValidGoVersion(text: string): boolean {
  return parseGoVersion(text) !== null;
}

/**
 * Compares two Go versions the way cmd/go does: -1, 0 or +1. Malformed versions compare less
 * than well-formed ones and equal to each other.
 */
export function compareGoVersions(x: string, y: string): number {
  const a = parseGoVersion(x) ?? INVALID;
  const b = parseGoVersion(y) ?? INVALID;
  for (const field of ['major', 'minor', 'patch'] as const) {
    const result = compareDecimals(a[field], b[field]);
    if (result !== 0) return result;
  }
  // "" < alpha < beta < rc, which is plain string order.
  if (a.kind !== b.kind) return a.kind < b.kind ? -1 : 1;
  return compareDecimals(a.prerelease, b.prerelease);
}

/** Reports whether a version names a language version (`1.23`) rather than a release (`1.23.0`). */
export function isLanguageVersion(text: string): boolean {
  const version = parseGoVersion(text);
  return version !== null && version.patch === '' && version.kind === '' && version.prerelease === '';
}

/**
 * Returns the Go version of a toolchain name, derived from the name alone as cmd/go does. Both
 * `go1.23.5` and `go1.23.5-corp` give `1.23.5`. Anything else gives null, including a name with a
 * path separator.
 */
export function versionOfToolchainName(name: string): string | null {
  if (/[\\/]/.test(name) || !name.startsWith('go')) return null;
  const version = name.slice(2).split(/[ \t-]/)[0]!;
  return isValidGoVersion(version) ? version : null;
}
