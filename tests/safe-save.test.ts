/**
 * Opening and saving users' startup files through the engine's safe save, on real files in
 * throwaway homes: links stay links, formats survive byte for byte, blocked saves explain why
 * and write nothing, every save leaves a backup first, and undo puts it back. Cases that depend on
 * permissions also run as the unprivileged test user, because root ignores file modes.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { promises as fs, readFileSync, lstatSync, readlinkSync, statSync, existsSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import type { EditableFile, SaveOutcome } from '../src-main/shared/editing.ts';
import {
  BackupStore,
  MAX_BACKUPS_PER_FILE,
  MIN_BACKUPS_PER_FILE,
  MISSING_FILE_HASH,
  sha256Hex,
} from '../src-main/engine/files/backup-store.ts';
import { appDataDirectory } from '../src-main/engine/files/data-directory.ts';
import {
  FileNotEditableError,
  openEditableFile,
  saveEditableFile,
  undoLastSave,
} from '../src-main/engine/files/safe-save.ts';
import { decodeFileText, encodeFileText } from '../src-main/engine/files/text-format.ts';
import { bundleSaveWorker, runSaveWorker, type BundledWorker } from './helpers/save-worker-client.ts';
import { createStoreHome } from './helpers/store-home.ts';
import { TEST_USER, type ThrowawayHome } from './helpers/throwaway-home.ts';

const NEEDS_ROOT = TEST_USER ? false : 'switching to the unprivileged test user needs root';

function open(file: string, home: ThrowawayHome, readOnlyStores?: string[]): Promise<EditableFile> {
  return openEditableFile(file, { kind: 'startup', contextIds: ['bash-login'], home: home.path, readOnlyStores });
}

async function save(file: EditableFile, text: string, store: BackupStore, home: ThrowawayHome): Promise<SaveOutcome> {
  return saveEditableFile({ path: file.path, text, expectedHash: file.hash, store, home: home.path });
}

function assertSaved(outcome: SaveOutcome): asserts outcome is Extract<SaveOutcome, { status: 'saved' }> {
  assert.equal(outcome.status, 'saved', outcome.status === 'changed-on-disk' ? outcome.message : '');
}

describe('text format', () => {
  const bom = Buffer.from([0xef, 0xbb, 0xbf]);
  const roundTrips: [string, Buffer, string][] = [
    ['lf', Buffer.from('export GOPATH=~/go\nexport PATH=$PATH:~/go/bin\n'), 'export GOPATH=~/go\nexport PATH=$PATH:~/go/bin\n'],
    ['crlf', Buffer.from('export GOPATH=~/go\r\nexport PATH=$PATH:~/go/bin\r\n'), 'export GOPATH=~/go\nexport PATH=$PATH:~/go/bin\n'],
    ['byte order mark', Buffer.concat([bom, Buffer.from('set -x GOPATH ~/go\n')]), 'set -x GOPATH ~/go\n'],
    ['byte order mark and crlf', Buffer.concat([bom, Buffer.from('a=1\r\nb=2\r\n')]), 'a=1\nb=2\n'],
    ['no final newline', Buffer.from('export GOPATH=~/go\nexport GOBIN=~/bin'), 'export GOPATH=~/go\nexport GOBIN=~/bin'],
    ['latin1', Buffer.from([0x23, 0x20, 0x63, 0x61, 0x66, 0xe9, 0x0a, 0x61, 0x3d, 0x31, 0x0a]), '# café\na=1\n'],
    ['latin1 bytes after a byte order mark', Buffer.from([0xef, 0xbb, 0xbf, 0xe9, 0x0a]), '\u00ef\u00bb\u00bf\u00e9\n'],
    ['empty', Buffer.alloc(0), ''],
    ['carriage return inside an lf line', Buffer.from('PS1="a\rb"\n'), 'PS1="a\rb"\n'],
    // The first \r belongs to the line; only the \r\n after it is the line ending.
    ['carriage return before crlf', Buffer.from('a\r\r\nb\r\n'), 'a\r\nb\n'],
  ];
  for (const [name, bytes, expectedText] of roundTrips) {
    test(`round trip keeps ${name} bytes`, () => {
      const { text, format } = decodeFileText(bytes);
      assert.equal(text, expectedText);
      assert.deepEqual(encodeFileText(text, format), bytes);
    });
  }

  test('decode reports each format', () => {
    assert.deepEqual(decodeFileText(Buffer.from('a\r\nb')).format, {
      encoding: 'utf-8',
      bom: false,
      lineEnding: 'crlf',
      finalNewline: false,
    });
    assert.equal(decodeFileText(Buffer.from([0xe9, 0x0a])).format.encoding, 'latin1');
    assert.equal(decodeFileText(Buffer.from([0xe9, 0x0a])).text, 'é\n');
    assert.equal(decodeFileText(Buffer.from([0xef, 0xbb, 0xbf, 0x61])).format.bom, true);
  });

  test('mixed endings save with the majority', () => {
    // The one documented exception to the byte-exact round trip: the minority endings change.
    const lfMajority = decodeFileText(Buffer.from('a\r\nb\nc\n'));
    assert.equal(lfMajority.format.lineEnding, 'mixed');
    assert.equal(lfMajority.format.majorityEnding, 'lf');
    assert.equal(lfMajority.text, 'a\nb\nc\n');
    assert.equal(encodeFileText(lfMajority.text, lfMajority.format).toString(), 'a\nb\nc\n');
    const crlfMajority = decodeFileText(Buffer.from('a\r\nb\r\nc\n'));
    assert.equal(crlfMajority.format.majorityEnding, 'crlf');
    assert.equal(encodeFileText(crlfMajority.text, crlfMajority.format).toString(), 'a\r\nb\r\nc\r\n');
  });

  test('encode writes the final newline as given', () => {
    const { format } = decodeFileText(Buffer.from('a\r\n'));
    assert.equal(encodeFileText('a\nb', format).toString(), 'a\r\nb');
    assert.equal(encodeFileText('a\nb\n', format).toString(), 'a\r\nb\r\n');
  });

  test('utf-16 and nul bytes are rejected', () => {
    for (const bytes of [Buffer.from([0xff, 0xfe, 0x61, 0x00]), Buffer.from([0xfe, 0xff, 0x00, 0x61])]) {
      assert.throws(() => decodeFileText(bytes), {
        name: 'UnsupportedTextError',
        message:
          'it is UTF-16 text (it starts with a UTF-16 byte order mark), which shells do not read correctly; ' +
          'convert it to UTF-8 in another editor first',
      });
    }
    assert.throws(() => decodeFileText(Buffer.from('a=1\n\0b\n')), {
      name: 'UnsupportedTextError',
      message: 'it contains a NUL byte (at byte 4), so it is not a text file; check it in another editor or restore it from a copy',
    });
  });

  test('latin1 rejects characters above U+00FF', () => {
    const { format } = decodeFileText(Buffer.from([0xe9, 0x0a]));
    assert.throws(() => encodeFileText('é\nprice=€\n', format), {
      name: 'UnencodableTextError',
      message:
        'line 2 contains "€", which the file\'s encoding cannot store (Latin-1, because the file is not valid UTF-8)',
    });
  });

  test('utf-8 rejects a lone surrogate', () => {
    const { format } = decodeFileText(Buffer.from('a\n'));
    assert.throws(() => encodeFileText('a\n\ud800\n', format), {
      name: 'UnencodableTextError',
      message: 'line 2 contains an unpaired UTF-16 surrogate, which UTF-8 cannot store',
    });
  });
});

describe('data directory', () => {
  const cases: [string, Record<string, string>, NodeJS.Platform, string][] = [
    ['override', { GO_ENV_LENS_DATA_DIR: '/tmp/x/data', XDG_DATA_HOME: '/xdg' }, 'linux', '/tmp/x/data'],
    ['xdg data home', { XDG_DATA_HOME: '/xdg' }, 'linux', '/xdg/go-env-lens'],
    ['relative xdg data home', { XDG_DATA_HOME: 'xdg' }, 'linux', '/home/u/.local/share/go-env-lens'],
    ['linux default', {}, 'linux', '/home/u/.local/share/go-env-lens'],
    ['freebsd default', {}, 'freebsd', '/home/u/.local/share/go-env-lens'],
    ['macos', { XDG_DATA_HOME: '/xdg' }, 'darwin', '/home/u/Library/Application Support/go-env-lens'],
    ['windows', { LOCALAPPDATA: 'C:\\Users\\u\\AppData\\Local' }, 'win32', 'C:\\Users\\u\\AppData\\Local\\go-env-lens'],
  ];
  for (const [name, env, platform, expected] of cases) {
    test(`data directory ${name}`, () => {
      assert.equal(appDataDirectory(env, platform, '/home/u'), expected);
    });
  }

  test('data directory rejects a relative override', () => {
    assert.throws(() => appDataDirectory({ GO_ENV_LENS_DATA_DIR: 'data' }, 'linux', '/home/u'), {
      name: 'DataDirectoryError',
      message: 'GO_ENV_LENS_DATA_DIR="data" is not an absolute path; set it to an absolute directory or unset it',
    });
  });
});

describe('safe save as root', () => {
  test('stow layout keeps links', async (t) => {
    const { home, store, at } = await createStoreHome(t, {
      'dotfiles/bash/bashrc': 'export GOPATH=~/go\n',
      '.bashrc': { symlink: 'dotfiles/bash/bashrc' },
      'dotfiles/profile': 'export PATH=$PATH:/usr/local/go/bin\n',
      '.profile': { symlink: '{HOME}/dotfiles/profile' },
      'dotfiles/zsh/zshrc': 'export GOBIN=~/bin\n',
      'links/zshrc': { symlink: '../dotfiles/zsh/zshrc' },
      '.zshrc': { symlink: '{HOME}/links/zshrc' },
    });
    const cases = [
      { link: '.bashrc', target: 'dotfiles/bash/bashrc', links: ['.bashrc'] },
      { link: '.profile', target: 'dotfiles/profile', links: ['.profile'] },
      { link: '.zshrc', target: 'dotfiles/zsh/zshrc', links: ['.zshrc', 'links/zshrc'] },
    ];
    for (const { link, target, links } of cases) {
      const before = links.map((name) => readlinkSync(at(name)));
      const file = await open(at(link), home);
      assert.equal(file.realPath, at(target), `${link} resolves to its target`);
      assert.deepEqual(file.links, links.map(at), `${link} records every link`);
      assert.equal(file.writeBlock, null);

      assertSaved(await save(file, `${file.text}export GOTOOLCHAIN=local\n`, store, home));
      assert.equal(readFileSync(at(target), 'utf8'), `${file.text}export GOTOOLCHAIN=local\n`, `${target} is written`);
      for (const [index, name] of links.entries()) {
        assert.ok(lstatSync(at(name)).isSymbolicLink(), `${name} is still a link`);
        assert.equal(readlinkSync(at(name)), before[index], `${name} still points where it did`);
      }
      assert.deepEqual(
        (await fs.readdir(path.dirname(at(target)))).filter((name) => name.includes('.go-env-lens-')),
        [],
        'no temporary file is left next to the target',
      );
    }
  });

  test('crlf file stays crlf', async (t) => {
    const { home, store, at } = await createStoreHome(t, { '.bashrc': 'a=1\r\nb=2\r\n' });
    const file = await open(at('.bashrc'), home);
    assert.equal(file.text, 'a=1\nb=2\n');
    assert.equal(file.format.lineEnding, 'crlf');
    assertSaved(await save(file, 'a=1\nb=2\nc=3\n', store, home));
    assert.equal(readFileSync(at('.bashrc'), 'latin1'), 'a=1\r\nb=2\r\nc=3\r\n');
  });

  test('byte order mark is kept', async (t) => {
    const { home, store, at } = await createStoreHome(t, {});
    await fs.writeFile(at('.profile'), Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('a=1\n')]));
    const file = await open(at('.profile'), home);
    assert.equal(file.text, 'a=1\n');
    assert.equal(file.format.bom, true);
    assertSaved(await save(file, 'a=2\n', store, home));
    assert.deepEqual(readFileSync(at('.profile')), Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('a=2\n')]));
  });

  test('no final newline is kept', async (t) => {
    const { home, store, at } = await createStoreHome(t, { '.zshrc': 'a=1\nb=2' });
    const file = await open(at('.zshrc'), home);
    assert.equal(file.format.finalNewline, false);
    assertSaved(await save(file, 'a=1\nb=3', store, home));
    assert.equal(readFileSync(at('.zshrc'), 'utf8'), 'a=1\nb=3');
  });

  test('latin1 file keeps its bytes', async (t) => {
    const { home, store, at } = await createStoreHome(t, {});
    const original = Buffer.from([0x23, 0x20, 0xe9, 0x0a, 0x61, 0x3d, 0x31, 0x0a]);
    await fs.writeFile(at('.profile'), original);
    const file = await open(at('.profile'), home);
    assert.equal(file.format.encoding, 'latin1');
    assert.equal(file.text, '# é\na=1\n');

    assertSaved(await save(file, file.text, store, home));
    assert.deepEqual(readFileSync(at('.profile')), original, 'an unchanged save writes the same bytes');

    const unchanged = await open(at('.profile'), home);
    await assert.rejects(save(unchanged, '# é\nprice=€\n', store, home), {
      name: 'SaveRefusedError',
      code: 'unencodable',
      message:
        '~/.profile was not saved: line 2 contains "€", which the file\'s encoding cannot store (Latin-1, because ' +
        'the file is not valid UTF-8); remove that character, or convert the file to UTF-8 in another editor first',
    });
    assert.deepEqual(readFileSync(at('.profile')), original, 'a refused save writes nothing');

    assertSaved(await save(unchanged, '# é\nb=ü\n', store, home));
    assert.deepEqual(readFileSync(at('.profile')), Buffer.from([0x23, 0x20, 0xe9, 0x0a, 0x62, 0x3d, 0xfc, 0x0a]));
  });

  test('changed on disk writes nothing', async (t) => {
    const { home, store, at } = await createStoreHome(t, { '.bashrc': 'a=1\n' });
    const file = await open(at('.bashrc'), home);
    await fs.writeFile(at('.bashrc'), 'a=1\nb=from another editor\n');

    const outcome = await save(file, 'a=2\n', store, home);
    assert.equal(outcome.status, 'changed-on-disk');
    assert.ok(outcome.status === 'changed-on-disk');
    assert.equal(
      outcome.message,
      '~/.bashrc changed on disk since it was loaded, so it was not saved. ' +
        'Reload it to see the new content, or compare it with your edit before saving again.',
    );
    assert.equal(outcome.current.text, 'a=1\nb=from another editor\n');
    assert.equal(outcome.current.hash, sha256Hex(Buffer.from('a=1\nb=from another editor\n')));
    assert.equal(readFileSync(at('.bashrc'), 'utf8'), 'a=1\nb=from another editor\n');
    assert.deepEqual(await store.history(file.realPath), [], 'no backup is taken for a save that did not happen');
  });

  test('foreign owner keeps uid, gid and mode', { skip: NEEDS_ROOT }, async (t) => {
    const { home, store, at } = await createStoreHome(t, { '.bashrc': { text: 'secret=1\n', mode: 0o600 } });
    const user = TEST_USER!;
    await fs.chown(at('.bashrc'), user.uid, user.gid);
    const file = await open(at('.bashrc'), home);
    assert.equal(file.writeBlock, null, 'root may save another user\'s file');
    assertSaved(await save(file, 'secret=2\n', store, home));
    const stat = statSync(at('.bashrc'));
    assert.equal(stat.uid, user.uid);
    assert.equal(stat.gid, user.gid);
    assert.equal(stat.mode & 0o7777, 0o600);
    assert.equal(readFileSync(at('.bashrc'), 'utf8'), 'secret=2\n');
  });

  test('backup is recorded before each save', async (t) => {
    const { home, store, at } = await createStoreHome(t, { '.bashrc': 'v0\n' });
    const steps: string[] = [];
    for (const version of ['v1\n', 'v2\n', 'v3\n']) {
      const file = await open(at('.bashrc'), home);
      const outcome = await saveEditableFile({
        path: file.path,
        text: version,
        expectedHash: file.hash,
        store,
        home: home.path,
        onStep: (step) => steps.push(step),
      });
      assertSaved(outcome);
      assert.equal(outcome.result.backup.hash, sha256Hex(Buffer.from(file.text)));
      assert.equal(outcome.result.hash, sha256Hex(Buffer.from(version)));
    }
    assert.ok(steps.indexOf('backup') < steps.indexOf('temporary-write'), `steps: ${steps.join(', ')}`);

    const history = await store.history(at('.bashrc'));
    assert.deepEqual(
      history.map((entry) => entry.reason),
      ['save', 'save', 'save'],
    );
    const contents = await Promise.all(history.map((entry) => store.read(at('.bashrc'), entry.id)));
    assert.deepEqual(
      contents.map((bytes) => bytes?.toString()),
      ['v2\n', 'v1\n', 'v0\n'],
      'history lists the previous contents newest first',
    );
    assert.deepEqual(
      history.map((entry) => entry.id),
      history.map((entry) => entry.id).sort().reverse(),
      'ids sort by time',
    );
    for (const entry of history) {
      assert.equal(entry.path, at('.bashrc'));
      assert.equal(entry.existed, true);
      assert.equal(entry.size, 3);
      assert.ok(!Number.isNaN(Date.parse(entry.takenAt)), `takenAt ${entry.takenAt} is a time`);
      assert.equal(readFileSync(store.backupFilePath(at('.bashrc'), entry.id)).length, 3, 'the .bak is a plain copy');
    }
  });

  test('undo restores and is undoable', async (t) => {
    const { home, store, at } = await createStoreHome(t, {
      'dotfiles/bashrc': 'v0\n',
      '.bashrc': { symlink: 'dotfiles/bashrc' },
    });
    for (const version of ['v1\n', 'v2\n']) {
      assertSaved(await save(await open(at('.bashrc'), home), version, store, home));
    }
    const first = await undoLastSave(at('.bashrc'), store, undefined, { home: home.path });
    assert.equal(readFileSync(at('dotfiles/bashrc'), 'utf8'), 'v1\n', 'undo puts back the content before the last save');
    assert.ok(lstatSync(at('.bashrc')).isSymbolicLink(), 'undo keeps the link');
    assert.equal(first.backup.reason, 'undo');
    assert.equal((await store.read(at('dotfiles/bashrc'), first.backup.id))?.toString(), 'v2\n');
    assert.equal(first.hash, sha256Hex(Buffer.from('v1\n')));

    await undoLastSave(at('.bashrc'), store, undefined, { home: home.path });
    assert.equal(readFileSync(at('dotfiles/bashrc'), 'utf8'), 'v2\n', 'undoing the undo brings back v2');

    const oldest = (await store.history(at('dotfiles/bashrc'))).at(-1)!;
    const chosen = await undoLastSave(at('.bashrc'), store, oldest.id, { home: home.path });
    assert.equal(chosen.restored.id, oldest.id);
    assert.equal(readFileSync(at('dotfiles/bashrc'), 'utf8'), 'v0\n', 'undo with an id restores that backup');
    assert.equal((await store.history(at('dotfiles/bashrc'))).length, 5);

    await assert.rejects(undoLastSave(at('.bashrc'), store, '20260101T000000000Z-0000-00000000', { home: home.path }), {
      name: 'BackupNotFoundError',
      message:
        '~/.bashrc (a link to ~/dotfiles/bashrc) has no backup "20260101T000000000Z-0000-00000000"; ' +
        'its history lists the backups it has',
    });
  });

  test('undo without backups is rejected', async (t) => {
    const { home, store, at } = await createStoreHome(t, { '.bashrc': 'a=1\n' });
    await assert.rejects(undoLastSave(at('.bashrc'), store, undefined, { home: home.path }), {
      name: 'BackupNotFoundError',
      message: '~/.bashrc has no backups, so there is nothing to undo',
    });
    assert.equal(readFileSync(at('.bashrc'), 'utf8'), 'a=1\n');
  });

  test('pruning keeps the newest backups', async (t) => {
    const { at, store } = await createStoreHome(t, {});
    assert.ok(MAX_BACKUPS_PER_FILE >= MIN_BACKUPS_PER_FILE, 'the kept count is never below the minimum');
    assert.equal(MIN_BACKUPS_PER_FILE, 20);
    const file = at('.bashrc');
    const recorded: string[] = [];
    for (let index = 0; index < MAX_BACKUPS_PER_FILE + 10; index += 1) {
      recorded.push((await store.record(file, Buffer.from(`v${index}\n`), 'save')).id);
      if (index === MIN_BACKUPS_PER_FILE + 4) {
        assert.equal((await store.history(file)).length, MIN_BACKUPS_PER_FILE + 5, 'nothing is pruned below the limit');
      }
    }
    const history = await store.history(file);
    assert.equal(history.length, MAX_BACKUPS_PER_FILE);
    assert.deepEqual(
      history.map((entry) => entry.id),
      recorded.slice(-MAX_BACKUPS_PER_FILE).reverse(),
      'the newest backups are the ones kept',
    );
    const folder = store.folderOf(file);
    assert.equal((await fs.readdir(folder)).filter((name) => name.endsWith('.bak')).length, MAX_BACKUPS_PER_FILE);
    assert.deepEqual(JSON.parse(readFileSync(path.join(folder, 'file.json'), 'utf8')), { path: file });
  });

  test('new file with parent folders', async (t) => {
    const { home, store, at } = await createStoreHome(t, {});
    const target = at('.config/fish/config.fish');
    const file = await open(target, home);
    assert.equal(file.exists, false);
    assert.equal(file.text, '');
    assert.equal(file.hash, MISSING_FILE_HASH);
    assert.equal(file.writeBlock, null);

    assertSaved(await save(file, 'set -gx GOPATH ~/go\n', store, home));
    assert.equal(readFileSync(target, 'utf8'), 'set -gx GOPATH ~/go\n');
    const umask = process.umask();
    assert.equal(statSync(target).mode & 0o777, 0o666 & ~umask, 'a new file gets 0666 less the umask');
    assert.ok(statSync(at('.config/fish')).isDirectory());

    const [backup] = await store.history(target);
    assert.equal(backup?.existed, false);
    assert.equal(await store.read(target, backup!.id), null);

    const undone = await undoLastSave(target, store, undefined, { home: home.path });
    assert.equal(existsSync(target), false, 'undoing the first save removes the file again');
    assert.equal(undone.hash, MISSING_FILE_HASH);
    assert.equal((await store.read(target, undone.backup.id))?.toString(), 'set -gx GOPATH ~/go\n');
  });

  test('new file under a file is blocked', async (t) => {
    const { home, at } = await createStoreHome(t, { '.config': 'not a folder\n' });
    const file = await open(at('.config/fish/config.fish'), home);
    assert.equal(file.exists, false);
    assert.deepEqual(file.writeBlock, {
      code: 'not-permitted',
      message: '~/.config/fish/config.fish cannot be created: ~/.config is not a folder',
    });
  });

  test('directory is not a file', async (t) => {
    const { home, store, at } = await createStoreHome(t, { '.bashrc/inside': 'x\n' });
    const file = await open(at('.bashrc'), home);
    assert.deepEqual(file.writeBlock, {
      code: 'not-a-file',
      message: '~/.bashrc is a directory, not a regular file, so it cannot be saved from here',
    });
    await assert.rejects(save(file, 'a=1\n', store, home), { name: 'SaveRefusedError', code: 'not-a-file' });
  });

  test('named pipe opens without blocking', async (t) => {
    const { home, at } = await createStoreHome(t, {});
    execFileSync('mkfifo', [at('.profile')]);
    const file = await open(at('.profile'), home);
    assert.equal(file.writeBlock?.code, 'not-a-file');
    assert.equal(file.writeBlock?.message, '~/.profile is a named pipe, not a regular file, so it cannot be saved from here');
  });

  test('utf-16 file is not editable', async (t) => {
    const { home, at } = await createStoreHome(t, {});
    await fs.writeFile(at('.bashrc'), Buffer.from([0xff, 0xfe, 0x61, 0x00, 0x0a, 0x00]));
    await assert.rejects(open(at('.bashrc'), home), (error: unknown) => {
      assert.ok(error instanceof FileNotEditableError);
      assert.equal(error.code, 'not-text');
      assert.equal(
        error.message,
        '~/.bashrc cannot be edited here: it is UTF-16 text (it starts with a UTF-16 byte order mark), ' +
          'which shells do not read correctly; convert it to UTF-8 in another editor first',
      );
      return true;
    });
  });

  test('read-only file system blocks the save', { skip: NEEDS_ROOT }, async (t) => {
    const worker = await bundleSaveWorker();
    t.after(() => worker.remove());
    const { home, data, at } = await createStoreHome(t, { 'mounted/rc': 'a=1\n' });
    const message = '~/mounted/rc is on a read-only file system, so it cannot be saved; remount it read-write to edit it here';
    const mounts = { readOnlyMounts: [at('mounted')] };

    const opened = await runSaveWorker(worker, { op: 'open', path: at('mounted/rc'), home: home.path }, mounts);
    assert.ok(opened.ok, JSON.stringify(opened));
    assert.deepEqual((opened.value as EditableFile).writeBlock, { code: 'read-only', message });

    const saved = await runSaveWorker(
      worker,
      { op: 'save', path: at('mounted/rc'), text: 'a=2\n', expectedHash: sha256Hex(Buffer.from('a=1\n')), dataDirectory: data, home: home.path },
      mounts,
    );
    assert.deepEqual(saved, { ok: false, error: { name: 'SaveRefusedError', code: 'read-only', message } });
    assert.equal(readFileSync(at('mounted/rc'), 'utf8'), 'a=1\n');
  });

  test('read-only store names home-manager', async (t) => {
    const { home, store, at } = await createStoreHome(t, {});
    const storeFolder = path.join(path.dirname(home.path), 'nix/store');
    const managed = path.join(storeFolder, '0f3k-home-manager-files/.bashrc');
    await fs.mkdir(path.dirname(managed), { recursive: true });
    await fs.writeFile(managed, 'export GOPATH=~/go\n');
    await fs.chmod(managed, 0o444);
    await fs.chmod(path.dirname(managed), 0o555);
    await fs.symlink(managed, at('.bashrc'));

    const file = await open(at('.bashrc'), home, [storeFolder]);
    const message =
      `~/.bashrc is managed by home-manager (a link into ${storeFolder}); ` +
      'change it in your home-manager configuration and run home-manager switch';
    assert.deepEqual(file.writeBlock, { code: 'read-only-store', message });
    await assert.rejects(
      saveEditableFile({
        path: file.path,
        text: 'export GOPATH=/srv/go\n',
        expectedHash: file.hash,
        store,
        home: home.path,
        readOnlyStores: [storeFolder],
      }),
      { name: 'SaveRefusedError', code: 'read-only-store', message },
    );
    assert.equal(readFileSync(managed, 'utf8'), 'export GOPATH=~/go\n', 'root must not write into the store');
    assert.ok(lstatSync(at('.bashrc')).isSymbolicLink());
  });
});

describe(`safe save as ${TEST_USER?.name ?? 'the test user'}`, { skip: NEEDS_ROOT }, () => {
  let worker: BundledWorker;
  before(async () => {
    worker = await bundleSaveWorker();
  });
  after(() => worker.remove());
  const user = TEST_USER;
  const hashOf = (text: string) => sha256Hex(Buffer.from(text));

  test('stow layout saves as a normal user', async (t) => {
    const { home, data, store, at } = await createStoreHome(
      t,
      { 'dotfiles/bash/bashrc': 'a=1\n', '.bashrc': { symlink: 'dotfiles/bash/bashrc' } },
      user,
    );
    const saved = await runSaveWorker(
      worker,
      { op: 'save', path: at('.bashrc'), text: 'a=2\n', expectedHash: hashOf('a=1\n'), dataDirectory: data, home: home.path },
      { user },
    );
    assert.ok(saved.ok, JSON.stringify(saved));
    assert.equal(readFileSync(at('dotfiles/bash/bashrc'), 'utf8'), 'a=2\n');
    assert.ok(lstatSync(at('.bashrc')).isSymbolicLink());
    assert.equal(statSync(at('dotfiles/bash/bashrc')).uid, user!.uid);
    const [backup] = await store.history(at('dotfiles/bash/bashrc'));
    assert.equal((await store.read(at('dotfiles/bash/bashrc'), backup!.id))?.toString(), 'a=1\n');
    assert.equal(statSync(store.folderOf(at('dotfiles/bash/bashrc'))).mode & 0o777, 0o700, 'backups are private');

    const undone = await runSaveWorker(worker, { op: 'undo', path: at('.bashrc'), dataDirectory: data, home: home.path }, { user });
    assert.ok(undone.ok, JSON.stringify(undone));
    assert.equal(readFileSync(at('dotfiles/bash/bashrc'), 'utf8'), 'a=1\n');
  });

  test('read-only target blocks the save', async (t) => {
    const { home, data, at } = await createStoreHome(t, { '.bashrc': { text: 'a=1\n', mode: 0o444 } }, user);
    const message = '~/.bashrc is read-only (mode 0444); make it writable with chmod u+w ~/.bashrc to save it';
    const opened = await runSaveWorker(worker, { op: 'open', path: at('.bashrc'), home: home.path }, { user });
    assert.ok(opened.ok, JSON.stringify(opened));
    assert.deepEqual((opened.value as EditableFile).writeBlock, { code: 'read-only', message });

    const saved = await runSaveWorker(
      worker,
      { op: 'save', path: at('.bashrc'), text: 'a=2\n', expectedHash: hashOf('a=1\n'), dataDirectory: data, home: home.path },
      { user },
    );
    assert.deepEqual(saved, { ok: false, error: { name: 'SaveRefusedError', code: 'read-only', message } });
    assert.equal(readFileSync(at('.bashrc'), 'utf8'), 'a=1\n');
    assert.equal(existsSync(data), false, 'a refused save takes no backup');
  });

  test('read-only folder blocks the save', async (t) => {
    const { home, data, at } = await createStoreHome(t, { 'conf/rc': 'a=1\n' }, user);
    await fs.chmod(at('conf'), 0o555);
    const message =
      '~/conf/rc cannot be saved: its folder ~/conf is not writable by you, and a save writes the new content ' +
      "there before renaming it over the file. Make the folder writable (chmod u+w ~/conf) or edit the file as the folder's owner";
    const opened = await runSaveWorker(worker, { op: 'open', path: at('conf/rc'), home: home.path }, { user });
    assert.ok(opened.ok, JSON.stringify(opened));
    assert.deepEqual((opened.value as EditableFile).writeBlock, { code: 'not-permitted', message });
    const saved = await runSaveWorker(
      worker,
      { op: 'save', path: at('conf/rc'), text: 'a=2\n', expectedHash: hashOf('a=1\n'), dataDirectory: data, home: home.path },
      { user },
    );
    assert.deepEqual(saved, { ok: false, error: { name: 'SaveRefusedError', code: 'not-permitted', message } });
    assert.equal(readFileSync(at('conf/rc'), 'utf8'), 'a=1\n');
  });

  test('foreign owner blocks the save', async (t) => {
    const { home, data, at } = await createStoreHome(t, { '.profile': 'a=1\n' }, user);
    await fs.chown(at('.profile'), 0, 0);
    await fs.chmod(at('.profile'), 0o666);
    const message =
      `~/.profile belongs to root (uid 0), not to ${user!.name} (uid ${user!.uid}); saving it would make ` +
      `${user!.name} its owner, so it is not saved here. Edit it as root.`;
    const opened = await runSaveWorker(worker, { op: 'open', path: at('.profile'), home: home.path }, { user });
    assert.ok(opened.ok, JSON.stringify(opened));
    assert.deepEqual((opened.value as EditableFile).writeBlock, { code: 'foreign-owner', message });
    const saved = await runSaveWorker(
      worker,
      { op: 'save', path: at('.profile'), text: 'a=2\n', expectedHash: hashOf('a=1\n'), dataDirectory: data, home: home.path },
      { user },
    );
    assert.deepEqual(saved, { ok: false, error: { name: 'SaveRefusedError', code: 'foreign-owner', message } });
    assert.equal(statSync(at('.profile')).uid, 0, 'the file still belongs to root');
  });

  test('read-only store blocks the save', async (t) => {
    const { home, data, at } = await createStoreHome(t, {}, user);
    const storeFolder = path.join(path.dirname(home.path), 'nix/store');
    const managed = path.join(storeFolder, '0f3k-home-manager-files/.zshrc');
    await fs.mkdir(path.dirname(managed), { recursive: true });
    await fs.writeFile(managed, 'a=1\n');
    await fs.symlink(managed, at('.zshrc'));
    execFileSync('chown', ['-h', `${user!.uid}:${user!.gid}`, at('.zshrc')]);
    const message =
      `~/.zshrc is managed by home-manager (a link into ${storeFolder}); ` +
      'change it in your home-manager configuration and run home-manager switch';
    const options = { home: home.path, readOnlyStores: [storeFolder] };
    const opened = await runSaveWorker(worker, { op: 'open', path: at('.zshrc'), ...options }, { user, readOnlyMounts: [storeFolder] });
    assert.ok(opened.ok, JSON.stringify(opened));
    assert.deepEqual((opened.value as EditableFile).writeBlock, { code: 'read-only-store', message });
    const saved = await runSaveWorker(
      worker,
      { op: 'save', path: at('.zshrc'), text: 'a=2\n', expectedHash: hashOf('a=1\n'), dataDirectory: data, ...options },
      { user, readOnlyMounts: [storeFolder] },
    );
    assert.deepEqual(saved, { ok: false, error: { name: 'SaveRefusedError', code: 'read-only-store', message } });
    assert.equal(readFileSync(managed, 'utf8'), 'a=1\n');
  });
});
