/**
 * The preview runs unsaved drafts in real shells, so a half-typed line that writes or deletes
 * files must not reach the user's files: the previewed shells can write only beneath the stand-in
 * home and the temporary and device directories.
 */
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';

import { createApiService } from '../src-main/engine/api-service.ts';
import { createHome, type ThrowawayHome } from './helpers/throwaway-home.ts';

let home: ThrowawayHome;
let dataDirectory: string;

before(async () => {
  home = await createHome({
    '.bashrc': 'export GOPATH="$HOME/go"\n',
    '.profile': '# the user\'s profile\n',
    'projects/important.txt': 'keep me\n',
  });
  dataDirectory = await fs.mkdtemp(path.join(os.tmpdir(), 'gel-data-'));
});
after(async () => {
  await home?.remove();
  await fs.rm(dataDirectory, { recursive: true, force: true });
});

test('a draft that writes and deletes files changes nothing real', async () => {
  const service = createApiService({
    host: 'cli',
    environment: { HOME: home.path, USER: 'dev', LANG: 'C.UTF-8', PATH: '/usr/bin:/bin', GO_ENV_LENS_DATA_DIR: dataDirectory },
    baseEnvironment: 'self',
    defaultShells: ['bash'],
  });
  await service.handlers['scan.run']({});
  const draft = [
    'echo "# appended by a draft" >> ~/.profile',
    'rm -rf ~/projects/',
    'touch ~/created-by-draft',
    'echo "# written through the stand-in" >> ~/.bashrc',
    'export GOPATH="$HOME/work"',
    '',
  ].join('\n');
  const preview = await service.handlers['edit.preview']({ drafts: [{ path: path.join(home.path, '.bashrc'), text: draft }] });

  assert.equal(await fs.readFile(path.join(home.path, '.profile'), 'utf8'), "# the user's profile\n");
  assert.equal(await fs.readFile(path.join(home.path, 'projects/important.txt'), 'utf8'), 'keep me\n');
  await assert.rejects(fs.stat(path.join(home.path, 'created-by-draft')), { code: 'ENOENT' });
  assert.equal(await fs.readFile(path.join(home.path, '.bashrc'), 'utf8'), 'export GOPATH="$HOME/go"\n');

  // The shell went on after the failed writes, so the preview still shows the draft's effect.
  const bash = preview.contexts.find((context) => context.contextId === 'bash-non-login');
  assert.equal(bash?.error, null);
  assert.deepEqual(
    bash?.environment.find((change) => change.name === 'GOPATH'),
    { name: 'GOPATH', before: path.join(home.path, 'go'), after: path.join(home.path, 'work') },
  );
  assert.match(preview.mechanism, /could not write to your files/);
});
