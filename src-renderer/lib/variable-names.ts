/** The variables the variable view offers, and the value each context shows for one of them. */
import type { ScanContext } from '../../src-main/shared/scan-report.ts';
import { TRACKED_VARIABLES } from '../../src-main/shared/tracked-variables.ts';

/** Variables offered even when no context traced them, in display order. */
export const OFFERED_VARIABLES = TRACKED_VARIABLES;

/** Lists the offered variables, then every other variable some context's provenance names. */
export function listVariableNames(contexts: ScanContext[]): string[] {
  const extra = new Set<string>();
  for (const context of contexts) {
    for (const name of Object.keys(context.provenance?.variables ?? {})) {
      if (!OFFERED_VARIABLES.includes(name)) extra.add(name);
    }
  }
  return [...OFFERED_VARIABLES, ...[...extra].sort()];
}

/** Returns the value programs started from a context see, or null when they see none. */
export function environmentValue(context: ScanContext, name: string): string | null {
  return context.env[name] ?? null;
}

/** Lists the variables that have a value or an assignment in at least one context. */
export function namesInUse(contexts: ScanContext[], names: string[]): Set<string> {
  return new Set(
    names.filter((name) =>
      contexts.some(
        (context) =>
          environmentValue(context, name) !== null ||
          (context.provenance?.variables[name]?.chain.length ?? 0) > 0,
      ),
    ),
  );
}

/**
 * Returns the variable that explains an overview column: the Go setting itself, or PATH for the
 * columns about which go runs, since PATH decides that.
 */
export function variableOfColumn(columnId: string): string {
  return columnId === 'go' || columnId === 'version' ? 'PATH' : columnId;
}
