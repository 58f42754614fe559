/**
 * The shell and PATH rules on real setups: each case's throwaway home is scanned with the real
 * shells and go, diagnosed, and must give exactly its expected errors and warnings, with evidence
 * pointing at the right lines. Then the first fix of each expected finding is saved through the
 * safe save, the home is scanned again, and the finding must be gone without any new error or
 * warning. A few cases also run as the unprivileged user, who owns the home.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, test, type TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';

import { BackupStore } from '../src-main/engine/files/backup-store.ts';
import { diagnose } from '../src-main/engine/findings/diagnose.ts';
import { gatherFacts } from '../src-main/engine/findings/facts.ts';
import { renderHomeAssignment, renderHomePathEntry } from '../src-main/engine/findings/fix-edits.ts';
import { saveFixEdit } from '../src-main/engine/findings/fix-save.ts';
import { listRules, SHELL_RULES } from '../src-main/engine/findings/rule-table.ts';
import { moveEntryFirst } from '../src-main/engine/findings/rules-shell-path.ts';
import { linesPhrase, listedLabel, quotedValue } from '../src-main/engine/findings/rules-shell-support.ts';
import { expandTildeInLine } from '../src-main/engine/findings/rules-shell-unexpanded.ts';
import { runScan } from '../src-main/engine/scan.ts';
import type { Finding, FixFileEdit, Fix } from '../src-main/shared/findings.ts';
import { GO_INSTALLS } from './fixtures/cases.ts';
import { FINDING_CASES, type FindingCase } from './fixtures/finding-cases.ts';
import {
  runFindingFlow,
  type FindingFlowInput,
  type FindingFlowResult,
  type FindingSummary,
} from './helpers/finding-flow.ts';
import { runNodeJson } from './helpers/run-as-test-user.ts';
import { USER_VARIANTS, type UserVariant } from './helpers/test-user.ts';
import { cleanEnvironment, createHome, type HomeFile } from './helpers/throwaway-home.ts';

const FLOW = fileURLToPath(new URL('./helpers/finding-flow.ts', import.meta.url));

/** Cases also run as the unprivileged user: a move between two files, a Go env file, CRLF. */
const NON_ROOT_CASES = new Set(['C01', 'C07', 'C09']);

const SHELL_RULE_IDS = new Set(SHELL_RULES.map((rule) => rule.id));

/**
 * Cases run at the same time. Each scan already runs its probes in parallel, so a few cases at
 * once keep the machine busy without pushing probes toward their deadline.
 */
const CASES_AT_ONCE = 3;

/** Startup time depends on the machine's load, not on the setup, so it is left out of exact checks. */
const TIMING_RULES = new Set(['slow-startup']);

function serious(findings: FindingSummary[]): FindingSummary[] {
  return findings.filter((finding) => finding.severity !== 'hint' && !TIMING_RULES.has(finding.rule));
}

function listed(findings: FindingSummary[]): string {
  return JSON.stringify(findings.map((finding) => `${finding.severity} ${finding.id}: ${finding.title}`), null, 2);
}

