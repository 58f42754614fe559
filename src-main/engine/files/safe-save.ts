/**
 * Opens and saves users' files so that nothing is ever lost. Every save first stores the old
 * bytes as a backup, then replaces the file atomically (atomic-replace.ts), so the file is at
 * every moment either the old or the new content. A save that finds the file changed since it
 * was loaded writes nothing.
 */
import os from 'node:os';
import path from 'node:path';

import type { BackupEntry, EditableFile, SaveOutcome, SaveResult, WriteBlock } from '../../shared/editing.ts';
import { hashOf, replaceContent, type Replacement } from './atomic-replace.ts';
import { BackupNotFoundError, type BackupStore } from './backup-store.ts';
import { DataDirectoryError } from './data-directory.ts';
import {
  FileNotEditableError,
  MAX_EDITABLE_JSON_BYTES,
  readTarget,
  resolveLinkChain,
  type LinkChain,
  type TargetState,
} from './link-chain.ts';
import {
  decodeFileText,
  encodeFileText,
  newFileFormat,
  UnencodableTextError,
  UnsupportedTextError,
} from './text-format.ts';
import { describeChain, findWriteBlock, READ_ONLY_STORES } from './write-block.ts';

export { FileNotEditableError } from './link-chain.ts';

/** A save or undo that did not happen, with the reason in words for the user. */
export class SaveRefusedError extends Error {
  constructor(
    readonly code: WriteBlock['code'] | 'not-text' | 'unencodable' | 'changed-on-disk' | 'backup-failed',
    message: string,
  ) {
    super(message);
    this.name = 'SaveRefusedError';
  }
}

/** Options shared by opening, saving and undoing. */
export interface FileOptions {
  /** The user's home, for `~` in messages; os.homedir() when absent. */
  home?: string;
  /** Folders that only a package manager may change; READ_ONLY_STORES when absent. */
  readOnlyStores?: readonly string[];
  /** Called before each step that changes the disk; tests use it to kill a process mid-save. */
  onStep?: (step: string) => void;
}

export interface OpenOptions extends FileOptions {
  kind: EditableFile['kind'];
  contextIds: string[];
}

export interface SaveRequest extends FileOptions {
  path: string;
  /** The new text, with `\n` line endings. */
  text: string;
  /** EditableFile.hash of the file as the editor loaded it. */
  expectedHash: string;
  store: BackupStore;
  /** Fill EditableFile.kind and contextIds of the file returned when it changed on disk. */
  kind?: EditableFile['kind'];
  contextIds?: string[];
}

/** An undo: the backup taken of the replaced content, and the backup that was put back. */
export interface UndoResult extends SaveResult {
  restored: BackupEntry;
}

/**
 * Opens a file for editing: follows its links, reads and decodes it, and finds out whether it
 * can be saved. A missing file opens empty with `exists: false`.
 *
 * @throws FileNotEditableError when the file is not text, too large or unreadable.
 */
export async function openEditableFile(file: string, options: OpenOptions): Promise<EditableFile> {
  requireAbsolute(file);
  const chain = await resolveLinkChain(file);
  const home = options.home ?? os.homedir();
  const target = await readTarget(chain.realPath, describeChain(chain, home));
  return editableFileOf(chain, target, options);
}

/**
 * Saves `text` to the file at `path` if it still has `expectedHash`, keeping its encoding, line
 * endings, owner and mode, and storing its previous bytes in `store` first.
 *
 * @throws SaveRefusedError when the file cannot or must not be written; nothing is written.
 */
export async function saveEditableFile(request: SaveRequest): Promise<SaveOutcome> {
  return saveEncoded(request, (target, described) => encodeForFile(request.text, target, described));
}

/**
 * Saves bytes as given, with the same backup and safety as saveEditableFile, for callers whose
 * text is not the editor's (the Go env file editor sends the file's exact text).
 *
 * @throws SaveRefusedError when the file cannot or must not be written; nothing is written.
 */
export async function saveFileBytes(request: Omit<SaveRequest, 'text'> & { bytes: Buffer }): Promise<SaveOutcome> {
  return saveEncoded(request, () => request.bytes);
}

