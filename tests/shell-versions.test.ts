/**
 * Checks the versions `scan --json` reports for shells without a version flag, which come from the
 * Debian package that installed them, against dpkg-query run directly.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';

import { scanJson } from './helpers/run-cli.ts';
import { cleanEnvironment, createHome } from './helpers/throwaway-home.ts';

/** Shells whose version comes from their package, by shell name, with the package's name. */
const PACKAGED_SHELLS: Record<string, string> = {
  dash: 'dash',
  mksh: 'mksh',
  'mksh-static': 'mksh',
  lksh: 'mksh',
  posh: 'posh',
};

function packageVersion(packageName: string): string {
  return execFileSync('dpkg-query', ['-W', '-f=${Version}', packageName], { encoding: 'utf8' });
}

test('packaged shells report their package version', async (t) => {
  const home = await createHome();
  t.after(() => home.remove());
  // The shells list covers every installed shell whatever --shell selects.
  const report = await scanJson(['--shell', 'dash'], cleanEnvironment(home.path));

  for (const [name, packageName] of Object.entries(PACKAGED_SHELLS)) {
    const shell = report.shells.find((candidate) => candidate.name === name);
    assert.ok(shell, `${name} is not among the reported shells`);
    assert.equal(shell.version, packageVersion(packageName), `${name} (${shell.realPath})`);
  }
});
