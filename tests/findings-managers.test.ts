/**
 * No false alarms from the rules about Go's own settings: Go installed the way goenv, asdf and
 * mise install it, and GOTOOLCHAIN used as the Go documentation describes, give no error or
 * warning in any context. Real shells and real Go trees (linked, never downloaded); GOPROXY=off
 * keeps any toolchain switch off the network.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, test, type TestContext } from 'node:test';

import type { HomeFile } from './helpers/throwaway-home.ts';
import {
  ASDF_FILES,
  GO123_VERSION,
  GOENV_FILES,
  GOTOOLCHAIN_AUTO_FILES,
  MISE_FILES,
} from './fixtures/go-settings-cases.ts';
import { runGoFindings, type GoFindingsResult } from './helpers/go-findings-run.ts';
import { createHome } from './helpers/throwaway-home.ts';

const SHELLS = ['bash', 'dash'];
const OFFLINE = { GOPROXY: 'off' };

/** Scans a home built from `files` and returns the diagnosis; asserts every context started. */
async function diagnoseHome(
  t: TestContext,
  files: Record<string, HomeFile>,
  project: string | null,
): Promise<GoFindingsResult & { home: string }> {
  const home = await createHome(files);
  t.after(() => home.remove());
  const result = await runGoFindings({
    home: home.path,
    shells: SHELLS,
    project: project === null ? null : path.join(home.path, project),
    environment: OFFLINE,
  });
  assert.deepEqual(result.failedContexts, []);
  assert.deepEqual(result.findings.ruleErrors, []);
  return { ...result, home: home.path };
}

/** Asserts the diagnosis has hints at most, naming any error or warning it has. */
function assertNoIssues(result: GoFindingsResult): void {
  const issues = result.findings.findings.filter((finding) => finding.severity !== 'hint');
  assert.deepEqual(
    issues.map((finding) => `${finding.severity} ${finding.id}: ${finding.title}`),
    [],
  );
}

describe('version managers give no errors or warnings', () => {
  test('goenv shims and goenv init', async (t) => {
    const result = await diagnoseHome(t, GOENV_FILES, 'src/app');
    assert.deepEqual(result.contextsWithGo, ['bash-login', 'bash-non-login', 'dash-login']);
    assertNoIssues(result);
  });

  test('asdf shims and .tool-versions', async (t) => {
    const result = await diagnoseHome(t, ASDF_FILES, null);
    assert.deepEqual(result.contextsWithGo, ['bash-login', 'bash-non-login', 'dash-login']);
    assertNoIssues(result);
  });

  test('mise activate with the install on PATH', async (t) => {
    const result = await diagnoseHome(t, MISE_FILES, null);
    assert.deepEqual(result.contextsWithGo, ['bash-login', 'bash-non-login', 'dash-login']);
    // The install's go is a real binary, so the rules see its settings layers.
    assert.ok(result.toolchains.some((entry) => entry.chosen === GO123_VERSION), JSON.stringify(result.toolchains));
    assertNoIssues(result);
  });

  test('GOTOOLCHAIN=auto with a toolchain line found on PATH', async (t) => {
    const result = await diagnoseHome(t, GOTOOLCHAIN_AUTO_FILES, 'src/app');
    const switched = result.toolchains.filter((entry) => entry.origin === 'path');
    assert.deepEqual(
      switched.map((entry) => [entry.contextId, entry.chosen]),
      [
        ['bash-login', GO123_VERSION],
        ['bash-non-login', GO123_VERSION],
        ['dash-login', GO123_VERSION],
      ],
    );
    assertNoIssues(result);
  });

  test('Debian packages and the tarball in /usr/local/go', async (t) => {
    const result = await diagnoseHome(
      t,
      {
        '.profile': 'export PATH="/usr/local/go/bin:$PATH:$HOME/go/bin"\n',
        '.bashrc': 'export PATH="/usr/lib/go-1.23/bin:$PATH"\n',
      },
      null,
    );
    assert.deepEqual(result.contextsWithGo, ['bash-login', 'bash-non-login', 'dash-login']);
    assertNoIssues(result);
  });
});
