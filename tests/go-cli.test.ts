/**
 * `go-env-lens go`: the real command on case C16 (GOROOT left pointing at an older Go) with a
 * project folder whose go.mod asks for a newer Go.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';

import type { GoResolutionView } from '../src-main/shared/contract.ts';
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

test('go command shows C21 layers', async (t) => {
  const home = await createHome({
    '.profile': `export PATH="${GO_INSTALLS.go123.goroot}/bin:$PATH"\nexport GOPROXY=https://proxy.golang.org,direct\n`,
    '.config/go/env': 'GOPROXY=https://goproxy.example.test,direct\n',
  });
  t.after(() => home.remove());
  const result = await runCli(['go', '--json', '--shell', 'dash'], cleanEnvironment(home.path));
  assert.equal(result.code, 0, result.stderr);
  const report = JSON.parse(result.stdout) as GoResolutionView;
  const login = report.contexts.find((context) => context.id === 'dash-login')!;
  const goproxy = login.layers!.variables.find((variable) => variable.name === 'GOPROXY')!;
  assert.equal(goproxy.value, 'https://proxy.golang.org,direct');
  assert.deepEqual(goproxy.source, { layer: 'environment' });
  const hidden = login.layers!.shadowed.find((entry) => entry.name === 'GOPROXY' && entry.source.layer === 'env-file');
  assert.deepEqual(hidden?.source, { layer: 'env-file', path: `${home.path}/.config/go/env`, line: 1 });
  assert.equal(hidden?.reason, 'overridden-by-environment');
  // The desktop context has no go on PATH, so it has no layers.
  assert.equal(report.contexts.find((context) => context.id === 'desktop')!.layers, null);
});

test('go command shows module errors', async (t) => {
  // Go 1.19 reads only `go 1.N` lines, so a newer go.mod stops its module commands.
  const home = await createHome({
    '.profile': `export PATH="/usr/lib/go-1.19/bin:$PATH"\n`,
    'p/go.mod': 'module example.com/p\n\ngo 1.23.5\n',
  });
  t.after(() => home.remove());
  const result = await runCli(['go', '--shell', 'dash', '--project', `${home.path}/p`], cleanEnvironment(home.path));
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /module commands fail: go: errors parsing go\.mod:\n?.*go\.mod:3: invalid go version '1\.23\.5'/s);
});

test('go command shows a missing go.work', async (t) => {
  const home = await createHome({
    '.profile': `export PATH="${GO_INSTALLS.go123.goroot}/bin:$PATH"\n`,
    '.config/go/env': 'GOWORK={HOME}/missing/go.work\n',
    'p/go.mod': 'module example.com/p\n\ngo 1.22\n',
  });
  t.after(() => home.remove());
  const result = await runCli(['go', '--shell', 'dash', '--project', `${home.path}/p`], cleanEnvironment(home.path));
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /module commands fail: go: reading go\.work: open ~\/missing\/go\.work: no such file or directory/);
});
