/**
 * Go's path rules (path/filepath and os.UserConfigDir / os.UserCacheDir) for the operating
 * system of the `go` binary, which need not be the one the engine runs on: separators, Clean,
 * Join, IsAbs, SplitList and the per-user configuration and cache directories.
 */
import type { GoHostOs } from '../../shared/go-layers.ts';
import { isAtLeast, type GoRelease } from './go-layers-version.ts';

export type PathFlavor = 'posix' | 'windows';

export function pathFlavorOf(os: GoHostOs): PathFlavor {
  return os === 'windows' ? 'windows' : 'posix';
}

/** Looks up an OS variable the way os.Getenv does: case-insensitively on Windows. */
export function lookupEnvironment(
  environment: Record<string, string>,
  name: string,
  flavor: PathFlavor,
): string | undefined {
  if (flavor === 'posix' || name in environment) return environment[name];
  const upper = name.toUpperCase();
  for (const [key, value] of Object.entries(environment)) {
    if (key.toUpperCase() === upper) return value;
  }
  return undefined;
}

/** Returns the length of the Windows volume name at the start of a path: `C:` or `\\host\share`. */
function volumeNameLength(path: string): number {
  if (path.length >= 2 && path[1] === ':' && /[A-Za-z]/.test(path[0]!)) return 2;
  const isSlash = (character: string | undefined) => character === '\\' || character === '/';
  if (path.length >= 5 && isSlash(path[0]) && isSlash(path[1]) && !isSlash(path[2]) && path[2] !== '.') {
    // UNC path: \\host\share; the volume ends after the share name.
    let index = 3;
    while (index < path.length && !isSlash(path[index])) index++;
    if (index >= path.length - 1) return 0;
    index++;
    while (index < path.length && !isSlash(path[index])) index++;
    return index;
  }
  return 0;
}

/** Cleans a path lexically like filepath.Clean. */
export function cleanPath(flavor: PathFlavor, path: string): string {
  const volumeLength = flavor === 'windows' ? volumeNameLength(path) : 0;
  const volume = path.slice(0, volumeLength);
  const rest = path.slice(volumeLength);
  const separator = flavor === 'windows' ? '\\' : '/';
  const isSeparator = (character: string | undefined) =>
    character === '/' || (flavor === 'windows' && character === '\\');

  if (rest === '') {
    if (volumeLength > 1 && flavor === 'windows' && volume[1] !== ':') return volume.replaceAll('/', '\\');
    return volume + '.';
  }
  const rooted = isSeparator(rest[0]);
  const parts: string[] = [];
  for (const segment of rest.split(flavor === 'windows' ? /[\\/]/ : '/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') {
      if (parts.length > 0 && parts[parts.length - 1] !== '..') parts.pop();
      else if (!rooted) parts.push('..');
      continue;
    }
    parts.push(segment);
  }
  let cleaned = (rooted ? separator : '') + parts.join(separator);
  if (cleaned === '') cleaned = '.';
  return (flavor === 'windows' ? volume.replaceAll('/', '\\') : volume) + cleaned;
}

/** Joins path elements like filepath.Join: empty elements are dropped and the result is cleaned. */
export function joinPath(flavor: PathFlavor, ...elements: string[]): string {
  const first = elements.findIndex((element) => element !== '');
  if (first < 0) return '';
  return cleanPath(flavor, elements.slice(first).join(flavor === 'windows' ? '\\' : '/'));
}

/** Reports whether a path is absolute like filepath.IsAbs. */
export function isAbsolutePath(flavor: PathFlavor, path: string): boolean {
  if (flavor === 'posix') return path.startsWith('/');
  const volumeLength = volumeNameLength(path);
  if (volumeLength === 0) return false;
  if (volumeLength > 2) return true;
  const rest = path.slice(volumeLength);
  return rest.startsWith('\\') || rest.startsWith('/');
}

