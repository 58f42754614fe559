/**
 * One file open in the Edit view: the file as loaded, the user's draft of it, and what its saves,
 * conflicts, backups and undos did.
 */
import type { ApiClient } from '../../src-main/shared/contract.ts';
import type { BackupEntry, EditableFile, SaveResult } from '../../src-main/shared/editing.ts';
import { messageOf } from './api-client.ts';

/** A request to the editor to take focus and reveal a line; a new object repeats the request. */
export interface RevealRequest {
  /** The 1-based line to select and highlight, or null to only take focus. */
  line: number | null;
}

/** A read-only text shown next to the draft: the file as it is on disk now, or a backup. */
export interface Comparison {
  kind: 'disk' | 'backup';
  title: string;
  text: string;
  /** The reason the text is empty, for a backup taken while the file did not exist. */
  note: string | null;
}

/** The last save or undo of the pane, shown under its toolbar. */
export interface PaneNotice {
  kind: 'saved' | 'restored';
  result: SaveResult;
}

/** A save that wrote nothing because the file changed on disk after it was loaded. */
export interface Conflict {
  message: string;
  /** The file as it is on disk now. */
  current: EditableFile;
}

/** The outcome of a save request, for the Review step. */
export type PaneSaveStatus = 'saved' | 'changed-on-disk' | 'failed';

/** The events a pane reports to its owner. */
export interface PaneEvents {
  /** The draft or the loaded file changed, so the drafts need a new preview. */
  ondraftschange: () => void;
  /**
   * A save or an undo wrote the file. The engine has probed the contexts that read it again by
   * then, so the owner can load the updated scan and preview the drafts against it.
   */
  onfilewritten: () => void;
}

/** One open file and the actions on it. */
export class EditorPane {
  /** The file as last loaded or saved; its hash is the one the next save expects on disk. */
  file: EditableFile;
  /** The text in the editor, with `\n` line endings. */
  draft: string;
  dirty = $derived.by(() => this.draft !== this.file.text);
  reveal = $state.raw<RevealRequest | null>(null);
  busy = $state<'saving' | 'restoring' | 'loading' | null>(null);
  /** The last failure of an action on the file, as shown to the user. */
  error = $state<string | null>(null);
  notice = $state.raw<PaneNotice | null>(null);
  conflict = $state.raw<Conflict | null>(null);
  comparison = $state.raw<Comparison | null>(null);
  /** The file's backups, newest first; null until loaded. */
  history = $state.raw<BackupEntry[] | null>(null);
  historyError = $state<string | null>(null);

  readonly #client: ApiClient;
  readonly #events: PaneEvents;

  /** Creates a pane for a file that edit.open returned. */
  constructor(client: ApiClient, file: EditableFile, events: PaneEvents) {
    this.#client = client;
    this.#events = events;
    this.file = $state.raw(file);
    this.draft = $state(file.text);
  }

  get path(): string {
    return this.file.path;
  }

  /** True when the engine reported why this file cannot be written. */
  get readOnly(): boolean {
    return this.file.writeBlock !== null;
  }

  setDraft(text: string): void {
    if (text === this.draft) return;
    this.draft = text;
    this.#events.ondraftschange();
  }

  /** Asks the editor to take focus, at a line when one is given. */
  focus(line: number | null = null): void {
    this.reveal = { line };
  }

