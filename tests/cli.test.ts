/**
 * Tests of the go-env-lens command line as a user meets it: the real CLI process, its exit code,
 * what it prints on stdout and stderr, and how it marks values on and off a terminal.
 */
import assert from 'node:assert/strict';
import os from 'node:os';
import { after, before, describe, test } from 'node:test';

import * as pty from 'node-pty';

import { C01, GO_INSTALLS } from './fixtures/cases.ts';
import { CLI, runCli, type CliResult } from './helpers/run-cli.ts';
import { goVersionOf } from './helpers/system-facts.ts';
import { cleanEnvironment, createHome, type ThrowawayHome } from './helpers/throwaway-home.ts';

/** Keeps the doctor runs short: six contexts, two of which see go in C01. */
const SHELL_ARGS = ['--shell', 'bash', '--shell', 'dash'];

const DOCTOR_HEADER = [
  'context',
  'which go',
  'go version',
  'GOROOT',
  'GOPATH',
  'GOBIN',
  'GOTOOLCHAIN',
  'GO111MODULE',
  'GOFLAGS',
  'GOPROXY',
  'GOENV',
];

const CONTEXT_LABELS = [
  'bash, login terminal',
  'bash, terminal tab (non-login)',
  'dash, login terminal',
  'dash, terminal tab (non-login)',
  'desktop launch (no shell)',
  'script (sh -c)',
];

const ANSI_ESCAPE = '\x1b';
/** The escape sequence doctor starts a highlighted cell with: bold yellow. */
const HIGHLIGHT = '\x1b[1;33m';

/** Splits a table line into its cells: columns are separated by at least two spaces. */
function cellsOf(line: string): string[] {
  return line.trim().split(/ {2,}/);
}

/** Returns the table line that starts with a context label. */
function rowOf(output: string, label: string): string {
  const row = output.split(/\r?\n/).find((line) => line.startsWith(`${label}  `));
  assert.ok(row !== undefined, `no table row for "${label}" in:\n${output}`);
  return row;
}

/** Runs the CLI in a real pseudo-terminal, so stdout and stderr are a TTY, and returns it all. */
function runCliOnTerminal(
  args: string[],
  environment: Record<string, string>,
): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    const terminal = pty.spawn(process.execPath, [CLI, ...args], {
      name: 'xterm-256color',
      cols: 250,
      rows: 50,
      cwd: environment.HOME,
      env: { GO_ENV_LENS_BASE_ENV: 'self', ...environment },
    });
    let output = '';
    terminal.onData((data) => (output += data));
    terminal.onExit(({ exitCode }) => resolve({ code: exitCode, output }));
  });
}

