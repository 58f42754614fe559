/**
 * The rules about Go's own settings, through the real mechanism: a throwaway HOME, real bash,
 * dash and zsh in pseudo-terminals, real Go installations, then facts and the diagnosis. Each
 * case asserts exactly the errors and warnings it expects, applies the first fix through the
 * safe save (or runs its command), scans again and asserts that nothing is left.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, test, type TestContext } from 'node:test';

import { BackupStore } from '../src-main/engine/files/backup-store.ts';
import { saveFixEdit } from '../src-main/engine/findings/fix-save.ts';
import { isPlainAssignment, removeShellLines } from '../src-main/engine/findings/rules-go-fixes.ts';
import { repairedValue } from '../src-main/engine/findings/rules-go-invalid.ts';
import { shownValue } from '../src-main/engine/findings/rules-go-support.ts';
import type { Finding, FindingsReport, Fix } from '../src-main/shared/findings.ts';
import {
  buildAsRoot,
  buildModuleProxy,
  C33_FILES,
  GO122_VERSION,
  GO123_VERSION,
  GO_SETTINGS_CASES,
  gotoolchainLineOf,
  type GoSettingsCase,
} from './fixtures/go-settings-cases.ts';
import { runGoFindings, runGoFindingsAs, type GoFindingsResult } from './helpers/go-findings-run.ts';
import { TEST_USER } from './helpers/test-user.ts';
import { createHome, type ThrowawayHome } from './helpers/throwaway-home.ts';

/** An error or warning a case must produce: its id and the file:line places of its evidence. */
interface ExpectedFinding {
  id: string;
  severity: 'error' | 'warning';
  /** Files relative to the home (absolute paths kept), with their lines. */
  locations: [file: string, line: number | null][];
}

interface CaseRun {
  home: ThrowawayHome;
  result: GoFindingsResult;
  /** Scans and diagnoses the home again. */
  rescan(): Promise<GoFindingsResult>;
  store: BackupStore;
}

async function runCase(t: TestContext, setup: GoSettingsCase): Promise<CaseRun> {
  const home = await createHome(setup.files);
  t.after(() => home.remove());
  await setup.prepare?.(home.path);
  const dataDirectory = await fs.mkdtemp(path.join(os.tmpdir(), 'gel-findings-data-'));
  t.after(() => fs.rm(dataDirectory, { recursive: true, force: true }));
  const input = {
    home: home.path,
    shells: setup.shells,
    project: setup.project === null ? null : path.join(home.path, setup.project),
    environment: setup.environment,
  };
  const rescan = async () => {
    const result = await runGoFindings(input);
    assert.deepEqual(result.failedContexts, [], `${setup.id}: contexts failed to start`);
    assert.deepEqual(result.findings.ruleErrors, [], `${setup.id}: rules failed`);
    return result;
  };
  return { home, result: await rescan(), rescan, store: new BackupStore(dataDirectory) };
}

/** Returns the errors and warnings of a diagnosis; hints are allowed anywhere. */
function issues(report: FindingsReport): Finding[] {
  return report.findings.filter((finding) => finding.severity !== 'hint');
}

function relativeTo(home: string, file: string): string {
  return file.startsWith(`${home}/`) ? file.slice(home.length + 1) : file;
}

/** Asserts that the diagnosis has exactly the expected errors and warnings, with their evidence places. */
function assertIssues(report: FindingsReport, home: string, expected: ExpectedFinding[]): void {
  const found = issues(report);
  assert.deepEqual(
    found.map((finding) => `${finding.severity} ${finding.id}`).sort(),
    expected.map((finding) => `${finding.severity} ${finding.id}`).sort(),
    `unexpected errors or warnings:\n${found.map((finding) => `  ${finding.id}: ${finding.title}`).join('\n')}`,
  );
  for (const want of expected) {
    const finding = found.find((candidate) => candidate.id === want.id)!;
    assert.deepEqual(
      finding.evidence.locations.map((location) => [relativeTo(home, location.file), location.line]),
      want.locations,
      `${want.id}: evidence locations`,
    );
  }
}

function findingById(report: FindingsReport, id: string): Finding {
  const finding = report.findings.find((candidate) => candidate.id === id);
  assert.ok(finding, `no finding ${id} among ${report.findings.map((candidate) => candidate.id).join(', ')}`);
  return finding;
}

