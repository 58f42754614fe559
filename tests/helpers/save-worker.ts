/**
 * A separate process that opens, saves or undoes one file through the engine's safe save, so tests
 * can run it as another user, inside a mount namespace, or kill it with SIGKILL mid-save. It is
 * bundled with esbuild (save-worker-client.ts) because plain node starts far faster than tsx.
 *
 * Usage: node save-worker.mjs JSON. The command is one of the WorkerCommand shapes; the result is
 * printed to stdout as JSON. The `crash-loop` command writes one line per step to fd 3 instead.
 */
import { readFileSync, writeSync } from 'node:fs';

import { BackupStore } from '../../src-main/engine/files/backup-store.ts';
import {
  openEditableFile,
  saveEditableFile,
  undoLastSave,
  type FileOptions,
} from '../../src-main/engine/files/safe-save.ts';

/** A request to the worker. */
export type WorkerCommand =
  | ({ op: 'open'; path: string } & CommonOptions)
  | ({ op: 'save'; path: string; text: string; expectedHash: string; dataDirectory: string } & CommonOptions)
  | ({ op: 'undo'; path: string; dataDirectory: string; id?: string } & CommonOptions)
  | {
      op: 'crash-loop';
      path: string;
      dataDirectory: string;
      /** A JSON file holding the list of texts the worker saves in turn. */
      versionsFile: string;
      maxSaves: number;
    };

interface CommonOptions {
  home: string;
  readOnlyStores?: string[];
}

/** The worker's output for `open`, `save` and `undo`. */
export type WorkerResult = { ok: true; value: unknown } | { ok: false; error: { name: string; code?: string; message: string } };

/** File descriptor the crash loop reports its steps on. */
const STEP_FD = 3;

async function run(command: WorkerCommand): Promise<unknown> {
  switch (command.op) {
    case 'open':
      return openEditableFile(command.path, { kind: 'startup', contextIds: [], ...fileOptions(command) });
    case 'save':
      return saveEditableFile({
        path: command.path,
        text: command.text,
        expectedHash: command.expectedHash,
        store: new BackupStore(command.dataDirectory),
        ...fileOptions(command),
      });
    case 'undo':
      return undoLastSave(command.path, new BackupStore(command.dataDirectory), command.id, fileOptions(command));
    case 'crash-loop':
      return crashLoop(command);
  }
}

function fileOptions(command: CommonOptions): FileOptions {
  return command.readOnlyStores ? { home: command.home, readOnlyStores: command.readOnlyStores } : { home: command.home };
}

/**
 * Saves the versions in turn, each one replacing the one before, and reports every step on
 * STEP_FD synchronously, so a parent that kills this process can tell where the kill landed.
 */
async function crashLoop(command: Extract<WorkerCommand, { op: 'crash-loop' }>): Promise<string> {
  const versions = JSON.parse(readFileSync(command.versionsFile, 'utf8')) as string[];
  const report = (line: string) => writeSync(STEP_FD, `${line}\n`);
  const onStep = (step: string) => report(`step ${step}`);
  const store = new BackupStore(command.dataDirectory, { onStep });
  for (let saves = 0; saves < command.maxSaves; saves += 1) {
    report('step open');
    const file = await openEditableFile(command.path, { kind: 'startup', contextIds: [], home: '/' });
    const from = versions.indexOf(file.text);
    if (from === -1) throw new Error(`${command.path} holds none of the known versions`);
    const to = (from + 1) % versions.length;
    report(`save ${from} ${to}`);
    const outcome = await saveEditableFile({
      path: command.path,
      text: versions[to]!,
      expectedHash: file.hash,
      store,
      onStep,
    });
    if (outcome.status !== 'saved') throw new Error(outcome.message);
    report(`saved ${to}`);
  }
  return 'finished';
}

const command = JSON.parse(process.argv[2] ?? '{}') as WorkerCommand;
try {
  const value = await run(command);
  process.stdout.write(`${JSON.stringify({ ok: true, value } satisfies WorkerResult)}\n`);
} catch (error) {
  const failure = error as Error & { code?: string };
  const result: WorkerResult = {
    ok: false,
    error: { name: failure.name, code: failure.code, message: failure.message },
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
  process.exitCode = 1;
}
