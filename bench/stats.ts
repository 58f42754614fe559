/** Command-line and statistics helpers the benchmarks share. */
import os from 'node:os';
import { parseArgs } from 'node:util';

/** Returns the median of `values`, the mean of the middle two for an even count. */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** Parses `--runs N` from the command line, or returns `defaultRuns` when it is not given. */
export function parseRunsOption(defaultRuns: number): number {
  const { values } = parseArgs({ options: { runs: { type: 'string' } } });
  const runs = values.runs === undefined ? defaultRuns : Number.parseInt(values.runs, 10);
  if (!Number.isInteger(runs) || runs < 1) {
    throw new Error(`invalid --runs ${JSON.stringify(values.runs)}: give a whole number from 1 up`);
  }
  return runs;
}

/** Describes the machine in one line: cores, CPU model and Node version. */
export function describeMachine(): string {
  return `${os.availableParallelism()} cores, ${os.cpus()[0]?.model ?? 'unknown CPU'}, Node ${process.version}`;
}
