/**
 * The engine behind the API contract: one handler per method, plus the events it pushes. Every
 * transport (Electron IPC, the loopback bridge, the CLI) wraps the same service.
 */
import os from 'node:os';

import { ApiRequestError, type ApiEvents, type ApiHandlers, type AppInfo, type EventName } from '../shared/contract.ts';
import type { ScanReport } from '../shared/scan-report.ts';
import type { BaseEnvironmentChoice } from './base-environment.ts';
import { DEFAULT_PROBE_DEADLINE_MS } from './probe/limits.ts';
import { contextsReadingFiles, mergeContexts, rescanRestriction } from './edit/affected-contexts.ts';
import { createEditHandlers } from './edit/edit-service.ts';
import { BackupStore } from './files/backup-store.ts';
import { appDataDirectory } from './files/data-directory.ts';
import { applyFix } from './findings/apply-fix.ts';
import { diagnose } from './findings/diagnose.ts';
import { gatherFacts } from './findings/facts.ts';
import { readAllowedFile } from './file-access.ts';
import { EnvFileSaveError, saveEnvFile } from './go/env-file-writer.ts';
import { previewEnvFile, resolveProjectToolchains } from './go/resolve-contexts.ts';
import { contextsUsingToolchain, findInstalledToolchains } from './go/toolchain-inventory.ts';
import { runScan, type ScanOptions } from './scan.ts';
import { readPackageVersion } from './package-info.ts';

type Listener<E extends EventName> = (payload: ApiEvents[E]) => void;

/** The engine service: handlers for every method and a way to listen to its events. */
export interface ApiService {
  handlers: ApiHandlers;
  on<E extends EventName>(event: E, listener: Listener<E>): () => void;
}

export interface ApiServiceOptions {
  host: AppInfo['host'];
  /** Probe deadline used when a request names none, in milliseconds. */
  defaultDeadlineMs?: number;
  /** The environment the app itself was started with; `process.env` by default. */
  environment?: NodeJS.ProcessEnv;
  /** Shells scanned when a request names none; every installed shell when absent. */
  defaultShells?: string[];
  /** Environment every context starts from; `auto` when absent. */
  baseEnvironment?: BaseEnvironmentChoice;
}

/** Creates the engine service that every transport wraps. */
export function createApiService(options: ApiServiceOptions): ApiService {
  const listeners = new Map<EventName, Set<(payload: never) => void>>();
  const defaultDeadlineMs = options.defaultDeadlineMs ?? DEFAULT_PROBE_DEADLINE_MS;
  let latest: ScanReport | null = null;
  let running: Promise<ScanReport> | null = null;

  function emit<E extends EventName>(event: E, payload: ApiEvents[E]): void {
    for (const listener of listeners.get(event) ?? []) (listener as Listener<E>)(payload);
  }

  /** A context of the latest scan whose environment was captured. */
  function probedContext(contextId: string) {
    const context = latest?.contexts.find((candidate) => candidate.id === contextId);
    if (!context || !context.ok) {
      throw new ApiRequestError(`no probed context ${JSON.stringify(contextId)} in the latest scan`);
    }
    return context;
  }

  const environment = options.environment ?? process.env;
  const store = new BackupStore(appDataDirectory(environment, process.platform, os.homedir()));
  const rescan = (restriction: Pick<ScanOptions, 'shells' | 'contextIds' | 'adjustBase'>) =>
    runScan({
      deadlineMs: latest?.deadlineMs ?? defaultDeadlineMs,
      environment,
      baseEnvironment: options.baseEnvironment,
      ...restriction,
    });

  /** Returns the latest scan, which findings need. */
  function scanned(): ScanReport {
    if (!latest) throw new ApiRequestError('no scan has run yet; scan first');
    return latest;
  }

  const editHandlers = createEditHandlers({
    latest: () => latest,
    store,
    scan: rescan,
    refresh: async (paths) => {
      const before = latest;
      if (!before) return;
      const affected = contextsReadingFiles(before, paths).map((context) => context.id);
      if (affected.length === 0) return;
      const rescanned = await rescan(rescanRestriction(before, affected));
      // A full scan that finished meanwhile is newer than this partial one.
      if (latest === before) latest = mergeContexts(before, rescanned);
    },
  });

  const handlers: ApiHandlers = {
    'app.info': async () => ({
      version: readPackageVersion(),
      host: options.host,
      user: os.userInfo().username,
      home: os.homedir(),
      defaultDeadlineMs,
    }),
    'scan.run': async (request) => {
      // A second request while a scan runs joins it, so a double click cannot start two scans.
      if (running) return running;
      running = runScan({
        deadlineMs: request.deadlineMs ?? defaultDeadlineMs,
        shells: request.shells ?? options.defaultShells,
        environment: options.environment ?? process.env,
        baseEnvironment: options.baseEnvironment,
        onProgress: (progress) => emit('scan.progress', progress),
      });
      try {
        latest = await running;
        return latest;
      } finally {
        running = null;
      }
    },
    'scan.latest': async () => latest,
    'file.read': async (request) => readAllowedFile(request.path, latest),
    'go.toolchains': async () => {
      const environment = options.environment ?? process.env;
      const inventory = await findInstalledToolchains({
        home: environment.HOME ?? os.homedir(),
        env: Object.fromEntries(Object.entries(environment).filter((entry): entry is [string, string] => entry[1] !== undefined)),
      });
      return { inventory, usage: latest ? contextsUsingToolchain(inventory, latest.contexts) : null };
    },
    'go.resolve': async (request) => resolveProjectToolchains(latest?.contexts ?? [], request.project ?? null),
    'go.previewEnvFile': async (request) =>
      previewEnvFile(probedContext(request.contextId), request.text ?? null, request.project ?? null),
    'go.saveEnvFile': async (request) => {
      const { path } = await previewEnvFile(probedContext(request.contextId), null, null);
      if (path === null) throw new ApiRequestError(`${request.contextId} has no Go env file (GOENV=off or no home)`);
      try {
        return await saveEnvFile(path, request.text, request.expectedText);
      } catch (error) {
        if (error instanceof EnvFileSaveError) throw new ApiRequestError(error.message);
        throw error;
      }
    },
    ...editHandlers,
    'findings.list': async (request) => diagnose(await gatherFacts(scanned(), { project: request.project ?? null })),
    'findings.apply': async (request) => {
      const result = await applyFix({
        report: scanned(),
        project: request.project ?? null,
        findingId: request.findingId,
        fixId: request.fixId,
        expectedHashes: request.expectedHashes,
        store,
        rescan,
      });
      latest = result.report;
      return result.outcome;
    },
  };

  return {
    handlers,
    on(event, listener) {
      let set = listeners.get(event);
      if (!set) listeners.set(event, (set = new Set()));
      set.add(listener as (payload: never) => void);
      return () => set.delete(listener as (payload: never) => void);
    },
  };
}
