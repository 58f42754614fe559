/**
 * Decides, before the user edits, whether a save can work. When it cannot, the message names the
 * file, the reason and what to do.
 */
import { constants, promises as fs } from 'node:fs';
import path from 'node:path';

import type { WriteBlock } from '../../shared/editing.ts';
import { formatMode, type LinkChain, type TargetState } from './link-chain.ts';

/** The write bits of owner, group and others in a file mode (0222). */
const WRITE_BITS = 0o222;

/** Read-only package stores whose files dotfile managers link into. */
export const READ_ONLY_STORES: readonly string[] = ['/nix/store', '/gnu/store'];

/** The inputs of findWriteBlock. */
export interface WriteCheck {
  chain: LinkChain;
  target: TargetState;
  /** The user's home, for `~` in messages and for telling home-manager links from system ones. */
  home: string;
  /** Folders whose files can only be changed through their package manager. */
  readOnlyStores: readonly string[];
}

/** Returns why saving the chain's target would fail or do harm, or null when it can be saved. */
export async function findWriteBlock(check: WriteCheck): Promise<WriteBlock | null> {
  const { chain, target, home } = check;
  const described = describeChain(chain, home);
  if (target.notAFile !== null) {
    return {
      code: 'not-a-file',
      message: `${described} is ${target.notAFile}, not a regular file, so it cannot be saved from here`,
    };
  }
  const store = check.readOnlyStores.find((folder) => isInside(chain.realPath, folder));
  if (store !== undefined) return { code: 'read-only-store', message: storeMessage(chain, store, home) };
  if (target.stat === null) return findCreateBlock(chain, described, home);

  const uid = process.getuid?.();
  if (uid !== undefined && uid !== 0 && target.stat.uid !== uid) {
    const owner = await userName(target.stat.uid);
    const me = await userName(uid);
    return {
      code: 'foreign-owner',
      message:
        `${described} belongs to ${labelOf(owner, target.stat.uid)}, not to ${labelOf(me, uid)}; ` +
        `saving it would make ${me ?? 'you'} its owner, so it is not saved here. ` +
        `Edit it as ${owner ?? `uid ${target.stat.uid}`}.`,
    };
  }
  const fileError = await accessError(chain.realPath);
  if (fileError === 'EROFS') return readOnlyFileSystem(described);
  if (fileError === 'EPERM') {
    return {
      code: 'read-only',
      message:
        `${described} cannot be changed: it is marked immutable or append-only ` +
        `(lsattr ${displayPath(chain.realPath, home)} shows it); clear that attribute with chattr to save it`,
    };
  }
  // Root passes access(2) on any file, but a file with no write bit for anyone is read-only on
  // purpose, so the mode decides as it does for every other user.
  if (fileError !== null || (target.stat.mode & WRITE_BITS) === 0) {
    return {
      code: 'read-only',
      message:
        `${described} is read-only (mode ${formatMode(target.stat.mode)}); ` +
        `make it writable with chmod u+w ${displayPath(chain.realPath, home)} to save it`,
    };
  }
  const folder = path.dirname(chain.realPath);
  const folderError = await folderWriteError(folder);
  if (folderError === 'EROFS') return readOnlyFileSystem(described);
  if (folderError !== null) return folderNotWritable(described, folder, home, 'cannot be saved');
  return null;
}

/** Returns `path` with the home folder written as `~`. */
export function displayPath(file: string, home: string): string {
  if (!home || home === '/') return file;
  const trimmed = home.endsWith('/') ? home.slice(0, -1) : home;
  if (file === trimmed) return '~';
  return file.startsWith(`${trimmed}/`) ? `~${file.slice(trimmed.length)}` : file;
}

/** Names a file for messages: `~/.bashrc`, or `~/.bashrc (a link to ~/dotfiles/bash/bashrc)`. */
export function describeChain(chain: LinkChain, home: string): string {
  const displayed = displayPath(chain.path, home);
  if (chain.links.length === 0) return displayed;
  return `${displayed} (a link to ${displayPath(chain.realPath, home)})`;
}

