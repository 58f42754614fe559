/**
 * `go-env-lens history` and `go-env-lens undo` as a user meets them: the real CLI process on a
 * throwaway HOME with its own data directory, run as root and as the unprivileged test user.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';

import type { BackupEntry } from '../src-main/shared/editing.ts';
import { BackupStore } from '../src-main/engine/files/backup-store.ts';
import { openEditableFile, saveEditableFile } from '../src-main/engine/files/safe-save.ts';
import { runCli } from './helpers/run-cli.ts';
import { cleanEnvironment, createHome, type ThrowawayHome } from './helpers/throwaway-home.ts';
import { USER_VARIANTS, type UserVariant } from './helpers/test-user.ts';

const LINKED = '~/.bashrc (a link to ~/dotfiles/bashrc)';

interface Fixture {
  home: ThrowawayHome;
  data: string;
  environment: Record<string, string>;
  target: string;
}

/** Creates a home whose ~/.bashrc links to ~/dotfiles/bashrc, owned by the variant's user. */
async function createFixture(t: { after: (fn: () => Promise<void>) => void }, variant: UserVariant): Promise<Fixture> {
  const home = await createHome(
    { 'dotfiles/bashrc': 'v0\n', '.bashrc': { symlink: 'dotfiles/bashrc' } },
    { owner: variant.user },
  );
  t.after(() => home.remove());
  const data = path.join(home.path, 'data');
  // TZ fixes the local time the CLI prints, so the expected table can be written out.
  const environment = cleanEnvironment(home.path, { GO_ENV_LENS_DATA_DIR: data, TZ: 'UTC' });
  return { home, data, environment, target: path.join(home.path, 'dotfiles/bashrc') };
}

/** Saves each version in turn through the engine and hands the home back to its owner. */
async function saveVersions(fixture: Fixture, versions: string[]): Promise<void> {
  const store = new BackupStore(fixture.data);
  for (const text of versions) {
    const file = await openEditableFile(path.join(fixture.home.path, '.bashrc'), {
      kind: 'startup',
      contextIds: [],
      home: fixture.home.path,
    });
    const outcome = await saveEditableFile({ path: file.path, text, expectedHash: file.hash, store, home: fixture.home.path });
    assert.equal(outcome.status, 'saved');
  }
  if (fixture.home.owner) {
    execFileSync('chown', ['-R', `${fixture.home.owner.uid}:${fixture.home.owner.gid}`, fixture.home.path]);
  }
}

function utcTime(entry: BackupEntry): string {
  return entry.takenAt.slice(0, 19).replace('T', ' ');
}

