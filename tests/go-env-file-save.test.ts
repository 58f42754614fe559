/**
 * Repairing a Go env file that breaks every go command (case C22) through the engine's API,
 * without running go. The preview names the bad line and a stale edit is rejected. The save
 * writes the file whole with a backup in the app's data directory, and then the real go works again.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';

import { createApiService } from '../src-main/engine/api-service.ts';
import { GO_INSTALLS } from './fixtures/cases.ts';
import { cleanEnvironment, createHome } from './helpers/throwaway-home.ts';

test('C22 broken env file repaired', async (t) => {
  const broken = 'GOPROXY=off\nGOPATH=~/go\n';
  const home = await createHome({
    '.profile': `export PATH="${GO_INSTALLS.go123.goroot}/bin:$PATH"\n`,
    '.config/go/env': { text: broken, mode: 0o640 },
  });
  t.after(() => home.remove());
  // saveEnvFile keeps its backups in the data directory of this process's environment.
  const dataDirectory = path.join(path.dirname(home.path), 'data');
  const previousDataDirectory = process.env.GO_ENV_LENS_DATA_DIR;
  process.env.GO_ENV_LENS_DATA_DIR = dataDirectory;
  t.after(() => {
    if (previousDataDirectory === undefined) delete process.env.GO_ENV_LENS_DATA_DIR;
    else process.env.GO_ENV_LENS_DATA_DIR = previousDataDirectory;
  });
  const environment = cleanEnvironment(home.path);
  const envFile = path.join(home.path, '.config/go/env');
  const goEnv = () =>
    execFileSync(GO_INSTALLS.go123.binary, ['env', 'GOPATH'], {
      env: { ...environment, GOTOOLCHAIN: 'local', GOFLAGS: '' },
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    }).trim();
  assert.throws(goEnv, /GOPATH entry cannot start with shell metacharacter/, 'the fixture must break go');

  const service = createApiService({ host: 'cli', environment, defaultShells: ['dash'], baseEnvironment: 'self' });
  await service.handlers['scan.run']({});

  const preview = await service.handlers['go.previewEnvFile']({ contextId: 'dash-login' });
  assert.equal(preview.path, envFile);
  assert.equal(preview.currentText, broken);
  const finding = preview.layers?.findings.find((candidate) => candidate.line === 2 && candidate.severity === 'error');
  assert.match(finding?.reason ?? '', /starts with ~/);

  const fixed = `GOPROXY=off\nGOPATH=${home.path}/go\n`;
  const draft = await service.handlers['go.previewEnvFile']({ contextId: 'dash-login', text: fixed });
  assert.equal(draft.layers?.goEnv.outcome, 'ok');
  assert.equal(readFileSync(envFile, 'utf8'), broken, 'a preview must not write the file');

  await assert.rejects(
    service.handlers['go.saveEnvFile']({ contextId: 'dash-login', text: fixed, expectedText: 'GOPROXY=off\n' }),
    /changed since it was loaded/,
  );
  assert.equal(readFileSync(envFile, 'utf8'), broken, 'a refused save must not write the file');

  const saved = await service.handlers['go.saveEnvFile']({ contextId: 'dash-login', text: fixed, expectedText: broken });
  assert.equal(saved.path, envFile);
  assert.equal(readFileSync(envFile, 'utf8'), fixed);
  assert.equal(statSync(envFile).mode & 0o777, 0o640, 'the file keeps its mode');
  assert.ok(saved.backupPath, 'no backup path returned');
  assert.ok(existsSync(saved.backupPath), 'the backup file does not exist');
  assert.ok(saved.backupPath.startsWith(`${dataDirectory}/backups/`), `backup at ${saved.backupPath}`);
  assert.equal(readFileSync(saved.backupPath, 'utf8'), broken);
  assert.deepEqual(
    readdirSync(path.dirname(envFile)).filter((name) => name.includes('go-env-lens')),
    [],
    'no backup or temporary file is left next to the env file',
  );
  assert.equal(goEnv(), `${home.path}/go`);
});