for (const variant of USER_VARIANTS) {
  describe(`shell and PATH rules on real setups, ${variant.name}`, { skip: variant.skip, concurrency: CASES_AT_ONCE }, () => {
    for (const findingCase of FINDING_CASES) {
      if (variant.user && !NON_ROOT_CASES.has(findingCase.id)) continue;
      const ids = findingCase.expected.map((expected) => expected.id).join(', ');
      test(`${findingCase.id}: reports ${ids}, and each first fix resolves it`, async () => {
        const { result, home } = await runCase(findingCase, variant);
        assert.deepEqual(result.failedContexts, [], 'a context failed to probe');
        assert.deepEqual(result.ruleErrors, [], 'a rule failed');

        const shellFindings = serious(result.before).filter((finding) => SHELL_RULE_IDS.has(finding.rule));
        assert.deepEqual(
          shellFindings.map((finding) => finding.id).sort(),
          findingCase.expected.map((expected) => expected.id).sort(),
          `${findingCase.id} findings: ${listed(result.before)}`,
        );
        for (const expected of findingCase.expected) {
          const finding = shellFindings.find((candidate) => candidate.id === expected.id)!;
          assert.equal(finding.severity, expected.severity, `${expected.id} severity`);
          assert.deepEqual(finding.locations, [...expected.locations].sort(), `${expected.id} locations`);
          assert.notEqual(finding.explanation, '', `${expected.id} has no explanation`);
          assert.ok(finding.firstFix, `${expected.id} has no fix`);
          assert.ok(finding.firstFix.editedFiles.length > 0, `${expected.id}: the first fix edits no file`);
          if (expected.title) assert.match(finding.title.replaceAll(home, '{HOME}'), expected.title);
          for (const pattern of expected.explains ?? []) assert.match(finding.explanation, pattern);
        }
        for (const finding of result.before) {
          assert.doesNotMatch(finding.title, /^[a-z]/, `${finding.id}: the title starts with a lower-case letter`);
        }

        const seriousBefore = new Set(serious(result.before).map((finding) => finding.id));
        for (const outcome of result.fixes) {
          assert.ok(outcome.saves.every((save) => save === 'saved'), `${outcome.fixId}: ${outcome.saves.join('; ')}`);
          const after = outcome.after.map((finding) => finding.id);
          assert.ok(!after.includes(outcome.findingId), `${outcome.findingId} is still reported after ${outcome.fixId}: ${listed(outcome.after)}`);
          const introduced = serious(outcome.after).filter((finding) => !seriousBefore.has(finding.id));
          assert.deepEqual(introduced.map((finding) => finding.id), [], `${outcome.fixId} introduced: ${listed(introduced)}`);
          const absent = findingCase.expected.find((expected) => expected.id === outcome.findingId)?.absentAfterFix ?? [];
          for (const prefix of absent) {
            const left = outcome.after.filter((finding) => finding.id.startsWith(prefix));
            assert.deepEqual(left.map((finding) => finding.id), [], `${outcome.fixId} left ${prefix}…`);
          }
        }
      });
    }
  });
}

async function runCase(
  findingCase: FindingCase,
  variant: UserVariant,
): Promise<{ result: FindingFlowResult; home: string }> {
  const home = await createHome(findingCase.files, { owner: variant.user });
  const dataDirectory = await fs.mkdtemp(path.join(os.tmpdir(), 'gel-data-'));
  try {
    if (variant.user) await fs.chown(dataDirectory, variant.user.uid, variant.user.gid);
    const input: FindingFlowInput = { caseId: findingCase.id, home: home.path, dataDirectory };
    const result = variant.user ? await runAsUser(input, variant) : await runFindingFlow(input);
    return { result, home: home.path };
  } finally {
    await home.remove();
    await fs.rm(dataDirectory, { recursive: true, force: true });
  }
}

function runAsUser(input: FindingFlowInput, variant: UserVariant): Promise<FindingFlowResult> {
  return runNodeJson<FindingFlowResult>({
    user: variant.user,
    args: [FLOW, JSON.stringify(input)],
    environment: { PATH: '/usr/bin:/bin', HOME: input.home, LANG: 'C.UTF-8' },
    label: 'the finding flow',
  });
}

/** Deadline of each probe in the scans below, in milliseconds. */
const PROBE_DEADLINE_MS = 20_000;

const go122 = GO_INSTALLS.go122.goroot;
const go123 = GO_INSTALLS.go123.goroot;

interface Diagnosed {
  home: string;
  findings: Finding[];
  /** Saves every edit of a fix through the safe save. */
  apply(fix: Fix): Promise<void>;
  /** Scans and diagnoses the home again. */
  rescan(): Promise<Finding[]>;
}

/** Scans a throwaway home with every rule, as the app does. */
async function diagnoseHome(t: TestContext, files: Record<string, HomeFile>, shells: string[]): Promise<Diagnosed> {
  const home = await createHome(files);
  t.after(() => home.remove());
  const dataDirectory = await fs.mkdtemp(path.join(os.tmpdir(), 'gel-data-'));
  t.after(() => fs.rm(dataDirectory, { recursive: true, force: true }));
  const store = new BackupStore(dataDirectory);
  const scan = async () => {
    const report = await runScan({
      deadlineMs: PROBE_DEADLINE_MS,
      environment: cleanEnvironment(home.path, { GO_ENV_LENS_DATA_DIR: dataDirectory }),
      baseEnvironment: 'self',
      shells,
    });
    assert.deepEqual(report.contexts.filter((context) => !context.ok).map((context) => context.id), []);
    const result = await diagnose(await gatherFacts(report, { project: null }));
    assert.deepEqual(result.ruleErrors, []);
    return result.findings;
  };
  return {
    home: home.path,
    findings: await scan(),
    async apply(fix) {
      for (const edit of fix.edits) {
        const outcome = await saveFixEdit(edit, store, { home: home.path });
        assert.equal(outcome.status, 'saved', `saving ${edit.path}`);
      }
    },
    rescan: scan,
  };
}

