/**
 * Edge cases of the engine's file handling: named pipes where startup files should be, read-only
 * files and folders saved as root, files too large for a save request, a backup folder the user
 * cannot write, NUL characters in saved text, and the dry run of a format fix. Everything runs on
 * real files in throwaway homes. The backup folder case runs as the unprivileged test user.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, promises as fs, readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { formatFix } from '../src-main/cli/findings-text.ts';
import { MAX_REQUEST_BODY_BYTES } from '../src-main/server/bridge.ts';
import { BackupStore, sha256Hex } from '../src-main/engine/files/backup-store.ts';
import { MAX_EDITABLE_BYTES } from '../src-main/engine/files/link-chain.ts';
import {
  irregularFileType,
  NotRegularFileError,
  readRegularFile,
  readRegularFileSync,
} from '../src-main/engine/files/regular-file.ts';
import { openEditableFile, saveEditableFile, saveFileBytes } from '../src-main/engine/files/safe-save.ts';
import { encodeFileText, newFileFormat } from '../src-main/engine/files/text-format.ts';
import type { EditableFile } from '../src-main/shared/editing.ts';
import type { Fix } from '../src-main/shared/findings.ts';
import { runCli } from './helpers/run-cli.ts';
import { bundleSaveWorker, runSaveWorker, type BundledWorker } from './helpers/save-worker-client.ts';
import { createStoreHome } from './helpers/store-home.ts';
import { cleanEnvironment, TEST_USER, type ThrowawayHome } from './helpers/throwaway-home.ts';

const RUNNING_AS_ROOT = process.getuid?.() === 0;
const NEEDS_ROOT = RUNNING_AS_ROOT ? false : 'root ignores file modes, and this case checks that the save does not';
const NEEDS_TEST_USER = TEST_USER ? false : 'switching to the unprivileged test user needs root';

/** The go the fix dry run finds on PATH; the line ending finding needs a go to read the file. */
const GO_BINARY = '/usr/local/go/bin/go';

/** Longest path a save request accepts, in characters (editSaveRequest in the contract). */
const MAX_REQUEST_PATH_CHARS = 4096;

function open(file: string, home: ThrowawayHome): Promise<EditableFile> {
  return openEditableFile(file, { kind: 'startup', contextIds: [], home: home.path });
}

describe('regular file reads', () => {
  test('named pipe is not opened', async (t) => {
    const { at } = await createStoreHome(t, {});
    execFileSync('mkfifo', [at('.zlogin')]);
    // Without the check, each read below would wait for a writer for good.
    assert.throws(() => readRegularFileSync(at('.zlogin')), {
      name: 'NotRegularFileError',
      message: `${at('.zlogin')} is a named pipe, not a regular file, so it was not read`,
    });
    await assert.rejects(readRegularFile(at('.zlogin')), NotRegularFileError);
    assert.equal(irregularFileType(at('.zlogin')), 'a named pipe');
  });

  test('directory and device are not read', async (t) => {
    const { at } = await createStoreHome(t, { '.config/fish/config.fish': 'set -x A 1\n' });
    assert.throws(() => readRegularFileSync(at('.config/fish')), { name: 'NotRegularFileError' });
    assert.throws(() => readRegularFileSync('/dev/zero'), {
      name: 'NotRegularFileError',
      message: '/dev/zero is a character device, not a regular file, so it was not read',
    });
    assert.equal(irregularFileType(at('.config/fish')), 'a directory');
  });

  test('regular file through a link is read', async (t) => {
    const { at } = await createStoreHome(t, { 'dotfiles/zshrc': 'export A=1\n', '.zshrc': { symlink: 'dotfiles/zshrc' } });
    assert.equal(readRegularFileSync(at('.zshrc')).toString(), 'export A=1\n');
    assert.equal((await readRegularFile(at('.zshrc'))).toString(), 'export A=1\n');
    assert.equal(irregularFileType(at('.zshrc')), null);
    assert.equal(irregularFileType(at('.missing')), null);
  });
});