/** Applies a fix the way the app does: every edit through the safe save, then its command. */
async function applyFix(run: CaseRun, fix: Fix): Promise<void> {
  for (const edit of fix.edits) {
    const outcome = await saveFixEdit(edit, run.store, { home: run.home.path });
    assert.equal(outcome.status, 'saved', `saving ${edit.path} for fix ${fix.id}`);
  }
  if (fix.command !== null) runFixCommand(fix.command);
}

/** Runs a fix's command as the test (root), without the `sudo ` a user would type. */
function runFixCommand(command: string): void {
  execFileSync('sh', ['-c', command.replace(/^sudo /, '')], { stdio: 'pipe' });
}

/** Applies the finding's first fix, scans again, and asserts no error or warning is left. */
async function fixAndRescan(run: CaseRun, findingId: string): Promise<GoFindingsResult> {
  const finding = findingById(run.result.findings, findingId);
  assert.ok(finding.fixes.length > 0, `${findingId} offers no fix`);
  await applyFix(run, finding.fixes[0]!);
  const after = await run.rescan();
  assert.equal(after.findings.findings.some((candidate) => candidate.id === findingId), false, `${findingId} is still there`);
  assert.deepEqual(issues(after.findings).map((candidate) => candidate.id), [], 'the fix left or added errors or warnings');
  return after;
}

function textOf(file: string): Promise<string> {
  return fs.readFile(file, 'utf8');
}