for (const variant of USER_VARIANTS) {
  describe(`history and undo ${variant.name}`, { skip: variant.skip }, () => {
    const cli = (args: string[], fixture: Fixture) => runCli(args, fixture.environment, { user: variant.user });

    test('history without backups', async (t) => {
      const fixture = await createFixture(t, variant);
      const result = await cli(['history', '.bashrc'], fixture);
      assert.equal(result.stderr, '');
      assert.equal(result.code, 0);
      assert.equal(result.stdout, `No backups of ${LINKED} yet; go-env-lens keeps one before every save and undo.\n`);
    });

    test('history lists backups newest first', async (t) => {
      const fixture = await createFixture(t, variant);
      await saveVersions(fixture, ['v1\n', 'version 2\n']);
      const entries = await new BackupStore(fixture.data).history(fixture.target);
      assert.equal(entries.length, 2);

      const result = await cli(['history', '.bashrc'], fixture);
      assert.equal(result.stderr, '');
      assert.equal(result.code, 0);
      const row = (entry: BackupEntry) => `${entry.id}  ${utcTime(entry)}  save    ${entry.size} bytes`;
      assert.equal(
        result.stdout,
        [
          `Backups of ${LINKED}, newest first:`,
          '',
          `backup id${' '.repeat(26)}taken${' '.repeat(16)}reason  size`,
          `${'-'.repeat(33)}  ${'-'.repeat(19)}  ------  -------`,
          row(entries[0]!),
          row(entries[1]!),
          '',
          'Restore one with: go-env-lens undo ~/.bashrc --backup ID',
          '',
        ].join('\n'),
      );

      const json = await cli(['history', `${fixture.home.path}/.bashrc`, '--json'], fixture);
      assert.equal(json.code, 0);
      assert.deepEqual(JSON.parse(json.stdout), entries);
    });

    test('undo restores and can be undone', async (t) => {
      const fixture = await createFixture(t, variant);
      await saveVersions(fixture, ['v1\n', 'v2\n']);
      const [latest] = await new BackupStore(fixture.data).history(fixture.target);

      const undo = await cli(['undo', '.bashrc'], fixture);
      assert.equal(undo.stderr, '');
      assert.equal(undo.code, 0);
      const newId = /kept as backup (\S+);/.exec(undo.stdout)?.[1];
      assert.ok(newId, `no backup id in: ${undo.stdout}`);
      assert.equal(
        undo.stdout,
        `Restored ${LINKED} from backup ${latest!.id}, taken ${utcTime(latest!)} before a save (3 bytes).\n` +
          `The content it replaced (3 bytes) is kept as backup ${newId}; to go back to it, run:\n` +
          `  go-env-lens undo ~/.bashrc --backup ${newId}\n`,
      );
      assert.equal(readFileSync(fixture.target, 'utf8'), 'v1\n');
      assert.ok(lstatSync(path.join(fixture.home.path, '.bashrc')).isSymbolicLink(), 'undo keeps the link');

      const history = await cli(['history', '.bashrc', '--json'], fixture);
      const entries = JSON.parse(history.stdout) as BackupEntry[];
      assert.equal(entries[0]?.id, newId);
      assert.equal(entries[0]?.reason, 'undo');

      const redo = await cli(['undo', '.bashrc', '--backup', newId], fixture);
      assert.equal(redo.stderr, '');
      assert.equal(redo.code, 0);
      assert.equal(readFileSync(fixture.target, 'utf8'), 'v2\n', 'undoing the undo brings back v2');
      if (variant.user) assert.equal(lstatSync(fixture.target).uid, variant.user.uid);
    });

    test('undo of a first save removes the file', async (t) => {
      const fixture = await createFixture(t, variant);
      const store = new BackupStore(fixture.data);
      const created = path.join(fixture.home.path, '.config/fish/config.fish');
      const file = await openEditableFile(created, { kind: 'startup', contextIds: [], home: fixture.home.path });
      await saveEditableFile({ path: created, text: 'set -gx GOPATH ~/go\n', expectedHash: file.hash, store });
      if (variant.user) execFileSync('chown', ['-R', `${variant.user.uid}:${variant.user.gid}`, fixture.home.path]);
      const [backup] = await store.history(created);

      const undo = await cli(['undo', '.config/fish/config.fish'], fixture);
      assert.equal(undo.stderr, '');
      assert.equal(undo.code, 0);
      const newId = /kept as backup (\S+);/.exec(undo.stdout)?.[1];
      assert.equal(
        undo.stdout,
        `Removed ~/.config/fish/config.fish: backup ${backup!.id}, taken ${utcTime(backup!)} before a save ` +
          'records that it did not exist then.\n' +
          `The content it replaced (20 bytes) is kept as backup ${newId}; to go back to it, run:\n` +
          `  go-env-lens undo ~/.config/fish/config.fish --backup ${newId}\n`,
      );
      assert.equal(existsSync(created), false);
    });

    test('undo rejects unknown backups', async (t) => {
      const fixture = await createFixture(t, variant);
      await saveVersions(fixture, ['v1\n']);

      const unknown = await cli(['undo', '.bashrc', '--backup', 'nope'], fixture);
      assert.equal(unknown.code, 2);
      assert.equal(
        unknown.stderr,
        `go-env-lens: ${LINKED} has no backup "nope"; its history lists the backups it has\n`,
      );
      assert.equal(readFileSync(fixture.target, 'utf8'), 'v1\n');

      const none = await cli(['undo', 'dotfiles/other'], fixture);
      assert.equal(none.code, 2);
      assert.equal(none.stderr, 'go-env-lens: ~/dotfiles/other has no backups, so there is nothing to undo\n');

      const missing = await cli(['undo'], fixture);
      assert.equal(missing.code, 2);
      assert.equal(missing.stderr, 'go-env-lens: undo needs a file, e.g. go-env-lens undo ~/.bashrc\n');
    });

    test('quoted tilde names the home', async (t) => {
      const fixture = await createFixture(t, variant);
      await saveVersions(fixture, ['v1\n']);

      const history = await cli(['history', '~/.bashrc', '--json'], fixture);
      assert.equal(history.stderr, '');
      assert.equal(history.code, 0);
      assert.deepEqual(JSON.parse(history.stdout), await new BackupStore(fixture.data).history(fixture.target));

      const home = await cli(['history', '~'], fixture);
      assert.equal(home.code, 2);
      assert.equal(home.stderr, 'go-env-lens: ~ is a directory, not a file, so it has no backups; name a file inside it\n');

      const undo = await cli(['undo', '~/.bashrc'], fixture);
      assert.equal(undo.stderr, '');
      assert.equal(undo.code, 0);
      assert.equal(readFileSync(fixture.target, 'utf8'), 'v0\n');
    });

    test('folder is not a file', async (t) => {
      const fixture = await createFixture(t, variant);
      const message = 'go-env-lens: ~/dotfiles is a directory, not a file, so it has no backups; name a file inside it\n';
      for (const command of ['history', 'undo']) {
        const result = await cli([command, 'dotfiles'], fixture);
        assert.equal(result.code, 2, `${command} exit code`);
        assert.equal(result.stdout, '', `${command} output`);
        assert.equal(result.stderr, message, `${command} message`);
      }
    });

    test('undo of a read-only file is refused', async (t) => {
      const fixture = await createFixture(t, variant);
      await saveVersions(fixture, ['v1\n']);
      execFileSync('chmod', ['0444', fixture.target]);

      const undo = await cli(['undo', '.bashrc'], fixture);
      assert.equal(undo.code, 2);
      assert.equal(
        undo.stderr,
        `go-env-lens: ${LINKED} is read-only (mode 0444); make it writable with chmod u+w ~/dotfiles/bashrc to save it\n`,
      );
      assert.equal(readFileSync(fixture.target, 'utf8'), 'v1\n');
    });
  });
}

test('history uses the default data directory', async (t) => {
  const home = await createHome({ '.profile': 'a=1\n' });
  t.after(() => home.remove());
  const store = new BackupStore(path.join(home.path, '.local/share/go-env-lens'));
  await store.record(path.join(home.path, '.profile'), Buffer.from('a=0\n'), 'save');

  const result = await runCli(['history', '.profile', '--json'], cleanEnvironment(home.path));
  assert.equal(result.code, 0, result.stderr);
  assert.deepEqual(JSON.parse(result.stdout), await store.history(path.join(home.path, '.profile')));
});
