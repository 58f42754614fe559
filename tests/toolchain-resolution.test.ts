/**
 * Checks the prediction of which Go toolchain really runs against the real go. Every case builds a
 * throwaway HOME, predicts from files alone, then runs go offline in the same environment and
 * compares `go version`, `go env GOROOT GOVERSION` and, where a go.mod is involved, `go list -m`.
 * Toolchain downloads come from a local file:// proxy built from the Debian 1.22 and 1.23 trees.
 * Cases run as the invoking user and as the unprivileged test user.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { promises as fs, readFileSync } from 'node:fs';
import path from 'node:path';
import { after, describe, test, type TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';

import { lookupGoModLine } from '../src-main/engine/go/go-mod-lines.ts';
import { readGoBuildInfo } from '../src-main/engine/go/toolchain-resolution-binary.ts';
import { matchesPrefixPatterns } from '../src-main/engine/go/toolchain-resolution-fetch.ts';
import {
  compareGoVersions,
  isLanguageVersion,
  versionOfToolchainName,
} from '../src-main/engine/go/toolchain-resolution-version.ts';
import {
  assertOfflineEnvironment,
  observeToolchain,
  offlineEnvironment,
  removeModuleCache,
  resolveToolchain,
  type ToolchainResolutionInput,
} from '../src-main/engine/go/toolchain-resolution.ts';
import type { ObservedCommand, ToolchainObservation, ToolchainResolution } from '../src-main/shared/go-toolchain-resolution.ts';
import { localToolchainProxy, removeLocalToolchainProxy } from './helpers/local-toolchain-proxy.ts';
import { goVersionOf } from './helpers/system-facts.ts';
import { asTestUser, USER_VARIANTS, type TestUser, type UserVariant } from './helpers/test-user.ts';
import { createHome, type HomeFile, type ThrowawayHome } from './helpers/throwaway-home.ts';

const REPOSITORY_ROOT = fileURLToPath(new URL('..', import.meta.url));
const RESOLUTION_MODULE = fileURLToPath(new URL('../src-main/engine/go/toolchain-resolution.ts', import.meta.url));

const GO119 = { goroot: '/usr/lib/go-1.19', binary: '/usr/lib/go-1.19/bin/go' };
const GO122 = { goroot: '/usr/lib/go-1.22', binary: '/usr/lib/go-1.22/bin/go' };
const GO123 = { goroot: '/usr/lib/go-1.23', binary: '/usr/lib/go-1.23/bin/go' };

/** Toolchain names of the installed Go versions, e.g. `go1.23.5`, from `go version`. */
const V119 = goVersionOf(GO119.binary);
const V122 = goVersionOf(GO122.binary);
const V123 = goVersionOf(GO123.binary);

/** GOOS/GOARCH of the Debian binaries, as `go version` prints them. */
const GOOS = 'linux';
const GOARCH = process.arch === 'x64' ? 'amd64' : process.arch;
const PLATFORM = `${GOOS}/${GOARCH}`;

const SYSTEM_PATH = '/usr/bin:/bin';

/** Strips the `go` prefix: `go1.23.5` gives the go.mod version `1.23.5`. */
function bare(toolchain: string): string {
  return toolchain.slice(2);
}

function moduleFile(goLines: string): string {
  return `module example.com/app\n\n${goLines}\n`;
}

function toolchainCacheDirectory(moduleCache: string, toolchain: string): string {
  return path.join(moduleCache, 'golang.org', `toolchain@v0.0.1-${toolchain}.${GOOS}-${GOARCH}`);
}

after(() => removeLocalToolchainProxy());

/** Creates a throwaway HOME owned by the variant's user, removed after the test. */
async function setUpHome(t: TestContext, variant: UserVariant, files: Record<string, HomeFile>): Promise<ThrowawayHome> {
  // Telemetry "off" keeps go 1.23+ from starting an uploader in runs that use this HOME's config.
  const home = await createHome({ '.config/go/telemetry/mode': 'off\n', ...files }, { owner: variant.user });
  t.after(async () => {
    await removeModuleCache(home.path);
    await home.remove();
  });
  return home;
}

/** Copies a file into the home, keeping it executable, owned like the rest of the home. */
async function copyIntoHome(home: ThrowawayHome, source: string, relative: string): Promise<void> {
  const target = path.join(home.path, relative);
  await fs.mkdir(path.dirname(target), { recursive: true });
  await fs.copyFile(source, target);
  await fs.chmod(target, 0o755);
  if (home.owner) execFileSync('chown', ['-R', `${home.owner.uid}:${home.owner.gid}`, home.path]);
}

/**
 * Returns a context environment made offline: `{HOME}` in values is replaced, GOPROXY is `off`
 * or the local proxy, GOSUMDB is off, and the module cache is inside the home.
 */
function contextEnvironment(
  home: ThrowawayHome,
  variables: Record<string, string>,
  goproxy: string = 'off',
): Record<string, string> {
  const environment: Record<string, string> = { HOME: home.path, USER: 'dev', LOGNAME: 'dev', LANG: 'C.UTF-8' };
  for (const [name, value] of Object.entries(variables)) environment[name] = value.replaceAll('{HOME}', home.path);
  return offlineEnvironment(environment, { goproxy, goModCache: path.join(home.path, 'modcache') });
}

