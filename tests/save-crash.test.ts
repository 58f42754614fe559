/**
 * Kills a process that is saving a file with SIGKILL at random moments, hundreds of times, and
 * checks after each kill that nothing was lost. The file must be byte for byte the content before
 * or after the save in progress, and its link must still be a link. Every backup listed must
 * match its hash and be one of the versions written. The worker reports each step of a save on a
 * pipe, so kills are aimed at every step (backup, temporary file, check, rename) and not only at
 * the process start.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { promises as fs, lstatSync, readFileSync, readlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';

import type { BackupEntry } from '../src-main/shared/editing.ts';
import { BackupStore, MAX_BACKUPS_PER_FILE, MIN_BACKUPS_PER_FILE, sha256Hex } from '../src-main/engine/files/backup-store.ts';
import { MAX_EDITABLE_BYTES } from '../src-main/engine/files/link-chain.ts';
import { openEditableFile, saveEditableFile } from '../src-main/engine/files/safe-save.ts';
import { bundleSaveWorker, type BundledWorker } from './helpers/save-worker-client.ts';

/** Kills in total, spread over the lanes. */
const ITERATIONS = 500;

/** Lanes run side by side, each with its own file and data directory. */
const LANES = 4;

/** Saves one worker makes before it exits on its own when no kill lands. */
const SAVES_PER_WORKER = 2;

/** Maximum wait before a timed kill, in milliseconds, which reaches past node's start and the first save. */
const MAX_TIMED_KILL_MS = 150;

/** Maximum busy wait between seeing a step and killing, in microseconds, to land inside the step. */
const MAX_KILL_DELAY_US = 600;

/** Time a worker may run before the test gives up on it, in milliseconds. */
const WORKER_TIMEOUT_MS = 20_000;

/** Steps the worker reports, in the order a save takes them. */
const STEPS = [
  'open',
  'backup',
  'backup-metadata',
  'backup-content',
  'backup-sync',
  'backup-prune',
  'temporary-write',
  'temporary-sync',
  'check',
  'rename',
  'directory-sync',
  'done',
];

/**
 * Returns the texts the worker saves in turn: small, empty, large, without a final newline. The
 * large ones make writing and syncing take long enough for kills to land inside them.
 */
function makeVersions(): string[] {
  const lines = (prefix: string, bytes: number) => {
    const line = `export ${prefix}_VALUE="${'x'.repeat(60)}"\n`;
    return line.repeat(Math.floor(bytes / line.length));
  };
  const versions = [
    'export GOPATH="$HOME/go"\n',
    '',
    lines('MEDIUM', 100_000),
    'export GOBIN="$HOME/bin"\nexport GOFLAGS=-mod=mod',
    lines('LARGE', 400_000),
  ];
  for (const version of versions) assert.ok(Buffer.byteLength(version) <= MAX_EDITABLE_BYTES);
  return versions;
}

interface Lane {
  link: string;
  realPath: string;
  linkTarget: string;
  data: string;
  versionsFile: string;
  /** Index of the version the file contains now. */
  current: number;
  /** Backups known to be complete: each `backup-sync` step comes after both renames of a backup. */
  completedBackups: number;
  /** Ids of backups whose content was checked; a backup is never written again once listed. */
  checked: Set<string>;
}

interface KillPlan {
  kind: 'step' | 'time';
  step: string;
  occurrence: number;
  delayUs: number;
  afterMs: number;
}

interface WorkerRun {
  lines: string[];
  killed: boolean;
}

let worker: BundledWorker;
let root: string;
const versions = makeVersions();
const versionBytes = versions.map((text) => Buffer.from(text));
const versionHashes = new Set(versionBytes.map((bytes) => sha256Hex(bytes)));

before(async () => {
  worker = await bundleSaveWorker();
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'gel-crash-'));
});

after(async () => {
  await worker.remove();
  await fs.rm(root, { recursive: true, force: true });
});

async function createLane(index: number): Promise<Lane> {
  const folder = path.join(root, `lane-${index}`);
  await fs.mkdir(path.join(folder, 'dotfiles'), { recursive: true });
  const realPath = path.join(folder, 'dotfiles', 'rc');
  await fs.writeFile(realPath, versionBytes[0]!);
  const link = path.join(folder, '.rc');
  await fs.symlink('dotfiles/rc', link);
  const versionsFile = path.join(folder, 'versions.json');
  await fs.writeFile(versionsFile, JSON.stringify(versions));
  return { link, realPath, linkTarget: 'dotfiles/rc', data: path.join(folder, 'data'), versionsFile, current: 0, completedBackups: 0, checked: new Set() };
}

