/**
 * The contexts of a scan that a change to some files affects: those whose startup chain names one
 * of the files, and every context whose Go env file it is. Used to probe again only what a save,
 * an undo or a fix can have changed.
 */
import { goEnvFilePath } from '../../shared/go-env-file.ts';
import type { ScanContext, ScanReport } from '../../shared/scan-report.ts';
import type { ScanOptions } from '../scan.ts';

/** Returns the probed contexts that read any of `paths`, as a startup file or as their Go env file. */
export function contextsReadingFiles(report: ScanReport, paths: string[]): ScanContext[] {
  return report.contexts.filter((context) => {
    if (!context.ok) return false;
    if (context.startupFiles.some((file) => paths.includes(file.path))) return true;
    const goEnvFile = context.go?.env?.GOENV ?? goEnvFilePath(context.env);
    return goEnvFile !== null && paths.includes(goEnvFile);
  });
}

/** Returns the scan restriction that probes exactly these contexts again. */
export function rescanRestriction(report: ScanReport, contextIds: Iterable<string>): Pick<ScanOptions, 'shells' | 'contextIds'> {
  const ids = new Set(contextIds);
  const shells = report.contexts
    .filter((context) => ids.has(context.id) && context.mode !== 'desktop' && context.mode !== 'script')
    .map((context) => context.shell)
    .filter((shell): shell is string => shell !== null);
  return { shells: [...new Set(shells)], contextIds: [...ids] };
}

/** Returns the scan with the contexts of `rescanned` in place of the old ones with the same id. */
export function mergeContexts(report: ScanReport, rescanned: ScanReport): ScanReport {
  return {
    ...report,
    contexts: report.contexts.map(
      (context) => rescanned.contexts.find((candidate) => candidate.id === context.id) ?? context,
    ),
  };
}
