/**
 * Backups of edited files in the app's data directory, one folder per file:
 *
 *   <data dir>/backups/<file name>-<hash of the real path>/
 *     file.json        {"path": "<real path>"}, for finding a folder by hand
 *     <id>.json        the BackupEntry
 *     <id>.bak         the exact bytes the file had (empty when it did not exist)
 *
 * A backup's metadata is renamed into place before its content, and each is written to a
 * temporary file, synced and renamed, so neither file is ever partly written. A backup counts
 * only when both files exist, so a process killed between the two renames leaves an entry that
 * is ignored. Neither file changes after it is written. The `.bak` files are plain copies, so a
 * user can also restore one by hand.
 */
import { createHash, randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';

import type { BackupEntry } from '../../shared/editing.ts';
import { DATA_DIRECTORY_VARIABLE, DataDirectoryError } from './data-directory.ts';

/** Backups kept per file; older ones are removed after each new backup. */
export const MAX_BACKUPS_PER_FILE = 50;

/** Backups a file always keeps, whatever MAX_BACKUPS_PER_FILE is set to. */
export const MIN_BACKUPS_PER_FILE = 20;

/**
 * Age after which a temporary file or an entry without content counts as left behind by a
 * killed process, in milliseconds. Writing a backup normally takes milliseconds, so only a
 * backup stalled for an hour could lose its files, and it would then fail before the save writes.
 */
const ABANDONED_FILE_AGE_MS = 60 * 60 * 1000;

/** Backup ids: UTC time to the millisecond, a sequence number within that millisecond, random hex. */
const BACKUP_ID_PATTERN = /^(\d{8}T\d{9}Z)-(\d{4})-[0-9a-f]{8}$/;

const TEMPORARY_PREFIX = '.tmp-';
const FOLDER_METADATA = 'file.json';
const PRIVATE_DIRECTORY_MODE = 0o700;
const PRIVATE_FILE_MODE = 0o600;

/** A backup id that names no backup of the file. */
export class BackupNotFoundError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BackupNotFoundError';
  }
}

/** A backup whose content no longer matches its recorded hash or size. */
export class BackupDamagedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BackupDamagedError';
  }
}

export interface BackupStoreOptions {
  /** Called before each step that changes the disk; tests use it to kill a process mid-save. */
  onStep?: (step: string) => void;
}

/** The backups of every edited file, kept under `<data dir>/backups`. */
export class BackupStore {
  /** The `backups` folder inside the data directory. */
  readonly directory: string;
  readonly #onStep: (step: string) => void;
  #lastIssuedId = '';

  constructor(dataDirectory: string, options: BackupStoreOptions = {}) {
    this.directory = path.join(dataDirectory, 'backups');
    this.#onStep = options.onStep ?? (() => {});
  }

  /** Returns the folder holding the backups of the file at `realPath`. */
  folderOf(realPath: string): string {
    const digest = sha256Hex(Buffer.from(realPath, 'utf8')).slice(0, 32);
    const name = path.basename(realPath).replace(/[^A-Za-z0-9._-]/g, '_').replace(/^\.+/, '').slice(0, 40);
    return path.join(this.directory, name ? `${name}-${digest}` : digest);
  }

  /** Returns the path of a backup's copy of the file's bytes. */
  backupFilePath(realPath: string, id: string): string {
    return path.join(this.folderOf(realPath), `${id}.bak`);
  }

  /**
   * Stores `previous` (the file's bytes before a change, or null when it did not exist) as the
   * newest backup of `realPath`, synced to disk before this returns, then prunes old backups.
   *
   * @throws DataDirectoryError when the backup folder cannot be created or written (permission
   *   denied, a read-only file system, a full disk), with what to do in the message.
   */
  async record(realPath: string, previous: Buffer | null, reason: BackupEntry['reason']): Promise<BackupEntry> {
    try {
      return await this.#record(realPath, previous, reason);
    } catch (error) {
      throw await storageError(this.folderOf(realPath), error, true);
    }
  }

  async #record(realPath: string, previous: Buffer | null, reason: BackupEntry['reason']): Promise<BackupEntry> {
    const folder = this.folderOf(realPath);
    await fs.mkdir(folder, { recursive: true, mode: PRIVATE_DIRECTORY_MODE });
    await removeAbandonedFiles(folder);
    await this.#writeFolderMetadata(folder, realPath);

    const bytes = previous ?? Buffer.alloc(0);
    const entry: BackupEntry = {
      id: await this.#nextId(folder),
      path: realPath,
      takenAt: new Date().toISOString(),
      reason,
      hash: sha256Hex(bytes),
      size: bytes.length,
      existed: previous !== null,
    };
    this.#onStep('backup-metadata');
    await writeFileAtomically(folder, `${entry.id}.json`, Buffer.from(`${JSON.stringify(entry, null, 2)}\n`));
    this.#onStep('backup-content');
    await writeFileAtomically(folder, `${entry.id}.bak`, bytes);
    this.#onStep('backup-sync');
    await syncDirectory(folder);

