/**
 * State of the Findings view: the findings of the latest scan for an optional project folder, the
 * previewed effect of fixes, and the fixes applied in this session with their undo.
 */
import { SvelteMap, SvelteSet } from 'svelte/reactivity';

import type { ApiClient } from '../../src-main/shared/contract.ts';
import type { EditPreview } from '../../src-main/shared/editing.ts';
import type { Finding, FindingsReport, Fix, FixOutcome } from '../../src-main/shared/findings.ts';
import type { ScanReport } from '../../src-main/shared/scan-report.ts';
import { messageOf } from './api-client.ts';

/** The effect of a fix's edits, found by probing the affected contexts with the edits in place. */
export interface FixPreview {
  /** The edits previewed, to tell a preview of older edits of the same fix. */
  edits: Fix['edits'];
  running: boolean;
  result: EditPreview | null;
  /** The reason the preview failed, in the engine's words. */
  error: string | null;
}

/** A fix applied in this session, kept on show after its finding leaves the list. */
export interface AppliedFix {
  /** Numbers the applied fixes of the session, newest highest. */
  id: number;
  findingTitle: string;
  fixTitle: string;
  outcome: FixOutcome;
  undo: 'available' | 'running' | 'done' | 'failed';
  /** The files the undo put back so far. */
  restored: string[];
  /** The reason the undo failed, naming the file, or null. */
  undoError: string | null;
}

/** Identifies a fix across findings: fix ids are only unique within their finding. */
export function fixKey(finding: Finding, fix: Fix): string {
  return `${finding.id}\n${fix.id}`;
}

/** Describes what is wrong with a typed project folder, or returns null when it can be used. */
export function describeProjectProblem(project: string): string | null {
  const trimmed = project.trim();
  if (trimmed === '' || trimmed.startsWith('/')) return null;
  return `The project folder "${trimmed}" is not an absolute path. Type the full path, starting with /.`;
}

/** Shared state of the Findings view, and the actions that list, preview, apply and undo. */
export class FindingsState {
  report = $state.raw<FindingsReport | null>(null);
  /** The project folder as typed; empty for none. */
  project = $state('');
  loading = $state(false);
  /** The reason the findings could not be listed, as shown to the user. */
  error = $state<string | null>(null);
  /** Ids of the findings whose details are open. */
  readonly expanded = new SvelteSet<string>();
  /** Previews by fixKey. */
  readonly previews = new SvelteMap<string, FixPreview>();
  /** The reason applying a fix failed, in the engine's words, by fixKey. */
  readonly applyErrors = new SvelteMap<string, string>();
  /** The fixKey of the fix being applied, or null. */
  applying = $state<string | null>(null);
  /** The fixes applied in this session, newest first. */
  applied = $state.raw<AppliedFix[]>([]);
  /** The problem with the typed project folder, or null. */
  projectProblem: string | null = $derived(describeProjectProblem(this.project));

  /**
   * The scan report the findings on show were listed for, to list them again only when the window
   * shows another report: a new scan, or the latest scan updated after a save, undo or fix.
   */
  scanReport: ScanReport | null = null;

  readonly #client: ApiClient;
  /** Counts list requests, so that the response to an older one cannot replace a newer list. */
  #request = 0;
  #nextAppliedId = 1;

  constructor(client: ApiClient) {
    this.#client = client;
  }

