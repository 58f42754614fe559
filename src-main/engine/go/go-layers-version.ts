/**
 * Go version strings: the release of the running `go` (which rules apply), and the version
 * syntax cmd/go accepts in GOTOOLCHAIN (internal/gover in Go 1.21+).
 */

/** A Go 1.x release; prereleases count as the release they precede. */
export interface GoRelease {
  major: number;
  minor: number;
  patch: number;
}

/**
 * Parses `go1.22.12`, `go1.23rc1`, `go1.19` or `devel go1.24-abcdef …`. Returns null for
 * anything else, and callers then apply the newest rules the engine has.
 */
export function parseGoRelease(version: string): GoRelease | null {
  const match = /(?:^|\s)go(\d+)\.(\d+)(?:\.(\d+))?/.exec(version);
  if (!match) return null;
  return { major: Number(match[1]), minor: Number(match[2]), patch: Number(match[3] ?? 0) };
}

/** Reports whether a release is Go 1.`minor` or newer; an unknown release counts as newest. */
export function isAtLeast(release: GoRelease | null, minor: number): boolean {
  if (release === null) return true;
  return release.major > 1 || (release.major === 1 && release.minor >= minor);
}

/** The parts of a version as internal/gover parses it (`1.21rc2` → 1, 21, '', 'rc', 2). */
interface GoverVersion {
  major: string;
  minor: string;
  patch: string;
  kind: string;
  pre: string;
}

/** Parses a Go version without the `go` prefix like internal/gover.Parse, or returns null. */
export function parseGoverVersion(text: string): GoverVersion | null {
  const version: GoverVersion = { major: '', minor: '', patch: '', kind: '', pre: '' };
  let rest = text;

  const major = cutInt(rest);
  if (!major) return null;
  version.major = major.number;
  rest = major.rest;
  if (rest === '') {
    version.minor = '0';
    version.patch = '0';
    return version;
  }
  if (rest[0] !== '.') return null;

  const minor = cutInt(rest.slice(1));
  if (!minor) return null;
  version.minor = minor.number;
  rest = minor.rest;
  if (rest === '') {
    // Before Go 1.21 a missing patch means .0; from 1.21 on it names the language version.
    if (compareDecimal(version.minor, '21') < 0) version.patch = '0';
    return version;
  }

  if (rest[0] === '.') {
    const patch = cutInt(rest.slice(1));
    if (!patch || patch.rest !== '') return null;
    version.patch = patch.number;
    return version;
  }

  let index = 0;
  while (index < rest.length && !(rest[index]! >= '0' && rest[index]! <= '9')) {
    if (rest[index]! < 'a' || rest[index]! > 'z') return null;
    index++;
  }
  if (index === 0) return null;
  version.kind = rest.slice(0, index);
  rest = rest.slice(index);
  if (rest === '') return version;
  const pre = cutInt(rest);
  if (!pre || pre.rest !== '') return null;
  version.pre = pre.number;
  return version;
}

/**
 * Returns the version inside a toolchain name (`go1.22.12` → `1.22.12`) like
 * cmd/go/internal/gover.FromToolchain, or null when the name is not a valid toolchain name.
 */
export function versionFromToolchain(name: string): string | null {
  if (/[\\/]/.test(name)) return null;
  if (!name.startsWith('go')) return null;
  let version = name.slice(2);
  // Custom builds add suffixes such as `go1.21.1-foo`; cmd/go drops them.
  const suffix = version.search(/[ \t-]/);
  if (suffix >= 0) version = version.slice(0, suffix);
  return parseGoverVersion(version) ? version : null;
}

/** Reports whether a version names a language version without a patch (`1.22`), like gover.IsLang. */
export function isLanguageVersion(version: string): boolean {
  const parsed = parseGoverVersion(version);
  return parsed !== null && parsed.patch === '' && parsed.kind === '' && parsed.pre === '';
}

/** Compares two versions the way gover.Compare does: -1, 0 or 1. */
export function compareGoVersions(left: string, right: string): number {
  const a = parseGoverVersion(left);
  const b = parseGoverVersion(right);
  if (!a && !b) return 0;
  if (!a) return -1;
  if (!b) return 1;
  const byNumber =
    compareDecimal(a.major, b.major) || compareDecimal(a.minor, b.minor) || compareDecimal(a.patch, b.patch);
  if (byNumber !== 0) return byNumber;
  // A release sorts after its prereleases: 1.21rc1 < 1.21.
  if (a.kind !== b.kind) {
    if (a.kind === '') return 1;
    if (b.kind === '') return -1;
    return a.kind < b.kind ? -1 : 1;
  }
  return compareDecimal(a.pre, b.pre);
}

function cutInt(text: string): { number: string; rest: string } | null {
  let index = 0;
  while (index < text.length && text[index]! >= '0' && text[index]! <= '9') index++;
  // No digits, or an unnecessary leading zero.
  if (index === 0 || (text[0] === '0' && index !== 1)) return null;
  return { number: text.slice(0, index), rest: text.slice(index) };
}

function compareDecimal(left: string, right: string): number {
  if (left === right) return 0;
  if (left.length !== right.length) return left.length < right.length ? -1 : 1;
  return left < right ? -1 : 1;
}