    this.#onStep('backup-prune');
    await this.#prune(folder, realPath);
    return entry;
  }

  /** Lists the complete backups of `realPath`, newest first; empty when there are none. */
  async history(realPath: string): Promise<BackupEntry[]> {
    const folder = this.folderOf(realPath);
    let names: string[];
    try {
      names = await fs.readdir(folder);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw await storageError(folder, error, false);
    }
    const present = new Set(names);
    const ids = names
      .filter((name) => name.endsWith('.json') && present.has(`${name.slice(0, -5)}.bak`))
      .map((name) => name.slice(0, -5))
      .filter((id) => BACKUP_ID_PATTERN.test(id))
      .sort()
      .reverse();
    const entries: BackupEntry[] = [];
    for (const id of ids) {
      const entry = await readEntry(folder, id);
      if (entry?.path !== realPath) continue;
      // A prune in another process may remove the backup between readdir and stat.
      const content = await fs.stat(path.join(folder, `${id}.bak`)).catch(() => null);
      if (content?.size === entry.size) entries.push(entry);
    }
    return entries;
  }

  /**
   * Reads the bytes of one backup of `realPath`, checked against the recorded hash; null when
   * the file did not exist when the backup was taken.
   *
   * @throws BackupNotFoundError when `id` names no backup of the file.
   * @throws BackupDamagedError when the bytes no longer match the hash.
   */
  async read(realPath: string, id: string): Promise<Buffer | null> {
    const notFound = () =>
      new BackupNotFoundError(`no backup ${JSON.stringify(id)} of ${realPath}; the file's history lists its backups`);
    if (!BACKUP_ID_PATTERN.test(id)) throw notFound();
    const folder = this.folderOf(realPath);
    const entry = await readEntry(folder, id);
    if (entry?.path !== realPath) throw notFound();
    let bytes: Buffer;
    try {
      bytes = await fs.readFile(path.join(folder, `${id}.bak`));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw notFound();
      throw error;
    }
    if (bytes.length !== entry.size || sha256Hex(bytes) !== entry.hash) {
      throw new BackupDamagedError(
        `the backup ${id} of ${realPath} is damaged: ${path.join(folder, `${id}.bak`)} no longer matches ` +
          'the size and hash recorded when it was taken; choose another backup',
      );
    }
    return entry.existed ? bytes : null;
  }

  /**
   * Returns an id later than every backup of this file and every id this store issued, so ids
   * sort by time even when the clock steps back or two backups fall in one millisecond.
   */
  async #nextId(folder: string): Promise<string> {
    const names = await fs.readdir(folder);
    let latest = this.#lastIssuedId;
    for (const name of names) {
      const id = name.replace(/\.(json|bak)$/, '');
      if (BACKUP_ID_PATTERN.test(id) && id > latest) latest = id;
    }
    const now = formatIdTime(new Date());
    const match = BACKUP_ID_PATTERN.exec(latest);
    let time = now;
    let sequence = 0;
    if (match && match[1]! >= now) {
      time = match[1]!;
      sequence = Number(match[2]) + 1;
    }
    // NOTE: the sequence has four digits. After 10000 backups of one file in one millisecond, ids
    // would stop sorting by time, but one backup takes several fsync calls.
    const id = `${time}-${String(sequence).padStart(4, '0')}-${randomBytes(4).toString('hex')}`;
    this.#lastIssuedId = id;
    return id;
  }

  async #writeFolderMetadata(folder: string, realPath: string): Promise<void> {
    const existing = await fs.readFile(path.join(folder, FOLDER_METADATA), 'utf8').catch(() => null);
    const text = `${JSON.stringify({ path: realPath }, null, 2)}\n`;
    if (existing === text) return;
    await writeFileAtomically(folder, FOLDER_METADATA, Buffer.from(text));
  }

  /** Removes the oldest complete backups beyond MAX_BACKUPS_PER_FILE, content before metadata. */
  async #prune(folder: string, realPath: string): Promise<void> {
    const keep = Math.max(MAX_BACKUPS_PER_FILE, MIN_BACKUPS_PER_FILE);
    const entries = await this.history(realPath);
    for (const entry of entries.slice(keep)) {
      await fs.rm(path.join(folder, `${entry.id}.bak`), { force: true });
      await fs.rm(path.join(folder, `${entry.id}.json`), { force: true });
    }
  }
}

/** Returns the SHA-256 of `bytes` in hex. */
export function sha256Hex(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** SHA-256 of no bytes: the hash a missing file has. */
export const MISSING_FILE_HASH = sha256Hex(Buffer.alloc(0));

async function readEntry(folder: string, id: string): Promise<BackupEntry | null> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await fs.readFile(path.join(folder, `${id}.json`), 'utf8'));
  } catch {
    return null;
  }
  return isBackupEntry(parsed) && parsed.id === id ? parsed : null;
}