  /** Lists the findings of the latest scan for the typed project folder. */
  async load(scanReport: ScanReport | null = this.scanReport): Promise<void> {
    if (this.projectProblem) {
      this.error = this.projectProblem;
      return;
    }
    const project = this.project.trim();
    const request = ++this.#request;
    this.scanReport = scanReport;
    this.loading = true;
    this.error = null;
    try {
      const report = await this.#client.call('findings.list', project === '' ? {} : { project });
      if (request !== this.#request) return;
      this.report = report;
      this.#forgetMissing(report);
    } catch (error) {
      if (request === this.#request) this.error = `Could not list the findings: ${messageOf(error)}`;
    } finally {
      if (request === this.#request) this.loading = false;
    }
  }

  /** Probes the contexts that read the fix's files with its edits in place, without saving. */
  async preview(finding: Finding, fix: Fix): Promise<void> {
    const key = fixKey(finding, fix);
    if (fix.edits.length === 0 || this.previews.get(key)?.running) return;
    const edits = fix.edits;
    this.previews.set(key, { edits, running: true, result: null, error: null });
    try {
      const drafts = edits.map((edit) => ({ path: edit.path, text: edit.after }));
      const result = await this.#client.call('edit.preview', { drafts });
      this.previews.set(key, { edits, running: false, result, error: null });
    } catch (error) {
      this.previews.set(key, { edits, running: false, result: null, error: messageOf(error) });
    }
  }

  /**
   * Applies a fix through the engine, which saves its edits after taking backups and probes the
   * affected contexts again. Returns the outcome, or null when the fix could not be applied (the
   * reason is in applyErrors). The caller loads the updated scan, and the findings are listed
   * again for it.
   */
  async apply(finding: Finding, fix: Fix): Promise<FixOutcome | null> {
    const key = fixKey(finding, fix);
    if (this.applying !== null) return null;
    this.applying = key;
    this.applyErrors.delete(key);
    const project = this.report?.project ?? null;
    try {
      const outcome = await this.#client.call('findings.apply', {
        findingId: finding.id,
        fixId: fix.id,
        // The engine applies the fix only to the file contents the shown diff was made from.
        expectedHashes: Object.fromEntries(fix.edits.map((edit) => [edit.path, edit.expectedHash])),
        ...(project === null ? {} : { project }),
      });
      const applied: AppliedFix = {
        id: this.#nextAppliedId++,
        findingTitle: finding.title,
        fixTitle: fix.title,
        outcome,
        undo: 'available',
        restored: [],
        undoError: null,
      };
      this.applied = [applied, ...this.applied];
      this.previews.delete(key);
      return outcome;
    } catch (error) {
      this.applyErrors.set(key, messageOf(error));
      return null;
    } finally {
      this.applying = null;
    }
  }

  /**
   * Puts back every file an applied fix saved, from the backup taken just before the fix wrote
   * it. The undo itself backs up the current content first, so nothing is lost. Returns true when
   * every file was restored.
   */
  async undo(appliedId: number): Promise<boolean> {
    const applied = this.applied.find((entry) => entry.id === appliedId);
    if (!applied || applied.undo === 'running' || applied.undo === 'done') return false;
    this.#updateApplied(appliedId, { undo: 'running', undoError: null });

    // A retry after a failure skips the files restored already.
    const restored = [...applied.restored];
    for (const saved of applied.outcome.saved) {
      if (restored.includes(saved.path)) continue;
      try {
        await this.#client.call('edit.undo', { path: saved.path, id: saved.backupId });
        restored.push(saved.path);
      } catch (error) {
        const undoError = `Could not restore ${saved.path}: ${messageOf(error)}`;
        this.#updateApplied(appliedId, { undo: 'failed', restored, undoError });
        return false;
      }
    }
    this.#updateApplied(appliedId, { undo: 'done', restored });
    return true;
  }

  /** Removes an applied fix's notice. */
  dismiss(appliedId: number): void {
    this.applied = this.applied.filter((entry) => entry.id !== appliedId);
  }

  #updateApplied(appliedId: number, change: Partial<AppliedFix>): void {
    this.applied = this.applied.map((entry) =>
      entry.id === appliedId ? { ...entry, ...change } : entry,
    );
  }

  /**
   * Drops the open state and errors of findings the new list no longer has, and the previews of
   * fixes whose edits changed, since those show the effect of text that would no longer be saved.
   */
  #forgetMissing(report: FindingsReport): void {
    const ids = new Set(report.findings.map((finding) => finding.id));
    for (const id of this.expanded) if (!ids.has(id)) this.expanded.delete(id);
    const fixes = new Map(
      report.findings.flatMap((finding) => finding.fixes.map((fix) => [fixKey(finding, fix), fix])),
    );
    for (const key of this.applyErrors.keys()) if (!fixes.has(key)) this.applyErrors.delete(key);
    for (const [key, preview] of this.previews) {
      const fix = fixes.get(key);
      if (!fix || !sameEdits(fix.edits, preview.edits)) this.previews.delete(key);
    }
  }
}

function sameEdits(a: Fix['edits'], b: Fix['edits']): boolean {
  return (
    a.length === b.length &&
    a.every(
      (edit, index) =>
        edit.path === b[index]?.path &&
        edit.expectedHash === b[index].expectedHash &&
        edit.after === b[index].after,
    )
  );
}
