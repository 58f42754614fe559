/**
 * The editor's API methods: open a file of a context's startup chain or a Go env file, preview
 * drafts, save, list and show backups, undo. Every path is checked against the latest scan here,
 * in the engine, whatever the transport.
 */
import { promises as fs } from 'node:fs';

import { ApiRequestError, type ApiHandlers } from '../../shared/contract.ts';
import type { EditPreview } from '../../shared/editing.ts';
import type { ScanReport } from '../../shared/scan-report.ts';
import { BackupDamagedError, BackupNotFoundError, type BackupStore } from '../files/backup-store.ts';
import { DataDirectoryError } from '../files/data-directory.ts';
import { resolveEditTarget } from '../files/edit-scope.ts';
import {
  FileNotEditableError,
  openEditableFile,
  saveEditableFile,
  SaveRefusedError,
  undoLastSave,
} from '../files/safe-save.ts';
import { decodeFileText, encodeFileText, UnencodableTextError, UnsupportedTextError } from '../files/text-format.ts';
import { previewDrafts, type PreviewDraft, type PreviewScan } from './preview.ts';

type EditMethod = 'edit.open' | 'edit.preview' | 'edit.save' | 'edit.history' | 'edit.backup' | 'edit.undo';

export interface EditServiceOptions {
  /** The latest scan, whose startup chains and Go env files decide what may be edited. */
  latest: () => ScanReport | null;
  /** The backup history in the app's data directory. */
  store: BackupStore;
  /** Scans the contexts a preview affects, with the app's settings. */
  scan: PreviewScan;
  /**
   * Probes again the contexts that read the saved files and updates the latest scan, so views
   * and later previews compare against what is on disk now.
   */
  refresh: (paths: string[]) => Promise<void>;
}

/** Creates the handlers of the editor's methods. */
export function createEditHandlers(options: EditServiceOptions): Pick<ApiHandlers, EditMethod> {
  const { store } = options;

  /** Returns the latest scan, which every editor request needs. */
  function scanned(): ScanReport {
    const latest = options.latest();
    if (!latest) throw new ApiRequestError('no scan has run yet; scan first, then open a file to edit');
    return latest;
  }

  /** Resolves the allowed file a request names, with the options the file layer needs to describe it. */
  async function target(requested: string) {
    const latest = scanned();
    const found = await resolveEditTarget(requested, latest, latest.host.home);
    return { ...found, options: { kind: found.kind, contextIds: found.contextIds, home: latest.host.home } };
  }

  return {
    'edit.open': async (request) => {
      const found = await target(request.path);
      return asRequestError(() => openEditableFile(found.path, found.options));
    },
    'edit.preview': async (request) => {
      const latest = scanned();
      const seen = new Set<string>();
      const drafts: PreviewDraft[] = [];
      const skipped: EditPreview['skipped'] = [];
      for (const draft of request.drafts) {
        if (seen.has(draft.path)) throw new ApiRequestError(`${draft.path} is in the preview request twice`);
        seen.add(draft.path);
        const found = await target(draft.path);
        const file = await asRequestError(() => openEditableFile(found.path, found.options));
        let bytes: Buffer;
        try {
          bytes = encodeFileText(draft.text, file.format);
        } catch (error) {
          // One draft the file's encoding cannot store does not stop the others' preview.
          if (!(error instanceof UnencodableTextError)) throw error;
          skipped.push({ path: found.path, reason: error.message });
          continue;
        }
        const mode = file.exists ? (await fs.stat(file.realPath)).mode & 0o7777 : 0o644;
        drafts.push({ path: found.path, realPath: file.realPath, kind: found.kind, bytes, mode });
      }
      const preview = await previewDrafts(latest, drafts, options.scan);
      return { ...preview, skipped: [...skipped, ...preview.skipped] };
    },
    'edit.save': async (request) => {
      const found = await target(request.path);
      const outcome = await asRequestError(() =>
        saveEditableFile({
          ...found.options,
          path: found.path,
          text: request.text,
          expectedHash: request.expectedHash,
          store,
        }),
      );
      if (outcome.status === 'saved') await options.refresh([found.path]);
      return outcome;
    },
    'edit.history': async (request) => {
      const found = await target(request.path);
      const file = await asRequestError(() => openEditableFile(found.path, found.options));
      return store.history(file.realPath);
    },
    'edit.backup': async (request) => {
      const found = await target(request.path);
      const file = await asRequestError(() => openEditableFile(found.path, found.options));
      const entry = (await store.history(file.realPath)).find((candidate) => candidate.id === request.id);
      if (!entry) throw new ApiRequestError(`${found.path} has no backup ${JSON.stringify(request.id)}`);
      const bytes = await store.read(file.realPath, entry.id);
      return { entry, text: bytes === null ? null : asRequestErrorSync(() => decodeFileText(bytes).text) };
    },
    'edit.undo': async (request) => {
      const found = await target(request.path);
      const result = await asRequestError(() => undoLastSave(found.path, store, request.id, found.options));
      await options.refresh([found.path]);
      return result;
    },
  };
}

/** Turns the file layer's refusals into request errors, whose messages reach the user as they are. */
async function asRequestError<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw translated(error);
  }
}

function asRequestErrorSync<T>(work: () => T): T {
  try {
    return work();
  } catch (error) {
    throw translated(error);
  }
}

function translated(error: unknown): unknown {
  if (
    error instanceof SaveRefusedError ||
    error instanceof UnsupportedTextError ||
    error instanceof UnencodableTextError ||
    error instanceof FileNotEditableError ||
    error instanceof BackupNotFoundError ||
    error instanceof BackupDamagedError ||
    error instanceof DataDirectoryError
  ) {
    return new ApiRequestError(error.message);
  }
  return error;
}