function isBackupEntry(value: unknown): value is BackupEntry {
  if (typeof value !== 'object' || value === null) return false;
  const entry = value as Record<string, unknown>;
  return (
    typeof entry.id === 'string' &&
    typeof entry.path === 'string' &&
    typeof entry.takenAt === 'string' &&
    (entry.reason === 'save' || entry.reason === 'undo') &&
    typeof entry.hash === 'string' &&
    typeof entry.size === 'number' &&
    typeof entry.existed === 'boolean'
  );
}

function formatIdTime(date: Date): string {
  // 2026-12-04T18:16:32.123Z becomes 20261204T181632123Z.
  return date.toISOString().replace(/[-:.]/g, '');
}

/** Writes `name` in `folder` through a synced temporary file renamed into place. */
async function writeFileAtomically(folder: string, name: string, bytes: Buffer): Promise<void> {
  const temporary = path.join(folder, `${TEMPORARY_PREFIX}${process.pid}-${randomBytes(6).toString('hex')}`);
  try {
    const handle = await fs.open(temporary, 'wx', PRIVATE_FILE_MODE);
    try {
      await handle.writeFile(bytes);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fs.rename(temporary, path.join(folder, name));
  } catch (error) {
    await fs.rm(temporary, { force: true });
    throw error;
  }
}

async function syncDirectory(directory: string): Promise<void> {
  const handle = await fs.open(directory, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Removes temporary files whose writer is no longer running or that are older than
 * ABANDONED_FILE_AGE_MS, and the halves of incomplete backups older than that age.
 */
async function removeAbandonedFiles(folder: string): Promise<void> {
  const names = await fs.readdir(folder);
  const present = new Set(names);
  const now = Date.now();
  for (const name of names) {
    const full = path.join(folder, name);
    if (name.startsWith(TEMPORARY_PREFIX)) {
      const pid = Number(/^\.tmp-(\d+)-/.exec(name)?.[1]);
      if (!isProcessRunning(pid) || (await isOlderThan(full, now - ABANDONED_FILE_AGE_MS))) {
        await fs.rm(full, { force: true });
      }
      continue;
    }
    const id = name.replace(/\.(json|bak)$/, '');
    const incomplete = BACKUP_ID_PATTERN.test(id) && !(present.has(`${id}.json`) && present.has(`${id}.bak`));
    if (incomplete && (await isOlderThan(full, now - ABANDONED_FILE_AGE_MS))) await fs.rm(full, { force: true });
  }
}

/** Reports whether a process with this id exists; a foreign process counts as running. */
export function isProcessRunning(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function isOlderThan(file: string, time: number): Promise<boolean> {
  const stat = await fs.stat(file).catch(() => null);
  return stat !== null && stat.mtimeMs < time;
}

/** The problem and the fix for each errno code a backup folder can fail with. */
const STORAGE_PROBLEMS: Record<string, { problem: string; fix: (folder: string) => string }> = {
  EACCES: {
    problem: 'permission denied',
    fix: (folder) => `make ${folder} writable (chmod u+w ${folder}), or set ${DATA_DIRECTORY_VARIABLE} to a folder you can write`,
  },
  EPERM: {
    problem: 'operation not permitted',
    fix: (folder) => `make ${folder} writable (chmod u+w ${folder}), or set ${DATA_DIRECTORY_VARIABLE} to a folder you can write`,
  },
  EROFS: {
    problem: 'a read-only file system',
    fix: () => `set ${DATA_DIRECTORY_VARIABLE} to a folder on a writable file system`,
  },
  ENOTDIR: {
    problem: 'not a folder',
    fix: (folder) => `move ${folder} away, or set ${DATA_DIRECTORY_VARIABLE} to another folder`,
  },
  ENOSPC: {
    problem: 'no space left on the disk',
    fix: () => `free some space, or set ${DATA_DIRECTORY_VARIABLE} to a folder on another disk`,
  },
  EDQUOT: {
    problem: 'disk quota exceeded',
    fix: () => `free some space, or set ${DATA_DIRECTORY_VARIABLE} to a folder on another disk`,
  },
};

/**
 * Turns a failed system call on a backup folder into a DataDirectoryError that names the folder
 * at fault, what happened (`saving` adds that nothing was saved) and what to do. The folder named
 * is the nearest one that exists, because mkdir fails in the parent it cannot write. Any other
 * error is returned as it is.
 */
async function storageError(folder: string, error: unknown, saving: boolean): Promise<unknown> {
  const code = (error as NodeJS.ErrnoException).code ?? '';
  const known = STORAGE_PROBLEMS[code];
  if (known === undefined) return error;
  let blocking = folder;
  while (path.dirname(blocking) !== blocking && (await fs.lstat(blocking).catch(() => null)) === null) {
    blocking = path.dirname(blocking);
  }
  const failed = saving
    ? `the backup folder ${folder} cannot be written (${known.problem} on ${blocking}), so the file was left unchanged`
    : `the backup folder ${folder} cannot be read (${known.problem} on ${blocking})`;
  return new DataDirectoryError(`${failed}; ${known.fix(blocking)}`);
}
