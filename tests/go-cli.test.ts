/**
 * `go-env-lens go`: the real command on case C16 (GOROOT left pointing at an older Go) with a
 * project folder whose go.mod asks for a newer Go.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';

import type { ToolchainResolution } from '../src-main/shared/go-toolchain-resolution.ts';
import { C16, GO_INSTALLS } from './fixtures/cases.ts';
import { runCli } from './helpers/run-cli.ts';
import { cleanEnvironment, createHome } from './helpers/throwaway-home.ts';

test('go command explains C16', async (t) => {
  const home = await createHome({ ...C16.files, 'app/go.mod': 'module example.com/app\n\ngo 1.19\n' });
  t.after(() => home.remove());
  const environment = cleanEnvironment(home.path);
  const result = await runCli(['go', '--json', '--shell', 'dash', '--project', `${home.path}/app`], environment);
  assert.equal(result.code, 0, result.stderr);
  const report = JSON.parse(result.stdout) as { project: string; contexts: { id: string; resolution: ToolchainResolution | null }[] };
  assert.equal(report.project, `${home.path}/app`);
  const login = report.contexts.find((context) => context.id === 'dash-login')!.resolution!;
  assert.equal(login.binary?.path, `${GO_INSTALLS.go123.goroot}/bin/go`);
  assert.equal(login.goroot?.path, GO_INSTALLS.go122.goroot);
  assert.equal(login.goroot?.mixedToolchain, true);
  assert.equal(login.project?.deciding?.file, `${home.path}/app/go.mod`);
  assert.equal(login.threeWay.differs, true);
  const script = report.contexts.find((context) => context.id === 'script')!.resolution!;
  assert.equal(script.binary, null, 'the script context has no go on PATH');

  const text = await runCli(['go', '--shell', 'dash', '--project', `${home.path}/app`], environment);
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, /mixed toolchain/);
  const missing = await runCli(['go', '--shell', 'dash', '--project', `${home.path}/nowhere`], environment);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /--project ".*nowhere" is not a directory/);
});
