/**
 * Reads startup and history files only when they are regular files. Opening a named pipe for
 * reading blocks until another process opens it for writing. A FIFO at `~/.zlogin` would stop
 * the main thread for good on a synchronous read, and a libuv worker and its promise on an
 * asynchronous one. Sockets and devices are skipped too, because reading them can block or have
 * side effects.
 */
import { closeSync, constants, fstatSync, openSync, promises as fs, readFileSync, statSync, type Stats } from 'node:fs';

/**
 * Flags of every open here. O_NONBLOCK makes the open of a FIFO swapped in after the stat return
 * at once instead of waiting for a writer, and O_NOCTTY keeps a terminal from becoming the
 * process's controlling terminal. Regular files ignore both.
 */
const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0) | (constants.O_NOCTTY ?? 0);

/** A path that names something other than a regular file, e.g. a named pipe. */
export class NotRegularFileError extends Error {
  readonly code = 'ENOTREGULAR';

  constructor(
    readonly file: string,
    /** The type of file the path names, as a phrase: `a named pipe`, `a directory`. */
    readonly fileType: string,
  ) {
    super(`${file} is ${fileType}, not a regular file, so it was not read`);
    this.name = 'NotRegularFileError';
  }
}

/**
 * Reads the regular file at `file`, following symbolic links.
 *
 * @throws NotRegularFileError when the path names anything else; the path is then not opened,
 *   or opened without blocking and closed unread.
 * @throws the error of stat(2), open(2) or read(2) otherwise, e.g. ENOENT or EACCES.
 */
export function readRegularFileSync(file: string): Buffer {
  requireRegular(file, statSync(file));
  const descriptor = openSync(file, OPEN_FLAGS);
  try {
    requireRegular(file, fstatSync(descriptor));
    return readFileSync(descriptor);
  } finally {
    closeSync(descriptor);
  }
}

/** Reads the regular file at `file` as UTF-8 text; throws as readRegularFileSync does. */
export function readRegularTextSync(file: string): string {
  return readRegularFileSync(file).toString('utf8');
}

/** Reads the regular file at `file` without blocking the event loop; throws as readRegularFileSync does. */
export async function readRegularFile(file: string): Promise<Buffer> {
  requireRegular(file, await fs.stat(file));
  const handle = await fs.open(file, OPEN_FLAGS);
  try {
    requireRegular(file, await handle.stat());
    return await handle.readFile();
  } finally {
    await handle.close();
  }
}

/**
 * Returns what `file` names when it exists but is not a regular file (`a named pipe`), or null
 * for a regular file, a missing path and a path that cannot be looked at.
 */
export function irregularFileType(file: string): string | null {
  let stat: Stats;
  try {
    stat = statSync(file);
  } catch {
    return null;
  }
  return stat.isFile() ? null : describeFileType(stat);
}

/** Names the type of a file that is not a regular file, as a phrase: `a named pipe`. */
export function describeFileType(stat: Stats): string {
  if (stat.isFile()) return 'a regular file';
  if (stat.isDirectory()) return 'a directory';
  if (stat.isFIFO()) return 'a named pipe';
  if (stat.isSocket()) return 'a socket';
  if (stat.isCharacterDevice()) return 'a character device';
  if (stat.isBlockDevice()) return 'a block device';
  if (stat.isSymbolicLink()) return 'a symbolic link';
  return 'not a regular file';
}

function requireRegular(file: string, stat: Stats): void {
  if (!stat.isFile()) throw new NotRegularFileError(file, describeFileType(stat));
}
