/**
 * Analysis of PATH-like lists for the detail panel: positions, empty and repeated entries, and
 * the entries where a `go` executable was found.
 */
import { splitPathList } from '../../src-main/shared/key-values.ts';

/** One entry of a PATH-like list. */
export interface PathEntry {
  /** 1-based position in the list, as people count. */
  position: number;
  directory: string;
  /** Empty entries mean the current directory, which is rarely intended. */
  empty: boolean;
  /** Position of the earlier entry naming the same directory, or null for a first occurrence. */
  duplicateOf: number | null;
  /** Whether a `go` found in this directory is the one that runs, or one it shadows. */
  go: 'runs' | 'shadowed' | null;
}

/**
 * Splits a PATH-like list into entries and marks empty, repeated and `go`-holding ones.
 * `goPaths` lists the `go` executables found on the list in PATH order, so the first one runs.
 */
export function describePathEntries(value: string, goPaths: string[] = []): PathEntry[] {
  const goDirectories = goPaths.map((path) => directoryKey(directoryOf(path)));
  const firstPositions = new Map<string, number>();
  return splitPathList(value).map((directory, index) => {
    const position = index + 1;
    const key = directoryKey(directory);
    const firstPosition = firstPositions.get(key);
    if (firstPosition === undefined) firstPositions.set(key, position);

    const empty = directory === '';
    const duplicateOf = empty ? null : (firstPosition ?? null);
    // A repeated directory adds no go of its own: the first occurrence already found it.
    const goIndex = duplicateOf === null ? goDirectories.indexOf(key) : -1;
    let go: PathEntry['go'] = null;
    if (goIndex === 0) go = 'runs';
    else if (goIndex > 0) go = 'shadowed';
    return { position, directory, empty, duplicateOf, go };
  });
}

/**
 * Returns the directory part of an executable's path. A bare name came from an empty or "."
 * entry, which both mean the current directory.
 */
function directoryOf(path: string): string {
  const slash = path.lastIndexOf('/');
  if (slash === -1) return '';
  return slash === 0 ? '/' : path.slice(0, slash);
}

/**
 * Returns a spelling of a directory that is the same for "/usr/bin", "/usr/bin/", "/usr//bin"
 * and "/usr/./bin". It does not resolve ".." or symbolic links.
 */
function directoryKey(directory: string): string {
  const key = directory
    .replace(/\/+/g, '/')
    .replace(/\/(\.\/)+/g, '/')
    .replace(/^\.(\/|$)/, '')
    .replace(/\/\.$/, '');
  return key.length > 1 ? key.replace(/\/$/, '') : key;
}