/** Splits a list like GOPATH or PATH like filepath.SplitList. */
export function splitPathList(flavor: PathFlavor, list: string): string[] {
  if (list === '') return [];
  if (flavor === 'posix') return list.split(':');
  // Windows lists may quote entries that contain the separator; quotes are removed.
  const entries: string[] = [];
  let start = 0;
  let quoted = false;
  for (let index = 0; index < list.length; index++) {
    if (list[index] === '"') quoted = !quoted;
    else if (list[index] === ';' && !quoted) {
      entries.push(list.slice(start, index));
      start = index + 1;
    }
  }
  entries.push(list.slice(start));
  return entries.map((entry) => entry.replaceAll('"', ''));
}

/** Returns the last element of a path, like filepath.Base. */
export function baseName(flavor: PathFlavor, path: string): string {
  if (path === '') return '.';
  const trimmed = path.replace(flavor === 'windows' ? /[\\/]+$/ : /\/+$/, '');
  if (trimmed === '') return flavor === 'windows' ? '\\' : '/';
  const parts = trimmed.split(flavor === 'windows' ? /[\\/]/ : '/');
  return parts[parts.length - 1]!;
}

/** A directory os.UserConfigDir or os.UserCacheDir returns, or the error text they return. */
export type DirectoryResult = { directory: string } | { error: string };

/**
 * Returns os.UserConfigDir for the binary's OS. On Linux and the BSDs it is XDG_CONFIG_HOME or
 * $HOME/.config. From Go 1.24 a relative XDG_CONFIG_HOME is an error.
 */
export function userConfigDirectory(
  os: GoHostOs,
  environment: Record<string, string>,
  release: GoRelease | null,
): DirectoryResult {
  return userDirectory(os, environment, release, {
    windowsVariable: 'AppData',
    darwinSuffix: '/Library/Application Support',
    xdgVariable: 'XDG_CONFIG_HOME',
    unixSuffix: '/.config',
  });
}

/** Returns os.UserCacheDir for the binary's OS: XDG_CACHE_HOME or $HOME/.cache on Linux. */
export function userCacheDirectory(
  os: GoHostOs,
  environment: Record<string, string>,
  release: GoRelease | null,
): DirectoryResult {
  return userDirectory(os, environment, release, {
    windowsVariable: 'LocalAppData',
    darwinSuffix: '/Library/Caches',
    xdgVariable: 'XDG_CACHE_HOME',
    unixSuffix: '/.cache',
  });
}

interface UserDirectoryRule {
  windowsVariable: string;
  darwinSuffix: string;
  xdgVariable: string;
  unixSuffix: string;
}

function userDirectory(
  os: GoHostOs,
  environment: Record<string, string>,
  release: GoRelease | null,
  rule: UserDirectoryRule,
): DirectoryResult {
  const flavor = pathFlavorOf(os);
  const get = (name: string) => lookupEnvironment(environment, name, flavor) ?? '';
  if (os === 'windows') {
    const directory = get(rule.windowsVariable);
    return directory === '' ? { error: `%${rule.windowsVariable}% is not defined` } : { directory };
  }
  if (os === 'darwin') {
    const home = get('HOME');
    return home === '' ? { error: '$HOME is not defined' } : { directory: home + rule.darwinSuffix };
  }
  const xdg = get(rule.xdgVariable);
  if (xdg === '') {
    const home = get('HOME');
    if (home === '') return { error: `neither $${rule.xdgVariable} nor $HOME are defined` };
    return { directory: home + rule.unixSuffix };
  }
  // NOTE: seen in the go1.26 os package and absent in go1.23; Go 1.24 is assumed to be the first.
  if (isAtLeast(release, 24) && !xdg.startsWith('/')) {
    return { error: `path in $${rule.xdgVariable} is relative` };
  }
  return { directory: xdg };
}

/** Returns the variable the default GOPATH is built from: HOME, or USERPROFILE on Windows. */
export function homeVariableOf(os: GoHostOs): string {
  return os === 'windows' ? 'USERPROFILE' : 'HOME';
}
