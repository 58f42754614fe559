/**
 * `go-env-lens history FILE [--json]`: the backups kept of a file, newest first. The desktop app
 * and the command line share the backups, so this lists the saves made from either.
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import type { BackupEntry } from '../shared/editing.ts';
import { BackupDamagedError, BackupNotFoundError, BackupStore } from '../engine/files/backup-store.ts';
import { DataDirectoryError, defaultDataDirectory } from '../engine/files/data-directory.ts';
import { FileNotEditableError, resolveLinkChain, type LinkChain } from '../engine/files/link-chain.ts';
import { describeFileType } from '../engine/files/regular-file.ts';
import { SaveRefusedError } from '../engine/files/safe-save.ts';
import { describeChain, displayPath } from '../engine/files/write-block.ts';
import { renderTable } from './table.ts';

/** A file named on the command line, its backup store, and how to name it in output. */
export interface BackedUpFile {
  chain: LinkChain;
  store: BackupStore;
  /** The file for messages, e.g. `~/.bashrc (a link to ~/dotfiles/bash/bashrc)`. */
  described: string;
  /** The file as an argument to paste into a shell, e.g. `~/.bashrc`. */
  argument: string;
}

/** A path named on the command line that is a folder or another non-file, which has no backups. */
export class NotAFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NotAFileError';
  }
}

/** Prints the backups of `file` and returns the exit code. */
export async function runHistory(options: { file: string; json: boolean }): Promise<number> {
  try {
    return await printHistory(options);
  } catch (error) {
    return reportFileError(error);
  }
}

/**
 * Prints the message of an error about the file, its backups or the data directory, and returns
 * the failure exit code. Any other error is a bug, so it is thrown again.
 */
export function reportFileError(error: unknown): number {
  const known =
    error instanceof BackupNotFoundError ||
    error instanceof BackupDamagedError ||
    error instanceof SaveRefusedError ||
    error instanceof FileNotEditableError ||
    error instanceof DataDirectoryError ||
    error instanceof NotAFileError ||
    // A system call that failed on the file or the data directory, e.g. EACCES.
    (error instanceof Error && typeof (error as NodeJS.ErrnoException).syscall === 'string');
  if (!known) throw error;
  process.stderr.write(`go-env-lens: ${(error as Error).message}\n`);
  return 2;
}

async function printHistory(options: { file: string; json: boolean }): Promise<number> {
  const file = await resolveBackedUpFile(options.file);
  const entries = await file.store.history(file.chain.realPath);
  if (options.json) {
    process.stdout.write(`${JSON.stringify(entries, null, 2)}\n`);
    return 0;
  }
  if (entries.length === 0) {
    process.stdout.write(`No backups of ${file.described} yet; go-env-lens keeps one before every save and undo.\n`);
    return 0;
  }
  const rows = entries.map((entry) => [
    { text: entry.id },
    { text: formatLocalTime(entry.takenAt) },
    { text: entry.reason },
    { text: entry.existed ? `${entry.size} bytes` : 'did not exist' },
  ]);
  process.stdout.write(
    `Backups of ${file.described}, newest first:\n\n` +
      `${renderTable(['backup id', 'taken', 'reason', 'size'], rows, { colour: false })}\n\n` +
      `Restore one with: go-env-lens undo ${file.argument} --backup ID\n`,
  );
  return 0;
}

/**
 * Resolves a file named on the command line through its links: relative to the working directory,
 * or to HOME for `~` and `~/…`, which reach here unexpanded when the user quoted them.
 *
 * @throws NotAFileError when the path names a folder or something else that is not a file.
 */
export async function resolveBackedUpFile(file: string): Promise<BackedUpFile> {
  const home = os.homedir();
  const chain = await resolveLinkChain(path.resolve(expandHome(file, home)));
  // A file that no longer exists may still have backups, so only an existing non-file is rejected.
  const stat = await fs.stat(chain.realPath).catch(() => null);
  if (stat !== null && !stat.isFile()) {
    const hint = stat.isDirectory() ? '; name a file inside it' : '';
    throw new NotAFileError(`${describeChain(chain, home)} is ${describeFileType(stat)}, not a file, so it has no backups${hint}`);
  }
  return {
    chain,
    store: new BackupStore(defaultDataDirectory()),
    described: describeChain(chain, home),
    argument: shellArgument(displayPath(chain.path, home)),
  };
}

/** Replaces a leading `~` or `~/` with `home`; `~user` forms are left as they are. */
function expandHome(file: string, home: string): string {
  if (file === '~') return home;
  return file.startsWith('~/') ? path.join(home, file.slice(2)) : file;
}

/** Formats an ISO 8601 time as local `YYYY-MM-DD HH:MM:SS`. */
export function formatLocalTime(iso: string): string {
  const date = new Date(iso);
  const pad = (value: number) => String(value).padStart(2, '0');
  return (
    `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ` +
    `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`
  );
}

/** Describes a backup in a sentence: `backup ID, taken TIME before a save`. */
export function describeBackup(entry: BackupEntry): string {
  return `backup ${entry.id}, taken ${formatLocalTime(entry.takenAt)} before ${entry.reason === 'save' ? 'a save' : 'an undo'}`;
}

/** Quotes a path for a POSIX shell, leaving a leading `~/` outside the quotes so it still expands. */
function shellArgument(displayed: string): string {
  const tilde = displayed.startsWith('~/') ? '~/' : '';
  const rest = displayed.slice(tilde.length);
  if (/^[A-Za-z0-9_@%+=:,./-]*$/.test(rest)) return displayed;
  return `${tilde}'${rest.replaceAll("'", `'\\''`)}'`;
}
