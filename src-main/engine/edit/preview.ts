/**
 * The editor's live preview: the contexts that read an edited file are probed again, with the real
 * shells and the real go, in a stand-in home folder where the drafts take the place of the files
 * (see shadow-home.ts). Paths are mapped back to the real home, and the result is compared with
 * the latest scan, so the user sees what saving would change before anything is written.
 */
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import type { ContextPreview, EditPreview, PathEntryChange, VariableChange } from '../../shared/editing.ts';
import type { ScanContext, ScanReport } from '../../shared/scan-report.ts';
import { writeConfinementAvailable } from '../probe/write-confinement.ts';
import type { ScanOptions } from '../scan.ts';
import { contextsReadingFiles, rescanRestriction } from './affected-contexts.ts';
import { createShadowHome, type ShadowFile } from './shadow-home.ts';

/** A draft ready to stand in for its file: the exact bytes a save would write. */
export interface PreviewDraft {
  /** The path as the startup chain names it. */
  path: string;
  /** The file a save writes (the end of the link chain). */
  realPath: string;
  kind: 'startup' | 'go-env';
  bytes: Buffer;
  mode: number;
}

/** Runs a scan restricted as asked; the engine passes its own scan with the app's settings. */
export type PreviewScan = (
  restriction: Pick<ScanOptions, 'shells' | 'contextIds' | 'adjustBase' | 'confineWrites'>,
) => Promise<ScanReport>;

/** The footnote of the preview panel: how the preview was made. */
export const PREVIEW_MECHANISM =
  'The affected contexts were started again with HOME pointing at a stand-in home folder: the ' +
  'edited files hold your drafts, every other entry links to your real home, and paths are shown ' +
  'as in your real home. The shells could not write to your files (a draft line that writes or ' +
  'deletes files fails with "Permission denied"), so your files were not changed.';

/** The reason nothing is previewed where the shells cannot be kept from writing to the user's files. */
export const NO_CONFINEMENT_REASON =
  'the preview runs your unsaved drafts in real shells, and this system cannot keep them from ' +
  'writing to your files (it needs Linux 5.13 or later with Landlock), so drafts are not run. ' +
  'Review the diff, save, and scan again to see the effect.';

/**
 * Variables that differ between any two runs of the same shell, whatever the files contain: `_` contains
 * the last command or the shell's process id.
 */
const RUN_DEPENDENT_VARIABLES = new Set(['_']);

/** Probes the contexts the drafts affect with the drafts in place, and compares with `latest`. */
export async function previewDrafts(latest: ScanReport, drafts: PreviewDraft[], scan: PreviewScan): Promise<EditPreview> {
  const started = performance.now();
  if (!(await writeConfinementAvailable())) {
    return {
      contexts: [],
      skipped: drafts.map((draft) => ({ path: draft.path, reason: NO_CONFINEMENT_REASON })),
      mechanism: PREVIEW_MECHANISM,
      durationMs: performance.now() - started,
    };
  }
  const home = latest.host.home;
  const skipped: EditPreview['skipped'] = [];
  const files: ShadowFile[] = [];
  const affected = new Set<string>();
  for (const draft of drafts) {
    const places = [draft.path, draft.realPath].filter((place, index, all) => all.indexOf(place) === index);
    const inside = places.filter((place) => isInside(place, home));
    if (inside.length === 0) {
      skipped.push({
        path: draft.path,
        reason:
          `${draft.path} is outside your home folder (${home}), and the preview can only stand in ` +
          'for files inside it. Review the diff and save, then scan again to see the effect.',
      });
      continue;
    }
    for (const place of inside) {
      files.push({ relativePath: path.relative(home, place), bytes: draft.bytes, mode: draft.mode });
    }
    for (const context of contextsReadingFiles(latest, places)) affected.add(context.id);
  }

  const contexts: ContextPreview[] = [];
  if (files.length > 0 && affected.size > 0) {
    const shadow = await createShadowHome(home, files);
    try {
      const report = await scan({
        ...rescanRestriction(latest, affected),
        adjustBase: (base) => standInBase(base, home, shadow.root),
        // NOTE: a startup file that writes a file in the home and reads it back while starting gets
        // a failed write here, so its preview can differ from the scan after saving.
        confineWrites: writableDuringPreview(shadow.container, home),
      });
      const mapped = JSON.parse(shadow.mapBack(JSON.stringify(report.contexts))) as ScanContext[];
      for (const after of mapped) {
        const before = latest.contexts.find((context) => context.id === after.id);
        if (before) contexts.push(compareContexts(before, after));
      }
    } finally {
      await shadow.dispose();
    }
  }
  contexts.sort((a, b) => a.contextId.localeCompare(b.contextId));
  return { contexts, skipped, mechanism: PREVIEW_MECHANISM, durationMs: performance.now() - started };
}

