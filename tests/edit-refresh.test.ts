/**
 * A save or an undo probes again the contexts that read the file, so the latest scan, and every
 * preview compared with it, shows what is on disk now rather than what was there before.
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
  home = await createHome({ '.bashrc': 'export GOPATH="$HOME/go"\n', '.profile': 'export GOBIN="$HOME/bin"\n' });
  dataDirectory = await fs.mkdtemp(path.join(os.tmpdir(), 'gel-data-'));
});
after(async () => {
  await home?.remove();
  await fs.rm(dataDirectory, { recursive: true, force: true });
});

test('save and undo refresh the contexts reading the file', async () => {
  const service = createApiService({
    host: 'cli',
    environment: { HOME: home.path, USER: 'dev', LANG: 'C.UTF-8', PATH: '/usr/bin:/bin', GO_ENV_LENS_DATA_DIR: dataDirectory },
    baseEnvironment: 'self',
    defaultShells: ['bash', 'dash'],
  });
  const call = service.handlers;
  await call['scan.run']({});
  const bashrc = path.join(home.path, '.bashrc');
  const opened = await call['edit.open']({ path: bashrc });
  const saved = await call['edit.save']({ path: bashrc, text: 'export GOPATH="$HOME/work"\n', expectedHash: opened.hash });
  assert.equal(saved.status, 'saved');

  const gopathIn = async (id: string) => (await call['scan.latest']({}))!.contexts.find((context) => context.id === id)!.env.GOPATH;
  assert.equal(await gopathIn('bash-non-login'), path.join(home.path, 'work'));
  // dash reads ~/.profile only, so it was not probed again and has no GOPATH.
  assert.equal(await gopathIn('dash-login'), undefined);

  // A preview of another file compares with the saved state: the saved GOPATH is not a change.
  const profile = path.join(home.path, '.profile');
  const preview = await call['edit.preview']({ drafts: [{ path: profile, text: 'export GOBIN="$HOME/tools"\n' }] });
  for (const context of preview.contexts) {
    assert.equal(context.environment.some((change) => change.name === 'GOPATH'), false, context.contextId);
  }

  await call['edit.undo']({ path: bashrc });
  assert.equal(await gopathIn('bash-non-login'), path.join(home.path, 'go'));
});
