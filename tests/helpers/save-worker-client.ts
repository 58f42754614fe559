/**
 * Bundles tests/helpers/save-worker.ts once per test file and runs it: as root or the test user,
 * optionally inside a private mount namespace where some folders are mounted read-only.
 */
import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { build, type Plugin } from 'esbuild';

import { MAX_DRAFT_CHARS } from '../../src-main/shared/contract.ts';
import type { WorkerCommand, WorkerResult } from './save-worker.ts';
import { asTestUser, type TestUser } from './test-user.ts';

const WORKER_SOURCE = fileURLToPath(new URL('./save-worker.ts', import.meta.url));

/** Time one worker run may take before the test fails, in milliseconds; a run takes well under a second. */
const WORKER_TIMEOUT_MS = 30_000;

export interface BundledWorker {
  /** The bundled worker script, readable by every user. */
  file: string;
  remove(): Promise<void>;
}

/** Bundles the worker into a fresh temporary folder that the test user can read. */
export async function bundleSaveWorker(): Promise<BundledWorker> {
  const folder = await fs.mkdtemp(path.join(os.tmpdir(), 'gel-worker-'));
  await fs.chmod(folder, 0o755);
  const file = path.join(folder, 'save-worker.mjs');
  await build({
    entryPoints: [WORKER_SOURCE],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outfile: file,
    plugins: [contractConstantsOnly],
    // A minified bundle starts about a third faster, which matters for hundreds of spawns.
    minify: true,
    keepNames: true,
    logLevel: 'silent',
  });
  await fs.chmod(file, 0o644);
  return { file, remove: () => fs.rm(folder, { recursive: true, force: true }) };
}

/**
 * Replaces the API contract with the one constant the file modules take from it, because the
 * contract pulls in zod, which doubles the worker's start-up time. A build that needs more of the
 * contract fails with a missing export, so the stub cannot silently drift.
 */
const contractConstantsOnly: Plugin = {
  name: 'contract-constants-only',
  setup(builder) {
    builder.onResolve({ filter: /\/shared\/contract\.ts$/ }, (args) => ({ path: args.path, namespace: 'contract' }));
    builder.onLoad({ filter: /.*/, namespace: 'contract' }, () => ({
      contents: `export const MAX_DRAFT_CHARS = ${MAX_DRAFT_CHARS};`,
      loader: 'js',
    }));
  },
};

export interface WorkerRunOptions {
  /** Run as this user; null or absent runs as the invoking user. */
  user?: TestUser | null;
  /** Folders bind-mounted read-only in a private mount namespace (needs root). */
  readOnlyMounts?: string[];
}

/** Returns the command line that runs the worker with `command` as configured. */
export function workerCommandLine(worker: BundledWorker, command: WorkerCommand, options: WorkerRunOptions = {}): string[] {
  const program = [...(options.user ? asTestUser(options.user) : []), process.execPath, worker.file, JSON.stringify(command)];
  const mounts = options.readOnlyMounts ?? [];
  if (mounts.length === 0) return program;
  const quoted = (folder: string) => `'${folder.replaceAll("'", `'\\''`)}'`;
  const script = mounts
    .map((folder) => `mount --bind ${quoted(folder)} ${quoted(folder)} && mount -o remount,bind,ro ${quoted(folder)}`)
    .concat('exec "$@"')
    .join(' && ');
  // unshare makes the namespace's mounts private, so the read-only mounts never reach the host.
  return ['unshare', '--mount', '--propagation', 'private', '--', 'sh', '-c', script, 'sh', ...program];
}

/** Runs one worker command and returns its parsed result. */
export function runSaveWorker(
  worker: BundledWorker,
  command: WorkerCommand,
  options: WorkerRunOptions = {},
): Promise<WorkerResult> {
  const commandLine = workerCommandLine(worker, command, options);
  return new Promise((resolve, reject) => {
    const child = spawn(commandLine[0]!, commandLine.slice(1), { stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: '/usr/bin:/bin' } });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), WORKER_TIMEOUT_MS);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      const last = stdout.trim().split('\n').at(-1) ?? '';
      try {
        resolve(JSON.parse(last) as WorkerResult);
      } catch {
        reject(new Error(`the save worker exited with ${code} without a result; stdout: ${stdout} stderr: ${stderr}`));
      }
    });
  });
}
