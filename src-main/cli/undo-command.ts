/**
 * `go-env-lens undo FILE [--backup ID]`: puts back the latest backup of a file, or the chosen
 * one. The content it replaces is kept as a new backup, so the undo itself can be undone.
 */
import { undoLastSave } from '../engine/files/safe-save.ts';
import { describeBackup, reportFileError, resolveBackedUpFile } from './history-command.ts';

/** Restores a backup of `file`, prints what changed, and returns the exit code. */
export async function runUndo(options: { file: string; backupId?: string }): Promise<number> {
  try {
    return await undo(options);
  } catch (error) {
    return reportFileError(error);
  }
}

async function undo(options: { file: string; backupId?: string }): Promise<number> {
  const file = await resolveBackedUpFile(options.file);
  const result = await undoLastSave(file.chain.path, file.store, options.backupId);
  const restored = result.restored;
  const summary = restored.existed
    ? `Restored ${file.described} from ${describeBackup(restored)} (${restored.size} bytes).`
    : `Removed ${file.described}: ${describeBackup(restored)} records that it did not exist then.`;
  const replaced = result.backup.existed
    ? `The content it replaced (${result.backup.size} bytes) is kept as backup ${result.backup.id}`
    : `It did not exist before; that is kept as backup ${result.backup.id}`;
  process.stdout.write(
    `${summary}\n${replaced}; to go back to it, run:\n` +
      `  go-env-lens undo ${file.argument} --backup ${result.backup.id}\n`,
  );
  return 0;
}