describe('doctor on the C01 setup', () => {
  let home: ThrowawayHome;
  let result: CliResult;
  const go123Version = goVersionOf(GO_INSTALLS.go123.binary);

  before(async () => {
    home = await createHome(C01.files);
    result = await runCli(['doctor', ...SHELL_ARGS], cleanEnvironment(home.path));
  });
  after(() => home?.remove());

  test('doctor exits 0 and prints the table', () => {
    // C01's findings are warnings (Go only in ~/.bashrc), and only errors make doctor exit 1.
    assert.equal(result.code, 0, result.stderr);
    const lines = result.stdout.split('\n');
    const user = os.userInfo().username;
    assert.equal(lines[0], `Go Env Lens doctor: 6 contexts on linux, user ${user}`);
    assert.equal(lines[1], 'Contexts start from the environment Go Env Lens was started with.');
    assert.equal(lines[2], '');
    assert.deepEqual(cellsOf(lines[3]!), DOCTOR_HEADER);
    assert.match(lines[4]!, /^-+( {2}-+){10}$/);
    for (const label of CONTEXT_LABELS) rowOf(result.stdout, label);
    assert.ok(
      result.stdout.includes('\nValues marked * differ from most other contexts.\n\nFindings: '),
      `no findings after the table:\n${result.stdout.slice(-300)}`,
    );
  });

  test('doctor marks the bash rows that see go with *', () => {
    // Four of six contexts see no go, so the two bash contexts are the odd ones out in every
    // column. GOTOOLCHAIN and GOPROXY are the defaults of Debian's go-1.23 go.env.
    const expectedBashCells = [
      `${GO_INSTALLS.go123.binary}*`,
      `${go123Version}*`,
      `${GO_INSTALLS.go123.goroot}*`,
      '~/work/go*',
      '""*',
      'auto*',
      '""*',
      '""*',
      'https://proxy.golang.org,direct*',
      '~/.config/go/env*',
    ];
    for (const label of ['bash, login terminal', 'bash, terminal tab (non-login)']) {
      assert.deepEqual(cellsOf(rowOf(result.stdout, label)), [label, ...expectedBashCells]);
    }
    for (const label of CONTEXT_LABELS.filter((text) => !text.startsWith('bash'))) {
      assert.deepEqual(cellsOf(rowOf(result.stdout, label)), [label, ...Array(10).fill('-')]);
    }
  });

  test('doctor reports progress on stderr only', () => {
    const progress = result.stderr.trimEnd().split('\n');
    assert.equal(progress.length, 6, result.stderr);
    for (const line of progress) {
      assert.match(line, /^probed [1-6]\/6: .+ done in \d+ ms$/);
    }
    for (const label of CONTEXT_LABELS) {
      assert.ok(
        progress.some((line) => line.includes(`: ${label} done in `)),
        `no progress line for ${label}`,
      );
    }
    assert.equal(result.stdout.includes('probed '), false, 'progress lines on stdout');
  });

  test('doctor writes no ANSI escapes off a terminal', () => {
    assert.equal(result.stdout.includes(ANSI_ESCAPE), false, 'ANSI escape on stdout');
    assert.equal(result.stderr.includes(ANSI_ESCAPE), false, 'ANSI escape on stderr');
  });
});

describe('doctor on a terminal', () => {
  let home: ThrowawayHome;

  before(async () => {
    home = await createHome(C01.files);
  });
  after(() => home?.remove());

  test('doctor highlights differing values in colour', async () => {
    const { code, output } = await runCliOnTerminal(
      ['doctor', ...SHELL_ARGS],
      cleanEnvironment(home.path, { TERM: 'xterm-256color' }),
    );
    assert.equal(code, 0, output);
    const row = rowOf(output, 'bash, login terminal');
    const gopathHighlighted = row.includes(`${HIGHLIGHT}~/work/go`);
    assert.ok(gopathHighlighted, `GOPATH is not highlighted: ${JSON.stringify(row)}`);
    assert.equal(row.includes('*'), false, `a * marker on a terminal: ${JSON.stringify(row)}`);
    assert.ok(output.includes('Highlighted values differ from most other contexts.'), output);
  });

  test('doctor on a terminal honours NO_COLOR', async () => {
    const { code, output } = await runCliOnTerminal(
      ['doctor', ...SHELL_ARGS],
      cleanEnvironment(home.path, { TERM: 'xterm-256color', NO_COLOR: '1' }),
    );
    assert.equal(code, 0, output);
    assert.equal(output.includes(HIGHLIGHT), false, 'highlight despite NO_COLOR');
    assert.ok(output.includes('Values marked * differ from most other contexts.'), output);
  });
});

describe('command-line errors', () => {
  test('invalid --deadline exits 2 with the accepted range', async () => {
    const result = await runCli(['doctor', '--deadline', 'abc'], cleanEnvironment('/'));
    assert.equal(result.code, 2);
    assert.equal(
      result.stderr,
      'go-env-lens: invalid --deadline "abc": give seconds from 0.2 to 120\n',
    );
    assert.equal(result.stdout, '');
  });

  test('unknown command exits 2 and prints usage', async () => {
    const result = await runCli(['frobnicate'], cleanEnvironment('/'));
    assert.equal(result.code, 2);
    assert.ok(
      result.stderr.startsWith(
        'go-env-lens: unknown command "frobnicate"\n\nUsage: go-env-lens <command> [options]\n',
      ),
      result.stderr,
    );
    assert.equal(result.stdout, '');
  });
});
