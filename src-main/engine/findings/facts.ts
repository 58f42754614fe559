/**
 * Gathers the facts every rule reads: the scan, Go's view of each context (toolchain and
 * settings layers) in an optional project folder, the installed toolchains, and a reader that
 * opens each file once per diagnosis.
 */
import type { EditableFile } from '../../shared/editing.ts';
import type { ScanReport } from '../../shared/scan-report.ts';
import { openEditableFile } from '../files/safe-save.ts';
import { resolveProjectToolchains } from '../go/resolve-contexts.ts';
import { findInstalledToolchains } from '../go/toolchain-inventory.ts';
import type { ContextFacts, FileReader, FindingFacts } from './rule.ts';

export interface GatherOptions {
  /** The project folder Go settings are evaluated in, or null. */
  project: string | null;
  /** The scanned user's home; the report's host home when absent. */
  home?: string;
}

/** Computes the facts of a scan for the rules. No program is run; only files are read. */
export async function gatherFacts(report: ScanReport, options: GatherOptions): Promise<FindingFacts> {
  const home = options.home ?? report.host.home;
  const [view, toolchains] = await Promise.all([
    resolveProjectToolchains(report.contexts, options.project),
    findInstalledToolchains({ home, env: inventoryEnvironment(report) }),
  ]);
  const contexts: ContextFacts[] = report.contexts.map((context) => {
    const resolved = view.contexts.find((candidate) => candidate.id === context.id);
    return {
      context,
      resolution: resolved?.resolution ?? null,
      layers: resolved?.layers ?? null,
      layersError: resolved?.layersError ?? null,
    };
  });
  return {
    report,
    home,
    contexts,
    toolchains,
    project: options.project,
    files: createFileReader(contexts, home),
  };
}

/**
 * Returns the environment the inventory reads PATH, GOROOT and the managers' variables from: a
 * login terminal of the user's login shell, which has read the most startup files, else any login
 * terminal, else any probed context. Toolchains that only other contexts reach are still found
 * in their known locations.
 */
function inventoryEnvironment(report: ScanReport): Record<string, string> {
  const probed = report.contexts.filter((context) => context.ok);
  const logins = probed.filter((context) => context.mode === 'login');
  const loginShell = report.host.loginShell;
  const own = logins.find((context) => loginShell !== null && context.shellPath === loginShell);
  return (own ?? logins[0] ?? probed[0])?.env ?? {};
}

/**
 * Creates a FileReader that opens each file once through the editor's openEditableFile, so the
 * text and hash a fix is computed from are what a save checks against. A file that cannot be
 * opened (not text, unreadable) reads as null.
 */
export function createFileReader(contexts: ContextFacts[], home: string): FileReader {
  const opened = new Map<string, Promise<EditableFile | null>>();
  const envFiles = new Set(
    contexts.map((facts) => facts.layers?.envFile.path).filter((file): file is string => typeof file === 'string'),
  );
  return {
    read(file: string): Promise<EditableFile | null> {
      let pending = opened.get(file);
      if (pending === undefined) {
        const readers = contexts
          .filter((facts) => facts.context.startupFiles.some((startup) => startup.path === file))
          .map((facts) => facts.context.id);
        pending = openEditableFile(file, {
          kind: envFiles.has(file) ? 'go-env' : 'startup',
          contextIds: readers,
          home,
        }).catch(() => null);
        opened.set(file, pending);
      }
      return pending;
    },
  };
}
