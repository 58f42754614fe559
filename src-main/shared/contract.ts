/**
 * The API contract: every method the UI can call, with its request schema and response type, and
 * every event the engine pushes. Electron IPC, the loopback bridge and the in-process CLI are all
 * typed from this one table, and requests are validated against it where they enter the engine.
 */
import { z } from 'zod';

import type { BackupEntry, EditableFile, EditPreview, SaveOutcome, SaveResult } from './editing.ts';
import type { FindingsReport, FixOutcome } from './findings.ts';
import type { GoLayersReport } from './go-layers.ts';
import type { ToolchainResolution } from './go-toolchain-resolution.ts';
import type { ToolchainInventory, ToolchainUsage } from './go-toolchains.ts';
import type { ScanProgress, ScanReport } from './scan-report.ts';

/** Longest probe deadline a request may ask for, in milliseconds (two minutes). */
export const MAX_DEADLINE_MS = 120_000;
/** Shortest probe deadline a request may ask for, in milliseconds. */
export const MIN_DEADLINE_MS = 200;

const emptyRequest = z.object({}).strict();

const scanRunRequest = z
  .object({
    /** Probe deadline per context, in milliseconds. */
    deadlineMs: z.number().int().min(MIN_DEADLINE_MS).max(MAX_DEADLINE_MS).optional(),
    /** Restrict the scan to these shell names (e.g. `bash`); all installed shells by default. */
    shells: z.array(z.string().min(1).max(64)).max(64).optional(),
  })
  .strict();

const fileReadRequest = z
  .object({
    /** Absolute path of a startup file or Go env file named by the latest scan. */
    path: z.string().min(1).max(4096),
  })
  .strict();

const goResolveRequest = z
  .object({
    /** Absolute path of a project folder whose go.mod and go.work decide the toolchain. */
    project: z.string().min(1).max(4096).startsWith('/').optional(),
  })
  .strict();

/** Every Go installed on the machine, and which contexts of the latest scan use each. */
export interface ToolchainsView {
  inventory: ToolchainInventory;
  /** Null until a scan has run. */
  usage: ToolchainUsage | null;
}

/** The toolchain that really runs in each context of the latest scan, in an optional project folder. */
export interface GoResolutionView {
  project: string | null;
  contexts: {
    id: string;
    label: string;
    resolution: ToolchainResolution | null;
    /** The layer of every Go setting for the go on PATH; null without one. */
    layers: GoLayersReport | null;
    /** The reason the layers could not be computed, or null. */
    layersError: string | null;
  }[];
}

const goPreviewEnvFileRequest = z
  .object({
    /** The context of the latest scan whose Go env file is edited. */
    contextId: z.string().min(1).max(200),
    /** The draft text; absent to get the current file and its layers. */
    text: z.string().max(1024 * 1024).optional(),
    /** Absolute path of a project folder, as for go.resolve. */
    project: z.string().min(1).max(4096).startsWith('/').optional(),
  })
  .strict();

const goSaveEnvFileRequest = z
  .object({
    contextId: z.string().min(1).max(200),
    /** The new text of the file. */
    text: z.string().max(1024 * 1024),
    /** The text the edit started from, or null for a file that did not exist. */
    expectedText: z.string().max(1024 * 1024).nullable(),
  })
  .strict();

/** A saved Go env file, and the copy of what it held before. */
export interface GoEnvFileSaved {
  path: string;
  backupPath: string | null;
}

/** A Go env file draft's effect, computed without writing the file. */
export interface GoEnvFilePreview {
  /** The context's Go env file, or null when it has none (GOENV=off, no home). */
  path: string | null;
  /** The file's text now, or null when it does not exist or cannot be read. */
  currentText: string | null;
  /** The layers with the draft in place of the file (the current ones without a draft). */
  layers: GoLayersReport | null;
  error: string | null;
}

/** Largest draft the editor sends, in characters; startup files are far smaller. */
export const MAX_DRAFT_CHARS = 1024 * 1024;

const editPathRequest = z
  .object({
    /** Absolute path of a file in a context's startup chain, or a Go env file, from the latest scan. */
    path: z.string().min(1).max(4096),
  })
  .strict();

const draftFile = z
  .object({
    path: z.string().min(1).max(4096),
    text: z.string().max(MAX_DRAFT_CHARS),
  })
  .strict();

const editPreviewRequest = z
  .object({
    /** The unsaved drafts, at most one per file. */
    drafts: z.array(draftFile).min(1).max(32),
  })
  .strict();

const editSaveRequest = z
  .object({
    path: z.string().min(1).max(4096),
    text: z.string().max(MAX_DRAFT_CHARS),
    /** The hash the file had when it was loaded (EditableFile.hash). */
    expectedHash: z.string().regex(/^[0-9a-f]{64}$/),
  })
  .strict();

const editBackupRequest = z
  .object({
    path: z.string().min(1).max(4096),
    /** A backup id from edit.history. */
    id: z.string().min(1).max(200),
  })
  .strict();

const editUndoRequest = z
  .object({
    path: z.string().min(1).max(4096),
    /** The backup to restore; the latest when absent. */
    id: z.string().min(1).max(200).optional(),
  })
  .strict();

const findingsListRequest = z
  .object({
    /** Absolute path of a project folder whose go.mod and go.work the Go rules read. */
    project: z.string().min(1).max(4096).startsWith('/').optional(),
  })
  .strict();

