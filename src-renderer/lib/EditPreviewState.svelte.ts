/**
 * The live preview of unsaved drafts: what every affected context would see with the drafts in
 * place. Requests are debounced and never overlap, and a result computed from older drafts than
 * the current ones is dropped.
 */
import type { ApiClient } from '../../src-main/shared/contract.ts';
import type { DraftFile, EditPreview } from '../../src-main/shared/editing.ts';
import { messageOf } from './api-client.ts';
import { abbreviateHomeInText, endSentence } from './format.ts';

/**
 * Time after the last edit before a preview is requested, in milliseconds. Each preview starts
 * every affected shell, so one request per pause in typing is enough; half a second still reads
 * as live.
 */
export const PREVIEW_DELAY_MS = 500;

/** State of the preview panel, and the scheduling of its requests. */
export class EditPreviewState {
  /** The latest result that matches the drafts it was computed from, or null. */
  result = $state.raw<EditPreview | null>(null);
  /** True while a request is in flight or waiting for its delay. */
  pending = $state(false);
  /** True while a request is in flight. */
  running = $state(false);
  /** True when `result` was computed from older drafts than the current ones. */
  stale = $state(false);
  /** The reason the latest preview of the current drafts failed, in the engine's words. */
  error = $state<string | null>(null);

  readonly #client: ApiClient;
  #drafts: DraftFile[] = [];
  /** Counts draft changes, so a response can tell whether its drafts are still current. */
  #version = 0;
  #timer: ReturnType<typeof setTimeout> | null = null;
  #inFlight = false;

  constructor(client: ApiClient) {
    this.#client = client;
  }

  /** Records the current drafts and schedules their preview; no drafts clears the panel. */
  update(drafts: DraftFile[]): void {
    this.#version++;
    this.#drafts = drafts;
    this.#clearTimer();
    if (drafts.length === 0) {
      this.result = null;
      this.error = null;
      this.stale = false;
      this.pending = this.#inFlight;
      return;
    }
    this.stale = this.result !== null;
    this.pending = true;
    this.#timer = setTimeout(() => {
      this.#timer = null;
      void this.#send();
    }, PREVIEW_DELAY_MS);
  }

  async #send(): Promise<void> {
    // The request in flight sends the newest drafts when it finishes.
    if (this.#inFlight || this.#drafts.length === 0) return;

    const version = this.#version;
    this.#inFlight = true;
    this.running = true;
    try {
      const result = await this.#client.call('edit.preview', { drafts: this.#drafts });
      if (version === this.#version) {
        this.result = result;
        this.error = null;
        this.stale = false;
      }
    } catch (error) {
      if (version === this.#version) this.error = messageOf(error);
    } finally {
      this.#inFlight = false;
      this.running = false;
    }

    const superseded = version !== this.#version;
    if (superseded && this.#timer === null && this.#drafts.length > 0) {
      void this.#send();
      return;
    }
    this.pending = this.#timer !== null;
  }

  #clearTimer(): void {
    if (this.#timer === null) return;
    clearTimeout(this.#timer);
    this.#timer = null;
  }
}

/**
 * Returns why a draft was not previewed, for a list that names the file already: the engine's
 * reason without a leading copy of the path, with the home folder written as `~`.
 */
export function describeSkippedDraft(
  skipped: EditPreview['skipped'][number],
  home: string,
): string {
  const prefix = `${skipped.path}: `;
  const reason = skipped.reason.startsWith(prefix)
    ? skipped.reason.slice(prefix.length)
    : skipped.reason;
  return endSentence(abbreviateHomeInText(reason, home));
}