describe('Go settings cases', () => {
  test('C21: an exported GOPROXY hides the Go env file value', async (t) => {
    const run = await runCase(t, GO_SETTINGS_CASES.C21);
    const id = 'go-env-file-shadowed:~/.config/go/env:GOPROXY';
    assertIssues(run.result.findings, run.home.path, [
      { id, severity: 'warning', locations: [['.config/go/env', 1], ['.bashrc', 2]] },
    ]);
    const finding = findingById(run.result.findings, id);
    assert.deepEqual(finding.evidence.contextIds, ['bash-non-login']);
    assert.match(finding.title, /GOPROXY from ~\/\.config\/go\/env:1 is hidden by an exported GOPROXY \(~\/\.bashrc:2\)/);
    assert.match(finding.explanation, / so go uses \S+ from ~\/\.bashrc:2 instead in bash \(terminal tab, non-login\)\. /);
    assert.deepEqual(
      finding.fixes.map((fix) => fix.id),
      ['remove-export', 'remove-env-file-line'],
    );
    // The password in the saved mirror URL never reaches the user-facing text.
    const shown = JSON.stringify({ ...finding, fixes: finding.fixes.map((fix) => ({ ...fix, edits: [] })) });
    assert.equal(shown.includes('s3cr3t-pass'), false, 'the GOPROXY password is shown');
    assert.match(shown, /dev:\*\*\*@goproxy\.example\.test/);

    await fixAndRescan(run, id);
    assert.equal(await textOf(path.join(run.home.path, '.bashrc')), 'export PATH="/usr/lib/go-1.23/bin:$PATH"\n');
    assert.match(await textOf(path.join(run.home.path, '.config/go/env')), /^GOPROXY=https:\/\/dev:s3cr3t-pass@/);
  });

  test('C22a: GOPATH=~/go in the Go env file stops every go command', async (t) => {
    const run = await runCase(t, GO_SETTINGS_CASES.C22a);
    const id = 'go-setting-invalid:~/.config/go/env:GOPATH';
    assertIssues(run.result.findings, run.home.path, [{ id, severity: 'error', locations: [['.config/go/env', 1]] }]);
    const finding = findingById(run.result.findings, id);
    assert.deepEqual(finding.evidence.contextIds, ['bash-login', 'dash-login']);
    assert.match(finding.explanation, /go: GOPATH entry cannot start with shell metacharacter '~': "~\/go"/);
    assert.equal(finding.fixes[0]!.id, 'replace-env-file-line');

    await fixAndRescan(run, id);
    assert.equal(await textOf(path.join(run.home.path, '.config/go/env')), `GOPATH=${run.home.path}/go\n`);
  });

  test('C22b: GOROOT of a removed install in the Go env file', async (t) => {
    const run = await runCase(t, GO_SETTINGS_CASES.C22b);
    const id = 'go-env-file-goroot:~/.config/go/env:GOROOT';
    assertIssues(run.result.findings, run.home.path, [{ id, severity: 'error', locations: [['.config/go/env', 1]] }]);
    assert.match(findingById(run.result.findings, id).explanation, /go: cannot find GOROOT directory: .*uninstalled-go/);

    await fixAndRescan(run, id);
    assert.equal(await textOf(path.join(run.home.path, '.config/go/env')), '');
  });

  test('C22b: GOROOT of an older install in the Go env file', async (t) => {
    const run = await runCase(t, GO_SETTINGS_CASES.C22bOlder);
    const id = 'go-env-file-goroot:~/.config/go/env:GOROOT';
    assertIssues(run.result.findings, run.home.path, [{ id, severity: 'error', locations: [['.config/go/env', 1]] }]);
    assert.match(
      findingById(run.result.findings, id).explanation,
      new RegExp(`compile: version "${GO122_VERSION}" does not match go tool version "${GO123_VERSION}"`),
    );
    await fixAndRescan(run, id);
  });

  test('C23: GOTOOLCHAIN pinned in the Go env file runs the old Go', async (t) => {
    const run = await runCase(t, GO_SETTINGS_CASES.C23);
    const id = 'gotoolchain-pinned:~/.config/go/env:GOTOOLCHAIN';
    assertIssues(run.result.findings, run.home.path, [{ id, severity: 'warning', locations: [['.config/go/env', 1]] }]);
    const finding = findingById(run.result.findings, id);
    assert.equal(
      finding.title,
      `GOTOOLCHAIN=${GO122_VERSION} from ~/.config/go/env:1 makes /usr/lib/go-1.23/bin/go (${GO123_VERSION}) run ${GO122_VERSION}`,
    );
    const goVersions = finding.evidence.values.filter((value) => value.name === 'go version').map((value) => value.value);
    assert.deepEqual(goVersions, [`go version ${GO122_VERSION} linux/amd64`, `go version ${GO122_VERSION} linux/amd64`]);

    await fixAndRescan(run, id);
    assert.equal(await textOf(path.join(run.home.path, '.config/go/env')), '');
  });

  test('C27: a leftover GO111MODULE=off in ~/.zshrc', async (t) => {
    const run = await runCase(t, GO_SETTINGS_CASES.C27);
    const id = 'go111module-off:~/.zshrc:GO111MODULE';
    assertIssues(run.result.findings, run.home.path, [{ id, severity: 'warning', locations: [['.zshrc', 2]] }]);
    assert.deepEqual(findingById(run.result.findings, id).evidence.contextIds, ['zsh-login', 'zsh-non-login']);

    await fixAndRescan(run, id);
    assert.equal(await textOf(path.join(run.home.path, '.zshrc')), 'export PATH="/usr/lib/go-1.23/bin:$PATH"\n');
  });

  test('C29: GOTOOLCHAIN=local from the distribution go.env blocks a newer go.mod', async (t) => {
    const run = await runCase(t, GO_SETTINGS_CASES.C29);
    const goEnvLine = await gotoolchainLineOf(path.join(run.home.path, 'distro-go/go.env'));
    const id = 'gotoolchain-local:~/distro-go/go.env:GOTOOLCHAIN';
    assertIssues(run.result.findings, run.home.path, [
      { id, severity: 'warning', locations: [['distro-go/go.env', goEnvLine]] },
    ]);
    const finding = findingById(run.result.findings, id);
    assert.match(
      finding.explanation,
      new RegExp(`go: go.mod requires go >= ${GO123_VERSION.slice(2).replaceAll('.', '\\.')} \\(running go ${GO122_VERSION.slice(2).replaceAll('.', '\\.')}; GOTOOLCHAIN=local\\)`),
    );
    assert.equal(finding.fixes[0]!.id, 'set-gotoolchain-auto');
    assert.equal(finding.explanation.split('part of the Go installation').length, 2, finding.explanation);

    await fixAndRescan(run, id);
    assert.equal(await textOf(path.join(run.home.path, '.config/go/env')), 'GOTOOLCHAIN=auto\n');
  });

  test('C29: GOTOOLCHAIN=local from go.env is only a hint without a project', async (t) => {
    const run = await runCase(t, { ...GO_SETTINGS_CASES.C29, project: null, shells: ['dash'] });
    assertIssues(run.result.findings, run.home.path, []);
    const hint = run.result.findings.findings.find((finding) => finding.rule === 'gotoolchain-local');
    assert.equal(hint?.severity, 'hint');
  });

  test('C30: go switches toolchains inside the project only', async (t) => {
    const run = await runCase(t, GO_SETTINGS_CASES.C30);
    assertIssues(run.result.findings, run.home.path, []);
    const id = `project-toolchain-switch:${path.join(run.home.path, 'src/proj')}`;
    const finding = findingById(run.result.findings, id);
    assert.equal(finding.severity, 'hint');
    assert.deepEqual(finding.evidence.contextIds, ['bash-login', 'dash-login']);
    assert.deepEqual(
      finding.evidence.locations.map((location) => [relativeTo(run.home.path, location.file), location.line]),
      [['src/proj/go.mod', 3]],
    );
    assert.equal(finding.fixes[0]!.id, 'prefer-project-go');

    await fixAndRescan(run, id);
    assert.match(await textOf(path.join(run.home.path, '.profile')), /^export PATH='\/usr\/lib\/go-1\.23\/bin'/m);
  });

  test('Go env file with several problems is fixed one finding at a time', async (t) => {
    const run = await runCase(t, {
      id: 'several',
      files: {
        '.profile': 'export PATH="/usr/lib/go-1.23/bin:$PATH"\nexport GOFLAGS="-mod=vendor -trimpath"\n',
        '.config/go/env': [
          'GONOSUMBD=corp.example.com',
          'GOPRIVATE=github.com,https://corp.example.com',
          'GOTOOLCHAIN=banana',
          'GOSUMDB=off',
          'GOSUMDB=sum.golang.org',
          'export GOINSECURE=corp.example.com',
          '',
        ].join('\r\n'),
      },
      shells: ['dash'],
      project: null,
    });
    assertIssues(run.result.findings, run.home.path, [
      { id: 'go-env-file-format:~/.config/go/env:GONOSUMBD', severity: 'warning', locations: [['.config/go/env', 1]] },
      { id: 'go-env-file-format:~/.config/go/env:GOINSECURE', severity: 'warning', locations: [['.config/go/env', 6]] },
      {
        id: 'go-env-file-format:~/.config/go/env:line-endings',
        severity: 'error',
        locations: [1, 2, 3, 4, 5].map((line): [string, number] => ['.config/go/env', line]),
      },
      { id: 'goflags-global:~/.profile:GOFLAGS', severity: 'warning', locations: [['.profile', 2]] },
      { id: 'goprivate-patterns:~/.config/go/env:GOPRIVATE', severity: 'warning', locations: [['.config/go/env', 2]] },
    ]);
    // Once the CRs are gone, GOTOOLCHAIN=banana is reported by its own rule. Ids name the key, not
    // the line, so they stay the same while earlier fixes add or delete lines.
    const order = [
      'go-env-file-format:~/.config/go/env:line-endings',
      'go-env-file-format:~/.config/go/env:GONOSUMBD',
      'go-env-file-format:~/.config/go/env:GOINSECURE',
      'goprivate-patterns:~/.config/go/env:GOPRIVATE',
      'gotoolchain-invalid:~/.config/go/env:GOTOOLCHAIN',
      'goflags-global:~/.profile:GOFLAGS',
    ];
    for (const id of order) {
      const finding = findingById(run.result.findings, id);
      await applyFix(run, finding.fixes[0]!);
      run.result = await run.rescan();
      assert.equal(run.result.findings.findings.some((candidate) => candidate.id === id), false, `${id} is still there`);
    }
    assert.deepEqual(issues(run.result.findings), []);
    assert.equal(
      await textOf(path.join(run.home.path, '.config/go/env')),
      'GONOSUMDB=corp.example.com\nGOPRIVATE=corp.example.com\nGOSUMDB=off\nGOSUMDB=sum.golang.org\nGOINSECURE=corp.example.com\n',
    );
    assert.equal(
      await textOf(path.join(run.home.path, '.profile')),
      "export PATH=\"/usr/lib/go-1.23/bin:$PATH\"\nexport GOFLAGS='-trimpath'\n",
    );
  });
});

