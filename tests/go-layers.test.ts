/**
 * Checks the Go settings-layer engine against the real toolchains (go1.19, go1.22, go1.23 and the
 * go1.26 tarball). For every case, the computed value of each variable must equal what that
 * toolchain's `go env -json` prints with the same environment. Where go fails, the engine must
 * predict go's exit code and message and name the line that causes it. Every run uses a
 * throwaway HOME and config directory with telemetry off. No run uses the network, because any
 * setting that could make go switch toolchains comes with GOPROXY=off.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promises as fs, readFileSync, realpathSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { computeGoLayers } from '../src-main/engine/go/go-layers.ts';
import type { FileInfo, FileReadResult, GoLayersFileSystem } from '../src-main/engine/go/go-layers-files.ts';
import type {
  GoLayersInput,
  GoLayersReport,
  GoLayeredVariable,
  GoSettingFinding,
  GoSettingSource,
} from '../src-main/shared/go-layers.ts';
import { DISTRO_GO_ENV, GO_LAYERS_CASES, type GoLayersCase, type GoRootVariant } from './fixtures/go-layers-cases.ts';
import { asTestUser, TEST_USER } from './helpers/test-user.ts';

const PROJECT_ROOT = fileURLToPath(new URL('..', import.meta.url));
const ENGINE_MODULE = fileURLToPath(new URL('../src-main/engine/go/go-layers.ts', import.meta.url));

interface Toolchain {
  name: string;
  root: string;
  version: string;
  minor: number;
  /** runtime.GOROOT() of the binary: Debian's go1.19 has its root built in, the others are -trimpath builds. */
  builtinGoroot: string;
}

const TOOLCHAINS: Toolchain[] = [
  { name: 'go1.19', root: '/usr/lib/go-1.19', builtinGoroot: '/usr/lib/go-1.19' },
  { name: 'go1.22', root: '/usr/lib/go-1.22', builtinGoroot: '' },
  { name: 'go1.23', root: '/usr/lib/go-1.23', builtinGoroot: '' },
  { name: 'go1.26 tarball', root: '/usr/local/go', builtinGoroot: '' },
].map((toolchain) => {
  const version = readFileSync(path.join(toolchain.root, 'VERSION'), 'utf8').split('\n')[0]!.trim();
  return { ...toolchain, version, minor: Number(/^go1\.(\d+)/.exec(version)![1]) };
});

/** The scratch directory of this file, with the copied Go roots and one directory per run. */
let scratch = '';
/** Go roots per toolchain name and variant. */
const roots = new Map<string, Record<GoRootVariant, string>>();

before(async () => {
  scratch = await fs.mkdtemp(path.join(os.tmpdir(), 'gel-go-layers-'));
  await fs.chmod(scratch, 0o755);
  for (const toolchain of TOOLCHAINS) {
    roots.set(toolchain.name, {
      installed: toolchain.root,
      'without-go.env': await copyGoRoot(toolchain, 'without-go.env', null),
      'distro-go.env': await copyGoRoot(toolchain, 'distro-go.env', DISTRO_GO_ENV),
    });
  }
});

after(async () => {
  if (scratch) await fs.rm(scratch, { recursive: true, force: true });
});

/**
 * Makes a Go root that runs the toolchain's own `go` binary (hard-linked, or copied across file
 * systems) with every other entry linked to the installed tree, and its own go.env (or none).
 */
async function copyGoRoot(toolchain: Toolchain, variant: string, goEnv: string | null): Promise<string> {
  const root = path.join(scratch, 'roots', toolchain.name.replace(/\W+/g, '-'), variant);
  await fs.mkdir(path.join(root, 'bin'), { recursive: true });
  const binary = path.join(root, 'bin', 'go');
  await fs
    .link(path.join(toolchain.root, 'bin', 'go'), binary)
    .catch(() => fs.copyFile(path.join(toolchain.root, 'bin', 'go'), binary));
  await fs.chmod(binary, 0o755);
  for (const entry of await fs.readdir(toolchain.root)) {
    if (entry === 'bin' || entry === 'go.env') continue;
    await fs.symlink(path.join(toolchain.root, entry), path.join(root, entry));
  }
  if (goEnv !== null) await fs.writeFile(path.join(root, 'go.env'), goEnv);
  return root;
}