const findingsApplyRequest = z
  .object({
    /** A finding id from findings.list. */
    findingId: z.string().min(1).max(1000),
    /** The fix to apply; the finding's first fix with edits when absent. */
    fixId: z.string().min(1).max(200).optional(),
    /**
     * The expectedHash of each edit as the fix was shown. The fix is not applied when a file
     * changed since, so what is written is what the user reviewed.
     */
    expectedHashes: z.record(z.string().min(1).max(4096), z.string().regex(/^[0-9a-f]{64}$/)).optional(),
    project: z.string().min(1).max(4096).startsWith('/').optional(),
  })
  .strict();

/** A backup's content, for showing it next to the current file. */
export interface BackupView {
  entry: BackupEntry;
  /** The text with `\n` line endings; null when the file did not exist at that point. */
  text: string | null;
}

/** A file shown read-only, for jumping to the line a provenance chain names. */
export interface FileView {
  path: string;
  /** The file the path leads to after following symbolic links. */
  realPath: string;
  text: string;
  /** True when the text was cut at the size cap. */
  truncated: boolean;
}

/** Facts about the running app that the UI shows in its header. */
export interface AppInfo {
  version: string;
  /** How the UI is connected: `electron` or `browser`. */
  host: 'electron' | 'browser' | 'cli';
  user: string;
  home: string;
  defaultDeadlineMs: number;
}

function method<Request extends z.ZodType, Response>(request: Request) {
  return { request, response: undefined as unknown as Response };
}

/** Every API method: its name, request schema and response type. */
export const apiMethods = {
  'app.info': method<typeof emptyRequest, AppInfo>(emptyRequest),
  'scan.run': method<typeof scanRunRequest, ScanReport>(scanRunRequest),
  'scan.latest': method<typeof emptyRequest, ScanReport | null>(emptyRequest),
  'file.read': method<typeof fileReadRequest, FileView>(fileReadRequest),
  'go.toolchains': method<typeof emptyRequest, ToolchainsView>(emptyRequest),
  'go.resolve': method<typeof goResolveRequest, GoResolutionView>(goResolveRequest),
  'go.previewEnvFile': method<typeof goPreviewEnvFileRequest, GoEnvFilePreview>(goPreviewEnvFileRequest),
  'go.saveEnvFile': method<typeof goSaveEnvFileRequest, GoEnvFileSaved>(goSaveEnvFileRequest),
  'edit.open': method<typeof editPathRequest, EditableFile>(editPathRequest),
  'edit.preview': method<typeof editPreviewRequest, EditPreview>(editPreviewRequest),
  'edit.save': method<typeof editSaveRequest, SaveOutcome>(editSaveRequest),
  'edit.history': method<typeof editPathRequest, BackupEntry[]>(editPathRequest),
  'edit.backup': method<typeof editBackupRequest, BackupView>(editBackupRequest),
  'edit.undo': method<typeof editUndoRequest, SaveResult>(editUndoRequest),
  'findings.list': method<typeof findingsListRequest, FindingsReport>(findingsListRequest),
  'findings.apply': method<typeof findingsApplyRequest, FixOutcome>(findingsApplyRequest),
};

/** Every event the engine pushes to the UI, with its payload type. */
export interface ApiEvents {
  'scan.progress': ScanProgress;
}

export type MethodName = keyof typeof apiMethods;
export type EventName = keyof ApiEvents;
export type RequestOf<M extends MethodName> = z.input<(typeof apiMethods)[M]['request']>;
export type ValidRequestOf<M extends MethodName> = z.output<(typeof apiMethods)[M]['request']>;
export type ResponseOf<M extends MethodName> = (typeof apiMethods)[M]['response'];

/** The engine side of the contract: one handler per method. */
export type ApiHandlers = {
  [M in MethodName]: (request: ValidRequestOf<M>) => Promise<ResponseOf<M>>;
};

/** The caller side of the contract, implemented by each transport's client. */
export interface ApiClient {
  call<M extends MethodName>(method: M, request: RequestOf<M>): Promise<ResponseOf<M>>;
  on<E extends EventName>(event: E, listener: (payload: ApiEvents[E]) => void): () => void;
}

/** A request that failed validation or named no method; transports map it to a client error. */
export class ApiRequestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ApiRequestError';
  }
}

/** Names every method of the contract, for transports that register handlers by name. */
export const methodNames = Object.keys(apiMethods) as MethodName[];

/**
 * Every event name, as a record so that the file fails to compile when ApiEvents gains an event
 * that is missing here.
 */
const eventNameRecord: Record<EventName, true> = { 'scan.progress': true };

/** Names every event of the contract, for transports that forward events by name. */
export const eventNames = Object.keys(eventNameRecord) as EventName[];

/** Reports whether a string names a method of the contract. */
export function isMethodName(name: unknown): name is MethodName {
  return typeof name === 'string' && Object.hasOwn(apiMethods, name);
}

/**
 * Checks a request that arrived over a transport against the method's schema and returns the
 * parsed request, or throws ApiRequestError naming the method and the offending field.
 */
export function parseRequest<M extends MethodName>(name: M, request: unknown): ValidRequestOf<M> {
  const result = apiMethods[name].request.safeParse(request ?? {});
  if (!result.success) {
    const issue = result.error.issues[0];
    const where = issue && issue.path.length > 0 ? ` at "${issue.path.join('.')}"` : '';
    throw new ApiRequestError(`invalid request for ${name}${where}: ${issue?.message ?? 'rejected'}`);
  }
  return result.data as ValidRequestOf<M>;
}

/** Dispatches one validated call to its handler; used by every transport. */
export async function dispatch(
  handlers: ApiHandlers,
  name: unknown,
  request: unknown,
): Promise<unknown> {
  if (!isMethodName(name)) {
    throw new ApiRequestError(`unknown API method ${JSON.stringify(name)}`);
  }
  const handler = handlers[name] as (request: unknown) => Promise<unknown>;
  return handler(parseRequest(name, request));
}