describe('caches owned by root', { skip: TEST_USER ? false : 'needs root to create golens-test and files owned by root' }, () => {
  test('C33: build and module caches left by a go run as root', async (t) => {
    const user = TEST_USER!;
    const home = await createHome(C33_FILES, { owner: user });
    t.after(() => home.remove());
    const proxy = await buildModuleProxy(path.join(path.dirname(home.path), 'proxy'));
    buildAsRoot(home.path, proxy);
    const input = { home: home.path, shells: ['bash', 'dash'], project: null };

    const before = await runGoFindingsAs(user, input);
    assert.deepEqual(before.failedContexts, []);
    assertIssues(before.findings, home.path, [
      { id: 'go-cache-not-writable:~/.cache/go-build', severity: 'error', locations: [['.cache/go-build', null]] },
      { id: 'go-cache-not-writable:~/go/pkg/mod', severity: 'error', locations: [['go/pkg/mod', null]] },
    ]);
    const commands = issues(before.findings).map((finding) => finding.fixes[0]!.command);
    assert.deepEqual(commands, [
      `sudo chown -R ${user.name}: ${home.path}/.cache`,
      `sudo chown -R ${user.name}: ${home.path}/go`,
    ]);
    for (const finding of issues(before.findings)) assert.deepEqual(finding.fixes[0]!.edits, []);

    for (const command of commands) runFixCommand(command!);
    const after = await runGoFindingsAs(user, input);
    assert.deepEqual(issues(after.findings).map((finding) => finding.id), []);
  });
});

