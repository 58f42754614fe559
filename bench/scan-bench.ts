/**
 * Measures how close a scan comes to the fastest schedule this machine allows. For the machine's
 * own shells and for a ten-context fixture HOME it times, in the same run: the scan, the same scan
 * with one probe at a time, and every context probed alone. It prints the medians of several
 * repetitions and the ratios that docs/benchmarks.md explains. It prints numbers, never a verdict.
 *
 * Usage: npm run bench [-- --runs N]
 */
import os from 'node:os';
import { parseArgs } from 'node:util';

import { resolveBaseEnvironment } from '../src-main/engine/base-environment.ts';
import { GoProber } from '../src-main/engine/go/go-probe.ts';
import { DEFAULT_PROBE_DEADLINE_MS } from '../src-main/engine/probe/limits.ts';
import { runScan } from '../src-main/engine/scan.ts';
import { discoverShells } from '../src-main/engine/shells/discover.ts';
import { createFixtureHome, FIXTURE_SHELLS } from './fixture-home.ts';
import { listSoloContexts, timeSoloContext } from './solo-probe.ts';

/** Measured repetitions when `--runs` is not given; the median of five ignores one outlier. */
const DEFAULT_RUNS = 5;
/** Unmeasured repetitions first, so disk caches hold the shells and go binaries for every run. */
const WARM_UP_RUNS = 1;
/** The ratio of scan wall time to the lower bound that the scan aims to stay under. */
const TARGET_RATIO = 1.3;

interface Workload {
  name: string;
  environment: Record<string, string>;
  /** Shells to scan; every installed shell when absent. */
  shells?: string[];
}

/** The times of one repetition, in milliseconds. */
interface Repetition {
  wallMs: number;
  sequentialMs: number;
  setupMs: number;
  soloMs: Map<string, number>;
}

const cores = os.availableParallelism();

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { runs: { type: 'string' } } });
  const runs = values.runs === undefined ? DEFAULT_RUNS : Number.parseInt(values.runs, 10);
  if (!Number.isInteger(runs) || runs < 1) {
    throw new Error(`invalid --runs ${JSON.stringify(values.runs)}: give a whole number from 1 up`);
  }

  console.log('Go Env Lens scan benchmark');
  console.log(`${cores} cores (os.availableParallelism), ${os.cpus()[0]?.model ?? 'unknown CPU'}`);
  console.log(`Node ${process.version}, ${process.platform}/${process.arch}`);
  console.log(`${runs} measured runs after ${WARM_UP_RUNS} warm-up run; every figure is a median.`);

  const fixture = await createFixtureHome();
  try {
    const workloads: Workload[] = [
      { name: `machine shells (HOME=${process.env.HOME})`, environment: definedOnly(process.env) },
      { name: 'fixture HOME (bash, zsh, fish, ksh93)', environment: fixture.environment, shells: FIXTURE_SHELLS },
    ];
    for (const workload of workloads) {
      const repetitions: Repetition[] = [];
      for (let run = 0; run < WARM_UP_RUNS + runs; run += 1) {
        const repetition = await measure(workload);
        if (run >= WARM_UP_RUNS) repetitions.push(repetition);
      }
      printSummary(workload, repetitions);
    }
  } finally {
    await fixture.remove();
  }
}

