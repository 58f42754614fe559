/**
 * Saves a Go env file without asking `go`, which fails when the file contains a bad line. The
 * save goes through the editor's safe save: the old content is stored as a backup in the app's
 * data directory, then the new text is written to a temporary file next to the file and renamed
 * over it, so the file is whole at every moment and a link to it stays a link.
 */
import { isUtf8 } from 'node:buffer';
import path from 'node:path';

import { BackupStore, MISSING_FILE_HASH, sha256Hex } from '../files/backup-store.ts';
import { defaultDataDirectory } from '../files/data-directory.ts';
import { FileNotEditableError, readTarget, resolveLinkChain } from '../files/link-chain.ts';
import { saveFileBytes, SaveRefusedError } from '../files/safe-save.ts';

/** The result of a save. */
export interface EnvFileSaveResult {
  path: string;
  /** The backup's copy of the file as it was before, or null when there was no file. */
  backupPath: string | null;
}

/** A save that did not happen, with the reason in words for the user. */
export class EnvFileSaveError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EnvFileSaveError';
  }
}

/**
 * Writes `text` to the Go env file at `file`. `expected` is the text the editor started from, or
 * null for a file that did not exist. When the file changed since, nothing is written, so an edit
 * made elsewhere (`go env -w`, another editor) is never lost.
 */
export async function saveEnvFile(file: string, text: string, expected: string | null): Promise<EnvFileSaveResult> {
  try {
    return await saveChecked(file, text, expected);
  } catch (error) {
    if (error instanceof SaveRefusedError || error instanceof FileNotEditableError) {
      throw new EnvFileSaveError(error.message);
    }
    if (error instanceof EnvFileSaveError) throw error;
    throw new EnvFileSaveError(`${file} could not be saved: ${(error as Error).message}`);
  }
}

async function saveChecked(file: string, text: string, expected: string | null): Promise<EnvFileSaveResult> {
  if (!path.isAbsolute(file)) {
    throw new EnvFileSaveError(`the Go env file path ${JSON.stringify(file)} is not absolute`);
  }
  const store = new BackupStore(defaultDataDirectory());
  const chain = await resolveLinkChain(file);
  const current = await readTarget(chain.realPath, file);
  if (current.notAFile !== null) {
    throw new EnvFileSaveError(`${file} is ${current.notAFile}, not a regular file, so it cannot be saved`);
  }
  // The editor received the file as UTF-8 text; writing that back over other bytes would change them.
  if (current.bytes !== null && !isUtf8(current.bytes)) {
    throw new EnvFileSaveError(`${file} is not valid UTF-8, so it was not saved; fix it in a text editor`);
  }
  const changed = new EnvFileSaveError(
    `${file} changed since it was loaded (by go env -w or another editor), so it was not saved; ` +
      'load it again and repeat the edit',
  );
  if ((current.bytes === null ? null : current.bytes.toString('utf8')) !== expected) throw changed;

  const outcome = await saveFileBytes({
    path: file,
    bytes: Buffer.from(text, 'utf8'),
    expectedHash: current.bytes === null ? MISSING_FILE_HASH : sha256Hex(current.bytes),
    store,
    kind: 'go-env',
  });
  if (outcome.status === 'changed-on-disk') throw changed;
  const backup = outcome.result.backup;
  return {
    path: file,
    backupPath: backup.existed ? store.backupFilePath(outcome.result.realPath, backup.id) : null,
  };
}
