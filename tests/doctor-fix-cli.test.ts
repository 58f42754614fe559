/**
 * doctor's findings and exit codes, and `fix` with and without --dry-run, through the real
 * command line on a throwaway HOME: C16's stale GOROOT is an error, its fix removes the line
 * with a backup, and doctor is clean afterwards.
 */
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import type { FindingsReport } from '../src-main/shared/findings.ts';
import { C16 } from './fixtures/cases.ts';
import { runCli } from './helpers/run-cli.ts';
import { cleanEnvironment, createHome, type ThrowawayHome } from './helpers/throwaway-home.ts';

const SHELL_ARGS = ['--shell', 'bash', '--shell', 'dash'];
const FINDING_ID = 'goroot-stale:~/.profile:GOROOT';

describe('doctor and fix on C16', () => {
  let home: ThrowawayHome;
  let environment: Record<string, string>;
  let originalProfile: string;

  before(async () => {
    home = await createHome(C16.files);
    const dataDirectory = path.join(path.dirname(home.path), 'data');
    environment = cleanEnvironment(home.path, { GO_ENV_LENS_DATA_DIR: dataDirectory });
    originalProfile = await fs.readFile(path.join(home.path, '.profile'), 'utf8');
  });
  after(() => home?.remove());

  test('doctor lists the stale GOROOT with its fix and exits 1', async () => {
    const result = await runCli(['doctor', ...SHELL_ARGS], environment);
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stdout, /\nFindings: 1 errors, /);
    assert.match(result.stdout, new RegExp(`\\nERROR GOROOT is go1\\.22\\.\\d+ at /usr/lib/go-1\\.22, but the go on PATH is go1\\.23\\.\\d+\\n  id: ${FINDING_ID.replaceAll('.', '\\.')}\\n`));
    assert.match(result.stdout, /\n {2}at ~\/\.profile:1: export GOROOT=\/usr\/lib\/go-1\.22\n/);
    assert.match(result.stdout, /\n {4}-export GOROOT=\/usr\/lib\/go-1\.22\n/);
  });

  test('doctor --json adds the findings to the scan report', async () => {
    const result = await runCli(['doctor', '--json', ...SHELL_ARGS], environment);
    assert.equal(result.code, 1, result.stderr);
    const report = JSON.parse(result.stdout) as { contexts: unknown[]; findings: FindingsReport };
    assert.equal(report.contexts.length, 6);
    const finding = report.findings.findings.find((candidate) => candidate.id === FINDING_ID);
    assert.equal(finding?.severity, 'error');
    assert.deepEqual(finding?.evidence.locations.map((location) => location.line), [1]);
    assert.equal(finding?.fixes[0]?.edits[0]?.after, originalProfile.split('\n').slice(1).join('\n'));
  });

  test('fix --dry-run prints the diff and writes nothing', async () => {
    const result = await runCli(['fix', FINDING_ID, '--dry-run', ...SHELL_ARGS], environment);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /\n-export GOROOT=\/usr\/lib\/go-1\.22\n/);
    assert.match(result.stdout, /\nDry run: nothing was written\.\n$/);
    assert.equal(await fs.readFile(path.join(home.path, '.profile'), 'utf8'), originalProfile);
  });

  test('fix applies the change with a backup and the finding is gone', async () => {
    const result = await runCli(['fix', FINDING_ID, ...SHELL_ARGS], environment);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /\nFixed: "GOROOT is go1\.22\.\d+ .*" is gone after probing bash-login, dash-login again\. /);
    assert.equal(await fs.readFile(path.join(home.path, '.profile'), 'utf8'), originalProfile.split('\n').slice(1).join('\n'));

    const history = await runCli(['history', path.join(home.path, '.profile'), '--json'], environment);
    const backups = JSON.parse(history.stdout) as { reason: string }[];
    assert.equal(backups.length, 1);
    assert.equal(backups[0]!.reason, 'save');

    const doctor = await runCli(['doctor', ...SHELL_ARGS], environment);
    assert.equal(doctor.code, 0, doctor.stdout);
    assert.equal(doctor.stdout.includes(FINDING_ID), false);
  });

  test('fix names a finding that is not there', async () => {
    const result = await runCli(['fix', 'no-such-rule:x', ...SHELL_ARGS], environment);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /\ngo-env-lens: no finding "no-such-rule:x" in the latest scan; it may be fixed already\. Scan again to list the current findings\n$/);
  });
});

test('doctor exits 2 when the scan cannot run', async () => {
  const home = await fs.mkdtemp(path.join(os.tmpdir(), 'gel-doctor-'));
  try {
    const result = await runCli(['doctor', '--shell', 'no-such-shell'], cleanEnvironment(home));
    assert.equal(result.code, 2);
    assert.match(result.stderr, /no installed shell named "no-such-shell"/);
  } finally {
    await fs.rm(home, { recursive: true, force: true });
  }
});

test('doctor reports a shell that hangs at its line as an error', async () => {
  const hanging = await createHome({ '.bashrc': 'export GOPATH="$HOME/go"\nsleep 30\n' });
  try {
    const result = await runCli(['doctor', '--shell', 'bash', '--deadline', '2'], cleanEnvironment(hanging.path));
    assert.equal(result.code, 1, result.stdout);
    assert.match(result.stdout, /\nERROR Bash \(terminal tab, non-login\) does not finish starting\n {2}id: context-failed:bash-non-login\n/);
    assert.match(result.stdout, /\n {2}at ~\/\.bashrc:2\n/);
  } finally {
    await hanging.remove();
  }
});