function findingOf(findings: Finding[], id: string): Finding {
  const finding = findings.find((candidate) => candidate.id === id);
  assert.ok(finding, `no ${id} among ${findings.map((candidate) => candidate.id).join(', ')}`);
  return finding;
}

function editOf(fix: Fix, file: string): FixFileEdit {
  const edit = fix.edits.find((candidate) => candidate.path === file);
  assert.ok(edit, `${fix.id} does not edit ${file}`);
  return edit;
}

describe('fixes never spread values other findings report', { concurrency: true }, () => {
  test('rc-only and below-interactive-guard leave reported lines where they are', async (t) => {
    const bashrc = [
      "# If not running interactively, don't do anything",
      'case $- in',
      '    *i*) ;;',
      '      *) return;;',
      'esac',
      `export GOROOT=${go122}`,
      'export GOPATH="~/go"',
      'export GOBIN="$HOME/gobin"',
      `GODIR=${go123}`,
      'export PATH="$PATH:$GODIR/bin"',
      'export GO111MODULE=off',
      '',
    ].join('\n');
    // bash login shells read ~/.bashrc after /etc/profile has set PATH; the desktop session does not.
    const profile = 'if [ -n "$BASH_VERSION" ]; then . "$HOME/.bashrc"; fi\n';
    const run = await diagnoseHome(t, { '.bashrc': bashrc, '.profile': profile }, ['bash', 'dash']);
    const ids = run.findings.map((finding) => finding.id);
    for (const id of [
      'goroot-stale:~/.bashrc:GOROOT',
      'unexpanded-path:GOPATH:~/go',
      'go111module-off:~/.bashrc:GO111MODULE',
    ]) {
      assert.ok(ids.includes(id), `${id} is missing from ${ids.join(', ')}`);
    }
    for (const finding of run.findings) assert.doesNotMatch(finding.title, /^[a-z]/, finding.id);
    // GODIR only builds PATH; go never reads it.
    assert.equal(ids.includes('not-exported:GODIR'), false, 'GODIR is reported as not exported');

    const rcOnly = findingOf(run.findings, 'rc-only:~/.bashrc');
    assert.equal(rcOnly.title, 'GOBIN and the PATH entry /usr/lib/go-1.23/bin are set only in ~/.bashrc');
    assert.match(rcOnly.explanation, /GOROOT \(line 6\) stays where it is, because go finds its own installation/);
    const profileEdit = editOf(rcOnly.fixes[0]!, path.join(run.home, '.profile'));
    assert.doesNotMatch(profileEdit.after, /GOROOT|GOPATH|GO111MODULE/);
    assert.match(profileEdit.after, /^export GOBIN="\$HOME\/gobin"$/m);
    // The line appended the directory, so the copy appends it too.
    assert.match(profileEdit.after, /^export PATH="\$\{PATH:\+\$PATH:\}"'\/usr\/lib\/go-1\.23\/bin'$/m);
    for (const fix of rcOnly.fixes) {
      assert.match(fix.effect.description, /GOROOT, GOPATH and GO111MODULE stay in ~\/\.bashrc/);
    }

    const guard = findingOf(run.findings, 'below-interactive-guard:~/.bashrc');
    assert.match(guard.explanation, /^~\/\.bashrc lines 2-5 stop reading the file /);
    assert.equal(
      editOf(guard.fixes[0]!, path.join(run.home, '.bashrc')).after,
      [
        'export GOBIN="$HOME/gobin"',
        `GODIR=${go123}`,
        'export PATH="$PATH:$GODIR/bin"',
        "# If not running interactively, don't do anything",
        'case $- in',
        '    *i*) ;;',
        '      *) return;;',
        'esac',
        `export GOROOT=${go122}`,
        'export GOPATH="~/go"',
        'export GO111MODULE=off',
        '',
      ].join('\n'),
    );

    const stale = findingOf(run.findings, 'goroot-stale:~/.bashrc:GOROOT');
    const sources = stale.evidence.values.map((value) => [value.name, value.source]);
    assert.deepEqual([...new Set(sources.map(([name, source]) => `${name}: ${source}`))], [
      'GOROOT: ~/.bashrc:6',
      'go on PATH: null',
    ]);
    const goOnPath = stale.evidence.values.find((value) => value.name === 'go on PATH')!;
    assert.match(goOnPath.value ?? '', /^\/usr\/lib\/go-1\.23\/bin\/go \(go1\.23\.\d+\)$/);
  });

  test('GO111MODULE=off is reported where no go runs, once per line', async (t) => {
    const run = await diagnoseHome(
      t,
      {
        '.profile': `export GO111MODULE=off\n[ -n "$BASH_VERSION" ] || export PATH="${go123}/bin:$PATH"\n`,
        '.zshrc': 'export GO111MODULE=off\n',
      },
      ['bash', 'dash', 'zsh'],
    );
    const fromProfile = run.findings.filter((finding) => finding.id === 'go111module-off:~/.profile:GO111MODULE');
    assert.equal(fromProfile.length, 1);
    // dash runs go, so its settings layers show the value; bash has no go and only its environment does.
    assert.deepEqual(fromProfile[0]!.evidence.contextIds.filter((id) => id.endsWith('-login')).sort(), [
      'bash-login',
      'dash-login',
    ]);

    const fromZshrc = findingOf(run.findings, 'go111module-off:~/.zshrc:GO111MODULE');
    assert.deepEqual(fromZshrc.evidence.contextIds.sort(), ['zsh-login', 'zsh-non-login']);
    assert.deepEqual(
      fromZshrc.evidence.locations.map((location) => [location.file, location.line]),
      [[path.join(run.home, '.zshrc'), 1]],
    );
    assert.equal(editOf(fromZshrc.fixes[0]!, path.join(run.home, '.zshrc')).after, '');
    // Nothing in ~/.zshrc may be moved to ~/.profile, so no finding suggests it.
    assert.equal(run.findings.some((finding) => finding.id === 'rc-only:~/.zshrc'), false);
  });

  test('GOROOT set in two files is one finding whose fix removes both', async (t) => {
    const run = await diagnoseHome(
      t,
      {
        '.profile': [
          '# ~/.profile',
          'if [ -n "$BASH_VERSION" ] && [ -f "$HOME/.bashrc" ]; then . "$HOME/.bashrc"; fi',
          `export GOROOT=${go122}`,
          `export PATH="${go123}/bin:$PATH"`,
          '',
        ].join('\n'),
        '.bashrc': `export GOROOT=${go122}\n`,
      },
      ['bash', 'dash'],
    );
    const stale = findingOf(run.findings, 'goroot-stale:~/.profile:GOROOT');
    assert.deepEqual(
      stale.evidence.locations.map((location) => `${path.basename(location.file)}:${location.line}`),
      ['.bashrc:1', '.profile:3'],
    );
    const fix = stale.fixes[0]!;
    assert.equal(fix.title, 'Delete the GOROOT lines at ~/.bashrc:1 and ~/.profile:3');
    await run.apply(fix);
    const after = await run.rescan();
    assert.deepEqual(
      after.filter((finding) => finding.rule === 'goroot-stale' || finding.severity !== 'hint').map((finding) => finding.id),
      [],
    );
  });
});