  /**
   * Writes the draft, provided the file on disk still has the hash it was loaded with. When it
   * does not, nothing is written and `conflict` contains the file as it is now.
   */
  async save(): Promise<PaneSaveStatus> {
    const file = this.file;
    const text = this.draft;
    this.busy = 'saving';
    this.error = null;
    this.notice = null;
    let status: PaneSaveStatus = 'failed';
    try {
      const outcome = await this.#client.call('edit.save', {
        path: file.path,
        text,
        expectedHash: file.hash,
      });
      if (outcome.status === 'changed-on-disk') {
        // The file's role comes from the scan, which a change on disk does not alter, and the
        // save response does not repeat it.
        const current = { ...outcome.current, kind: file.kind, contextIds: file.contextIds };
        this.conflict = { message: outcome.message, current };
        status = outcome.status;
        return status;
      }
      const { result } = outcome;
      this.file = { ...file, text, hash: result.hash, realPath: result.realPath, exists: true };
      this.conflict = null;
      if (this.comparison?.kind === 'disk') this.comparison = null;
      this.notice = { kind: 'saved', result };
      void this.loadHistory();
      status = 'saved';
      return status;
    } catch (error) {
      this.error = `Saving failed, and ${file.path} was not changed: ${messageOf(error)}`;
      return status;
    } finally {
      this.busy = null;
      if (status === 'saved') this.#events.onfilewritten();
      else this.#events.ondraftschange();
    }
  }

  /** Drops the draft and takes the file as it is on disk after a conflict. */
  reloadFromDisk(): void {
    if (!this.conflict) return;
    const { current } = this.conflict;
    this.file = current;
    this.draft = current.text;
    this.conflict = null;
    if (this.comparison?.kind === 'disk') this.comparison = null;
    this.#events.ondraftschange();
  }

  /**
   * Keeps the draft and shows the file on disk beside it after a conflict. The next save is
   * checked against the file as it is now, so the user can merge by hand and then save.
   */
  showBoth(): void {
    if (!this.conflict) return;
    const { current } = this.conflict;
    this.file = current;
    this.comparison = { kind: 'disk', title: 'On disk now', text: current.text, note: null };
    this.conflict = null;
    this.#events.ondraftschange();
  }

  closeComparison(): void {
    this.comparison = null;
  }

  async loadHistory(): Promise<void> {
    try {
      this.history = await this.#client.call('edit.history', { path: this.file.path });
      this.historyError = null;
    } catch (error) {
      this.historyError = `Could not list the backups of ${this.file.path}: ${messageOf(error)}`;
    }
  }

  /** Shows one backup next to the draft. */
  async viewBackup(entry: BackupEntry): Promise<void> {
    this.busy = 'loading';
    this.error = null;
    try {
      const backup = await this.#client.call('edit.backup', { path: this.file.path, id: entry.id });
      this.comparison = {
        kind: 'backup',
        title: `Backup from ${formatTime(entry.takenAt)}`,
        text: backup.text ?? '',
        note: backup.text === null ? 'The file did not exist at that point.' : null,
      };
    } catch (error) {
      this.error = `Could not read the backup ${entry.id}: ${messageOf(error)}`;
    } finally {
      this.busy = null;
    }
  }

  /**
   * Restores a backup (the latest when no id is given) and loads the file again. The engine
   * backs up the content it replaces, so an undo can itself be undone.
   */
  async undo(id?: string): Promise<void> {
    const path = this.file.path;
    this.busy = 'restoring';
    this.error = null;
    this.notice = null;
    let written = false;
    try {
      const request = id === undefined ? { path } : { path, id };
      const result = await this.#client.call('edit.undo', request);
      written = true;
      this.notice = { kind: 'restored', result };
      const file = await this.#client.call('edit.open', { path });
      this.file = file;
      this.draft = file.text;
      this.conflict = null;
      this.comparison = null;
      await this.loadHistory();
    } catch (error) {
      this.error = written
        ? `Restored the backup of ${path}, but could not load the file again: ${messageOf(error)}`
        : `Restoring the backup of ${path} failed: ${messageOf(error)}`;
    } finally {
      this.busy = null;
      if (written) this.#events.onfilewritten();
      else this.#events.ondraftschange();
    }
  }
}

/** Formats an ISO 8601 time in the user's locale, with seconds, as backups come in quick runs. */
export function formatTime(iso: string): string {
  const time = new Date(iso);
  if (Number.isNaN(time.getTime())) return iso;
  return time.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
}