describe('fix helpers', () => {
  test('removing the only line of an if body keeps the file valid', () => {
    const text = 'if [ -d /x ]; then\n  export GOPROXY=off\nfi\necho done\n';
    assert.equal(removeShellLines(text, [2], 'posix'), 'if [ -d /x ]; then\n  :\nfi\necho done\n');
    const shell = execFileSync('sh', ['-n', '-c', removeShellLines(text, [2], 'posix')], { encoding: 'utf8' });
    assert.equal(shell, '');
  });

  test('removing lines outside blocks removes them', () => {
    assert.equal(removeShellLines('a=1\nexport GOFLAGS=-v\nb=2\n', [2], 'posix'), 'a=1\nb=2\n');
  });

  test('plain assignments are recognised per shell family', () => {
    assert.equal(isPlainAssignment('export GO111MODULE=off   # old', 'GO111MODULE', 'posix'), true);
    assert.equal(isPlainAssignment('GOFLAGS="-mod=vendor -v"; export GOFLAGS', 'GOFLAGS', 'posix'), true);
    assert.equal(isPlainAssignment('export GOFLAGS=-v PATH=$PATH:/x', 'GOFLAGS', 'posix'), false);
    assert.equal(isPlainAssignment('export GOPROXY=$(cat ~/proxy) && echo', 'GOPROXY', 'posix'), false);
    assert.equal(isPlainAssignment('set -gx GOPROXY https://a,direct', 'GOPROXY', 'fish'), true);
    assert.equal(isPlainAssignment('setenv GOPROXY off', 'GOPROXY', 'csh'), true);
  });

  test('values with double quotes are shown in single quotes', () => {
    assert.equal(shownValue('GOPRIVATE', '"corp.example"'), `'"corp.example"'`);
    assert.equal(shownValue('GOPRIVATE', 'corp.example'), 'corp.example');
    assert.equal(shownValue('GOFLAGS', '-mod=vendor -v'), '"-mod=vendor -v"');
  });

  test('shell habits in Go env file values are undone', () => {
    assert.equal(repairedValue('GOPATH', '~/go', '/home/dev'), '/home/dev/go');
    assert.equal(repairedValue('GOPATH', '$HOME/go:~/work', '/home/dev'), '/home/dev/go:/home/dev/work');
    assert.equal(repairedValue('GOPROXY', '"https://proxy.example.test"', '/home/dev'), 'https://proxy.example.test');
    assert.equal(repairedValue('GOPATH', '/home/dev/go', '/home/dev'), null);
  });
});