/** Predicts as the variant's user: in this process, or in a child process run as the test user. */
async function predict(variant: UserVariant, input: ToolchainResolutionInput): Promise<ToolchainResolution> {
  if (!variant.user) return resolveToolchain(input);
  return resolveAsUser(variant.user, input);
}

const RESOLVE_SCRIPT = `
const { resolveToolchain } = await import(process.env.RESOLUTION_MODULE);
let text = '';
for await (const chunk of process.stdin) text += chunk;
process.stdout.write(JSON.stringify(await resolveToolchain(JSON.parse(text))));
`;

function resolveAsUser(user: TestUser, input: ToolchainResolutionInput): Promise<ToolchainResolution> {
  const command = [...asTestUser(user), process.execPath, '--import', 'tsx', '--input-type=module', '-e', RESOLVE_SCRIPT];
  return new Promise((resolve, reject) => {
    const child = spawn(command[0]!, command.slice(1), {
      cwd: REPOSITORY_ROOT,
      env: { PATH: SYSTEM_PATH, HOME: '/nonexistent', RESOLUTION_MODULE },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(`resolveToolchain as ${user.name} exited with ${code}: ${stderr}`));
      else resolve(JSON.parse(stdout) as ToolchainResolution);
    });
    child.stdin.end(JSON.stringify(input));
  });
}

function observe(
  variant: UserVariant,
  environment: Record<string, string>,
  projectDirectory: string | null,
  loadModule = true,
): Promise<ToolchainObservation> {
  return observeToolchain({ environment, projectDirectory, loadModule, user: variant.user });
}