function randomPlan(): KillPlan {
  return {
    kind: Math.random() < 0.15 ? 'time' : 'step',
    step: STEPS[Math.floor(Math.random() * STEPS.length)]!,
    occurrence: 1 + Math.floor(Math.random() * SAVES_PER_WORKER),
    delayUs: Math.random() < 0.5 ? 0 : Math.floor(Math.random() * MAX_KILL_DELAY_US),
    afterMs: Math.floor(Math.random() * MAX_TIMED_KILL_MS),
  };
}

function busyWait(microseconds: number): void {
  const end = process.hrtime.bigint() + BigInt(microseconds) * 1000n;
  while (process.hrtime.bigint() < end) {
    // Spinning keeps the kill within microseconds of the step; a timer would wait a millisecond.
  }
}

/** Runs the worker's save loop, kills it as `plan` specifies, and returns every line it reported. */
function runAndKill(lane: Lane, plan: KillPlan): Promise<WorkerRun> {
  const command = {
    op: 'crash-loop',
    path: lane.link,
    dataDirectory: lane.data,
    versionsFile: lane.versionsFile,
    maxSaves: SAVES_PER_WORKER,
  };
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [worker.file, JSON.stringify(command)], {
      stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
    });
    let output = '';
    let reports = '';
    let killed = false;
    let seen = 0;
    const kill = () => {
      if (!killed) killed = child.kill('SIGKILL');
    };
    const timed = plan.kind === 'time' ? setTimeout(kill, plan.afterMs) : null;
    const watchdog = setTimeout(kill, WORKER_TIMEOUT_MS);
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    const steps = child.stdio[3] as NodeJS.ReadableStream;
    steps.setEncoding('utf8');
    steps.on('data', (chunk: string) => {
      reports += chunk;
      if (plan.kind !== 'step' || killed) return;
      for (const line of chunk.split('\n')) {
        if (line !== `step ${plan.step}`) continue;
        seen += 1;
        if (seen === plan.occurrence) {
          busyWait(plan.delayUs);
          kill();
          return;
        }
      }
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (timed) clearTimeout(timed);
      clearTimeout(watchdog);
      if (signal === null && code !== 0) {
        reject(new Error(`the save worker failed with exit code ${code}: ${output}`));
        return;
      }
      resolve({ lines: reports.split('\n').filter(Boolean), killed: signal === 'SIGKILL' });
    });
  });
}

/** Checks the lane after a kill and returns the phase the kill landed in. */
async function checkAfterKill(lane: Lane, run: WorkerRun, store: BackupStore): Promise<string> {
  const saveLines = run.lines.filter((line) => line.startsWith('save ') || line.startsWith('saved '));
  const lastSaveLine = saveLines.filter((line) => line.startsWith('save ')).at(-1);
  const lastSave = lastSaveLine?.split(' ').slice(1).map(Number) as [number, number] | undefined;
  const finished = saveLines.at(-1)?.startsWith('saved ') ?? false;
  const steps = run.lines.filter((line) => line.startsWith('step '));
  const lastLine = run.lines.at(-1) ?? '';
  const phase = !run.killed
    ? 'not killed'
    : lastLine.startsWith('saved ')
      ? 'between saves'
      : (steps.at(-1)?.slice('step '.length) ?? 'before open');

  assert.ok(lstatSync(lane.link).isSymbolicLink(), `${lane.link} must stay a link (killed in ${phase})`);
  assert.equal(readlinkSync(lane.link), lane.linkTarget);
  assert.ok(lstatSync(lane.realPath).isFile(), `${lane.realPath} must be a regular file (killed in ${phase})`);

  const content = readFileSync(lane.realPath);
  let allowed = [lane.current];
  if (lastSave) allowed = finished ? [lastSave[1]] : lastSave;
  const index = versionBytes.findIndex((bytes) => bytes.equals(content));
  assert.ok(
    allowed.includes(index),
    `after a kill in ${phase} the file must be version ${allowed.join(' or ')}, but it is ` +
      `${index === -1 ? `unknown content of ${content.length} bytes` : `version ${index}`}`,
  );

  const history = await store.history(lane.realPath);
  lane.completedBackups += steps.filter((line) => line === 'step backup-sync').length;
  assert.ok(
    history.length >= Math.min(lane.completedBackups, MIN_BACKUPS_PER_FILE),
    `only ${history.length} backups are listed after ${lane.completedBackups} were taken (killed in ${phase})`,
  );
  // Each kill before a prune finishes can leave one backup more; the next save prunes them all.
  assert.ok(history.length <= MAX_BACKUPS_PER_FILE + 10, `${history.length} backups after pruning`);
  const ids = history.map((entry) => entry.id);
  assert.deepEqual(ids, [...new Set(ids)].sort().reverse(), 'backup ids are unique and newest first');
  // Reading every backup after every kill would hash tens of megabytes each time, so only new ones.
  await checkBackups(lane, store, history.filter((entry) => !lane.checked.has(entry.id)));
  if (lastSave && index === lastSave[1] && lastSave[0] !== lastSave[1]) {
    assert.equal(
      history[0]?.hash,
      sha256Hex(versionBytes[lastSave[0]]!),
      `the content before the save is backed up before the file changes (killed in ${phase})`,
    );
  }
  lane.current = index;
  return phase;
}

