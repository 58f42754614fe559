/**
 * Replaces a file's content so that nothing is lost: the old bytes are stored as a backup first,
 * then a synced temporary file next to the file is renamed over it. A rename within one folder is
 * atomic, so the file is at every moment either the old or the new content; tests/save-crash.test.ts
 * checks this by killing saves at every step.
 */
import { randomBytes } from 'node:crypto';
import { promises as fs, type Stats } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import path from 'node:path';

import type { BackupEntry } from '../../shared/editing.ts';
import { isProcessRunning, MISSING_FILE_HASH, sha256Hex, type BackupStore } from './backup-store.ts';
import { readTarget, type LinkChain, type TargetState } from './link-chain.ts';

/**
 * Age after which a temporary file next to a saved file counts as left behind by a killed
 * process, in milliseconds, even when its process id is in use again. A save normally writes its
 * temporary file within milliseconds. A save stalled for an hour could lose its temporary file,
 * and its rename would then fail without touching the target.
 */
const ABANDONED_TEMPORARY_AGE_MS = 60 * 60 * 1000;

/** A content change: what to back up and what to write. */
export interface Replacement {
  chain: LinkChain;
  /** The file as read just before; its bytes become the backup. */
  target: TargetState;
  /** The new bytes, or null to remove the file. */
  next: Buffer | null;
  store: BackupStore;
  reason: BackupEntry['reason'];
  onStep?: (step: string) => void;
}

/**
 * Backs up the target's bytes, then replaces the target with `next` through a synced temporary
 * file renamed over it (or removes it). Returns 'changed' and leaves the file alone when it
 * changed after `target` was read.
 *
 * NOTE: the rename gives the file a new inode. A file with other hard links keeps its old
 * content under those names, and extended attributes, ACLs and SELinux labels are not copied.
 */
export async function replaceContent(replacement: Replacement): Promise<{ hash: string; backup: BackupEntry } | 'changed'> {
  const { chain, target, next, store } = replacement;
  const onStep = replacement.onStep ?? (() => {});
  const realPath = chain.realPath;
  const folder = path.dirname(realPath);
  const expectedHash = hashOf(target);
  const stillExpected = async () => hashOf(await readTarget(realPath)) === expectedHash;

  onStep('backup');
  const backup = await store.record(realPath, target.bytes, replacement.reason);

  if (next === null) {
    onStep('check');
    if (!(await stillExpected())) return 'changed';
    onStep('remove');
    await fs.rm(realPath, { force: true });
    await syncDirectory(folder);
    onStep('done');
    return { hash: MISSING_FILE_HASH, backup };
  }

  // go env -w and editors create missing folders with 0777 less the umask; so does this.
  if (target.stat === null) await fs.mkdir(folder, { recursive: true });
  await removeAbandonedTemporaries(folder, path.basename(realPath));
  const temporary = path.join(
    folder,
    `${temporaryPrefix(path.basename(realPath))}${process.pid}-${randomBytes(6).toString('hex')}.tmp`,
  );
  try {
    onStep('temporary-write');
    // A new file gets 0666 less the umask, as go env -w and shells give it.
    const handle = await fs.open(temporary, 'wx', target.stat === null ? 0o666 : 0o600);
    try {
      await handle.writeFile(next);
      if (target.stat !== null) await keepOwnerAndMode(handle, target.stat);
      onStep('temporary-sync');
      await handle.sync();
    } finally {
      await handle.close();
    }
    onStep('check');
    if (!(await stillExpected())) {
      await fs.rm(temporary, { force: true });
      return 'changed';
    }
    onStep('rename');
    await fs.rename(temporary, realPath);
  } catch (error) {
    await fs.rm(temporary, { force: true });
    throw error;
  }
  onStep('directory-sync');
  await syncDirectory(folder);
  onStep('done');
  return { hash: sha256Hex(next), backup };
}

/**
 * Gives the temporary file the target's owner and group when running as root, so another user's
 * file stays theirs, and otherwise at least its group. The mode comes last because a chown clears
 * the set-id bits.
 */
async function keepOwnerAndMode(handle: FileHandle, original: Stats): Promise<void> {
  const uid = process.getuid?.();
  if (uid === 0) {
    await handle.chown(original.uid, original.gid);
  } else if (uid !== undefined) {
    const created = await handle.stat();
    if (created.gid !== original.gid) {
      // Only works when the user is in the file's group; otherwise the file takes the user's group.
      await handle.chown(uid, original.gid).catch(() => {});
    }
  }
  await handle.chmod(original.mode & 0o7777);
}

function temporaryPrefix(name: string): string {
  return `.${name}.go-env-lens-`;
}

/** Removes temporary files of earlier saves of this file whose process is gone. */
async function removeAbandonedTemporaries(folder: string, name: string): Promise<void> {
  const prefix = temporaryPrefix(name);
  const names = await fs.readdir(folder).catch(() => [] as string[]);
  const oldest = Date.now() - ABANDONED_TEMPORARY_AGE_MS;
  for (const candidate of names) {
    if (!candidate.startsWith(prefix) || !candidate.endsWith('.tmp')) continue;
    const match = /^(\d+)-[0-9a-f]{12}\.tmp$/.exec(candidate.slice(prefix.length));
    if (!match) continue;
    const full = path.join(folder, candidate);
    const stat = await fs.lstat(full).catch(() => null);
    if (stat === null || !stat.isFile()) continue;
    if (!isProcessRunning(Number(match[1])) || stat.mtimeMs < oldest) await fs.rm(full, { force: true });
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

/** Returns the SHA-256 of the target's bytes, or of no bytes when it has none. */
export function hashOf(target: TargetState): string {
  return target.bytes === null ? MISSING_FILE_HASH : sha256Hex(target.bytes);
}