/** Runs the scan, the sequential scan and every context alone, one after the other. */
async function measure(workload: Workload): Promise<Repetition> {
  const scanOptions = {
    deadlineMs: DEFAULT_PROBE_DEADLINE_MS,
    shells: workload.shells,
    environment: workload.environment,
    baseEnvironment: 'self' as const,
  };

  let started = performance.now();
  const report = await runScan(scanOptions);
  const wallMs = performance.now() - started;
  const failed = report.contexts.filter((context) => !context.ok && context.error?.code !== 'not-applicable');
  for (const context of failed) {
    console.log(`  warning: ${context.id} failed in the scan: ${context.error?.message}`);
  }

  started = performance.now();
  await runScan({ ...scanOptions, concurrency: 1 });
  const sequentialMs = performance.now() - started;

  // The part of every scan that no schedule can overlap with probes: choosing the base
  // environment and finding the shells, which queries each shell's version.
  started = performance.now();
  const base = await resolveBaseEnvironment(workload.environment, 'self');
  const discovered = await discoverShells(workload.environment);
  const setupMs = performance.now() - started;

  const selected = discovered.filter(
    (shell) => !workload.shells || workload.shells.includes(shell.info.name),
  );
  const soloMs = new Map<string, number>();
  const goProber = new GoProber();
  try {
    for (const context of listSoloContexts(selected)) {
      const ms = await timeSoloContext(context, base.environment, DEFAULT_PROBE_DEADLINE_MS, goProber);
      soloMs.set(context.id, ms);
    }
  } finally {
    await goProber.dispose();
  }
  return { wallMs, sequentialMs, setupMs, soloMs };
}

function printSummary(workload: Workload, repetitions: Repetition[]): void {
  const ids = [...repetitions[0]!.soloMs.keys()];
  const sums = repetitions.map((repetition) => sum([...repetition.soloMs.values()]));
  const slowest = repetitions.map((repetition) => Math.max(...repetition.soloMs.values()));
  const lowerBounds = repetitions.map((_, index) => Math.max(slowest[index]!, sums[index]! / cores));
  const lowerBoundRatios = repetitions.map((repetition, index) => repetition.wallMs / lowerBounds[index]!);
  const setupRatios = repetitions.map(
    (repetition, index) => repetition.wallMs / (repetition.setupMs + lowerBounds[index]!),
  );
  const sequentialRatios = repetitions.map((repetition) => repetition.wallMs / repetition.sequentialMs);
  const soloMedians = ids
    .map((id) => ({ id, ms: median(repetitions.map((repetition) => repetition.soloMs.get(id)!)) }))
    .sort((a, b) => b.ms - a.ms);

  console.log('');
  console.log(`${workload.name}: ${ids.length} contexts probed`);
  const rows: Array<[string, string]> = [
    ['scan wall time', milliseconds(median(repetitions.map((repetition) => repetition.wallMs)))],
    ['sequential scan (concurrency 1)', milliseconds(median(repetitions.map((repetition) => repetition.sequentialMs)))],
    ['base environment and shell discovery', `${milliseconds(median(repetitions.map((repetition) => repetition.setupMs)))} (inside both scans)`],
    ['sum of contexts alone', milliseconds(median(sums))],
    ['slowest context alone', `${milliseconds(median(slowest))} (${soloMedians[0]?.id})`],
    ['lower bound', `${milliseconds(median(lowerBounds))} = max(slowest alone, sum alone / ${cores} cores)`],
    ['wall / lower bound', `${median(lowerBoundRatios).toFixed(2)} (target ≤ ${TARGET_RATIO})`],
    ['wall / (discovery + lower bound)', median(setupRatios).toFixed(2)],
    ['wall / sequential scan', median(sequentialRatios).toFixed(2)],
  ];
  const width = Math.max(...rows.map(([label]) => label.length));
  for (const [label, value] of rows) console.log(`  ${label.padEnd(width)}  ${value}`);

  console.log('  each context alone:');
  for (const { id, ms } of soloMedians) console.log(`    ${id.padEnd(24)} ${milliseconds(ms)}`);
}

function definedOnly(environment: NodeJS.ProcessEnv): Record<string, string> {
  return Object.fromEntries(
    Object.entries(environment).filter((entry): entry is [string, string] => entry[1] !== undefined),
  );
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

function sum(values: number[]): number {
  return values.reduce((total, value) => total + value, 0);
}

function milliseconds(value: number): string {
  return `${Math.round(value)} ms`.padStart(8);
}

await main();
