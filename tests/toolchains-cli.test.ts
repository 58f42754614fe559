/**
 * `go-env-lens toolchains`: the real command on this machine's Go installations, with a
 * throwaway HOME whose PATH puts one of them first.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';

import type { ToolchainInventory, ToolchainUsage } from '../src-main/shared/go-toolchains.ts';
import { GO_INSTALLS } from './fixtures/cases.ts';
import { runCli } from './helpers/run-cli.ts';
import { cleanEnvironment, createHome } from './helpers/throwaway-home.ts';

test('toolchains lists installs and users', async (t) => {
  const home = await createHome({ '.profile': `export PATH="${GO_INSTALLS.go122.goroot}/bin:$PATH"\n` });
  t.after(() => home.remove());
  const environment = cleanEnvironment(home.path, { PATH: `${GO_INSTALLS.go123.goroot}/bin:/usr/bin:/bin` });

  const result = await runCli(['toolchains', '--json', '--shell', 'dash'], environment);
  assert.equal(result.code, 0, result.stderr);
  const { inventory, usage } = JSON.parse(result.stdout) as { inventory: ToolchainInventory; usage: ToolchainUsage };
  const roots = inventory.toolchains.map((toolchain) => toolchain.goroot);
  for (const install of [GO_INSTALLS.go122, GO_INSTALLS.go123, GO_INSTALLS.tarball]) {
    assert.ok(roots.includes(install.goroot), `${install.goroot} not found in ${roots.join(', ')}`);
  }
  const users = (goroot: string) => {
    const toolchain = inventory.toolchains.find((candidate) => candidate.goroot === goroot)!;
    return usage.toolchains.find((use) => use.toolchainId === toolchain.id)?.contextIds.sort() ?? [];
  };
  // dash login reads ~/.profile, which puts Go 1.22 first; the others keep the session's 1.23.
  assert.deepEqual(users(GO_INSTALLS.go122.goroot), ['dash-login']);
  assert.deepEqual(users(GO_INSTALLS.go123.goroot), ['dash-non-login', 'desktop', 'script']);

  const text = await runCli(['toolchains', '--shell', 'dash'], environment);
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, /Go toolchains found \(nothing was run to find them\)/);
  assert.match(text.stdout, new RegExp(`${GO_INSTALLS.go122.goroot}\\s+debian\\s+linux/amd64\\s+dash-login`));
});