/** Saves the bytes `encode` makes for the file as it is now, if it still has the expected hash. */
async function saveEncoded(
  request: Omit<SaveRequest, 'text'>,
  encode: (target: TargetState, described: string) => Buffer,
): Promise<SaveOutcome> {
  requireAbsolute(request.path);
  const chain = await resolveLinkChain(request.path);
  return withFileLock(chain.realPath, async () => {
    const home = request.home ?? os.homedir();
    const described = describeChain(chain, home);
    const target = await readTarget(chain.realPath, described);
    if (hashOf(target) !== request.expectedHash) return changedOnDisk(chain, request, home);

    await refuseBlockedWrite(chain, target, request);
    const next = encode(target, described);
    refuseNul(next, described, request.kind);
    const written = await replaceWithBackup(described, 'saved', {
      chain,
      target,
      next,
      store: request.store,
      reason: 'save',
      onStep: request.onStep,
    });
    if (written === 'changed') return changedOnDisk(chain, request, home);
    return { status: 'saved', result: { path: chain.path, realPath: chain.realPath, ...written } };
  });
}

/**
 * Puts back the latest backup of the file at `file`, or the backup `id`. The current content is
 * stored as a backup first (reason `undo`), so the undo can be undone. Restoring a backup taken
 * when the file did not exist removes the file.
 *
 * @throws BackupNotFoundError when the file has no backups or none with that id.
 * @throws SaveRefusedError when the file cannot be written or changes during the undo.
 */
export async function undoLastSave(
  file: string,
  store: BackupStore,
  id?: string,
  options: FileOptions = {},
): Promise<UndoResult> {
  requireAbsolute(file);
  const chain = await resolveLinkChain(file);
  return withFileLock(chain.realPath, async () => {
    const home = options.home ?? os.homedir();
    const described = describeChain(chain, home);
    const history = await store.history(chain.realPath);
    if (history.length === 0) {
      throw new BackupNotFoundError(`${described} has no backups, so there is nothing to undo`);
    }
    const restored = id === undefined ? history[0]! : history.find((entry) => entry.id === id);
    if (restored === undefined) {
      throw new BackupNotFoundError(
        `${described} has no backup ${JSON.stringify(id)}; its history lists the backups it has`,
      );
    }
    const bytes = await store.read(chain.realPath, restored.id);
    const target = await readTarget(chain.realPath, described);
    await refuseBlockedWrite(chain, target, options);

    const written = await replaceWithBackup(described, 'restored', {
      chain,
      target,
      next: bytes,
      store,
      reason: 'undo',
      onStep: options.onStep,
    });
    if (written === 'changed') {
      throw new SaveRefusedError(
        'changed-on-disk',
        `${described} changed on disk during the undo, so it was left as it is; undo again to restore the backup`,
      );
    }
    return { path: chain.path, realPath: chain.realPath, ...written, restored };
  });
}

function editableFileOf(chain: LinkChain, target: TargetState, options: OpenOptions): Promise<EditableFile> {
  const home = options.home ?? os.homedir();
  let decoded = { text: '', format: newFileFormat() };
  if (target.bytes !== null) {
    try {
      decoded = decodeFileText(target.bytes);
    } catch (error) {
      if (!(error instanceof UnsupportedTextError)) throw error;
      throw new FileNotEditableError('not-text', `${describeChain(chain, home)} cannot be edited here: ${error.reason}`);
    }
  }
  const jsonBytes = Buffer.byteLength(JSON.stringify(decoded.text));
  if (jsonBytes > MAX_EDITABLE_JSON_BYTES) {
    throw new FileNotEditableError(
      'too-large',
      `${describeChain(chain, home)} takes ${jsonBytes} bytes in a save request, more than the ` +
        `${MAX_EDITABLE_JSON_BYTES} bytes allowed, because control characters take six bytes there; ` +
        'it was not opened, so edit it in another editor',
    );
  }
  return findWriteBlock({
    chain,
    target,
    home,
    readOnlyStores: options.readOnlyStores ?? READ_ONLY_STORES,
  }).then((writeBlock) => ({
    path: chain.path,
    realPath: chain.realPath,
    links: chain.links,
    exists: target.stat !== null,
    text: decoded.text,
    format: decoded.format,
    hash: hashOf(target),
    writeBlock,
    kind: options.kind,
    contextIds: options.contextIds,
  }));
}