describe('fix wording and rendering', () => {
  test('home paths are written as $HOME in each shell', () => {
    const home = '/home/dev';
    assert.equal(renderHomeAssignment('sh', 'GOPATH', '/home/dev/go', home), 'export GOPATH="$HOME/go"');
    assert.equal(renderHomeAssignment('zsh', 'GOPATH', '/home/dev/go:/opt/go', home), 'export GOPATH="$HOME/go:/opt/go"');
    assert.equal(renderHomeAssignment('fish', 'GOPATH', '/home/dev/go', home), 'set -gx GOPATH $HOME/go');
    assert.equal(renderHomeAssignment('tcsh', 'GOPATH', '/home/dev/go', home), 'setenv GOPATH "$HOME/go"');
    assert.equal(renderHomeAssignment('sh', 'GOPATH', '/srv/go', home), "export GOPATH='/srv/go'");
    assert.equal(renderHomeAssignment('sh', 'GOPATH', '/home/devel/go', home), "export GOPATH='/home/devel/go'");
    assert.equal(renderHomePathEntry('sh', '/home/dev/go/bin', 'append', home), 'export PATH="${PATH:+$PATH:}$HOME/go/bin"');
    assert.equal(renderHomePathEntry('bash', '/home/dev/go/bin', 'prepend', home), 'export PATH="$HOME/go/bin${PATH:+:$PATH}"');
    assert.equal(renderHomePathEntry('fish', '/home/dev/go/bin', 'prepend', home), 'set -gx PATH $HOME/go/bin $PATH');
    assert.equal(renderHomePathEntry('tcsh', '/home/dev/go/bin', 'append', home), 'set path = ( $path:q "$HOME/go/bin" )');
    assert.equal(expandTildeInLine("export GOPATH='~/go'", '~/go', home), 'export GOPATH="$HOME/go"');
    assert.equal(expandTildeInLine('export PATH="$PATH:~/go/bin"', '~/go/bin', home), 'export PATH="$PATH:$HOME/go/bin"');
    assert.equal(expandTildeInLine("export GOPATH='~/go $x'", '~/go', home), "export GOPATH='/home/dev/go $x'");
  });

  test('home paths with special characters survive a real shell', () => {
    const home = '/tmp/a home';
    const value = `${home}/go "$x" \`y\`\\z`;
    const line = renderHomeAssignment('sh', 'GOPATH', value, home);
    const shown = execFileSync('/bin/sh', ['-c', `${line}; printf %s "$GOPATH"`], { env: { HOME: home }, encoding: 'utf8' });
    assert.equal(shown, value);
    const fishLine = renderHomeAssignment('fish', 'GOPATH', `${home}/go 'q'`, home);
    const fishShown = execFileSync('/usr/bin/fish', ['--no-config', '-c', `${fishLine}; printf %s "$GOPATH"`], {
      env: { HOME: home },
      encoding: 'utf8',
    });
    assert.equal(fishShown, `${home}/go 'q'`);
    const pathLine = renderHomePathEntry('sh', `${home}/go/bin`, 'prepend', home);
    const pathShown = execFileSync('/bin/sh', ['-c', `${pathLine}; printf %s "$PATH"`], {
      env: { HOME: home, PATH: '/usr/bin:/bin' },
      encoding: 'utf8',
    });
    assert.equal(pathShown, `${home}/go/bin:/usr/bin:/bin`);
  });

  test('a shadowed go moves to the front of its own line', () => {
    const home = '/home/dev';
    assert.equal(
      moveEntryFirst('export PATH=$PATH:/usr/local/go/bin:$HOME/go/bin', '/usr/local/go/bin'),
      'export PATH=/usr/local/go/bin:$PATH:$HOME/go/bin',
    );
    assert.equal(
      moveEntryFirst('PATH="$PATH:$GOROOT/bin" # go', '/usr/local/go/bin', { GOROOT: '/usr/local/go' }, home),
      'PATH="$GOROOT/bin:$PATH" # go',
    );
    assert.equal(moveEntryFirst('set -gx PATH $PATH /usr/local/go/bin', '/usr/local/go/bin'), 'set -gx PATH /usr/local/go/bin $PATH');
    assert.equal(moveEntryFirst('export PATH="/usr/local/go/bin:$PATH"', '/usr/local/go/bin'), null);
  });

  test('values and lines are named in plain words', () => {
    assert.equal(quotedValue('"corp.example"'), `'"corp.example"'`);
    assert.equal(quotedValue('/home/dev/go '), '"/home/dev/go "');
    assert.equal(quotedValue('a\rb'), '"a\\rb"');
    assert.equal(linesPhrase([28]), 'line 28');
    assert.equal(linesPhrase([9, 3, 5]), 'lines 3, 5 and 9');
    assert.equal(listedLabel('bash, login terminal'), 'bash (login terminal)');
    assert.equal(listedLabel('zsh, terminal tab (non-login)'), 'zsh (terminal tab, non-login)');
    assert.equal(listedLabel('desktop launch (no shell)'), 'desktop launch (no shell)');
  });

  test('every rule title starts with a capital letter', () => {
    for (const rule of listRules()) assert.doesNotMatch(rule.title, /^[a-z]/, rule.id);
  });
});
