/**
 * Types of the file editor: a startup file or Go env file opened for editing, a save and its
 * backup, and the preview of unsaved drafts in the contexts they affect.
 */

/** The layout of a file's bytes, kept on save so only the edited lines change. */
export interface TextFormat {
  /** `latin1` for a file that is not valid UTF-8: every byte maps to one character and back. */
  encoding: 'utf-8' | 'latin1';
  /** True when the file starts with a UTF-8 byte order mark. */
  bom: boolean;
  /**
   * The line endings of the file. The editor always works with `\n`; on save `crlf` turns every
   * line ending into `\r\n`. `mixed` files are saved with the ending most of their lines used.
   */
  lineEnding: 'lf' | 'crlf' | 'mixed';
  /** For a `mixed` file: the ending most of its lines use, which a save writes on every line. */
  majorityEnding?: 'lf' | 'crlf';
  /** True when the last line ends with a line ending. */
  finalNewline: boolean;
}

/** The reason a file can be opened but not saved, in words for the user. */
export interface WriteBlock {
  code: 'read-only' | 'read-only-store' | 'not-permitted' | 'foreign-owner' | 'not-a-file';
  message: string;
}

/** A file opened for editing. */
export interface EditableFile {
  /** The path as the startup chain names it. */
  path: string;
  /** The file written on save: the end of the symbolic link chain, or `path` itself. */
  realPath: string;
  /** Every link followed from `path`, in order (empty for a plain file). */
  links: string[];
  /** False for a well-known startup file that does not exist yet; saving creates it. */
  exists: boolean;
  /** The text with `\n` line endings and without the byte order mark. */
  text: string;
  format: TextFormat;
  /** SHA-256 of the file's bytes as loaded (of the empty string for a missing file), in hex. */
  hash: string;
  /** Null when the file can be saved. */
  writeBlock: WriteBlock | null;
  /** The file's role for the contexts: a startup file, or a Go env file. */
  kind: 'startup' | 'go-env';
  /** Ids of the contexts of the latest scan that read this file. */
  contextIds: string[];
}

/** A copy of a file's previous content, kept in the app's data directory. */
export interface BackupEntry {
  /** Stable id, sortable by time. */
  id: string;
  /** The file the backup belongs to (the link target that was written). */
  path: string;
  /** When the backup was taken, as an ISO 8601 time. */
  takenAt: string;
  /** Why: the content before a save, or before an undo. */
  reason: 'save' | 'undo';
  /** SHA-256 of the backed-up bytes, in hex; the hash of the empty string for a file that did not exist. */
  hash: string;
  /** Size in bytes. */
  size: number;
  /** False when the file did not exist before the save; undoing it removes the file. */
  existed: boolean;
}

/** The result of a save or an undo. */
export interface SaveResult {
  path: string;
  realPath: string;
  /** SHA-256 of the bytes now on disk. */
  hash: string;
  /** The backup taken just before writing. */
  backup: BackupEntry;
}

/**
 * The outcome of a save request: the file was written, or it changed on disk since it was loaded and
 * nothing was written, so the user can reload it or compare both versions.
 */
export type SaveOutcome =
  | { status: 'saved'; result: SaveResult }
  | { status: 'changed-on-disk'; message: string; current: EditableFile };

/** One file's unsaved text in a preview or save request. */
export interface DraftFile {
  path: string;
  /** The draft, with `\n` line endings. */
  text: string;
}

/** The change of one variable of one context with the drafts in place. */
export interface VariableChange {
  name: string;
  /** Null when unset. */
  before: string | null;
  after: string | null;
}

/** One PATH entry's fate in a preview. */
export interface PathEntryChange {
  entry: string;
  /** Position before and after (0-based), null where absent. */
  before: number | null;
  after: number | null;
  change: 'added' | 'removed' | 'moved' | 'same';
}

/** One context re-probed with the drafts in place. */
export interface ContextPreview {
  contextId: string;
  label: string;
  /** Null when the context started and was captured; otherwise why not, in words. */
  error: string | null;
  /** go env's error when the drafts make it fail (a bad Go env file line), otherwise null. */
  goError: string | null;
  /** Environment variables and `go env` values that differ; empty when nothing changes. */
  environment: VariableChange[];
  goEnv: VariableChange[];
  /** PATH entry by entry; empty when PATH is unchanged. */
  path: PathEntryChange[];
  durationMs: number;
}

/** The effect of unsaved drafts, found by running the shells and go against them. */
export interface EditPreview {
  /** The contexts whose startup chain or Go env file includes a draft. */
  contexts: ContextPreview[];
  /** Drafts that could not be previewed, with the reason. */
  skipped: { path: string; reason: string }[];
  /** The method that put the drafts in place, in words (for the panel's footnote). */
  mechanism: string;
  durationMs: number;
}
