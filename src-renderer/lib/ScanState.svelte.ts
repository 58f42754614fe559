/**
 * State of the overview, shared by its components: the app's facts, the scan report on show,
 * live progress of a running scan, and the cell whose details are open.
 */
import type {
  ApiClient,
  AppInfo,
  MAX_DEADLINE_MS,
  MIN_DEADLINE_MS,
} from '../../src-main/shared/contract.ts';
import { computeKeyCells } from '../../src-main/shared/key-values.ts';
import type { ScanContext, ScanProgress, ScanReport } from '../../src-main/shared/scan-report.ts';
import { messageOf } from './api-client.ts';

// The contract's limits, repeated because the renderer must not load the contract's schemas at
// run time. The literal types make the type check fail when the contract's values change.
const MIN_DEADLINE: typeof MIN_DEADLINE_MS = 200;
const MAX_DEADLINE: typeof MAX_DEADLINE_MS = 120_000;

/** Shortest and longest deadline the input accepts, in seconds. */
export const DEADLINE_RANGE_SECONDS = { min: MIN_DEADLINE / 1000, max: MAX_DEADLINE / 1000 };

/** The open detail panel: a context, and the column clicked in it (null for the whole row). */
export interface Selection {
  contextId: string;
  columnId: string | null;
}

/** Shared state of the overview, and the actions that load and run scans. */
export class ScanState {
  info = $state.raw<AppInfo | null>(null);
  report = $state.raw<ScanReport | null>(null);
  /** Progress of the running scan, one entry per context in the order they were first reported. */
  progress = $state.raw<ScanProgress[]>([]);
  loading = $state(true);
  running = $state(false);
  /** The last failure of loading or scanning, as shown to the user. */
  error = $state<string | null>(null);
  /** Probe deadline per context, in seconds, as typed into the input (null when it is empty). */
  deadlineSeconds = $state<number | null>(null);
  selection = $state<Selection | null>(null);

  /** Every overview cell with its disagreement mark. */
  cells = $derived(computeKeyCells(this.report?.contexts ?? []));
  selectedContext: ScanContext | null = $derived(
    this.report?.contexts.find((context) => context.id === this.selection?.contextId) ?? null,
  );
  /** The problem with the typed deadline, or null when the deadline can be used. */
  deadlineProblem: string | null = $derived(describeDeadlineProblem(this.deadlineSeconds));

  readonly #client: ApiClient;

  constructor(client: ApiClient) {
    this.#client = client;
  }

  /** Starts recording scan progress events and returns the function that stops it. */
  listen(): () => void {
    return this.#client.on('scan.progress', (progress) => this.#recordProgress(progress));
  }

  /** Loads the app's facts and the latest report, and starts a scan when there is none yet. */
  async load(): Promise<void> {
    this.loading = true;
    try {
      const [info, latest] = await Promise.all([
        this.#client.call('app.info', {}),
        this.#client.call('scan.latest', {}),
      ]);
      this.info = info;
      this.deadlineSeconds ??= info.defaultDeadlineMs / 1000;
      this.report = latest;
    } catch (error) {
      this.error = `Could not load the latest scan: ${messageOf(error)}`;
      return;
    } finally {
      this.loading = false;
    }
    if (!this.report) await this.run();
  }

  /**
   * Loads the latest report again after the engine changed it without a scan of its own: a save,
   * an undo or an applied fix probes the contexts that read the written file again.
   */
  async reload(): Promise<void> {
    try {
      const latest = await this.#client.call('scan.latest', {});
      // A scan that runs meanwhile shows its own, newer report when it ends.
      if (latest && !this.running) this.report = latest;
    } catch (error) {
      this.error = `Could not load the latest scan: ${messageOf(error)}`;
    }
  }

  /** Runs a scan with the typed deadline and shows its report; does nothing while one runs. */
  async run(): Promise<void> {
    if (this.running || this.deadlineProblem) return;
    const request = this.deadlineSeconds === null ? {} : { deadlineMs: this.#deadlineMs() };
    this.running = true;
    this.error = null;
    this.progress = [];
    try {
      this.report = await this.#client.call('scan.run', request);
    } catch (error) {
      this.error = `Scan failed: ${messageOf(error)}`;
    } finally {
      this.running = false;
    }
  }

  #deadlineMs(): number {
    return Math.round((this.deadlineSeconds ?? 0) * 1000);
  }

  #recordProgress(progress: ScanProgress): void {
    const index = this.progress.findIndex((entry) => entry.contextId === progress.contextId);
    const entries = [...this.progress];
    if (index === -1) entries.push(progress);
    else entries[index] = progress;
    this.progress = entries;
  }
}

function describeDeadlineProblem(seconds: number | null): string | null {
  if (seconds === null) return null;
  const { min, max } = DEADLINE_RANGE_SECONDS;
  if (!Number.isFinite(seconds) || seconds < min || seconds > max) {
    return `The deadline must be between ${min} and ${max} seconds.`;
  }
  return null;
}
