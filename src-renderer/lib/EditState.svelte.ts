/**
 * State of the Edit view: the context whose files are listed, the files open side by side, the
 * live preview of their drafts, and the Review step that saves them.
 */
import type { ApiClient } from '../../src-main/shared/contract.ts';
import { messageOf } from './api-client.ts';
import { EditorPane, type PaneSaveStatus } from './EditorPane.svelte.ts';
import { EditPreviewState } from './EditPreviewState.svelte.ts';

/** The files open for editing, and the actions that open, review and save them. */
export class EditState {
  /** The context whose startup files the file list shows, or null before one is chosen. */
  contextId = $state<string | null>(null);
  /** Open files, in the order they were opened. */
  panes = $state.raw<EditorPane[]>([]);
  /** Paths whose edit.open request is in flight. */
  opening = $state.raw<ReadonlySet<string>>(new Set());
  /** The reason the last file could not be opened, in words for the user. */
  openError = $state<string | null>(null);
  reviewing = $state(false);
  saving = $state(false);
  /** Paths the user unticked in the Review step; every other file with edits is saved. */
  declined = $state.raw<ReadonlySet<string>>(new Set());

  dirtyPanes = $derived(this.panes.filter((pane) => pane.dirty));
  acceptedPanes = $derived(
    this.dirtyPanes.filter((pane) => !this.declined.has(pane.path) && !pane.readOnly),
  );

  readonly preview: EditPreviewState;
  readonly #client: ApiClient;
  readonly #reloadScan: () => Promise<void>;

  /**
   * Creates the state. `reloadScan` loads the latest scan again after a save or an undo; the
   * engine completes those requests only after it has probed the contexts that read the file.
   */
  constructor(client: ApiClient, reloadScan: () => Promise<void>) {
    this.#client = client;
    this.#reloadScan = reloadScan;
    this.preview = new EditPreviewState(client);
  }

  paneOf(path: string): EditorPane | null {
    return this.panes.find((pane) => pane.path === path || pane.file.realPath === path) ?? null;
  }

  /**
   * Opens a file, or focuses it when it is open already, and reveals a line when one is given.
   * A path that leads to a file already open under another name (a symbolic link) focuses that
   * pane, so one file never has two drafts.
   */
  async open(path: string, line: number | null = null): Promise<void> {
    const existing = this.paneOf(path);
    if (existing) {
      this.openError = null;
      existing.focus(line);
      return;
    }
    if (this.opening.has(path)) return;

    this.opening = new Set([...this.opening, path]);
    this.openError = null;
    try {
      const file = await this.#client.call('edit.open', { path });
      const sameFile = this.paneOf(file.realPath);
      if (sameFile) {
        sameFile.focus(line);
        return;
      }
      const pane = new EditorPane(this.#client, file, {
        ondraftschange: () => this.#draftsChanged(),
        onfilewritten: () => void this.#fileWritten(),
      });
      this.panes = [...this.panes, pane];
      pane.focus(line);
      void pane.loadHistory();
    } catch (error) {
      this.openError = `Could not open ${path}: ${messageOf(error)}`;
    } finally {
      const opening = new Set(this.opening);
      opening.delete(path);
      this.opening = opening;
    }
  }

  /** Closes a pane and drops its draft; the caller asks the user first when it has edits. */
  close(pane: EditorPane): void {
    this.panes = this.panes.filter((open) => open !== pane);
    this.#draftsChanged();
  }

  startReview(): void {
    this.declined = new Set();
    this.reviewing = true;
  }

  endReview(): void {
    this.reviewing = false;
  }

  setAccepted(path: string, accepted: boolean): void {
    const declined = new Set(this.declined);
    if (accepted) declined.delete(path);
    else declined.add(path);
    this.declined = declined;
  }

  /**
   * Saves every accepted file, one after the other, and ends the Review step. Returns the panes
   * whose save did not go through, so the view can move focus to the first of them.
   */
  async saveAccepted(): Promise<EditorPane[]> {
    const panes = this.acceptedPanes;
    if (panes.length === 0 || this.saving) return [];
    this.saving = true;
    const unsaved: EditorPane[] = [];
    try {
      for (const pane of panes) {
        const status: PaneSaveStatus = await pane.save();
        if (status !== 'saved') unsaved.push(pane);
      }
    } finally {
      this.saving = false;
      this.reviewing = false;
    }
    return unsaved;
  }

  /**
   * Previews the remaining drafts again and shows the updated scan in every view after a file
   * was written. A message about an earlier failed open no longer applies.
   */
  async #fileWritten(): Promise<void> {
    this.openError = null;
    // The engine probed the contexts that read the file before the request returned, so this
    // preview compares the remaining drafts with the file as it is now.
    this.#draftsChanged();
    await this.#reloadScan();
  }

  #draftsChanged(): void {
    this.preview.update(this.dirtyPanes.map((pane) => ({ path: pane.path, text: pane.draft })));
  }
}
