/**
 * Saves a Go env file without asking `go`, which fails when the file contains a bad line. The old
 * file is copied to a backup first. The new text is written to a temporary file in the same
 * directory and renamed over the old one, so the file is whole at every moment.
 */
import { randomBytes } from 'node:crypto';
import { constants, promises as fs } from 'node:fs';
import path from 'node:path';

/** The result of a save. */
export interface EnvFileSaveResult {
  path: string;
  /** The copy of the file as it was before, or null when there was no file. */
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
  if (!path.isAbsolute(file)) throw new EnvFileSaveError(`the Go env file path ${JSON.stringify(file)} is not absolute`);
  const current = await readIfPresent(file);
  if ((current === null ? null : current.text) !== expected) {
    throw new EnvFileSaveError(
      `${file} changed since it was loaded (by go env -w or another editor), so it was not saved; ` +
        'load it again and repeat the edit',
    );
  }
  const directory = path.dirname(file);
  // go env -w creates the directory the same way.
  await fs.mkdir(directory, { recursive: true, mode: 0o777 });
  let backupPath: string | null = null;
  if (current !== null) {
    backupPath = `${file}.go-env-lens-backup-${timestamp()}`;
    await fs.copyFile(file, backupPath, constants.COPYFILE_EXCL);
  }
  const temporary = path.join(directory, `.${path.basename(file)}.go-env-lens-${randomBytes(6).toString('hex')}`);
  try {
    const handle = await fs.open(temporary, 'wx', current?.mode ?? 0o666);
    try {
      await handle.writeFile(text, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    if (current !== null) await fs.chmod(temporary, current.mode);
    await fs.rename(temporary, file);
  } catch (error) {
    await fs.rm(temporary, { force: true });
    throw new EnvFileSaveError(`${file} could not be written: ${(error as Error).message}`);
  }
  return { path: file, backupPath };
}

async function readIfPresent(file: string): Promise<{ text: string; mode: number } | null> {
  try {
    const [text, stat] = await Promise.all([fs.readFile(file, 'utf8'), fs.stat(file)]);
    return { text, mode: stat.mode & 0o7777 };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new EnvFileSaveError(`${file} could not be read: ${(error as Error).message}`);
  }
}

/** Formats the local time for backup names, sortable, e.g. 20261204-181632-123. */
function timestamp(): string {
  const now = new Date();
  const pad = (value: number, width = 2) => String(value).padStart(width, '0');
  return (
    `${now.getFullYear()}${pad(now.getMonth() + 1)}${pad(now.getDate())}-` +
    `${pad(now.getHours())}${pad(now.getMinutes())}${pad(now.getSeconds())}-${pad(now.getMilliseconds(), 3)}`
  );
}
