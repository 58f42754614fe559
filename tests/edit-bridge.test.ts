/**
 * The editor's path checks hold through the loopback bridge, the way a browser page (or anything
 * else with the token) reaches them. Only files of a scanned startup chain and Go env files open
 * or save. Traversal, other absolute paths and links out of the home are rejected.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';

import { createApiService } from '../src-main/engine/api-service.ts';
import { startBridge, type Bridge } from '../src-main/server/bridge.ts';
import { createHome, type ThrowawayHome } from './helpers/throwaway-home.ts';

let home: ThrowawayHome;
let outside: string;
let bridge: Bridge;

before(async () => {
  outside = await mkdtemp(path.join(os.tmpdir(), 'gel-outside-'));
  await writeFile(path.join(outside, 'secret'), 'not yours\n');
  home = await createHome({ '.bashrc': 'export GOPATH="$HOME/go"\n', '.profile': '. "$HOME/.bash_aliases"\n' });
  // ~/.bash_aliases is read by the login shell through ~/.profile, and leads out of the home.
  await symlink(path.join(outside, 'secret'), path.join(home.path, '.bash_aliases'));
  const rendererDir = await mkdtemp(path.join(os.tmpdir(), 'gel-renderer-'));
  await writeFile(path.join(rendererDir, 'index.html'), '<!doctype html><title>edit bridge test</title>');
  bridge = await startBridge({
    service: createApiService({
      host: 'browser',
      environment: { HOME: home.path, USER: 'dev', LANG: 'C.UTF-8', PATH: '/usr/bin:/bin', GO_ENV_LENS_DATA_DIR: path.join(outside, 'data') },
      baseEnvironment: 'self',
      defaultShells: ['bash'],
    }),
    rendererDir,
    log: () => undefined,
  });
  const scanned = await call('scan.run', {});
  assert.equal(scanned.status, 200);
});

after(async () => {
  await bridge?.close();
  await home?.remove();
  await rm(outside, { recursive: true, force: true });
});

async function call(method: string, request: unknown): Promise<{ status: number; body: { result?: unknown; error?: { message: string } } }> {
  const origin = `http://127.0.0.1:${bridge.port}`;
  const response = await fetch(`${origin}/api/${method}`, {
    method: 'POST',
    headers: { Cookie: `go_env_lens_token=${bridge.token}`, Origin: origin, 'Content-Type': 'application/json' },
    body: JSON.stringify(request),
  });
  return { status: response.status, body: (await response.json()) as never };
}

test('a startup file of the scan opens', async () => {
  const response = await call('edit.open', { path: path.join(home.path, '.bashrc') });
  assert.equal(response.status, 200, JSON.stringify(response.body));
});

for (const [name, requested] of [
  ['an absolute path outside the chain', '/etc/passwd'],
  ['a path with ..', '/HOME/../../etc/passwd'],
  ['a relative path', '.bashrc'],
] as const) {
  test(`edit.open rejects ${name}`, async () => {
    const response = await call('edit.open', { path: requested.replace('/HOME', home.path) });
    assert.equal(response.status, 400);
    assert.match(response.body.error!.message, /^cannot edit /);
  });
}

test('edit.save rejects /etc/passwd and writes nothing', async () => {
  const before = await readFile('/etc/passwd', 'utf8');
  const response = await call('edit.save', { path: '/etc/passwd', text: 'x\n', expectedHash: '0'.repeat(64) });
  assert.equal(response.status, 400);
  assert.equal(await readFile('/etc/passwd', 'utf8'), before);
});

test('a startup file linking out of the home is rejected', async () => {
  const response = await call('edit.open', { path: path.join(home.path, '.bash_aliases') });
  assert.equal(response.status, 400);
  assert.match(response.body.error!.message, /outside/);
  const save = await call('edit.save', { path: path.join(home.path, '.bash_aliases'), text: 'x\n', expectedHash: '0'.repeat(64) });
  assert.equal(save.status, 400);
  assert.equal(await readFile(path.join(outside, 'secret'), 'utf8'), 'not yours\n');
});
