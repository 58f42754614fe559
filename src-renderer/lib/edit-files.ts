/**
 * The files the Edit view offers, taken from the latest scan: each context's startup files in
 * the order the shell used them, and its Go env file.
 */
import type { EditableFile } from '../../src-main/shared/editing.ts';
import { goEnvFilePath } from '../../src-main/shared/go-env-file.ts';
import type { StartupFile } from '../../src-main/shared/provenance.ts';
import type { ScanContext, ScanReport } from '../../src-main/shared/scan-report.ts';

/** One row of the Edit view's file list. */
export interface EditListEntry {
  path: string;
  kind: EditableFile['kind'];
  /** The scan's status of a startup file; null for the Go env file, which the scan never checks. */
  status: StartupFile['status'] | null;
  note: string | null;
}

/**
 * Returns the Go env file of a context, when it is an absolute path: `go env GOENV`, or, when
 * go env failed (a bad line in that very file makes every go command fail), the path go would
 * use in the context's environment. The engine's edit scope allows the same file.
 */
export function goEnvFileOf(context: ScanContext): string | null {
  const file = context.go?.env?.GOENV ?? (context.ok ? goEnvFilePath(context.env) : null);
  return file !== null && file.startsWith('/') ? file : null;
}

/**
 * Lists the files of a context that can be edited: its startup files in the order read, each
 * path once, and then its Go env file.
 */
export function listEditableFiles(context: ScanContext): EditListEntry[] {
  const entries: EditListEntry[] = [];
  const seen = new Set<string>();
  for (const file of context.startupFiles) {
    if (seen.has(file.path)) continue;
    seen.add(file.path);
    entries.push({ path: file.path, kind: 'startup', status: file.status, note: file.note });
  }
  const goEnvFile = goEnvFileOf(context);
  if (goEnvFile !== null && !seen.has(goEnvFile)) {
    const goError = context.go?.error ?? null;
    const note = goError === null ? null : `go env fails: ${goError}`;
    entries.push({ path: goEnvFile, kind: 'go-env', status: null, note });
  }
  return entries;
}

/** Returns every path the Edit view can open for some context of the report. */
export function editablePaths(report: ScanReport | null): Set<string> {
  const paths = new Set<string>();
  for (const context of report?.contexts ?? []) {
    for (const entry of listEditableFiles(context)) paths.add(entry.path);
  }
  return paths;
}

/** Reports whether the Edit view has anything to list for a context. */
export function hasEditableFiles(context: ScanContext): boolean {
  return listEditableFiles(context).length > 0;
}

/**
 * Picks the context whose file list should show a path: the current one when it lists the path,
 * or else the first context that does.
 */
export function contextListing(
  report: ScanReport | null,
  path: string,
  currentId: string | null,
): string | null {
  const listing = (report?.contexts ?? []).filter((context) =>
    listEditableFiles(context).some((entry) => entry.path === path),
  );
  if (listing.some((context) => context.id === currentId)) return currentId;
  return listing[0]?.id ?? null;
}

/**
 * Returns the chain from the path as the startup chain names it to the file a save writes,
 * each path once: `~/.bashrc`, then every link followed, ending at the real path.
 */
export function linkChain(file: EditableFile): string[] {
  return [...new Set([file.path, ...file.links, file.realPath])];
}