async function checkBackups(lane: Lane, store: BackupStore, entries: BackupEntry[]): Promise<void> {
  for (const entry of entries) {
    const bytes = (await store.read(lane.realPath, entry.id)) ?? Buffer.alloc(0);
    assert.equal(sha256Hex(bytes), entry.hash, `backup ${entry.id} matches its hash`);
    assert.equal(bytes.length, entry.size);
    assert.ok(versionHashes.has(entry.hash), `backup ${entry.id} is one of the versions written`);
    assert.equal(entry.existed, true);
    lane.checked.add(entry.id);
  }
}

test('sigkill during saves loses nothing', { timeout: 10 * 60 * 1000 }, async (t) => {
  const lanes = await Promise.all(Array.from({ length: LANES }, (_, index) => createLane(index)));
  const phases = new Map<string, number>();
  let next = 0;
  const started = Date.now();

  // The first failure stops every lane, so no worker is still writing when the folders are removed.
  let failure: unknown = null;
  await Promise.all(
    lanes.map(async (lane) => {
      const store = new BackupStore(lane.data);
      try {
        while (failure === null && next < ITERATIONS) {
          next += 1;
          const run = await runAndKill(lane, randomPlan());
          const phase = await checkAfterKill(lane, run, store);
          phases.set(phase, (phases.get(phase) ?? 0) + 1);
        }
      } catch (error) {
        failure ??= error;
      }
    }),
  );
  if (failure !== null) throw failure;

  const order = ['before open', ...STEPS, 'between saves', 'not killed'];
  const distribution = [...phases].sort(([a], [b]) => order.indexOf(a) - order.indexOf(b));
  t.diagnostic(
    `${ITERATIONS} kills in ${((Date.now() - started) / 1000).toFixed(1)} s; last step reported before each kill: ` +
      distribution.map(([phase, count]) => `${phase} ${count}`).join(', '),
  );
  const between = (phase: string) => ['temporary-write', 'temporary-sync', 'check'].includes(phase);
  assert.ok([...phases.keys()].some(between), 'some kills land between the backup and the rename');
  assert.ok([...phases.keys()].some((phase) => phase.startsWith('backup-')), 'some kills land inside the backup');
  assert.ok(phases.size >= 8, `kills landed in only ${phases.size} phases`);

  for (const lane of lanes) {
    const store = new BackupStore(lane.data);
    const file = await openEditableFile(lane.link, { kind: 'startup', contextIds: [], home: root });
    const text = versions[(lane.current + 1) % versions.length]!;
    const outcome = await saveEditableFile({ path: lane.link, text, expectedHash: file.hash, store, home: root });
    assert.equal(outcome.status, 'saved', 'a save after the kills works');
    assert.equal(readFileSync(lane.realPath, 'utf8'), text);

    const leftovers = (await fs.readdir(path.dirname(lane.realPath))).filter((name) => name !== 'rc');
    assert.deepEqual(leftovers, [], 'temporary files of killed saves are removed by the next save');
    const backupFolder = await fs.readdir(store.folderOf(lane.realPath));
    assert.deepEqual(backupFolder.filter((name) => name.startsWith('.tmp-')), [], 'temporary backup files are removed');
    const history = await store.history(lane.realPath);
    await checkBackups(lane, store, history);
    assert.ok(history.length >= MIN_BACKUPS_PER_FILE, `only ${history.length} backups are kept`);
    assert.ok(history.length <= MAX_BACKUPS_PER_FILE, `${history.length} backups are kept after pruning`);
  }
});