/** A missing file is created with its folders, so the nearest existing folder must be writable. */
async function findCreateBlock(chain: LinkChain, described: string, home: string): Promise<WriteBlock | null> {
  let folder = path.dirname(chain.realPath);
  for (;;) {
    // ENOTDIR means a folder above is a file; the walk up finds and names it.
    const stat = await fs.stat(folder).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT' || error.code === 'ENOTDIR') return null;
      throw error;
    });
    if (stat !== null && !stat.isDirectory()) {
      return {
        code: 'not-permitted',
        message: `${described} cannot be created: ${displayPath(folder, home)} is not a folder`,
      };
    }
    if (stat !== null) break;
    const parent = path.dirname(folder);
    if (parent === folder) break;
    folder = parent;
  }
  const error = await folderWriteError(folder);
  if (error === 'EROFS') return readOnlyFileSystem(described);
  if (error !== null) return folderNotWritable(described, folder, home, 'does not exist and cannot be created');
  return null;
}

function storeMessage(chain: LinkChain, store: string, home: string): string {
  const displayed = displayPath(chain.path, home);
  const via = chain.links.length > 0 ? `a link into ${store}` : `a file in ${store}`;
  if (store.endsWith('/gnu/store')) {
    return `${displayed} is managed by Guix (${via}); change it in your Guix configuration and run guix home reconfigure or guix system reconfigure`;
  }
  if (isInside(chain.path, home)) {
    return `${displayed} is managed by home-manager (${via}); change it in your home-manager configuration and run home-manager switch`;
  }
  return `${displayed} is managed by NixOS (${via}); change it in your NixOS configuration and run nixos-rebuild switch`;
}

function readOnlyFileSystem(described: string): WriteBlock {
  return {
    code: 'read-only',
    message: `${described} is on a read-only file system, so it cannot be saved; remount it read-write to edit it here`,
  };
}

function folderNotWritable(described: string, folder: string, home: string, problem: string): WriteBlock {
  const shownFolder = displayPath(folder, home);
  return {
    code: 'not-permitted',
    message:
      `${described} ${problem}: its folder ${shownFolder} is not writable by you, and a save writes the new ` +
      `content there before renaming it over the file. Make the folder writable (chmod u+w ${shownFolder}) ` +
      "or edit the file as the folder's owner",
  };
}

/**
 * Returns why files cannot be created in `folder`: the error code of access(2), or `EACCES` for a
 * folder without write bits, which root could write but which is read-only on purpose.
 */
async function folderWriteError(folder: string): Promise<string | null> {
  const error = await accessError(folder, constants.W_OK | constants.X_OK);
  if (error !== null) return error;
  const stat = await fs.stat(folder).catch(() => null);
  return stat !== null && (stat.mode & WRITE_BITS) === 0 ? 'EACCES' : null;
}

/** Returns the error code of access(2) for writing, or null when writing is allowed. */
async function accessError(file: string, mode: number = constants.W_OK): Promise<string | null> {
  try {
    await fs.access(file, mode);
    return null;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code ?? 'EACCES';
  }
}

function isInside(file: string, folder: string): boolean {
  const trimmed = folder.endsWith('/') ? folder.slice(0, -1) : folder;
  return file === trimmed || file.startsWith(`${trimmed}/`);
}

let passwdNames: Map<number, string> | null = null;

/** Returns the login name of `uid` from /etc/passwd, or null when it has none. */
async function userName(uid: number): Promise<string | null> {
  if (passwdNames === null) {
    passwdNames = new Map();
    const passwd = await fs.readFile('/etc/passwd', 'utf8').catch(() => '');
    for (const line of passwd.split('\n')) {
      const [name, , id] = line.split(':');
      if (name && id && /^\d+$/.test(id) && !passwdNames.has(Number(id))) passwdNames.set(Number(id), name);
    }
  }
  return passwdNames.get(uid) ?? null;
}

/** Names a user for messages: `alice (uid 1001)`, or `uid 1001`. */
function labelOf(name: string | null, uid: number): string {
  return name ? `${name} (uid ${uid})` : `uid ${uid}`;
}
