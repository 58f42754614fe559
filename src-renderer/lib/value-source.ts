/** Explanations of where an overview value comes from, shown above it in the detail panel. */
import type { ScanContext } from '../../src-main/shared/scan-report.ts';

/**
 * Describes where a context's value of an overview column comes from. The branches for Go
 * settings follow `goSetting` in key-values.ts, which chooses the value itself.
 */
export function describeValueSource(context: ScanContext, columnId: string): string {
  const go = context.go;
  if (columnId === 'go') {
    return go?.path
      ? 'The first go on this context’s PATH, which a program started here runs.'
      : 'No go on this context’s PATH.';
  }
  if (columnId === 'version') {
    return 'GOVERSION of that go, asked with toolchain switching turned off.';
  }
  if (go?.env && (columnId === 'GOTOOLCHAIN' || columnId === 'GOFLAGS')) {
    return (
      `Read from the environment and the go env file, because the probe runs go with its own ` +
      `${columnId} to stay safe.`
    );
  }
  if (go?.env && columnId in go.env) return 'As go env reports it in this context.';
  return go?.path
    ? 'From the environment, because go env did not run in this context.'
    : 'From the environment, because this context has no go.';
}
