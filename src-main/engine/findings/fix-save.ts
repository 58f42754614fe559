/**
 * Writes a fix's file edits through the safe save: a backup first, an atomic replace, and nothing
 * written when the file changed since the fix was computed.
 */
import type { SaveOutcome, TextFormat } from '../../shared/editing.ts';
import type { FixFileEdit } from '../../shared/findings.ts';
import type { BackupStore } from '../files/backup-store.ts';
import {
  openEditableFile,
  saveEditableFile,
  saveFileBytes,
  SaveRefusedError,
  type FileOptions,
} from '../files/safe-save.ts';
import { encodeFileText, UnencodableTextError } from '../files/text-format.ts';

/**
 * Saves one edit of a fix. An edit that sets `lineEnding` or `bom` is written in that format.
 * Any other edit keeps the file's encoding, byte order mark and line endings, as the editor does.
 *
 * @throws SaveRefusedError when the file cannot or must not be written; nothing is written.
 */
export async function saveFixEdit(
  edit: FixFileEdit,
  store: BackupStore,
  options: FileOptions = {},
): Promise<SaveOutcome> {
  const request = { ...options, path: edit.path, expectedHash: edit.expectedHash, store };
  if (edit.lineEnding === undefined && edit.bom === undefined) {
    return saveEditableFile({ ...request, text: edit.after });
  }
  const current = await openEditableFile(edit.path, { ...options, kind: 'startup', contextIds: [] });
  // A changed file is reported by the save itself, which re-reads it under the file lock.
  if (current.hash !== edit.expectedHash) return saveEditableFile({ ...request, text: edit.after });

  const format: TextFormat = { ...current.format };
  if (edit.lineEnding === 'lf') {
    format.lineEnding = 'lf';
    delete format.majorityEnding;
  }
  if (edit.bom === false) format.bom = false;
  let bytes: Buffer;
  try {
    bytes = encodeFileText(edit.after, format);
  } catch (error) {
    if (!(error instanceof UnencodableTextError)) throw error;
    throw new SaveRefusedError(
      'unencodable',
      `${edit.path} was not saved: ${error.message}; remove that character and try again`,
    );
  }
  return saveFileBytes({ ...request, bytes });
}