async function changedOnDisk(chain: LinkChain, request: Omit<SaveRequest, 'text'>, home: string): Promise<SaveOutcome> {
  const current = await openEditableFile(chain.path, {
    kind: request.kind ?? 'startup',
    contextIds: request.contextIds ?? [],
    home,
    readOnlyStores: request.readOnlyStores,
  });
  return {
    status: 'changed-on-disk',
    message:
      `${describeChain(chain, home)} changed on disk since it was loaded, so it was not saved. ` +
      'Reload it to see the new content, or compare it with your edit before saving again.',
    current,
  };
}

async function refuseBlockedWrite(chain: LinkChain, target: TargetState, options: FileOptions): Promise<void> {
  const block = await findWriteBlock({
    chain,
    target,
    home: options.home ?? os.homedir(),
    readOnlyStores: options.readOnlyStores ?? READ_ONLY_STORES,
  });
  if (block !== null) throw new SaveRefusedError(block.code, block.message);
}

/** Runs replaceContent, turning a backup folder that cannot be written into a SaveRefusedError. */
async function replaceWithBackup(
  described: string,
  action: 'saved' | 'restored',
  replacement: Replacement,
): ReturnType<typeof replaceContent> {
  try {
    return await replaceContent(replacement);
  } catch (error) {
    if (!(error instanceof DataDirectoryError)) throw error;
    throw new SaveRefusedError('backup-failed', `${described} was not ${action}: ${error.message}`);
  }
}

/**
 * Rejects bytes that contain a NUL byte. Shells stop reading a line at a NUL or reject the file,
 * and the editor cannot open such a file again.
 */
function refuseNul(bytes: Buffer, described: string, kind: EditableFile['kind'] | undefined): void {
  const index = bytes.indexOf(0);
  if (index === -1) return;
  let line = 1;
  for (let position = bytes.indexOf(0x0a); position !== -1 && position < index; position = bytes.indexOf(0x0a, position + 1)) {
    line += 1;
  }
  const files = kind === 'go-env' ? 'Go env files' : 'startup files';
  throw new SaveRefusedError(
    'unencodable',
    `${described} was not saved: line ${line} contains a NUL character, which ${files} cannot hold; remove it`,
  );
}

function encodeForFile(text: string, target: TargetState, described: string): Buffer {
  try {
    const format = target.bytes === null ? newFileFormat() : decodeFileText(target.bytes).format;
    return encodeFileText(text, format);
  } catch (error) {
    if (error instanceof UnsupportedTextError) {
      throw new SaveRefusedError('not-text', `${described} was not saved: ${error.reason}`);
    }
    if (error instanceof UnencodableTextError) {
      const fix =
        error.character === 'outside-latin1'
          ? 'remove that character, or convert the file to UTF-8 in another editor first'
          : 'remove that character';
      throw new SaveRefusedError('unencodable', `${described} was not saved: ${error.message}; ${fix}`);
    }
    throw error;
  }
}


function requireAbsolute(file: string): void {
  if (!path.isAbsolute(file)) {
    throw new TypeError(`${JSON.stringify(file)} is not an absolute path; resolve it before opening or saving`);
  }
}

const fileLocks = new Map<string, Promise<unknown>>();

/** Runs saves and undos of one file one after another within this process. */
async function withFileLock<T>(realPath: string, work: () => Promise<T>): Promise<T> {
  const previous = fileLocks.get(realPath) ?? Promise.resolve();
  const current = previous.catch(() => {}).then(work);
  fileLocks.set(realPath, current);
  try {
    return await current;
  } finally {
    if (fileLocks.get(realPath) === current) fileLocks.delete(realPath);
  }
}