describe('read-only by mode as root', { skip: NEEDS_ROOT }, () => {
  test('file without write bits blocks the save', async (t) => {
    const { home, data, store, at } = await createStoreHome(t, { '.bash_aliases': { text: 'alias ll="ls -l"\n', mode: 0o444 } });
    const message =
      '~/.bash_aliases is read-only (mode 0444); make it writable with chmod u+w ~/.bash_aliases to save it';

    const file = await open(at('.bash_aliases'), home);
    assert.deepEqual(file.writeBlock, { code: 'read-only', message });
    await assert.rejects(
      saveEditableFile({ path: file.path, text: 'alias ll="ls -la"\n', expectedHash: file.hash, store, home: home.path }),
      { name: 'SaveRefusedError', code: 'read-only', message },
    );
    assert.equal(readFileSync(at('.bash_aliases'), 'utf8'), 'alias ll="ls -l"\n');
    assert.equal(existsSync(data), false, 'a refused save takes no backup');
  });

  test('folder without write bits blocks the save', async (t) => {
    const { home, store, at } = await createStoreHome(t, { '.config/fish/config.fish': 'set -x A 1\n' });
    await fs.chmod(at('.config/fish'), 0o555);
    const message =
      '~/.config/fish/config.fish cannot be saved: its folder ~/.config/fish is not writable by you, and a save ' +
      'writes the new content there before renaming it over the file. Make the folder writable ' +
      "(chmod u+w ~/.config/fish) or edit the file as the folder's owner";

    const file = await open(at('.config/fish/config.fish'), home);
    assert.deepEqual(file.writeBlock, { code: 'not-permitted', message });
    await assert.rejects(
      saveEditableFile({ path: file.path, text: 'set -x A 2\n', expectedHash: file.hash, store, home: home.path }),
      { name: 'SaveRefusedError', code: 'not-permitted', message },
    );
    assert.equal(readFileSync(at('.config/fish/config.fish'), 'utf8'), 'set -x A 1\n');
  });

  test('missing file in a folder without write bits', async (t) => {
    const { home, at } = await createStoreHome(t, { '.config/fish/functions/x.fish': '' });
    await fs.chmod(at('.config/fish'), 0o555);
    const file = await open(at('.config/fish/config.fish'), home);
    assert.equal(file.writeBlock?.code, 'not-permitted');
    assert.match(file.writeBlock?.message ?? '', /^~\/\.config\/fish\/config\.fish does not exist and cannot be created/);
  });

  test('group-writable file still saves', async (t) => {
    const { home, store, at } = await createStoreHome(t, { '.profile': { text: 'a=1\n', mode: 0o464 } });
    const file = await open(at('.profile'), home);
    assert.equal(file.writeBlock, null);
    const outcome = await saveEditableFile({ path: file.path, text: 'a=2\n', expectedHash: file.hash, store, home: home.path });
    assert.equal(outcome.status, 'saved');
    assert.equal(readFileSync(at('.profile'), 'utf8'), 'a=2\n');
  });
});

describe('open limit and save requests', () => {
  test('file over the limit names its size', async (t) => {
    // One byte under the 1 MiB that the editor used to open.
    const size = 1024 * 1024 - 1;
    const { home, at } = await createStoreHome(t, { '.bashrc': 'x'.repeat(size) });
    await assert.rejects(open(at('.bashrc'), home), {
      name: 'FileNotEditableError',
      code: 'too-large',
      message:
        `~/.bashrc is ${size} bytes, more than the 458752 bytes (448 KiB) the editor opens, so it was not opened; ` +
        'startup files are usually a few kilobytes, so check it or edit it in another editor',
    });
  });

  test('largest file fits in a save request', async (t) => {
    // Quotes and backslashes double in JSON; a longest path adds the rest.
    const text = '"\\'.repeat(MAX_EDITABLE_BYTES / 2);
    const { home, at } = await createStoreHome(t, { '.bashrc': text });
    const file = await open(at('.bashrc'), home);
    const body = JSON.stringify({ path: `/${'p'.repeat(MAX_REQUEST_PATH_CHARS - 1)}`, text: file.text, expectedHash: file.hash });
    assert.ok(
      Buffer.byteLength(body) <= MAX_REQUEST_BODY_BYTES,
      `a save request for a ${MAX_EDITABLE_BYTES}-byte file is ${Buffer.byteLength(body)} bytes`,
    );
  });

  test('control characters over the request size', async (t) => {
    // Each \x01 takes six bytes in JSON, so this file would not fit in a save request.
    const { home, at } = await createStoreHome(t, { '.bashrc': '\x01'.repeat(MAX_EDITABLE_BYTES) });
    await assert.rejects(open(at('.bashrc'), home), {
      name: 'FileNotEditableError',
      code: 'too-large',
      message:
        `~/.bashrc takes ${6 * MAX_EDITABLE_BYTES + 2} bytes in a save request, more than the 983040 bytes ` +
        'allowed, because control characters take six bytes there; it was not opened, so edit it in another editor',
    });
  });
});

