/**
 * Finds the file a path really names and reads it. Dotfile managers (stow, home-manager, chezmoi
 * in symlink mode) make `~/.bashrc` a link, so a save must write the link's target and leave the
 * link in place.
 */
import { constants, promises as fs, type Stats } from 'node:fs';
import path from 'node:path';

import { describeFileType } from './regular-file.ts';

/**
 * Symbolic links followed before giving up, the same limit Linux uses (MAXSYMLINKS, 40), so a
 * chain the kernel can open is never rejected here.
 */
const MAX_LINK_HOPS = 40;

/**
 * Largest file opened for editing, in bytes (448 KiB); startup files are usually a few KiB. Save
 * and preview requests carry the text as JSON, and the browser bridge accepts request bodies of
 * at most 1 MiB (MAX_REQUEST_BODY_BYTES in src-main/server/bridge.ts). A quote, a backslash or a
 * Latin-1 byte above 0x7f takes two bytes there, so a file of this size fits in
 * MAX_EDITABLE_JSON_BYTES even when every byte is one of those. Control characters take six
 * bytes (`\u0001`), so openEditableFile also checks the escaped size.
 */
export const MAX_EDITABLE_BYTES = 448 * 1024;

/**
 * Largest text opened for editing, in bytes of its JSON string. It leaves 64 KiB of the bridge's
 * 1 MiB request body for the path (at most 4096 characters) and the other fields.
 */
export const MAX_EDITABLE_JSON_BYTES = 1024 * 1024 - 64 * 1024;

/** A path and the file it names after following every symbolic link. */
export interface LinkChain {
  /** The path as given, made absolute. */
  path: string;
  /** The end of the chain, with every folder in it resolved, so one file has one real path. */
  realPath: string;
  /** Every link followed, in order: `path` itself first when it is a link. */
  links: string[];
}

/** The state of a chain's end on disk. */
export interface TargetState {
  /** The file's bytes; null when it does not exist or is not a regular file. */
  bytes: Buffer | null;
  /** Null when the file does not exist. */
  stat: Stats | null;
  /** For something other than a regular file: what it is, e.g. `a directory`. */
  notAFile: string | null;
}

/** A file that cannot be opened for editing, with the reason in words for the user. */
export class FileNotEditableError extends Error {
  constructor(
    readonly code: 'not-text' | 'too-large' | 'not-readable' | 'link-loop',
    message: string,
  ) {
    super(message);
    this.name = 'FileNotEditableError';
  }
}

/**
 * Follows the symbolic links from `file` to the file they end at, which may not exist yet.
 *
 * @throws FileNotEditableError when the chain is longer than MAX_LINK_HOPS (usually a loop).
 */
export async function resolveLinkChain(file: string): Promise<LinkChain> {
  const absolute = path.resolve(file);
  const links: string[] = [];
  let current = await canonicalPath(absolute);
  for (let hop = 0; hop <= MAX_LINK_HOPS; hop += 1) {
    const stat = await lstatIfPresent(current);
    if (!stat?.isSymbolicLink()) return { path: absolute, realPath: current, links };
    links.push(hop === 0 ? absolute : current);
    // A relative target is relative to the folder the link is really in.
    const target = await fs.readlink(current);
    current = await canonicalPath(path.resolve(path.dirname(current), target));
  }
  throw new FileNotEditableError(
    'link-loop',
    `${absolute} cannot be opened: following its symbolic links takes more than ${MAX_LINK_HOPS} steps, ` +
      `which usually means two links point at each other (ls -l ${links[0] ?? absolute} shows the first)`,
  );
}

/**
 * Reads the file at `realPath` without following a link. Anything but a regular file is reported
 * and not read, and O_NONBLOCK keeps a FIFO swapped in after the lstat from blocking the open.
 *
 * @throws FileNotEditableError when the file is too large or cannot be read.
 */
export async function readTarget(realPath: string, shownPath = realPath): Promise<TargetState> {
  const before = await lstatIfPresent(realPath);
  if (before === null) return { bytes: null, stat: null, notAFile: null };
  if (!before.isFile()) return { bytes: null, stat: before, notAFile: describeFileType(before) };

  let handle;
  try {
    handle = await fs.open(realPath, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    // Replaced by a link or removed since the lstat above, so look at the path again.
    if (code === 'ENOENT' || code === 'ELOOP') return readTarget(realPath, shownPath);
    if (code === 'EACCES' || code === 'EPERM') {
      throw new FileNotEditableError(
        'not-readable',
        `${shownPath} cannot be read: permission denied (mode ${formatMode(before.mode)}, owner uid ${before.uid}); ` +
          'open it as a user who can read it',
      );
    }
    throw error;
  }
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) return { bytes: null, stat, notAFile: describeFileType(stat) };
    if (stat.size > MAX_EDITABLE_BYTES) {
      throw new FileNotEditableError(
        'too-large',
        `${shownPath} is ${stat.size} bytes, more than the ${MAX_EDITABLE_BYTES} bytes (${MAX_EDITABLE_BYTES / 1024} KiB) the editor ` +
          'opens, so it was not opened; startup files are usually a few kilobytes, so check it or edit it ' +
          'in another editor',
      );
    }
    return { bytes: await handle.readFile(), stat, notAFile: null };
  } finally {
    await handle.close();
  }
}

/** Formats permission bits as four octal digits, e.g. 0644. */
export function formatMode(mode: number): string {
  return (mode & 0o7777).toString(8).padStart(4, '0');
}

/**
 * Resolves every folder of `file` (not `file` itself), so relative link targets resolve from the
 * folder the link is really in. Folders that do not exist yet are kept as written.
 */
async function canonicalPath(file: string): Promise<string> {
  const parent = path.dirname(file);
  if (parent === file) return file;
  try {
    return path.join(await fs.realpath(parent), path.basename(file));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT' && code !== 'ENOTDIR') throw error;
    return path.join(await canonicalPath(parent), path.basename(file));
  }
}

async function lstatIfPresent(file: string): Promise<Stats | null> {
  try {
    return await fs.lstat(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return null;
    throw error;
  }
}

