/**
 * File access for the Go layers engine, and exec.LookPath as cmd/go runs it. The engine reads
 * the Go env files itself instead of asking `go`, so it still works when a bad line makes every
 * go command fail.
 */
import { constants, promises as fs } from 'node:fs';
import path from 'node:path';

import { NotRegularFileError, readRegularFile } from '../files/regular-file.ts';
import { isAbsolutePath, joinPath, lookupEnvironment, splitPathList, type PathFlavor } from './go-layers-paths.ts';

export type FileReadResult =
  { bytes: Uint8Array } | { error: 'missing' | 'unreadable' | 'not-a-file'; message: string };

export interface FileInfo {
  kind: 'file' | 'directory' | 'other';
  /** Whether the current user may execute it (access(2) with X_OK). */
  executable: boolean;
}

/** The file operations the engine needs; tests and other hosts may pass their own. */
export interface GoLayersFileSystem {
  readFile(file: string): Promise<FileReadResult>;
  /** Follows symbolic links like os.Stat; null when the path does not exist or cannot be reached. */
  stat(file: string): Promise<FileInfo | null>;
}

/** The local file system, with the permissions of the user running the engine. */
export const localFileSystem: GoLayersFileSystem = {
  async readFile(file) {
    try {
      // A named pipe would block the read until something writes to it.
      return { bytes: await readRegularFile(file) };
    } catch (error) {
      if (error instanceof NotRegularFileError) return { error: 'not-a-file', message: error.message };
      const code = (error as NodeJS.ErrnoException).code;
      const message = (error as Error).message;
      if (code === 'ENOENT' || code === 'ENOTDIR') return { error: 'missing', message };
      if (code === 'EISDIR') return { error: 'not-a-file', message };
      return { error: 'unreadable', message };
    }
  },
  async stat(file) {
    try {
      const info = await fs.stat(file);
      const kind = info.isFile() ? 'file' : info.isDirectory() ? 'directory' : 'other';
      const executable = await fs.access(file, constants.X_OK).then(
        () => true,
        () => false,
      );
      return { kind, executable };
    } catch {
      return null;
    }
  },
};

/** Resolves a path go would open relative to its working directory. */
export function resolveAgainst(flavor: PathFlavor, file: string, workingDirectory: string | undefined): string | null {
  if (isAbsolutePath(flavor, file)) return file;
  if (workingDirectory === undefined) return null;
  return flavor === 'windows' ? path.win32.resolve(workingDirectory, file) : path.posix.resolve(workingDirectory, file);
}

/** The outcome of exec.LookPath. */
export interface LookPathResult {
  /** The path LookPath returns, also with the relative-directory error; empty when not found. */
  path: string;
  /** Whether LookPath returned an error (not found, or found only through a relative PATH entry). */
  failed: boolean;
  /** Set when the only match came from a relative PATH entry (exec.ErrDot, Go 1.19+). */
  relativeMatch: boolean;
}

/**
 * Finds an executable like os/exec.LookPath on Unix: a name with a slash is checked as is, any
 * other name is searched in PATH, where an empty entry means the current directory. Since Go
 * 1.19 a match through a relative PATH entry is an error unless GODEBUG has execerrdot=0.
 */
export async function lookPath(
  name: string,
  environment: Record<string, string>,
  workingDirectory: string | undefined,
  fileSystem: GoLayersFileSystem,
): Promise<LookPathResult> {
  const isExecutable = async (file: string) => {
    const resolved = resolveAgainst('posix', file, workingDirectory);
    if (resolved === null) return false;
    const info = await fileSystem.stat(resolved);
    return info !== null && info.kind !== 'directory' && info.executable;
  };

  if (name.includes('/')) {
    const found = await isExecutable(name);
    return { path: found ? name : '', failed: !found, relativeMatch: false };
  }
  const allowRelative = /(?:^|,)execerrdot=0(?:,|$)/.test(lookupEnvironment(environment, 'GODEBUG', 'posix') ?? '');
  for (const entry of splitPathList('posix', environment.PATH ?? '')) {
    const candidate = joinPath('posix', entry === '' ? '.' : entry, name);
    if (!(await isExecutable(candidate))) continue;
    const relative = !isAbsolutePath('posix', candidate);
    return { path: candidate, failed: relative && !allowRelative, relativeMatch: relative };
  }
  return { path: '', failed: true, relativeMatch: false };
}
