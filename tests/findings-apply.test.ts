/**
 * findings.apply writes only what the user reviewed: a fix whose file changed since it was shown
 * is not applied, and a fix is only written to files the editor may write.
 */
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, test } from 'node:test';

import { createApiService } from '../src-main/engine/api-service.ts';
import { C16 } from './fixtures/cases.ts';
import { createHome, type HomeFile, type ThrowawayHome } from './helpers/throwaway-home.ts';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

async function staleGorootService(files: Record<string, HomeFile>) {
  const home: ThrowawayHome = await createHome(files);
  const dataDirectory = await fs.mkdtemp(path.join(os.tmpdir(), 'gel-data-'));
  cleanups.push(() => home.remove(), () => fs.rm(dataDirectory, { recursive: true, force: true }));
  const service = createApiService({
    host: 'cli',
    environment: { HOME: home.path, USER: 'dev', LANG: 'C.UTF-8', PATH: '/usr/bin:/bin', GO_ENV_LENS_DATA_DIR: dataDirectory },
    baseEnvironment: 'self',
    defaultShells: ['dash'],
  });
  await service.handlers['scan.run']({});
  const findings = await service.handlers['findings.list']({});
  const finding = findings.findings.find((candidate) => candidate.rule === 'goroot-stale');
  assert.ok(finding, 'no stale GOROOT finding');
  return { home, service, finding };
}

test('a fix whose file changed since it was shown is not applied', async () => {
  const { home, service, finding } = await staleGorootService(C16.files);
  const fix = finding.fixes[0]!;
  const shown = Object.fromEntries(fix.edits.map((edit) => [edit.path, edit.expectedHash]));
  const profile = path.join(home.path, '.profile');
  const edited = `${await fs.readFile(profile, 'utf8')}export GOFLAGS=-mod=vendor\n`;
  await fs.writeFile(profile, edited);

  await assert.rejects(
    service.handlers['findings.apply']({ findingId: finding.id, fixId: fix.id, expectedHashes: shown }),
    { message: `the files of "${fix.title}" changed since the fix was shown, so nothing was written; refresh the findings and review the fix again` },
  );
  assert.equal(await fs.readFile(profile, 'utf8'), edited);
});

test('a fix is applied when the files are as shown', async () => {
  const { home, service, finding } = await staleGorootService(C16.files);
  const fix = finding.fixes[0]!;
  const shown = Object.fromEntries(fix.edits.map((edit) => [edit.path, edit.expectedHash]));
  const outcome = await service.handlers['findings.apply']({ findingId: finding.id, fixId: fix.id, expectedHashes: shown });
  assert.equal(outcome.resolved, true, outcome.message);
  assert.equal((await fs.readFile(path.join(home.path, '.profile'), 'utf8')).includes('GOROOT'), false);
});

test('a fix is not written through a link that leaves the home', async () => {
  const outside = await fs.mkdtemp(path.join(os.tmpdir(), 'gel-outside-'));
  cleanups.push(() => fs.rm(outside, { recursive: true, force: true }));
  await fs.writeFile(path.join(outside, 'profile'), C16.files['.profile'] as string);
  const { service, finding } = await staleGorootService({ '.profile': { symlink: path.join(outside, 'profile') } });
  await assert.rejects(service.handlers['findings.apply']({ findingId: finding.id }), /outside/);
  assert.equal(await fs.readFile(path.join(outside, 'profile'), 'utf8'), C16.files['.profile']);
});