interface GoRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `go env -json` with exactly this environment (nothing inherited). */
function runGoEnv(
  goBinary: string,
  environment: Record<string, string>,
  cwd: string,
  prefix: string[] = [],
): Promise<GoRun> {
  const command = [...prefix, goBinary, 'env', '-json'];
  return new Promise((resolve) => {
    execFile(
      command[0]!,
      command.slice(1),
      { env: environment, cwd, timeout: 60_000, encoding: 'utf8' },
      (error, stdout, stderr) => {
        let code = 0;
        if (error) code = typeof error.code === 'number' ? error.code : -1;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** Replaces the placeholders of the fixtures. */
function expand(text: string, values: Record<string, string>): string {
  return text.replace(/\{(ROOT|HOME|TOOLCHAIN_ROOT|DISTRO_ROOT|LOCAL)\}/g, (_, name: string) => values[name]!);
}

/** Setting values that would make go switch to another toolchain (and so need GOPROXY=off). */
function switches(value: string | undefined, toolchain: Toolchain): boolean {
  if (value === undefined) return false;
  const minimum = value.split('+')[0]!;
  return /^go1/.test(minimum) && minimum !== toolchain.version;
}

function sourceText(source: GoSettingSource): string {
  return source.layer === 'default' ? `default (${source.rule})` : JSON.stringify(source);
}

/**
 * Asserts that the engine's report matches a real `go env -json` run. When go fails, the exit code
 * and the start of go's message must match. Otherwise the variable names, the value of every
 * variable the engine marks exact, and the warnings on stderr must match.
 */
function assertLikeGo(report: GoLayersReport, run: GoRun, label: string): void {
  const prediction = report.goEnv;
  if (prediction.outcome === 'fails') {
    assert.equal(
      run.code,
      prediction.exitCode,
      `${label}: exit code (stderr ${JSON.stringify(run.stderr.slice(0, 400))})`,
    );
    assert.ok(
      run.stderr.startsWith(prediction.message),
      `${label}: go printed ${JSON.stringify(run.stderr.slice(0, 400))}, expected it to start with ${JSON.stringify(prediction.message)}`,
    );
    return;
  }
  assert.equal(prediction.outcome, 'ok', `${label}: unexpected prediction ${JSON.stringify(prediction)}`);
  assert.equal(run.code, 0, `${label}: go env failed: ${run.stderr.slice(0, 400)}`);
  const real = JSON.parse(run.stdout) as Record<string, string>;
  assert.deepEqual(
    report.variables.map((variable) => variable.name),
    Object.keys(real).sort(),
    `${label}: variable names`,
  );
  for (const variable of report.variables) {
    if (!variable.exact) continue;
    assert.equal(variable.value, real[variable.name], `${label}: ${variable.name} from ${sourceText(variable.source)}`);
  }
  const realWarnings = run.stderr.split('\n').filter((line) => line.includes('warning:'));
  assert.deepEqual(prediction.warnings, realWarnings, `${label}: warnings on stderr`);
}

/** Asserts that only GOGCCFLAGS, which go computes by running the C compiler, is left inexact. */
function assertExact(report: GoLayersReport, label: string): void {
  const inexact = report.variables.filter((variable) => !variable.exact).map((variable) => variable.name);
  assert.deepEqual(inexact, ['GOGCCFLAGS'], `${label}: variables not computed exactly`);
  assert.equal(report.goEnv.exact, true, `${label}: prediction not exact: ${report.goEnv.note}`);
}

function variable(report: GoLayersReport, name: string): GoLayeredVariable {
  const found = report.variables.find((candidate) => candidate.name === name);
  assert.ok(found, `variable ${name} is missing`);
  return found;
}

function findingsAt(
  report: GoLayersReport,
  line: number,
  origin: GoSettingFinding['origin'] = 'env-file',
): GoSettingFinding[] {
  return report.findings.filter((finding) => finding.origin === origin && finding.line === line);
}

/** The directories and Go roots of one case run. */
interface CaseSetup {
  toolchain: Toolchain;
  root: string;
  home: string;
  goroot: string;
  envFilePath: string;
  distroRoot: string;
}

/** Builds the throwaway directories of a case, runs go and the engine, and returns both results. */
async function runCase(
  setup: GoLayersCase,
  toolchain: Toolchain,
): Promise<{ report: GoLayersReport; run: GoRun; context: CaseSetup }> {
  const root = await fs.mkdtemp(path.join(scratch, 'case-'));
  const home = path.join(root, 'home');
  const work = path.join(root, 'work');
  const variants = roots.get(toolchain.name)!;
  const goroot = variants[setup.root ?? 'installed'];
  const values = {
    ROOT: root,
    HOME: home,
    TOOLCHAIN_ROOT: toolchain.root,
    DISTRO_ROOT: variants['distro-go.env'],
    LOCAL: toolchain.version,
  };

  await fs.mkdir(path.join(home, '.config', 'go', 'telemetry'), { recursive: true });
  await fs.writeFile(path.join(home, '.config', 'go', 'telemetry', 'mode'), 'off\n');
  await fs.mkdir(work, { recursive: true });
  await fs.mkdir(path.join(root, 'emptybin'));
  if (setup.envFile !== undefined)
    await fs.writeFile(path.join(home, '.config', 'go', 'env'), expand(setup.envFile, values));
  for (const [relative, text] of Object.entries(setup.files ?? {})) {
    await fs.mkdir(path.dirname(path.join(root, relative)), { recursive: true });
    await fs.writeFile(path.join(root, relative), expand(text, values));
  }

  const environment: Record<string, string> = {
    HOME: home,
    PATH: setup.path === 'no-compiler' ? path.join(root, 'emptybin') : '/usr/bin:/bin',
  };
  for (const [name, value] of Object.entries(setup.environment ?? {})) {
    if (value === null) delete environment[name];
    else environment[name] = expand(value, values);
  }
  const fileText = setup.envFile ?? '';
  const toolchainValues = [environment.GOTOOLCHAIN, /^GOTOOLCHAIN=(.*)$/m.exec(fileText)?.[1]];
  if (toolchainValues.some((value) => switches(value, toolchain))) {
    assert.equal(environment.GOPROXY, 'off', `${setup.id}: a toolchain switch needs GOPROXY=off in the case`);
  }

  const input: GoLayersInput = {
    environment,
    goroot,
    goVersion: toolchain.version,
    os: 'linux',
    arch: 'amd64',
    workingDirectory: work,
    builtinGoroot: toolchain.builtinGoroot,
  };
  const [report, run] = await Promise.all([
    computeGoLayers(input),
    runGoEnv(path.join(goroot, 'bin', 'go'), environment, work),
  ]);
  return {
    report,
    run,
    context: {
      toolchain,
      root,
      home,
      goroot,
      envFilePath: path.join(home, '.config', 'go', 'env'),
      distroRoot: variants['distro-go.env'],
    },
  };
}

/** Checks each case makes beyond matching `go env -json`. */
const CASE_CHECKS: Record<string, (report: GoLayersReport, setup: CaseSetup) => void> = {
  'C21-exported-wins'(report, setup) {
    const goproxy = variable(report, 'GOPROXY');
    assert.equal(goproxy.value, 'https://proxy.golang.org,direct');
    assert.deepEqual(goproxy.source, { layer: 'environment' });
    const hidden = report.shadowed.find((entry) => entry.name === 'GOPROXY');
    assert.ok(hidden, 'the Go env file GOPROXY is not listed as shadowed');
    assert.deepEqual(hidden.source, { layer: 'env-file', path: setup.envFilePath, line: 1 });
    assert.equal(hidden.reason, 'overridden-by-environment');
    assert.equal(hidden.value, 'https://goproxy.example.test,direct');
    const warning = findingsAt(report, 1).find((finding) =>
      finding.goMessage?.includes('does not override conflicting OS environment variable'),
    );
    assert.ok(warning, 'no finding quotes the go env -w conflict warning');
    assert.equal(warning.inEffect, false);
  },
  'C21-file-wins-without-export'(report, setup) {
    assert.deepEqual(variable(report, 'GOPROXY').source, { layer: 'env-file', path: setup.envFilePath, line: 1 });
    assert.equal(variable(report, 'GOPROXY').value, 'https://goproxy.example.test,direct');
  },
  'C22-gopath-tilde'(report, setup) {
    assert.equal(report.goEnv.outcome, 'fails');
    assert.deepEqual(report.goEnv.cause, {
      name: 'GOPATH',
      source: { layer: 'env-file', path: setup.envFilePath, line: 2 },
    });
    const error = findingsAt(report, 2).find((finding) => finding.severity === 'error');
    assert.ok(error, 'line 2 has no error finding');
    assert.equal(error.impact, 'every-command');
    assert.equal(error.goMessage, `go: GOPATH entry cannot start with shell metacharacter '~': "~/go"`);
    assert.match(error.reason, /does not expand/);
    // The other settings are still computed although go cannot run.
    assert.deepEqual(variable(report, 'GOPROXY').source, { layer: 'env-file', path: setup.envFilePath, line: 1 });
  },
  'C22-goroot-missing'(report, setup) {
    assert.equal(report.goEnv.outcome, 'fails');
    assert.deepEqual(report.goEnv.cause, {
      name: 'GOROOT',
      source: { layer: 'env-file', path: setup.envFilePath, line: 1 },
    });
    const error = findingsAt(report, 1).find((finding) => finding.severity === 'error');
    assert.ok(error, 'line 1 has no error finding');
    assert.equal(error.goMessage, `go: cannot find GOROOT directory: ${setup.root}/opt/Go`);
    assert.equal(variable(report, 'GOROOT').value, `${setup.root}/opt/Go`);
  },
  'C22-gotoolchain-invalid'(report, setup) {
    const finding = findingsAt(report, 1)[0];
    assert.ok(finding, 'line 1 has no finding');
    if (setup.toolchain.minor < 21) {
      assert.equal(report.goEnv.outcome, 'ok');
      assert.equal(finding.severity, 'info');
      assert.match(finding.reason, /not a Go setting/);
      assert.equal(
        report.variables.some((candidate) => candidate.name === 'GOTOOLCHAIN'),
        false,
      );
      return;
    }
    assert.deepEqual(report.goEnv.cause, {
      name: 'GOTOOLCHAIN',
      source: { layer: 'env-file', path: setup.envFilePath, line: 1 },
    });
    assert.equal(finding.severity, 'error');
    assert.equal(finding.impact, 'every-command');
    assert.equal(finding.goMessage, 'go: invalid GOTOOLCHAIN "banana"');
  },
  'C23-pinned-offline'(report, setup) {
    if (setup.toolchain.minor < 21) {
      assert.equal(report.goEnv.outcome, 'ok');
      return;
    }
    assert.equal(variable(report, 'GOTOOLCHAIN').value, 'go1.22.12');
    assert.deepEqual(variable(report, 'GOTOOLCHAIN').source, { layer: 'env-file', path: setup.envFilePath, line: 1 });
    if (setup.toolchain.version === 'go1.22.12') {
      assert.equal(report.goEnv.outcome, 'ok');
      return;
    }
    assert.equal(report.goEnv.outcome, 'fails');
    assert.equal(report.goEnv.cause?.name, 'GOTOOLCHAIN');
    assert.match(report.goEnv.message, /toolchain not available/);
    assert.equal(findingsAt(report, 1)[0]?.impact, 'toolchain-switch');
  },
  'C29-distro-go.env'(report, setup) {
    const goEnvPath = path.join(setup.distroRoot, 'go.env');
    if (setup.toolchain.minor < 21) {
      assert.equal(report.gorootEnvFile.status, 'not-used');
      assert.equal(variable(report, 'GOPRIVATE').value, '');
      return;
    }
    assert.equal(report.gorootEnvFile.status, 'read');
    assert.equal(report.gorootEnvFile.path, goEnvPath);
    assert.deepEqual(variable(report, 'GOTOOLCHAIN').source, { layer: 'goroot-go.env', path: goEnvPath, line: 4 });
    assert.equal(variable(report, 'GOTOOLCHAIN').value, 'local');
    assert.equal(variable(report, 'GONOPROXY').value, 'goenv.example');
    const ignored = findingsAt(report, 5, 'goroot-go.env').find((finding) => finding.key === 'GOROOT');
    assert.equal(ignored?.impact, 'ignored');
  },
  'goroot-without-go.env'(report, setup) {
    if (setup.toolchain.minor < 21) {
      assert.equal(variable(report, 'GOPROXY').value, 'https://proxy.golang.org,direct');
      return;
    }
    assert.equal(report.gorootEnvFile.status, 'missing');
    for (const name of ['GOPROXY', 'GOSUMDB', 'GOTOOLCHAIN']) {
      assert.equal(variable(report, name).value, '', `${name} should be empty`);
      assert.equal(variable(report, name).source.layer, 'default');
    }
  },
  crlf(report, setup) {
    assert.equal(variable(report, 'GOBIN').value, `${setup.home}/bin\r`);
    assert.deepEqual(variable(report, 'GOBIN').source, { layer: 'env-file', path: setup.envFilePath, line: 3 });
    assert.ok(
      findingsAt(report, 3).some((finding) => finding.severity === 'warning' && /carriage return/.test(finding.reason)),
    );
    assert.ok(findingsAt(report, 1).some((finding) => finding.severity === 'info' && /harmless/.test(finding.reason)));
  },
  'crlf-go111module'(report, setup) {
    assert.deepEqual(report.goEnv.cause, {
      name: 'GO111MODULE',
      source: { layer: 'env-file', path: setup.envFilePath, line: 1 },
    });
    const error = findingsAt(report, 1).find((finding) => finding.severity === 'error');
    assert.equal(error?.goMessage, 'go: unknown environment setting GO111MODULE=on\r');
    assert.match(error?.reason ?? '', /carriage return/);
  },
  'byte-order-mark'(report, setup) {
    assert.notEqual(variable(report, 'GOPROXY').value, 'https://bom.example');
    assert.notEqual(variable(report, 'GOPROXY').source.layer, 'env-file');
    assert.deepEqual(variable(report, 'GOSUMDB').source, { layer: 'env-file', path: setup.envFilePath, line: 2 });
    const bom = findingsAt(report, 1)[0];
    assert.match(bom?.reason ?? '', /byte order mark.*GOPROXY/);
  },
  duplicates(report, setup) {
    assert.equal(variable(report, 'GOSUMDB').value, 'sum.example');
    assert.deepEqual(variable(report, 'GOSUMDB').source, { layer: 'env-file', path: setup.envFilePath, line: 3 });
    const hidden = report.shadowed.find((entry) => entry.name === 'GOSUMDB');
    assert.equal(hidden?.reason, 'later-line-wins');
    assert.deepEqual(hidden?.source, { layer: 'env-file', path: setup.envFilePath, line: 1 });
    assert.deepEqual(hidden?.winner, { layer: 'env-file', path: setup.envFilePath, line: 3 });
  },
  'key-with-spaces'(report, setup) {
    assert.equal(variable(report, 'GOPRIVATE').value, '');
    assert.equal(variable(report, 'GONOSUMDB').value, 'plain.example');
    const spaced = findingsAt(report, 1).find((finding) => finding.key === 'GOPRIVATE ');
    assert.equal(spaced?.severity, 'warning');
    assert.match(spaced?.reason ?? '', /GOPRIVATE is not set/);
    const namedOnly = report.namedOnlyVariables.find((candidate) => candidate.name === 'GOPRIVATE ');
    if (setup.toolchain.minor >= 21) assert.equal(namedOnly?.value, ' spaced.example');
    else assert.equal(namedOnly, undefined);
  },
  'empty-values'(report, setup) {
    assert.deepEqual(variable(report, 'GOPRIVATE').source, { layer: 'env-file', path: setup.envFilePath, line: 2 });
    const emptyOs = report.blankSettings.find(
      (blank) => blank.name === 'GOPRIVATE' && blank.source.layer === 'environment',
    );
    assert.equal(emptyOs?.effect, 'ignored');
    assert.deepEqual(emptyOs?.effectiveSource, { layer: 'env-file', path: setup.envFilePath, line: 2 });
    const spaces = report.blankSettings.find((blank) => blank.name === 'GONOSUMDB');
    assert.equal(spaces?.effect, 'overrides');
    assert.equal(variable(report, 'GONOSUMDB').value, ' ');
    const emptyProxy = report.blankSettings.find((blank) => blank.name === 'GOPROXY');
    if (setup.toolchain.minor >= 21) {
      assert.equal(emptyProxy?.effect, 'hides-goroot-go.env');
      assert.equal(variable(report, 'GOPROXY').value, '');
    } else {
      assert.equal(emptyProxy?.effect, 'ignored');
      assert.equal(variable(report, 'GOPROXY').value, 'https://proxy.golang.org,direct');
    }
  },
  'goenv-off'(report) {
    assert.equal(report.envFile.status, 'disabled');
    assert.equal(variable(report, 'GOENV').value, '');
    assert.notEqual(variable(report, 'GOPROXY').value, 'https://never.example');
  },
  'goenv-elsewhere'(report, setup) {
    const custom = path.join(setup.root, 'custom', 'go.env');
    assert.equal(report.envFile.path, custom);
    assert.deepEqual(variable(report, 'GOPROXY').source, { layer: 'env-file', path: custom, line: 1 });
    assert.equal(variable(report, 'GOFLAGS').value, '-v');
  },
  'xdg-config-home'(report, setup) {
    const xdgFile = path.join(setup.root, 'xdg', 'go', 'env');
    assert.equal(report.envFile.path, xdgFile);
    assert.deepEqual(variable(report, 'GOPROXY').source, { layer: 'env-file', path: xdgFile, line: 1 });
  },
  'shell-syntax'(report, setup) {
    assert.ok(
      findingsAt(report, 1).some((finding) => /quotes/.test(finding.reason)),
      'quoted GOPROXY not reported',
    );
    assert.ok(
      findingsAt(report, 2).some((finding) => /export/.test(finding.reason)),
      'export line not reported',
    );
    assert.ok(
      findingsAt(report, 3).some((finding) => finding.goMessage === 'cannot install, GOBIN must be an absolute path'),
    );
    assert.ok(
      findingsAt(report, 4).some((finding) => /white space/.test(finding.reason)),
      'leading-space line not reported',
    );
    assert.ok(
      findingsAt(report, 5).some((finding) => /\$HOME/.test(finding.reason)),
      '$HOME in GOTMPDIR not reported',
    );
    assert.deepEqual(report.goEnv.cause, {
      name: 'GOTMPDIR',
      source: { layer: 'env-file', path: setup.envFilePath, line: 5 },
    });
  },
  'goroot-other-release'(report, setup) {
    assert.equal(variable(report, 'GOROOT').value, '/usr/lib/go-1.22');
    const mismatch = findingsAt(report, 1).find((finding) => finding.goMessage?.startsWith('compile: version'));
    if (setup.toolchain.version === 'go1.22.12') assert.equal(mismatch, undefined);
    else
      assert.equal(
        mismatch?.goMessage,
        `compile: version "go1.22.12" does not match go tool version "${setup.toolchain.version}"`,
      );
    if (setup.toolchain.minor >= 21) assert.equal(report.gorootEnvFile.path, '/usr/lib/go-1.22/go.env');
  },
  'goroot-exported-and-in-file'(report, setup) {
    const shadowedRoot = report.shadowed.find((entry) => entry.name === 'GOROOT');
    assert.equal(shadowedRoot?.reason, 'overridden-by-environment');
    if (setup.toolchain.minor < 21) {
      assert.equal(variable(report, 'GOROOT').value, setup.toolchain.root);
      return;
    }
    assert.equal(variable(report, 'GOROOT').value, `${setup.toolchain.root}/`);
    assert.equal(report.gorootEnvFile.path, path.join(setup.distroRoot, 'go.env'));
    assert.equal(variable(report, 'GOPRIVATE').value, 'goenv.example');
    assert.match(shadowedRoot?.explanation ?? '', /go\.env/);
  },
  'no-home'(report, setup) {
    assert.equal(variable(report, 'GOPATH').value, '');
    assert.equal(variable(report, 'GOCACHE').value, 'off');
    if (setup.toolchain.minor >= 22) assert.equal(report.goEnv.cause?.name, 'GOCACHE');
    else assert.equal(report.goEnv.outcome, 'ok');
  },
  'no-compiler'(report, setup) {
    const cgo = variable(report, 'CGO_ENABLED');
    if (setup.toolchain.minor >= 20) {
      assert.equal(cgo.value, '0');
      assert.match(sourceText(cgo.source), /gcc is not on PATH/);
    } else assert.equal(cgo.value, '1');
  },
  'cross-compile'(report, setup) {
    assert.equal(variable(report, 'CGO_ENABLED').value, '0');
    assert.match(sourceText(variable(report, 'CGO_ENABLED').source), /cross-compile/);
    assert.equal(variable(report, 'GOEXE').value, '.exe');
    const arm64 = report.variables.find((candidate) => candidate.name === 'GOARM64');
    if (setup.toolchain.minor >= 23) assert.equal(arm64?.value, 'v8.2');
    else assert.equal(arm64, undefined);
  },
  'arch-values'(report, setup) {
    const fileValue = findingsAt(report, 1).find(
      (finding) => finding.key === 'GOAMD64' && finding.severity === 'error',
    );
    assert.equal(fileValue?.impact, 'builds');
    assert.equal(fileValue?.goMessage, 'compile: invalid GOAMD64: must be v1, v2, v3, v4');
    if (setup.toolchain.minor >= 23) assert.equal(report.goEnv.outcome, 'ok');
    else assert.equal(report.goEnv.cause?.name, 'GOARM');
  },
  'compiler-flags'(report) {
    assert.equal(variable(report, 'CGO_CFLAGS').value, "-O1 '-I/a b' -g");
    assert.equal(variable(report, 'PKG_CONFIG').value, 'pkgconf');
    assert.ok(
      findingsAt(report, 3).some((finding) => finding.impact === 'ignored' && /CGO_ENABLED/.test(finding.reason)),
    );
  },
  'gopath-list'(report, setup) {
    assert.equal(variable(report, 'GOMODCACHE').value, `${setup.root}/gp1/pkg/mod`);
    assert.ok(findingsAt(report, 2).some((finding) => finding.impact === 'go-env' && /-json/.test(finding.reason)));
    assert.ok(findingsAt(report, 3).some((finding) => /not a Go setting/.test(finding.reason)));
    const godebugReason = setup.toolchain.minor >= 21 ? /only from the OS environment/ : /not a Go setting/;
    assert.ok(findingsAt(report, 4).some((finding) => godebugReason.test(finding.reason)));
    assert.ok(findingsAt(report, 5).some((finding) => /computes GOVERSION itself/.test(finding.reason)));
    const unknown = report.namedOnlyVariables.find((candidate) => candidate.name === 'FOO_UNKNOWN');
    if (setup.toolchain.minor >= 21) assert.equal(unknown?.value, 'bar');
    else assert.equal(unknown, undefined);
  },
  'gopath-is-goroot'(report) {
    assert.equal(report.goEnv.warnings.length, 1);
  },
};

for (const toolchain of TOOLCHAINS) {
  describe(`go layers for ${toolchain.name} (${toolchain.version})`, { concurrency: 4 }, () => {
    for (const setup of GO_LAYERS_CASES) {
      test(`${setup.id}: ${setup.title}`, async () => {
        const { report, run, context } = await runCase(setup, toolchain);
        const label = `${toolchain.name} ${setup.id}`;
        assertLikeGo(report, run, label);
        assertExact(report, label);
        CASE_CHECKS[setup.id]?.(report, context);
      });
    }
  });
}

test('every fixture case has its own checks', () => {
  const missing = GO_LAYERS_CASES.map((setup) => setup.id).filter((id) => !CASE_CHECKS[id]);
  assert.deepEqual(missing, []);
});

describe('go layers with a toolchain switch', () => {
  for (const toolchain of TOOLCHAINS.filter((candidate) => candidate.minor >= 21)) {
    // Pin another installed release, the way `go env -w GOTOOLCHAIN=…` does.
    const target = TOOLCHAINS.find((candidate) => candidate.minor >= 21 && candidate.version !== toolchain.version)!;
    test(`C23 ${toolchain.name} switches to ${target.version} on PATH`, async () => {
      const root = await fs.mkdtemp(path.join(scratch, 'switch-'));
      const home = path.join(root, 'home');
      const work = path.join(root, 'work');
      await fs.mkdir(path.join(home, '.config', 'go', 'telemetry'), { recursive: true });
      await fs.writeFile(path.join(home, '.config', 'go', 'telemetry', 'mode'), 'off\n');
      await fs.writeFile(path.join(home, '.config', 'go', 'env'), `GOTOOLCHAIN=${target.version}\n`);
      await fs.mkdir(work);
      await fs.mkdir(path.join(root, 'sdkbin'));
      // A program named like a release on PATH replaces a download, as a cached toolchain would.
      await fs.symlink(path.join(target.root, 'bin', 'go'), path.join(root, 'sdkbin', target.version));
      const environment = {
        HOME: home,
        PATH: `${root}/sdkbin:/usr/bin:/bin`,
        GOPROXY: 'off',
        GOROOT: `${toolchain.root}/`,
      };

      const report = await computeGoLayers({
        environment,
        goroot: toolchain.root,
        goVersion: toolchain.version,
        os: 'linux',
        arch: 'amd64',
        workingDirectory: work,
        builtinGoroot: '',
      });
      assert.equal(report.goEnv.outcome, 'switches');
      assert.deepEqual(report.goEnv.cause, {
        name: 'GOTOOLCHAIN',
        source: { layer: 'env-file', path: path.join(home, '.config', 'go', 'env'), line: 1 },
      });
      const switchTo = report.goEnv.switchTo!;
      assert.equal(switchTo.via, 'path');
      assert.equal(switchTo.path, path.join(root, 'sdkbin', target.version));
      assert.equal(switchTo.environment.GOROOT, undefined);
      assert.equal(switchTo.environment.GOTOOLCHAIN_INTERNAL_SWITCH_VERSION, target.version);

      // The switched-to go prints its own view: compute it for that toolchain and compare.
      const targetRoot = path.dirname(path.dirname(realpathSync(switchTo.path!)));
      const targetVersion = readFileSync(path.join(targetRoot, 'VERSION'), 'utf8').split('\n')[0]!;
      const targetReport = await computeGoLayers({
        environment: switchTo.environment,
        goroot: targetRoot,
        goVersion: targetVersion,
        os: 'linux',
        arch: 'amd64',
        workingDirectory: work,
        builtinGoroot: '',
      });
      const run = await runGoEnv(path.join(toolchain.root, 'bin', 'go'), environment, work);
      assertLikeGo(targetReport, run, `${toolchain.name} switched to ${target.version}`);
      assertExact(targetReport, `${toolchain.name} switched to ${target.version}`);
      assert.equal(JSON.parse(run.stdout).GOVERSION, target.version);
    });
  }
});

describe('go layers for other operating systems', () => {
  /** A file system with a few files and nothing else, for OSes this machine cannot run. */
  const memoryFileSystem = (files: Record<string, string>): GoLayersFileSystem => ({
    async readFile(file): Promise<FileReadResult> {
      return file in files
        ? { bytes: new TextEncoder().encode(files[file]) }
        : { error: 'missing', message: 'not found' };
    },
    async stat(file): Promise<FileInfo | null> {
      if (file in files) return { kind: 'file', executable: false };
      return Object.keys(files).some((name) => name.startsWith(`${file}/`) || name.startsWith(`${file}\\`))
        ? { kind: 'directory', executable: true }
        : null;
    },
  });

  test('macOS ignores XDG_CONFIG_HOME', async () => {
    const envFile = '/Users/dev/Library/Application Support/go/env';
    const report = await computeGoLayers(
      {
        environment: { HOME: '/Users/dev', XDG_CONFIG_HOME: '/Users/dev/.xdg', PATH: '/usr/bin:/bin' },
        goroot: '/usr/local/go',
        goVersion: 'go1.23.5',
        os: 'darwin',
        arch: 'arm64',
      },
      { fileSystem: memoryFileSystem({ [envFile]: 'GOPROXY=https://mac.example\n' }) },
    );
    assert.equal(report.envFile.path, envFile);
    assert.deepEqual(variable(report, 'GOPROXY').source, { layer: 'env-file', path: envFile, line: 1 });
    assert.equal(variable(report, 'GOCACHE').value, '/Users/dev/Library/Caches/go-build');
    assert.equal(variable(report, 'GOTELEMETRYDIR').value, '/Users/dev/Library/Application Support/go/telemetry');
    assert.equal(variable(report, 'GOPATH').value, '/Users/dev/go');
    assert.equal(variable(report, 'CC').value, 'clang');
    assert.equal(variable(report, 'GOARM64').value, 'v8.0');
  });

  test('Windows uses AppData, LocalAppData and USERPROFILE', async () => {
    const envFile = 'C:\\Users\\dev\\AppData\\Roaming\\go\\env';
    const report = await computeGoLayers(
      {
        environment: {
          APPDATA: 'C:\\Users\\dev\\AppData\\Roaming',
          LOCALAPPDATA: 'C:\\Users\\dev\\AppData\\Local',
          USERPROFILE: 'C:\\Users\\dev',
          Path: 'C:\\Windows\\system32',
        },
        goroot: 'C:\\Program Files\\Go',
        goVersion: 'go1.22.12',
        os: 'windows',
        arch: 'amd64',
      },
      { fileSystem: memoryFileSystem({ [envFile]: 'GOPATH=C:\\work\\gp;D:\\more\r\nGOFLAGS=-mod=mod\r\n' }) },
    );
    assert.equal(report.envFile.path, envFile);
    assert.equal(report.envFile.detail.startsWith('%AppData%\\go\\env'), true);
    assert.equal(variable(report, 'GOPATH').value, 'C:\\work\\gp;D:\\more\r');
    assert.equal(variable(report, 'GOMODCACHE').value, 'C:\\work\\gp\\pkg\\mod');
    assert.equal(variable(report, 'GOCACHE').value, 'C:\\Users\\dev\\AppData\\Local\\go-build');
    assert.equal(variable(report, 'GOEXE').value, '.exe');
    assert.equal(variable(report, 'GOTOOLDIR').value, 'C:\\Program Files\\Go\\pkg\\tool\\windows_amd64');
    assert.equal(report.gorootEnvFile.path, 'C:\\Program Files\\Go\\go.env');
    assert.equal(variable(report, 'CGO_ENABLED').exact, false);
  });

  test('Windows default GOPATH comes from USERPROFILE', async () => {
    const report = await computeGoLayers(
      {
        environment: { AppData: 'C:\\Users\\dev\\AppData\\Roaming', UserProfile: 'C:\\Users\\dev' },
        goroot: 'C:\\Go',
        goVersion: 'go1.23.5',
        os: 'windows',
        arch: 'amd64',
      },
      { fileSystem: memoryFileSystem({}) },
    );
    assert.equal(variable(report, 'GOPATH').value, 'C:\\Users\\dev\\go');
    assert.equal(report.envFile.status, 'missing');
    assert.equal(variable(report, 'GOCACHE').value, 'off');
    assert.match(sourceText(variable(report, 'GOCACHE').source), /%LocalAppData% is not defined/);
  });

  test('FreeBSD follows XDG_CONFIG_HOME like Linux', async () => {
    const envFile = '/home/dev/.xdg/go/env';
    const report = await computeGoLayers(
      {
        environment: { HOME: '/home/dev', XDG_CONFIG_HOME: '/home/dev/.xdg', PATH: '/usr/bin:/bin' },
        goroot: '/usr/local/go',
        goVersion: 'go1.22.12',
        os: 'freebsd',
        arch: 'amd64',
      },
      { fileSystem: memoryFileSystem({ [envFile]: 'GOFLAGS=-v\n' }) },
    );
    assert.equal(report.envFile.path, envFile);
    assert.equal(variable(report, 'GOFLAGS').value, '-v');
    assert.equal(variable(report, 'GOCACHE').value, '/home/dev/.cache/go-build');
    assert.equal(variable(report, 'CC').value, 'clang');
  });

  test('Linux without HOME or XDG_CONFIG_HOME has no Go env file', async () => {
    const report = await computeGoLayers(
      { environment: { PATH: '/usr/bin' }, goroot: '/usr/lib/go', goVersion: 'go1.23.5', os: 'linux', arch: 'amd64' },
      { fileSystem: memoryFileSystem({}) },
    );
    assert.equal(report.envFile.status, 'no-location');
    assert.match(report.envFile.detail, /neither \$XDG_CONFIG_HOME nor \$HOME are defined/);
    assert.equal(variable(report, 'GOENV').value, '');
    assert.equal(variable(report, 'GOTELEMETRY').value, 'off');
  });
});

describe('go layers as the unprivileged user', () => {
  test(
    'an unreadable Go env file is ignored silently',
    { skip: TEST_USER ? false : 'needs root to switch to the test user' },
    async () => {
      const user = TEST_USER!;
      const root = await fs.mkdtemp(path.join(scratch, 'user-'));
      await fs.chmod(root, 0o755);
      const home = path.join(root, 'home');
      const work = path.join(root, 'work');
      await fs.mkdir(path.join(home, '.config', 'go', 'telemetry'), { recursive: true });
      await fs.writeFile(path.join(home, '.config', 'go', 'telemetry', 'mode'), 'off\n');
      const envFile = path.join(home, '.config', 'go', 'env');
      await fs.writeFile(envFile, 'GOTOOLCHAIN=banana\nGOPROXY=https://unreadable.example\n');
      await fs.mkdir(work);
      for (const entry of [root, home, work, path.join(home, '.config'), path.join(home, '.config', 'go')]) {
        await fs.chown(entry, user.uid, user.gid);
      }
      await fs.chown(path.join(home, '.config', 'go', 'telemetry'), user.uid, user.gid);
      await fs.chown(path.join(home, '.config', 'go', 'telemetry', 'mode'), user.uid, user.gid);
      await fs.chown(envFile, user.uid, user.gid);
      await fs.chmod(envFile, 0o000);

      const environment = { HOME: home, PATH: '/usr/bin:/bin' };
      const inputs: GoLayersInput[] = TOOLCHAINS.map((toolchain) => ({
        environment,
        goroot: toolchain.root,
        goVersion: toolchain.version,
        os: 'linux',
        arch: 'amd64',
        workingDirectory: work,
        builtinGoroot: toolchain.builtinGoroot,
      }));
      const script = path.join(root, 'compute.mts');
      await fs.writeFile(
        script,
        `import { computeGoLayers } from ${JSON.stringify(ENGINE_MODULE)};\n` +
          'const inputs = JSON.parse(process.argv[2]);\n' +
          'const reports = [];\n' +
          'for (const input of inputs) reports.push(await computeGoLayers(input));\n' +
          'process.stdout.write(JSON.stringify(reports));\n',
      );
      await fs.chmod(script, 0o644);
      const reports = await new Promise<GoLayersReport[]>((resolve, reject) => {
        const command = [...asTestUser(user), process.execPath, '--import', 'tsx', script, JSON.stringify(inputs)];
        execFile(
          command[0]!,
          command.slice(1),
          { env: environment, cwd: PROJECT_ROOT, encoding: 'utf8', timeout: 60_000 },
          (error, stdout, stderr) => {
            if (error) reject(new Error(`engine as ${user.name} failed: ${stderr}`));
            else resolve(JSON.parse(stdout) as GoLayersReport[]);
          },
        );
      });

      for (const [index, toolchain] of TOOLCHAINS.entries()) {
        const report = reports[index]!;
        const label = `${toolchain.name} as ${user.name}`;
        assert.equal(report.envFile.status, 'unreadable', `${label}: Go env file status`);
        assert.notEqual(variable(report, 'GOPROXY').value, 'https://unreadable.example', `${label}: GOPROXY`);
        const run = await runGoEnv(path.join(toolchain.root, 'bin', 'go'), environment, work, asTestUser(user));
        assertLikeGo(report, run, label);
        assertExact(report, label);

        // Root can read the same file, so for root go 1.21+ fails on GOTOOLCHAIN=banana.
        const asRoot = await computeGoLayers(inputs[index]!);
        assert.equal(asRoot.envFile.status, 'read', `${toolchain.name} as root: Go env file status`);
        assertLikeGo(
          asRoot,
          await runGoEnv(path.join(toolchain.root, 'bin', 'go'), environment, work),
          `${toolchain.name} as root`,
        );
      }
    },
  );
});

/** A small seeded generator (mulberry32), so a failing combination can be replayed. */
function randomGenerator(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let mixed = Math.imul(state ^ (state >>> 15), 1 | state);
    mixed = (mixed + Math.imul(mixed ^ (mixed >>> 7), 61 | mixed)) ^ mixed;
    return ((mixed ^ (mixed >>> 14)) >>> 0) / 4294967296;
  };
}

/** Go env file values per key; `{LOCAL}` is the running toolchain's own version. */
const FILE_VALUES: Record<string, string[]> = {
  GOPROXY: ['https://file.example,direct', 'off', 'direct', '', '"https://quoted.example"'],
  GOSUMDB: ['off', 'sum.golang.org', ''],
  GOFLAGS: ['-mod=mod', '-v -trimpath', '', '-json', '-notaflag', '"-tags=a b"', '-json=maybe', '-C=/tmp', '-u'],
  GOPRIVATE: ['corp.example', '', '*.corp.example,other.example'],
  GONOPROXY: ['none.example', ''],
  GONOSUMDB: ['nosum.example'],
  GOINSECURE: ['insecure.example'],
  GOVCS: ['public:git|hg,private:all'],
  GOBIN: ['{ROOT}/bin', 'relbin', '~/bin'],
  GOPATH: ['{ROOT}/gp', '{ROOT}/gp1:{ROOT}/gp2', '~/go', 'relgp', '', '{ROOT}/gp::'],
  GOMODCACHE: ['{ROOT}/modcache', '', 'relcache'],
  GOCACHE: ['{ROOT}/cache', 'off', 'relcache', ''],
  GO111MODULE: ['on', 'off', 'auto', '', 'ON'],
  GOTOOLCHAIN: ['local', 'auto', 'path', 'local+auto', 'banana', '', 'go1.21.0', 'go1.22', '{LOCAL}', 'local+foo'],
  GOEXPERIMENT: ['', 'nosuch', 'fieldtrack', 'nofieldtrack'],
  CGO_ENABLED: ['0', '1', 'yes', ''],
  CC: ['gcc', 'clang', '/usr/bin/gcc', '', 'gcc -m64'],
  CXX: ['g++', 'clang++'],
  CGO_CFLAGS: ['-O1', '  -O2   -g ', "'-I/a b'", ''],
  CGO_LDFLAGS: ['-lm', '"-L/x y"'],
  PKG_CONFIG: ['pkgconf --static', ''],
  AR: ['gcc-ar'],
  GOOS: ['linux', 'windows', 'darwin', ''],
  GOARCH: ['amd64', 'arm64', 'arm', '386', ''],
  GOAMD64: ['v2', 'v9'],
  GOARM: ['6', '7,softfloat'],
  GOARM64: ['v8.2', 'v8.0,crypto'],
  GOTMPDIR: ['{ROOT}/tmp', ''],
  GOWORK: ['off', '', '{ROOT}/none.work', 'auto'],
  GOROOT: ['', '{TOOLCHAIN_ROOT}/', '/usr/lib/go-1.22'],
  FOO_UNKNOWN: ['bar'],
  GOENV: ['/ignored'],
  GODEBUG: ['x=1'],
  GOTELEMETRY: ['on'],
};

/** OS variable values per name; '' and ' ' check the empty-value rules. */
const OS_VALUES: Record<string, string[]> = {
  GOPROXY: ['https://os.example', 'off', '', ' '],
  GOFLAGS: ['-trimpath', '', '-mod=readonly'],
  GOPRIVATE: ['os.example', ''],
  GOSUMDB: ['off', ''],
  GO111MODULE: ['on', 'off', '', 'auto'],
  GOTOOLCHAIN: ['local', '', 'auto'],
  GOPATH: ['{ROOT}/osgp', ''],
  CGO_ENABLED: ['0', ''],
  GOARCH: ['arm64', ''],
  CC: ['', 'gcc'],
  GOAMD64: ['v3', 'v9'],
  GOARM: ['8', '6'],
  GOEXPERIMENT: ['nosuch', ''],
  GODEBUG: ['execerrdot=0', ''],
  GOROOT: ['{TOOLCHAIN_ROOT}/', '', '{ROOT}/missing-goroot'],
  XDG_CONFIG_HOME: ['relxdg', ''],
};

/** go.mod and go.work files for the working directory; any of them makes the harness set GOPROXY=off. */
const MODULE_FILES: Array<Record<string, string>> = [
  { 'work/go.mod': 'module example.com/m\ngo 1.19\n' },
  { 'work/go.mod': 'module example.com/m\n\ngo 1.21\n\ntoolchain go1.21.5 // pinned\n' },
  { 'work/go.mod': 'module example.com/m\ngo 1.99.0\n' },
  { 'work/go.mod': 'module example.com/m\ngo 1.22\ntoolchain banana\n' },
  { 'work/go.mod': 'module example.com/m\ngo 1.20\n', 'work/go.work': 'go 1.98.1\n\nuse .\n' },
];

/** Lines go skips, to mix into generated files. */
const SKIPPED_LINES = [
  '# a comment',
  '',
  'export GOFLAGS=-x',
  ' GONOSUMDB=leading.example',
  'goproxy=lower',
  'GOPRIVATE = spaced',
];

/**
 * Reports whether go could try to download a toolchain with these settings: a GOTOOLCHAIN that
 * names a release (in the environment or any file), or a go.mod or go.work whose go line could
 * ask for a newer one. The {LOCAL} placeholder names the running release, which never switches.
 */
function mayDownload(environment: Record<string, string>, files: Record<string, string>): boolean {
  if (Object.keys(files).some((name) => /(^|\/)go\.(mod|work)$/.test(name))) return true;
  const values = [environment.GOTOOLCHAIN];
  for (const text of Object.values(files)) {
    for (const line of text.split(/\r?\n/)) {
      const setting = line.replace(/^\uFEFF/, '');
      if (setting.startsWith('GOTOOLCHAIN=')) values.push(setting.slice('GOTOOLCHAIN='.length));
    }
  }
  return values.some((value) => value !== undefined && /^go1/.test(value.split('+')[0]!));
}

interface Combination {
  toolchain: Toolchain;
  root: GoRootVariant;
  environment: Record<string, string>;
  /** Files by path relative to the combination's directory. */
  files: Record<string, string>;
}

function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)]!;
}

/** Generates one combination of OS environment, Go env file and Go root. */
function generateCombination(random: () => number): Combination {
  const toolchain = pick(random, TOOLCHAINS);
  const root = random() < 0.6 ? 'installed' : pick(random, ['without-go.env', 'distro-go.env'] as const);
  const files: Record<string, string> = { 'home/.config/go/telemetry/mode': 'off\n', 'xdg/go/telemetry/mode': 'off\n' };
  const environment: Record<string, string> = { PATH: '/usr/bin:/bin' };
  const pathChoice = random();
  if (pathChoice < 0.12) environment.PATH = '{ROOT}/emptybin';
  else if (pathChoice < 0.2) {
    // A C compiler reachable only through a relative PATH entry, which go refuses since go1.19.
    environment.PATH = 'relbin:/usr/bin:/bin';
    files['work/relbin/gcc'] = '#!/bin/sh\nexec /usr/bin/gcc "$@"\n';
  }

  const homeChoice = random();
  if (homeChoice < 0.85) environment.HOME = '{ROOT}/home';
  else if (homeChoice < 0.95) environment.XDG_CONFIG_HOME = '{ROOT}/xdg';
  else {
    environment.HOME = 'relhome';
    files['work/relhome/.config/go/telemetry/mode'] = 'off\n';
  }
  if (environment.HOME && random() < 0.3) environment.XDG_CONFIG_HOME = '{ROOT}/xdg';
  if (random() < 0.7) environment.XDG_CACHE_HOME = '{CACHE}';

  const lines: string[] = [];
  const keys = Object.keys(FILE_VALUES);
  const count = Math.floor(random() * 9);
  for (let index = 0; index < count; index++) {
    const key = pick(random, keys);
    lines.push(`${key}=${pick(random, FILE_VALUES[key]!)}`);
    if (random() < 0.15) lines.push(`${key}=${pick(random, FILE_VALUES[key]!)}`);
    if (random() < 0.2) lines.splice(Math.floor(random() * lines.length), 0, pick(random, SKIPPED_LINES));
  }
  const crlf = random() < 0.2;
  let text = lines.map((line) => line + (crlf ? '\r\n' : '\n')).join('');
  if (random() < 0.1) text = '\uFEFF' + text;

  if (random() < 0.15) Object.assign(files, pick(random, MODULE_FILES));

  const goenvChoice = random();
  let fileAt = 'home/.config/go/env';
  if (environment.XDG_CONFIG_HOME) fileAt = 'xdg/go/env';
  else if (environment.HOME === 'relhome') fileAt = 'work/relhome/.config/go/env';
  if (goenvChoice < 0.1) environment.GOENV = 'off';
  else if (goenvChoice < 0.2) {
    environment.GOENV = '{ROOT}/custom.env';
    fileAt = 'custom.env';
  } else if (goenvChoice < 0.23) environment.GOENV = '';
  else if (goenvChoice < 0.26) {
    environment.GOENV = 'relative.env';
    fileAt = 'work/relative.env';
  }
  if (random() < 0.9) files[fileAt] = text;

  const osCount = Math.floor(random() * 5);
  for (let index = 0; index < osCount; index++) {
    const name = pick(random, Object.keys(OS_VALUES));
    environment[name] = pick(random, OS_VALUES[name]!);
  }

  // Never let go download a toolchain. This runs last, after every OS variable is picked.
  if (mayDownload(environment, files)) environment.GOPROXY = 'off';
  return { toolchain, root, environment, files };
}

describe('go layers against random combinations', () => {
  test('220 combinations match go env -json', { timeout: 240_000 }, async (t) => {
    const seed = process.env.GO_LAYERS_SEED ? Number(process.env.GO_LAYERS_SEED) : Math.floor(Math.random() * 2 ** 31);
    t.diagnostic(`random seed ${seed} (set GO_LAYERS_SEED to replay)`);
    const random = randomGenerator(seed);
    const combinations = Array.from({ length: 220 }, () => generateCombination(random));
    const cache = path.join(scratch, 'shared-cache');
    await fs.mkdir(cache, { recursive: true });
    const failures: string[] = [];
    const counts = { ok: 0, fails: 0 };

    const runOne = async (combination: Combination, index: number) => {
      const root = await fs.mkdtemp(path.join(scratch, 'random-'));
      const variants = roots.get(combination.toolchain.name)!;
      const goroot = variants[combination.root];
      const values = {
        ROOT: root,
        HOME: path.join(root, 'home'),
        TOOLCHAIN_ROOT: combination.toolchain.root,
        DISTRO_ROOT: variants['distro-go.env'],
        LOCAL: combination.toolchain.version,
      };
      for (const directory of ['home', 'work', 'emptybin', 'tmp', 'xdg'])
        await fs.mkdir(path.join(root, directory), { recursive: true });
      for (const [relative, text] of Object.entries(combination.files)) {
        await fs.mkdir(path.dirname(path.join(root, relative)), { recursive: true });
        await fs.writeFile(path.join(root, relative), expand(text, values));
        if (text.startsWith('#!')) await fs.chmod(path.join(root, relative), 0o755);
      }
      const environment = Object.fromEntries(
        Object.entries(combination.environment).map(([name, value]) => [
          name,
          expand(value.replace('{CACHE}', cache), values),
        ]),
      );
      const work = path.join(root, 'work');
      if (mayDownload(combination.environment, combination.files) && environment.GOPROXY !== 'off') {
        throw new Error(`combination #${index} could download a toolchain but GOPROXY is not off`);
      }
      const label = `seed=${seed} combination #${index} (${combination.toolchain.name}, ${combination.root}, environment ${JSON.stringify(environment)}, files ${JSON.stringify(combination.files)})`;
      try {
        const [report, run] = await Promise.all([
          computeGoLayers({
            environment,
            goroot,
            goVersion: combination.toolchain.version,
            os: 'linux',
            arch: 'amd64',
            workingDirectory: work,
            builtinGoroot: combination.toolchain.builtinGoroot,
          }),
          runGoEnv(path.join(goroot, 'bin', 'go'), environment, work),
        ]);
        assertLikeGo(report, run, label);
        assertExact(report, label);
        counts[report.goEnv.outcome === 'ok' ? 'ok' : 'fails']++;
      } catch (error) {
        failures.push((error as Error).message);
      }
    };

    for (let start = 0; start < combinations.length; start += 8) {
      await Promise.all(
        combinations.slice(start, start + 8).map((combination, offset) => runOne(combination, start + offset)),
      );
    }
    assert.deepEqual(
      failures.slice(0, 5),
      [],
      `${failures.length} of ${combinations.length} combinations differ from go (replay with GO_LAYERS_SEED=${seed})`,
    );
    // Both kinds of runs must occur, or the generator is not testing what it should.
    assert.ok(counts.ok >= 50, `only ${counts.ok} combinations ran go successfully (seed ${seed})`);
    assert.ok(counts.fails >= 20, `only ${counts.fails} combinations made go fail (seed ${seed})`);
  });
});
