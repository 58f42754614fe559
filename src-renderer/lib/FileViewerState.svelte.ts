/** The file viewer: which file and line it shows, and the result of reading that file. */
import type { ApiClient, FileView } from '../../src-main/shared/contract.ts';
import type { SourceLocation } from '../../src-main/shared/provenance.ts';
import { messageOf } from './api-client.ts';

/** State of the read-only file viewer, and the action that loads a file into it. */
export class FileViewerState {
  /** The file and line on show, or null while the viewer is closed. */
  location = $state.raw<SourceLocation | null>(null);
  file = $state.raw<FileView | null>(null);
  loading = $state(false);
  /** The engine's message about why the file cannot be shown. */
  error = $state<string | null>(null);

  readonly #client: ApiClient;
  /** Counts requests, so that the response to an older one cannot replace a newer file. */
  #request = 0;

  constructor(client: ApiClient) {
    this.#client = client;
  }

  /**
   * Shows a file at a line. A file already on show only moves to the line, so stepping
   * through a chain in one file does not read it again.
   */
  async open(location: SourceLocation): Promise<void> {
    this.location = location;
    if (this.file?.path === location.file) return;

    const request = ++this.#request;
    this.file = null;
    this.error = null;
    this.loading = true;
    try {
      const file = await this.#client.call('file.read', { path: location.file });
      if (request === this.#request) this.file = file;
    } catch (error) {
      if (request === this.#request) this.error = messageOf(error);
    } finally {
      if (request === this.#request) this.loading = false;
    }
  }

  /** Closes the viewer and forgets the file, so the next open reads it fresh. */
  close(): void {
    this.#request++;
    this.location = null;
    this.file = null;
    this.error = null;
    this.loading = false;
  }
}