/**
 * Lists the directories the previewed shells may write beneath: the stand-in home, the terminal
 * devices, and the temporary directories unless the home is inside one (shells write
 * here-documents and caches there).
 */
function writableDuringPreview(container: string, home: string): string[] {
  const temporary = [os.tmpdir(), '/var/tmp'].filter((directory) => !isInside(home, directory) && existsSync(directory));
  return [container, '/dev', ...temporary];
}

/**
 * Returns the environment the contexts start from, with the home folder replaced by the stand-in wherever
 * a value names it (HOME itself, XDG_CONFIG_HOME, ZDOTDIR, PATH entries), so files reached
 * through those values are the drafts too.
 */
export function standInBase(base: Record<string, string>, home: string, root: string): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [name, value] of Object.entries(base)) {
    result[name] = value
      .split(':')
      .map((part) => (part === home ? root : part.startsWith(`${home}/`) ? root + part.slice(home.length) : part))
      .join(':');
  }
  return result;
}

/** Compares a context of the latest scan with the same context probed with the drafts. */
export function compareContexts(before: ScanContext, after: ScanContext): ContextPreview {
  const error = after.ok
    ? null
    : after.error
      ? `${after.error.message}${after.error.hint ? `. ${after.error.hint}` : ''}`
      : 'the context did not start';
  // When go env fails with the drafts, every go env value would read as unset, so the error is shown instead.
  const goError = after.ok && after.go?.error && after.go.error !== before.go?.error ? after.go.error : null;
  return {
    contextId: after.id,
    label: after.label,
    error,
    goError,
    environment: after.ok ? changedVariables(before.env, after.env, RUN_DEPENDENT_VARIABLES) : [],
    goEnv: after.ok && goError === null ? changedVariables(before.go?.env ?? {}, after.go?.env ?? {}, new Set()) : [],
    path: after.ok ? comparePath(before.env.PATH, after.env.PATH) : [],
    durationMs: after.durationMs,
  };
}

function changedVariables(
  before: Record<string, string>,
  after: Record<string, string>,
  ignored: Set<string>,
): VariableChange[] {
  const names = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
  const changes: VariableChange[] = [];
  for (const name of names) {
    if (ignored.has(name)) continue;
    const was = before[name] ?? null;
    const is = after[name] ?? null;
    if (was !== is) changes.push({ name, before: was, after: is });
  }
  return changes;
}

/**
 * Compares two PATH values entry by entry; empty when they are equal. A directory listed twice is
 * two entries, matched by occurrence. Entries that keep their order relative to each other are
 * `same` even when an insertion shifts their position; the others present in both are `moved`.
 */
export function comparePath(before: string | undefined, after: string | undefined): PathEntryChange[] {
  if ((before ?? null) === (after ?? null)) return [];
  const old = keyedEntries(before);
  const now = keyedEntries(after);
  const kept = longestCommonKeys(
    old.map((item) => item.key),
    now.map((item) => item.key),
  );
  const oldIndex = new Map(old.map((item) => [item.key, item.index]));
  const newKeys = new Set(now.map((item) => item.key));
  const changes: PathEntryChange[] = now.map((item) => {
    const was = oldIndex.get(item.key);
    if (was === undefined) return { entry: item.entry, before: null, after: item.index, change: 'added' };
    return { entry: item.entry, before: was, after: item.index, change: kept.has(item.key) ? 'same' : 'moved' };
  });
  for (const item of old) {
    if (!newKeys.has(item.key)) changes.push({ entry: item.entry, before: item.index, after: null, change: 'removed' });
  }
  return changes;
}

function keyedEntries(value: string | undefined): { key: string; entry: string; index: number }[] {
  const seen = new Map<string, number>();
  return (value === undefined ? [] : value.split(':')).map((entry, index) => {
    const occurrence = seen.get(entry) ?? 0;
    seen.set(entry, occurrence + 1);
    return { key: `${occurrence}\u0000${entry}`, entry, index };
  });
}

/** Returns the keys of the longest common subsequence of two lists (PATH has tens of entries). */
function longestCommonKeys(a: string[], b: string[]): Set<string> {
  const lengths = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0));
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) {
      lengths[i]![j] = a[i] === b[j] ? lengths[i + 1]![j + 1]! + 1 : Math.max(lengths[i + 1]![j]!, lengths[i]![j + 1]!);
    }
  }
  const kept = new Set<string>();
  for (let i = 0, j = 0; i < a.length && j < b.length; ) {
    if (a[i] === b[j]) {
      kept.add(a[i]!);
      i++;
      j++;
    } else if (lengths[i + 1]![j]! >= lengths[i]![j + 1]!) i++;
    else j++;
  }
  return kept;
}

function isInside(file: string, home: string): boolean {
  return home.length > 1 && file.startsWith(`${home}/`);
}