describe('NUL characters', () => {
  test('encoder rejects NUL with its line', () => {
    assert.throws(() => encodeFileText('a=1\nb=\u0000\n', newFileFormat()), {
      name: 'UnencodableTextError',
      character: 'nul',
      line: 2,
      message: 'line 2 contains a NUL character, which startup files cannot hold',
    });
  });

  test('save rejects NUL and writes nothing', async (t) => {
    const { home, data, store, at } = await createStoreHome(t, { '.zshrc': 'export A=1\n' });
    const file = await open(at('.zshrc'), home);
    await assert.rejects(
      saveEditableFile({ path: file.path, text: 'export A=1\nexport B=\u0000\n', expectedHash: file.hash, store, home: home.path }),
      {
        name: 'SaveRefusedError',
        code: 'unencodable',
        message:
          '~/.zshrc was not saved: line 2 contains a NUL character, which startup files cannot hold; remove that character',
      },
    );
    assert.equal(readFileSync(at('.zshrc'), 'utf8'), 'export A=1\n');
    assert.equal(existsSync(data), false, 'a refused save takes no backup');
  });

  test('byte save rejects NUL', async (t) => {
    const { home, store, at } = await createStoreHome(t, { '.config/go/env': 'GOPATH=/a\n' });
    await assert.rejects(
      saveFileBytes({
        path: at('.config/go/env'),
        bytes: Buffer.from('GOPATH=/a\nGOBIN=\0\n'),
        expectedHash: sha256Hex(Buffer.from('GOPATH=/a\n')),
        store,
        home: home.path,
        kind: 'go-env',
      }),
      {
        name: 'SaveRefusedError',
        message: '~/.config/go/env was not saved: line 2 contains a NUL character, which Go env files cannot hold; remove it',
      },
    );
    assert.equal(readFileSync(at('.config/go/env'), 'utf8'), 'GOPATH=/a\n');
  });
});

describe(`backup folder as ${TEST_USER?.name ?? 'the test user'}`, { skip: NEEDS_TEST_USER }, () => {
  let worker: BundledWorker;
  before(async () => {
    worker = await bundleSaveWorker();
  });
  after(() => worker.remove());
  const user = TEST_USER;

  test('unwritable backup folder writes nothing', async (t) => {
    const { home, at } = await createStoreHome(t, { '.profile': 'export A=1\n' }, user);
    // A data directory left behind by a run as root: it belongs to root, so the user cannot add to it.
    const data = path.join(path.dirname(home.path), 'root-data');
    await fs.mkdir(path.join(data, 'backups'), { recursive: true, mode: 0o755 });
    const backups = path.join(data, 'backups');
    const folder = new BackupStore(data).folderOf(at('.profile'));

    const saved = await runSaveWorker(
      worker,
      {
        op: 'save',
        path: at('.profile'),
        text: 'export A=2\n',
        expectedHash: sha256Hex(Buffer.from('export A=1\n')),
        dataDirectory: data,
        home: home.path,
      },
      { user },
    );

    assert.deepEqual(saved, {
      ok: false,
      error: {
        name: 'SaveRefusedError',
        code: 'backup-failed',
        message:
          `~/.profile was not saved: the backup folder ${folder} cannot be written (permission denied on ${backups}), ` +
          `so the file was left unchanged; make ${backups} writable (chmod u+w ${backups}), ` +
          'or set GO_ENV_LENS_DATA_DIR to a folder you can write',
      },
    });
    assert.equal(readFileSync(at('.profile'), 'utf8'), 'export A=1\n');
    assert.equal(existsSync(folder), false);
  });
});

describe('fix dry run of a format change', () => {
  test('byte order mark removal is shown', () => {
    const fix: Fix = {
      id: 'remove-byte-order-mark',
      title: 'Remove the byte order mark from ~/.config/go/env',
      edits: [
        {
          path: '/home/u/.config/go/env',
          expectedHash: sha256Hex(Buffer.from('\ufeffGOFLAGS=-mod=mod\n')),
          before: 'GOFLAGS=-mod=mod\n',
          after: 'GOFLAGS=-mod=mod\n',
          exists: true,
          bom: false,
        },
      ],
      command: null,
      effect: { contextIds: ['bash-login'], description: 'go reads GOFLAGS from line 1' },
    };
    assert.deepEqual(formatFix(fix, '/home/u'), [
      'go reads GOFLAGS from line 1',
      'changes: bash-login',
      '~/.config/go/env: the byte order mark is removed',
    ]);
  });

  test('line ending change is shown', { skip: existsSync(GO_BINARY) ? false : `no go at ${GO_BINARY}` }, async (t) => {
    const { home, data } = await createStoreHome(t, { '.config/go/env': 'GOFLAGS=-mod=mod\r\n' });
    const environment = cleanEnvironment(home.path, {
      PATH: `${path.dirname(GO_BINARY)}:/usr/bin:/bin`,
      GO_ENV_LENS_DATA_DIR: data,
    });

    const result = await runCli(
      ['fix', 'go-env-file-format:~/.config/go/env:line-endings', '--dry-run', '--shell', 'bash'],
      environment,
    );

    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^~\/\.config\/go\/env: line endings become LF \(\\n\)\nDry run: nothing was written\.\n$/m);
    assert.equal(readFileSync(path.join(home.path, '.config/go/env'), 'utf8'), 'GOFLAGS=-mod=mod\r\n');
  });
});