/** Runs one more go command offline as the variant's user, for checks beyond observeToolchain. */
function runGoOffline(
  variant: UserVariant,
  environment: Record<string, string>,
  cwd: string,
  args: string[],
): Promise<ObservedCommand> {
  assertOfflineEnvironment(environment);
  return new Promise((resolve) => {
    const child = spawn('go', args, {
      env: environment,
      cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(variant.user ? { uid: variant.user.uid, gid: variant.user.gid } : {}),
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('close', (exitCode) => resolve({ args, exitCode, stdout, stderr }));
  });
}

/** Asserts that the output of go matches the prediction, one condition per assert. */
function assertObservationMatches(prediction: ToolchainResolution, observation: ToolchainObservation): void {
  const selection = prediction.selection;
  assert.ok(selection, 'the prediction has no toolchain selection');
  const versionCommand = observation.goVersionCommand;
  if (selection.error) {
    assert.notEqual(versionCommand.exitCode, 0, `go version succeeded: ${versionCommand.stdout}`);
    assert.ok(
      versionCommand.stderr.includes(selection.error),
      `go version stderr ${JSON.stringify(versionCommand.stderr)} lacks ${JSON.stringify(selection.error)}`,
    );
    assert.equal(observation.goEnv, null, 'go env succeeded although an error was predicted');
  } else {
    assert.equal(versionCommand.exitCode, 0, `go version failed: ${versionCommand.stderr}`);
    assert.equal(versionCommand.stdout.trim(), prediction.threeWay.goVersion);
    assert.equal(observation.goEnv?.GOVERSION, prediction.threeWay.runningVersion, `go env: ${observation.goEnvCommand.stderr}`);
    assert.equal(observation.goEnv?.GOROOT, prediction.threeWay.goEnvGoroot);
  }
  assert.equal(observation.downloaded, selection.printsDownloading, 'go: downloading was printed or missing');

  const moduleCommand = observation.moduleCommand;
  if (moduleCommand && !selection.error) {
    if (selection.moduleError) {
      assert.notEqual(moduleCommand.exitCode, 0, `go list -m succeeded: ${moduleCommand.stdout}`);
      assert.equal(moduleCommand.stderr.trim(), selection.moduleError);
    } else {
      assert.equal(moduleCommand.exitCode, 0, `go list -m failed: ${moduleCommand.stderr}`);
    }
  }
}

describe('toolchain resolution building blocks', () => {
  test('version comparison follows cmd/go', () => {
    const cases: [string, string, number][] = [
      ['1.21', '1.21rc1', -1],
      ['1.21rc1', '1.21.0', -1],
      ['1.21.0', '1.21', 1],
      ['1.20', '1.20.0', 0],
      ['1.9', '1.10', -1],
      ['1.23.5', '1.23.10', -1],
      ['1.22beta1', '1.22rc1', -1],
      ['bogus', '1.0', -1],
      ['bogus', 'junk', 0],
    ];
    for (const [x, y, expected] of cases) assert.equal(compareGoVersions(x, y), expected, `compare ${x} ${y}`);
  });

  test('toolchain names and language versions', () => {
    assert.equal(versionOfToolchainName('go1.23.5'), '1.23.5');
    assert.equal(versionOfToolchainName('go1.23.5-corp'), '1.23.5');
    assert.equal(versionOfToolchainName('go1.22'), '1.22');
    assert.equal(versionOfToolchainName('go1.21.3rc1'), null);
    assert.equal(versionOfToolchainName('banana'), null);
    assert.equal(versionOfToolchainName('go/1.22.0'), null);
    assert.equal(isLanguageVersion('1.23'), true);
    assert.equal(isLanguageVersion('1.23.0'), false);
    // Before 1.21 a missing patch means .0, so 1.20 is a release.
    assert.equal(isLanguageVersion('1.20'), false);
  });

  test('go and toolchain lines of go.mod', () => {
    const text = 'module example.com/app\n\ngodebug default=go1.21\ngo 1.22 // minimum\ntoolchain\tgo1.23.5\r\ngo 1.99\n';
    assert.deepEqual(lookupGoModLine(text, 'go'), { value: '1.22', line: 4 });
    assert.deepEqual(lookupGoModLine(text, 'toolchain'), { value: 'go1.23.5', line: 5 });
    assert.equal(lookupGoModLine('module x\n', 'go'), null);
  });

  test('build info of the installed binaries', async () => {
    const go123 = await readGoBuildInfo(GO123.binary);
    assert.equal(go123?.version, V123);
    assert.equal(go123?.mainPackage, 'cmd/go');
    assert.equal(go123?.settings.get('-trimpath'), 'true');
    assert.equal(go123?.settings.get('GOARCH'), GOARCH);
    const go119 = await readGoBuildInfo(GO119.binary);
    assert.equal(go119?.version, V119);
    assert.equal(go119?.settings.has('-trimpath'), false);
    assert.equal(await readGoBuildInfo('/bin/sh'), null);
  });

  test('module path prefix patterns', () => {
    assert.equal(matchesPrefixPatterns('golang.org', 'golang.org/toolchain'), true);
    assert.equal(matchesPrefixPatterns('corp.example,golang.org/tool*', 'golang.org/toolchain'), true);
    assert.equal(matchesPrefixPatterns('*.example.com', 'golang.org/toolchain'), false);
    assert.equal(matchesPrefixPatterns('golang.org/toolchain/sub', 'golang.org/toolchain'), false);
    assert.equal(matchesPrefixPatterns('', 'golang.org/toolchain'), false);
  });

  test('offline guard rejects network settings', async () => {
    const base = { GOSUMDB: 'off', GONOPROXY: 'none.invalid' };
    assert.throws(() => assertOfflineEnvironment({ ...base, GOPROXY: 'https://proxy.golang.org,direct' }), /GOPROXY/);
    assert.throws(() => assertOfflineEnvironment({ ...base, GOPROXY: 'file:///tmp/p,direct' }), /GOPROXY/);
    assert.throws(() => assertOfflineEnvironment({ ...base, GOPROXY: '' }), /GOPROXY/);
    assert.throws(() => assertOfflineEnvironment({ ...base, GOPROXY: 'off', GOSUMDB: 'sum.golang.org' }), /GOSUMDB/);
    assert.throws(() => assertOfflineEnvironment({ GOPROXY: 'off', GOSUMDB: 'off' }), /GONOPROXY/);
    assert.doesNotThrow(() => assertOfflineEnvironment({ ...base, GOPROXY: 'off' }));
    await assert.rejects(
      observeToolchain({ environment: { ...base, PATH: SYSTEM_PATH, GOPROXY: 'https://proxy.golang.org' } }),
      /GOPROXY/,
    );
  });
});

for (const variant of USER_VARIANTS) {
  describe(`toolchain resolution ${variant.name}`, { skip: variant.skip }, () => {
    test('C16: exported old GOROOT gives a mixed toolchain', async (t) => {
      const home = await setUpHome(t, variant, {
        'src/app/go.mod': moduleFile('go 1.19'),
        'src/app/main.go': 'package main\n\nimport "fmt"\n\nfunc main() { fmt.Println("app") }\n',
      });
      const environment = contextEnvironment(home, { PATH: `${GO123.goroot}/bin:${SYSTEM_PATH}`, GOROOT: GO119.goroot });
      const project = path.join(home.path, 'src/app');
      const prediction = await predict(variant, { environment, projectDirectory: project });

      assert.equal(prediction.binary?.path, GO123.binary);
      assert.equal(prediction.binary?.version, V123);
      assert.equal(prediction.goroot?.source, 'os-environment');
      assert.equal(prediction.goroot?.path, GO119.goroot);
      assert.equal(prediction.goroot?.executableRoot, GO123.goroot);
      assert.equal(prediction.goroot?.version, V119);
      assert.equal(prediction.goroot?.mixedToolchain, true);
      const mismatch = `compile: version "${V119}" does not match go tool version "${V123}"`;
      assert.equal(prediction.goroot?.mixedToolchainError, mismatch);
      // The 1.19 tree has no go.env, so GOTOOLCHAIN is empty and nothing switches.
      assert.equal(prediction.goroot?.hasGoEnv, false);
      assert.match(prediction.selection?.skipped ?? '', /GOTOOLCHAIN is empty/);
      assert.equal(prediction.threeWay.goVersion, `go version ${V123} ${PLATFORM}`);
      assert.equal(prediction.threeWay.goEnvGoroot, GO119.goroot);
      assert.equal(prediction.threeWay.differs, true);
      assert.ok(prediction.threeWay.explanations.some((line) => line.includes(mismatch)), 'no mixed-toolchain explanation');

      assertObservationMatches(prediction, await observe(variant, environment, project));
      const build = await runGoOffline(variant, environment, project, ['build', '-o', '/dev/null', '.']);
      assert.notEqual(build.exitCode, 0);
      assert.ok(build.stderr.includes(mismatch), `build stderr lacks the mismatch: ${build.stderr.slice(0, 500)}`);
    });

    test('C23: GOTOOLCHAIN pinned in the Go env file', async (t) => {
      const home = await setUpHome(t, variant, {
        [`sdkbin/${V122}`]: { symlink: GO122.binary },
        '.config/go/env': `GOTOOLCHAIN=${V122}\n`,
      });
      const environment = contextEnvironment(home, { PATH: `${GO123.goroot}/bin:{HOME}/sdkbin:${SYSTEM_PATH}` });
      const prediction = await predict(variant, { environment });

      assert.equal(prediction.binary?.path, GO123.binary);
      assert.equal(prediction.selection?.gotoolchain.source, 'user-env-file');
      assert.equal(prediction.selection?.gotoolchain.file, path.join(home.path, '.config/go/env'));
      assert.equal(prediction.selection?.gotoolchain.line, 1);
      assert.equal(prediction.selection?.mode, 'pinned');
      assert.equal(prediction.selection?.chosen, V122);
      assert.equal(prediction.selection?.origin, 'path');
      assert.equal(prediction.selection?.executable, path.join(home.path, 'sdkbin', V122));
      assert.equal(prediction.threeWay.goVersion, `go version ${V122} ${PLATFORM}`);
      assert.equal(prediction.threeWay.goEnvGoroot, GO122.goroot);
      assert.equal(prediction.threeWay.differs, true);
      assertObservationMatches(prediction, await observe(variant, environment, null));

      const local = { ...environment, GOTOOLCHAIN: 'local' };
      const localPrediction = await predict(variant, { environment: local });
      assert.equal(localPrediction.selection?.gotoolchain.source, 'os-environment');
      assert.equal(localPrediction.threeWay.runningVersion, V123);
      assert.equal(localPrediction.threeWay.goEnvGoroot, GO123.goroot);
      assertObservationMatches(localPrediction, await observe(variant, local, null));
    });

    test('C23 offline: pinned toolchain not available', async (t) => {
      const home = await setUpHome(t, variant, { '.config/go/env': `GOTOOLCHAIN=${V122}\n` });
      const environment = contextEnvironment(home, { PATH: `${GO123.goroot}/bin:${SYSTEM_PATH}` });
      const prediction = await predict(variant, { environment });

      assert.equal(prediction.selection?.origin, 'none');
      assert.equal(prediction.selection?.error, `go: download ${V122} for ${PLATFORM}: toolchain not available`);
      assert.equal(prediction.selection?.printsDownloading, true);
      assert.equal(prediction.threeWay.goVersion, null);
      const observation = await observe(variant, environment, null);
      assertObservationMatches(prediction, observation);
      assert.ok(observation.goVersionCommand.stderr.includes(`go: downloading ${V122} (${PLATFORM})`));
    });

    test('C23 with local proxy: pinned toolchain downloaded', async (t) => {
      const proxy = await localToolchainProxy();
      const home = await setUpHome(t, variant, { '.config/go/env': `GOTOOLCHAIN=${V122}\n` });
      const environment = contextEnvironment(home, { PATH: `${GO123.goroot}/bin:${SYSTEM_PATH}` }, proxy.url);
      const cacheDirectory = toolchainCacheDirectory(path.join(home.path, 'modcache'), V122);
      const prediction = await predict(variant, { environment });

      assert.equal(prediction.selection?.origin, 'file-proxy');
      assert.equal(prediction.selection?.downloadFrom, proxy.url);
      assert.equal(prediction.selection?.moduleCacheDirectory, cacheDirectory);
      assert.equal(prediction.selection?.checksumDatabase, null);
      assert.equal(prediction.threeWay.goEnvGoroot, cacheDirectory);
      assert.equal(prediction.threeWay.runningVersion, V122);
      assertObservationMatches(prediction, await observe(variant, environment, null));
    });

    test('C29: GOTOOLCHAIN=local from $GOROOT/go.env', async (t) => {
      const goEnv = readFileSync(path.join(GO122.goroot, 'go.env'), 'utf8').replace(/^GOTOOLCHAIN=auto$/m, 'GOTOOLCHAIN=local');
      const toolchainLine = goEnv.split('\n').indexOf('GOTOOLCHAIN=local') + 1;
      const links: Record<string, HomeFile> = {};
      for (const name of ['src', 'pkg', 'api', 'misc', 'test']) links[`distro-go/${name}`] = { symlink: path.join(GO122.goroot, name) };
      const home = await setUpHome(t, variant, {
        ...links,
        'distro-go/go.env': goEnv,
        'distro-go/VERSION': readFileSync(path.join(GO122.goroot, 'VERSION'), 'utf8'),
        'src/new/go.mod': moduleFile(`go ${bare(V123)}`),
      });
      await copyIntoHome(home, GO122.binary, 'distro-go/bin/go');
      const distroRoot = path.join(home.path, 'distro-go');
      const environment = contextEnvironment(home, { PATH: `{HOME}/distro-go/bin:${SYSTEM_PATH}` });
      const project = path.join(home.path, 'src/new');
      const prediction = await predict(variant, { environment, projectDirectory: project });

      assert.equal(prediction.goroot?.source, 'executable-location');
      assert.equal(prediction.goroot?.path, distroRoot);
      assert.equal(prediction.selection?.gotoolchain.value, 'local');
      assert.equal(prediction.selection?.gotoolchain.source, 'goroot-go-env');
      assert.equal(prediction.selection?.gotoolchain.file, path.join(distroRoot, 'go.env'));
      assert.equal(prediction.selection?.gotoolchain.line, toolchainLine);
      assert.equal(prediction.selection?.switched, false);
      assert.equal(
        prediction.selection?.moduleError,
        `go: go.mod requires go >= ${bare(V123)} (running go ${bare(V122)}; GOTOOLCHAIN=local)`,
      );
      assert.equal(prediction.threeWay.goEnvGoroot, distroRoot);
      assertObservationMatches(prediction, await observe(variant, environment, project));
    });

    test('C30: go version and GOROOT change with the directory', async (t) => {
      const home = await setUpHome(t, variant, {
        [`sdkbin/${V123}`]: { symlink: GO123.binary },
        'src/proj/go.mod': moduleFile(`go ${bare(V123)}`),
      });
      const environment = contextEnvironment(home, { PATH: `${GO122.goroot}/bin:{HOME}/sdkbin:${SYSTEM_PATH}` });
      const project = path.join(home.path, 'src/proj');

      const outside = await predict(variant, { environment });
      assert.equal(outside.selection?.switched, false);
      assert.equal(outside.threeWay.runningVersion, V122);
      assert.equal(outside.threeWay.goEnvGoroot, GO122.goroot);
      assert.equal(outside.threeWay.differs, false);
      assertObservationMatches(outside, await observe(variant, environment, null));

      const inside = await predict(variant, { environment, projectDirectory: project });
      assert.equal(inside.selection?.decidedBy, 'go-line');
      assert.equal(inside.selection?.requirement?.file, path.join(project, 'go.mod'));
      assert.equal(inside.selection?.requirement?.goLine, 3);
      assert.equal(inside.selection?.chosen, V123);
      assert.equal(inside.selection?.origin, 'path');
      assert.equal(inside.threeWay.binaryOnPath, GO122.binary);
      assert.equal(inside.threeWay.runningVersion, V123);
      assert.equal(inside.threeWay.goEnvGoroot, GO123.goroot);
      assert.equal(inside.threeWay.differs, true);
      assertObservationMatches(inside, await observe(variant, environment, project));
    });

    test('go line switches through the local proxy, then the module cache', async (t) => {
      const proxy = await localToolchainProxy();
      const home = await setUpHome(t, variant, { 'src/proj/go.mod': moduleFile(`go ${bare(V123)}`) });
      const environment = contextEnvironment(home, { PATH: `${GO122.goroot}/bin:${SYSTEM_PATH}` }, proxy.url);
      const project = path.join(home.path, 'src/proj');
      const moduleCache = path.join(home.path, 'modcache');
      const cacheDirectory = toolchainCacheDirectory(moduleCache, V123);

      const first = await predict(variant, { environment, projectDirectory: project });
      assert.equal(first.selection?.gotoolchain.value, 'auto');
      assert.equal(first.selection?.gotoolchain.source, 'goroot-go-env');
      assert.equal(first.selection?.origin, 'file-proxy');
      assert.equal(first.selection?.printsDownloading, true);
      assert.equal(first.threeWay.goEnvGoroot, cacheDirectory);
      assertObservationMatches(first, await observe(variant, environment, project));

      const cached = await predict(variant, { environment, projectDirectory: project });
      assert.equal(cached.selection?.origin, 'module-cache');
      assert.equal(cached.selection?.printsDownloading, false);
      assert.equal(cached.threeWay.goEnvGoroot, cacheDirectory);
      assert.equal(cached.threeWay.runningVersion, V123);
      assertObservationMatches(cached, await observe(variant, environment, project));

      // With GOPROXY=off the cached toolchain still needs the checksum database, which GOSUMDB=off disables.
      const proxyOff = { ...environment, GOPROXY: 'off' };
      const rejected = await predict(variant, { environment: proxyOff, projectDirectory: project });
      assert.equal(rejected.selection?.origin, 'none');
      assert.equal(
        rejected.selection?.error,
        `go: golang.org/toolchain@v0.0.1-${V123}.${GOOS}-${GOARCH}: verifying module: checksum database disabled by GOSUMDB=off`,
      );
      assertObservationMatches(rejected, await observe(variant, proxyOff, project));
    });

    test('toolchain line raises the minimum', async (t) => {
      const home = await setUpHome(t, variant, {
        [`sdkbin/${V123}`]: { symlink: GO123.binary },
        'newer/go.mod': moduleFile(`go 1.22.0\ntoolchain ${V123}`),
        'older/go.mod': moduleFile('go 1.21.0\ntoolchain go1.22.0'),
        'default/go.mod': moduleFile(`go ${bare(V123)}\ntoolchain default`),
      });
      const go122 = contextEnvironment(home, { PATH: `${GO122.goroot}/bin:{HOME}/sdkbin:${SYSTEM_PATH}` });
      const newer = path.join(home.path, 'newer');
      const raised = await predict(variant, { environment: go122, projectDirectory: newer });
      assert.equal(raised.selection?.decidedBy, 'toolchain-line');
      assert.equal(raised.selection?.requirement?.toolchainLine, 4);
      assert.equal(raised.selection?.chosen, V123);
      assert.equal(raised.selection?.origin, 'path');
      assertObservationMatches(raised, await observe(variant, go122, newer));

      // An older toolchain line than the running go is ignored.
      const go123 = contextEnvironment(home, { PATH: `${GO123.goroot}/bin:${SYSTEM_PATH}` });
      const older = path.join(home.path, 'older');
      const ignored = await predict(variant, { environment: go123, projectDirectory: older });
      assert.equal(ignored.selection?.switched, false);
      assert.equal(ignored.selection?.chosen, V123);
      assertObservationMatches(ignored, await observe(variant, go123, older));

      // "toolchain default" keeps the running go even below the go line, so module commands fail.
      const pinnedDefault = path.join(home.path, 'default');
      const kept = await predict(variant, { environment: go122, projectDirectory: pinnedDefault });
      assert.equal(kept.selection?.decidedBy, 'toolchain-default');
      assert.equal(kept.selection?.switched, false);
      assert.equal(
        kept.selection?.moduleError,
        `go: go.mod requires go >= ${bare(V123)} (running go ${bare(V122)}; go.mod sets toolchain default)`,
      );
      assertObservationMatches(kept, await observe(variant, go122, pinnedDefault));
    });

    test('go.work decides over go.mod', async (t) => {
      const proxy = await localToolchainProxy();
      const home = await setUpHome(t, variant, {
        'work/go.work': `go ${bare(V123)}\n\nuse ./mod\n`,
        'work/mod/go.mod': moduleFile('go 1.22.0'),
      });
      const environment = contextEnvironment(home, { PATH: `${GO122.goroot}/bin:${SYSTEM_PATH}` }, proxy.url);
      const module = path.join(home.path, 'work/mod');
      const workFile = path.join(home.path, 'work/go.work');

      const workspace = await predict(variant, { environment, projectDirectory: module });
      assert.equal(workspace.project?.workFile, workFile);
      assert.equal(workspace.selection?.requirement?.kind, 'go.work');
      assert.equal(workspace.selection?.chosen, V123);
      assert.equal(workspace.selection?.origin, 'file-proxy');
      const observation = await observe(variant, environment, module);
      assertObservationMatches(workspace, observation);
      assert.equal(observation.goEnv?.GOWORK, workFile);

      const withoutWorkspace = { ...environment, GOWORK: 'off' };
      const moduleOnly = await predict(variant, { environment: withoutWorkspace, projectDirectory: module });
      assert.equal(moduleOnly.project?.workFile, null);
      assert.equal(moduleOnly.selection?.requirement?.kind, 'go.mod');
      assert.equal(moduleOnly.selection?.switched, false);
      assertObservationMatches(moduleOnly, await observe(variant, withoutWorkspace, module));

      const local = { ...environment, GOTOOLCHAIN: 'local' };
      const rejected = await predict(variant, { environment: local, projectDirectory: module });
      assert.equal(
        rejected.selection?.moduleError,
        `go: ../go.work requires go >= ${bare(V123)} (running go ${bare(V122)}; GOTOOLCHAIN=local)`,
      );
      assertObservationMatches(rejected, await observe(variant, local, module));
    });

    test('GOTOOLCHAIN=local rejects newer go line', async (t) => {
      const home = await setUpHome(t, variant, { 'src/proj/go.mod': moduleFile(`go ${bare(V123)}`) });
      const environment = contextEnvironment(home, { PATH: `${GO122.goroot}/bin:${SYSTEM_PATH}`, GOTOOLCHAIN: 'local' });
      const project = path.join(home.path, 'src/proj');
      const prediction = await predict(variant, { environment, projectDirectory: project });

      assert.equal(prediction.selection?.mode, 'local');
      assert.equal(prediction.selection?.switched, false);
      assert.equal(prediction.threeWay.runningVersion, V122);
      assert.equal(
        prediction.selection?.moduleError,
        `go: go.mod requires go >= ${bare(V123)} (running go ${bare(V122)}; GOTOOLCHAIN=local)`,
      );
      assertObservationMatches(prediction, await observe(variant, environment, project));
    });

    test('PATH toolchain of another version is rejected', async (t) => {
      const home = await setUpHome(t, variant, {
        [`sdkbin/${V123}`]: { symlink: GO122.binary },
        'src/proj/go.mod': moduleFile(`go ${bare(V123)}`),
      });
      const environment = contextEnvironment(home, { PATH: `${GO122.goroot}/bin:{HOME}/sdkbin:${SYSTEM_PATH}` });
      const project = path.join(home.path, 'src/proj');
      const prediction = await predict(variant, { environment, projectDirectory: project });

      assert.equal(prediction.selection?.error, `go: toolchain ${V122} invoked to provide ${V123}`);
      assertObservationMatches(prediction, await observe(variant, environment, project));
    });

    test('relative PATH entry is not used for switching', async (t) => {
      const home = await setUpHome(t, variant, {
        [`sdkbin/${V123}`]: { symlink: GO123.binary },
        'go.mod': moduleFile(`go ${bare(V123)}`),
      });
      const environment = contextEnvironment(home, { PATH: `${GO122.goroot}/bin:sdkbin:${SYSTEM_PATH}` });
      const prediction = await predict(variant, { environment, projectDirectory: home.path });

      assert.equal(prediction.selection?.origin, 'none');
      assert.equal(prediction.selection?.error, `go: download ${V123} for ${PLATFORM}: toolchain not available`);
      assert.match(prediction.selection?.reason ?? '', /relative PATH entry/);
      assertObservationMatches(prediction, await observe(variant, environment, home.path));
    });

    test('PATH toolchain the user cannot read', async (t) => {
      const home = await setUpHome(t, variant, { 'src/proj/go.mod': moduleFile(`go ${bare(V123)}`) });
      // Owned by the user running the tests with mode 0700: the test user cannot search it.
      const privateDirectory = path.join(home.path, 'private');
      await fs.mkdir(privateDirectory);
      await fs.chown(privateDirectory, process.getuid!(), process.getgid!());
      await fs.symlink(GO123.binary, path.join(privateDirectory, V123));
      await fs.chmod(privateDirectory, 0o700);
      const environment = contextEnvironment(home, { PATH: `${GO122.goroot}/bin:${privateDirectory}:${SYSTEM_PATH}` });
      const project = path.join(home.path, 'src/proj');
      const prediction = await predict(variant, { environment, projectDirectory: project });

      assert.equal(prediction.selection?.origin, variant.user ? 'none' : 'path');
      assertObservationMatches(prediction, await observe(variant, environment, project));
    });

    test('symlinked go finds its root through the link', async (t) => {
      const home = await setUpHome(t, variant, { 'usr-bin/go': { symlink: GO123.binary } });
      const environment = contextEnvironment(home, { PATH: `{HOME}/usr-bin:${SYSTEM_PATH}` });
      const prediction = await predict(variant, { environment });

      assert.equal(prediction.binary?.path, path.join(home.path, 'usr-bin/go'));
      assert.equal(prediction.binary?.isSymlink, true);
      assert.equal(prediction.binary?.realPath, GO123.binary);
      assert.equal(prediction.goroot?.source, 'executable-location');
      assert.equal(prediction.goroot?.path, GO123.goroot);
      assert.equal(prediction.threeWay.differs, false);
      assert.ok(prediction.threeWay.explanations.some((line) => line.includes('symbolic link')), 'no symlink explanation');
      assertObservationMatches(prediction, await observe(variant, environment, null));
    });

    test('copied trimmed go has no GOROOT', async (t) => {
      const home = await setUpHome(t, variant, {});
      await copyIntoHome(home, GO123.binary, 'bin/go');
      const environment = contextEnvironment(home, { PATH: `{HOME}/bin:${SYSTEM_PATH}` });
      const prediction = await predict(variant, { environment });

      assert.equal(prediction.binary?.trimmed, true);
      assert.equal(prediction.goroot?.source, 'none');
      assert.equal(prediction.selection?.error, "go: cannot find GOROOT directory: 'go' binary is trimmed and GOROOT is not set");
      assertObservationMatches(prediction, await observe(variant, environment, null));
    });

    test('GOROOT in the Go env file also picks go.env', async (t) => {
      const home = await setUpHome(t, variant, {
        '.config/go/env': `GOROOT=${GO122.goroot}\n`,
        'fake-root/go.env': 'GOTOOLCHAIN=local\n',
        'src/proj/go.mod': moduleFile(`go ${bare(V123)}`),
      });
      const environment = contextEnvironment(home, { PATH: `${GO123.goroot}/bin:${SYSTEM_PATH}` });
      const prediction = await predict(variant, { environment });
      assert.equal(prediction.goroot?.source, 'user-env-file');
      assert.equal(prediction.goroot?.line, 1);
      assert.equal(prediction.goroot?.path, GO122.goroot);
      assert.equal(prediction.goroot?.mixedToolchain, true);
      assertObservationMatches(prediction, await observe(variant, environment, null));

      // cmd/go reads go.env from the file's GOROOT even when the environment sets another GOROOT.
      await home.write({ '.config/go/env': `GOROOT=${path.join(home.path, 'fake-root')}\n` });
      const quirk = contextEnvironment(home, { PATH: `${GO122.goroot}/bin:${SYSTEM_PATH}`, GOROOT: GO122.goroot });
      const project = path.join(home.path, 'src/proj');
      const quirkPrediction = await predict(variant, { environment: quirk, projectDirectory: project });
      assert.equal(quirkPrediction.goroot?.path, GO122.goroot);
      assert.equal(quirkPrediction.goroot?.goEnvRoot, path.join(home.path, 'fake-root'));
      assert.equal(quirkPrediction.selection?.gotoolchain.file, path.join(home.path, 'fake-root/go.env'));
      assert.equal(quirkPrediction.selection?.gotoolchain.value, 'local');
      assertObservationMatches(quirkPrediction, await observe(variant, quirk, project));
    });

    test('invalid GOTOOLCHAIN values stop every command', async (t) => {
      const home = await setUpHome(t, variant, {});
      const expected: [string, string][] = [
        ['banana', 'go: invalid GOTOOLCHAIN "banana"'],
        [`${V123}+foo`, `go: invalid GOTOOLCHAIN "${V123}+foo": only version suffixes are +auto and +path`],
        ['banana+auto', 'go: invalid GOTOOLCHAIN "banana+auto": invalid minimum toolchain "banana"'],
        ['go1.22', 'go: invalid toolchain: go1.22 is a language version but not a toolchain version (go1.22.x)'],
      ];
      for (const [value, error] of expected) {
        const environment = contextEnvironment(home, { PATH: `${GO123.goroot}/bin:${SYSTEM_PATH}`, GOTOOLCHAIN: value });
        const prediction = await predict(variant, { environment });
        assert.equal(prediction.selection?.error, error, `GOTOOLCHAIN=${value}`);
        assertObservationMatches(prediction, await observe(variant, environment, null));
      }
    });

    test('language go line means the .0 release', async (t) => {
      const home = await setUpHome(t, variant, { 'src/proj/go.mod': moduleFile('go 1.23') });
      const environment = contextEnvironment(home, { PATH: `${GO122.goroot}/bin:${SYSTEM_PATH}` });
      const project = path.join(home.path, 'src/proj');
      const prediction = await predict(variant, { environment, projectDirectory: project });

      assert.equal(prediction.selection?.printsDownloading, true);
      assert.equal(prediction.selection?.error, `go: download go1.23.0 for ${PLATFORM}: toolchain not available`);
      assertObservationMatches(prediction, await observe(variant, environment, project));
    });

    test('GOTOOLCHAIN=path searches PATH only', async (t) => {
      const home = await setUpHome(t, variant, { 'src/proj/go.mod': moduleFile(`go ${bare(V123)}`) });
      const environment = contextEnvironment(home, { PATH: `${GO122.goroot}/bin:${SYSTEM_PATH}`, GOTOOLCHAIN: 'path' });
      const project = path.join(home.path, 'src/proj');
      const prediction = await predict(variant, { environment, projectDirectory: project });

      assert.equal(prediction.selection?.mode, 'path');
      assert.equal(prediction.selection?.printsDownloading, false);
      assert.equal(prediction.selection?.error, `go: cannot find "${V123}" in PATH`);
      assertObservationMatches(prediction, await observe(variant, environment, project));
    });

    test('GO111MODULE=off disables switching', async (t) => {
      const home = await setUpHome(t, variant, { 'src/proj/go.mod': moduleFile(`go ${bare(V123)}`) });
      const environment = contextEnvironment(home, { PATH: `${GO122.goroot}/bin:${SYSTEM_PATH}`, GO111MODULE: 'off' });
      const project = path.join(home.path, 'src/proj');
      const prediction = await predict(variant, { environment, projectDirectory: project });

      assert.match(prediction.selection?.skipped ?? '', /GO111MODULE=off/);
      assert.equal(prediction.threeWay.runningVersion, V122);
      // go list -m fails in GOPATH mode for reasons unrelated to toolchains, so it is not run.
      assertObservationMatches(prediction, await observe(variant, environment, project, false));
    });

    test('go1.19 ignores GOTOOLCHAIN and rejects new go lines', async (t) => {
      const home = await setUpHome(t, variant, {
        'src/proj/go.mod': moduleFile('go 1.21.0'),
        'src/tool/go.mod': moduleFile(`go 1.19\ntoolchain ${V123}`),
      });
      const environment = contextEnvironment(home, { PATH: `${GO119.goroot}/bin:${SYSTEM_PATH}`, GOTOOLCHAIN: V123 });
      const project = path.join(home.path, 'src/proj');
      const prediction = await predict(variant, { environment, projectDirectory: project });

      assert.match(prediction.selection?.skipped ?? '', /predates toolchain switching/);
      assert.equal(prediction.threeWay.runningVersion, V119);
      assert.equal(prediction.threeWay.goEnvGoroot, GO119.goroot);
      assert.equal(
        prediction.selection?.moduleError,
        `go: errors parsing go.mod:\n${project}/go.mod:3: invalid go version '1.21.0': must match format 1.23`,
      );
      assertObservationMatches(prediction, await observe(variant, environment, project));

      const withToolchain = path.join(home.path, 'src/tool');
      const toolchainLine = await predict(variant, { environment, projectDirectory: withToolchain });
      assert.equal(
        toolchainLine.selection?.moduleError,
        `go: errors parsing go.mod:\n${withToolchain}/go.mod:4: unknown directive: toolchain`,
      );
      assertObservationMatches(toolchainLine, await observe(variant, environment, withToolchain));
    });
  });
}
