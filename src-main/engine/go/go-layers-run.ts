/**
 * Predicts what a full `go env -json` run does with a context's settings, without running it.
 * It makes the checks cmd/go makes before it prints anything, in cmd/go's order, and reports the
 * first one that stops go (with go's own message and exit code). It also reports the toolchain
 * that GOTOOLCHAIN hands the command to.
 */
import path from 'node:path';

import type { GoEnvRunPrediction, GoSettingSource, GoToolchainSwitch } from '../../shared/go-layers.ts';
import { buildcfgVariables, checkArchValue, checkExperiments } from './go-layers-arch.ts';
import { getSetting, osValue, type LayerContext } from './go-layers-context.ts';
import { lookPath, resolveAgainst } from './go-layers-files.ts';
import { goEnvFlagSettings, parseGoBool } from './go-layers-goflags.ts';
import { baseName, cleanPath, isAbsolutePath, joinPath, splitPathList } from './go-layers-paths.ts';
import { goQuote, splitQuoted } from './go-layers-quoted.ts';
import { builtinGoroot, type ResolvedVariables } from './go-layers-variables.ts';
import { compareGoVersions, isAtLeast, isLanguageVersion, versionFromToolchain } from './go-layers-version.ts';

/** Thrown inside the prediction to stop at the first failing check. */
class StopRun {
  constructor(readonly prediction: GoEnvRunPrediction) {}
}

const OS_SOURCE: GoSettingSource = { layer: 'environment' };

/** Predicts the outcome of a full `go env -json` run from the resolved settings. */
export async function predictGoEnvRun(context: LayerContext, resolved: ResolvedVariables): Promise<GoEnvRunPrediction> {
  const warnings: string[] = [];
  const notes: string[] = [];
  const fail = (message: string, exitCode: number, name?: string, source?: GoSettingSource, exact = true): never => {
    throw new StopRun({
      outcome: 'fails',
      exitCode,
      message,
      ...(name && source ? { cause: { name, source } } : {}),
      warnings,
      exact: exact && notes.length === 0,
      ...(notes.length > 0 ? { note: notes.join('; ') } : {}),
    });
  };

  try {
    if (isAtLeast(context.release, 21)) {
      const switched = await selectToolchain(context, resolved, fail, notes);
      if (switched) return { ...switched, warnings };

      await checkGoroot(context, resolved, fail, notes);
      checkGopath(context, resolved, fail, warnings);
      // From go1.23 main() counts the module mode for telemetry (even with telemetry off) before
      // it runs the command, and that looks for go.work, checking GOWORK early.
      if (isAtLeast(context.release, 23) && modulesWillBeEnabled(resolved, [])) {
        failOnWorkFile(context, resolved, fail);
      }
    } else {
      checkGopath(context, resolved, fail, warnings);
      await checkGoroot(context, resolved, fail, notes);
    }
    const flags = checkGoEnvFlags(context, resolved, fail, notes);
    checkBuildcfg(context, resolved, fail);
    checkModules(context, resolved, fail, warnings, notes);
    await checkCostlyVariables(context, resolved, fail, notes, flags.dryRun);
  } catch (error) {
    if (error instanceof StopRun) return error.prediction;
    throw error;
  }
  return {
    outcome: 'ok',
    exitCode: 0,
    message: '',
    warnings,
    exact: notes.length === 0,
    ...(notes.length > 0 ? { note: notes.join('; ') } : {}),
  };
}

type Fail = (message: string, exitCode: number, name?: string, source?: GoSettingSource, exact?: boolean) => never;

/** Reports whether module mode is on when toolchain.Select runs (modload.WillBeEnabled). */
function modulesWillBeEnabled(resolved: ResolvedVariables, notes: string[]): boolean {
  const mode = resolved.variables.get('GO111MODULE')!.value;
  if (mode === '' || mode === 'on') return true;
  if (mode !== 'auto') return false;
  if (resolved.modules === null) {
    notes.push('GO111MODULE=auto depends on a go.mod above the working directory, which was not given');
    return false;
  }
  return resolved.modules.goMod !== '' && resolved.modules.goMod !== '/dev/null';
}

/**
 * Follows toolchain.Select (Go 1.21+): validates GOTOOLCHAIN and decides whether another
 * toolchain runs the command. Returns the prediction when the command switches.
 */
async function selectToolchain(
  context: LayerContext,
  resolved: ResolvedVariables,
  fail: Fail,
  notes: string[],
): Promise<GoEnvRunPrediction | null> {
  if (!modulesWillBeEnabled(resolved, notes)) return null;
  const setting = getSetting(context, 'GOTOOLCHAIN');
  const gotoolchain = setting?.value ?? '';
  if (gotoolchain === '' || !setting) return null;
  let source = setting.source;

  const local = context.input.goVersion.split(/\s/)[0]!;
  let minimum = local;
  let mode = '';
  if (gotoolchain === 'auto' || gotoolchain === 'path') mode = gotoolchain;
  else {
    const plus = gotoolchain.indexOf('+');
    const min = plus >= 0 ? gotoolchain.slice(0, plus) : gotoolchain;
    const suffix = plus >= 0 ? gotoolchain.slice(plus + 1) : '';
    if (min !== 'local') {
      if (versionFromToolchain(min) === null) {
        fail(
          plus >= 0
            ? `go: invalid GOTOOLCHAIN ${goQuote(gotoolchain)}: invalid minimum toolchain ${goQuote(min)}`
            : `go: invalid GOTOOLCHAIN ${goQuote(gotoolchain)}`,
          1,
          'GOTOOLCHAIN',
          source,
        );
      }
      minimum = min;
    }
    if (plus >= 0 && suffix !== 'auto' && suffix !== 'path') {
      fail(
        `go: invalid GOTOOLCHAIN ${goQuote(gotoolchain)}: only version suffixes are +auto and +path`,
        1,
        'GOTOOLCHAIN',
        source,
      );
    }
    mode = suffix;
  }

  if (mode === 'auto' || mode === 'path') {
    // Select reads go.work (or go.mod) for a newer go or toolchain line, and checks GOWORK while
    // it looks. Its "go: " log prefix doubles the one in the message.
    const gowork = getSetting(context, 'GOWORK');
    const workValue = gowork?.value ?? '';
    if (!['', 'off', 'auto'].includes(workValue) && !isAbsolutePath(context.flavor, workValue)) {
      fail('go: go: invalid GOWORK: not an absolute path', 1, 'GOWORK', gowork!.source);
    }
    const raised = await raiseForModuleFile(context, resolved, minimum, fail, notes);
    if (raised !== null) {
      minimum = raised.toolchain;
      source = raised.source;
    }
  }

  const target = osValue(context, 'GOTOOLCHAIN_INTERNAL_SWITCH_VERSION') ?? '';
  if (target !== '') {
    if (target !== local)
      fail(`go: toolchain ${local} invoked to provide ${target}`, 1, 'GOTOOLCHAIN_INTERNAL_SWITCH_VERSION', OS_SOURCE);
    return null;
  }
  if (minimum === 'local' || minimum === local) return null;
  if (!minimum.startsWith('go1') && !minimum.includes('-go1')) {
    fail(`go: invalid GOTOOLCHAIN ${goQuote(minimum)}`, 1, 'GOTOOLCHAIN', source);
  }
  return switchToolchain(context, resolved, minimum, gotoolchain, source, fail, notes);
}

/**
 * Reads the go and toolchain lines of the go.work or go.mod that Select finds from the working
 * directory, and returns the toolchain they ask for when it is newer than `minimum`.
 */
async function raiseForModuleFile(
  context: LayerContext,
  resolved: ResolvedVariables,
  minimum: string,
  fail: Fail,
  notes: string[],
): Promise<{ toolchain: string; source: GoSettingSource } | null> {
  const { input, flavor } = context;
  const modules = resolved.modules;
  if (modules === null) {
    notes.push('GOTOOLCHAIN=auto or path also depends on the go.mod above the working directory, which was not given');
    return null;
  }
  let file = typeof modules.workFile === 'string' ? modules.workFile : '';
  // A GOWORK naming a file that does not exist yet is skipped (go work init creates it).
  const resolvedWork = file === '' ? null : resolveAgainst(flavor, file, input.workingDirectory);
  if (resolvedWork !== null && (await context.fileSystem.stat(resolvedWork))?.kind !== 'file') file = '';
  if (file === '' && modules.goMod !== '/dev/null') file = modules.goMod;
  if (file === '') return null;

  const read = await context.fileSystem.readFile(resolveAgainst(flavor, file, input.workingDirectory) ?? file);
  if ('error' in read) return null;
  const text = new TextDecoder().decode(read.bytes);
  const lookup = (key: string): string => {
    for (const rawLine of text.split('\n')) {
      const line = rawLine.trim();
      if (!line.startsWith(key)) continue;
      const rest = line.slice(key.length);
      if (rest === '' || (rest[0] !== ' ' && rest[0] !== '\t')) continue;
      return rest.split('//')[0]!.trim();
    }
    return '';
  };
  const goLine = lookup('go');
  const toolchainLine = lookup('toolchain');
  if (toolchainLine === 'default') return null;

  let raised: string | null = null;
  let floor = versionFromToolchain(minimum) ?? '';
  if (toolchainLine !== '') {
    const toolchainVersion = versionFromToolchain(toolchainLine);
    if (toolchainVersion === null || (!toolchainLine.startsWith('go') && !toolchainLine.includes('-go'))) {
      const cwd = input.workingDirectory ?? '';
      const relative = cwd === '' ? file : path.relative(cwd, file);
      const displayPath = relative.length < file.length ? relative : file;
      fail(`go: invalid toolchain ${goQuote(toolchainLine)} in ${displayPath}`, 1, 'GOTOOLCHAIN', {
        layer: 'default',
        rule: `the toolchain line of ${file}`,
      });
    }
    if (compareGoVersions(toolchainVersion!, floor) > 0) {
      raised = toolchainLine;
      floor = toolchainVersion!;
    }
  }
  if (goLine !== '' && compareGoVersions(goLine, floor) > 0) {
    // From Go 1.21 a language version such as 1.22 means its first release, go1.22.0.
    raised = `go${goLine}${isLanguageVersion(goLine) && compareGoVersions(goLine, '1.21') >= 0 ? '.0' : ''}`;
  }
  const line = raised === toolchainLine ? 'toolchain' : 'go';
  return raised === null
    ? null
    : { toolchain: raised, source: { layer: 'default', rule: `the ${line} line of ${file}` } };
}

/** Follows toolchain.Exec: a `goX.Y.Z` program on PATH, then the module cache, then a download. */
async function switchToolchain(
  context: LayerContext,
  resolved: ResolvedVariables,
  toolchain: string,
  configured: string,
  source: GoSettingSource,
  fail: Fail,
  notes: string[],
): Promise<GoEnvRunPrediction> {
  const { input } = context;
  const count = Number.parseInt(osValue(context, 'GOTOOLCHAIN_INTERNAL_SWITCH_COUNT') ?? '0', 10) || 0;
  const switchedEnvironment = (goroot: string | null): Record<string, string> => {
    const environment: Record<string, string> = {
      ...input.environment,
      GOTOOLCHAIN_INTERNAL_SWITCH_VERSION: toolchain,
      GOTOOLCHAIN_INTERNAL_SWITCH_COUNT: String(count + 1),
    };
    delete environment.GOROOT;
    if (goroot !== null) environment.GOROOT = goroot;
    return environment;
  };
  const switched = (
    via: GoToolchainSwitch['via'],
    path: string,
    goroot: string | null,
    exact: boolean,
  ): GoEnvRunPrediction => ({
    outcome: 'switches',
    exitCode: null,
    message: via === 'download' ? `go: downloading ${toolchain} (${input.os}/${input.arch})` : '',
    cause: { name: 'GOTOOLCHAIN', source },
    switchTo: { toolchain, via, path, environment: switchedEnvironment(goroot) },
    warnings: [],
    exact: exact && notes.length === 0,
    ...(notes.length > 0 ? { note: notes.join('; ') } : {}),
  });

  if (!context.sameHost) {
    notes.push('whether the toolchain is on PATH is not checked for another OS');
    return switched('download', '', null, false);
  }
  const onPath = await lookPath(toolchain, input.environment, input.workingDirectory, context.fileSystem);
  if (!onPath.failed) return switched('path', onPath.path, null, true);
  if (configured === 'path' || configured.endsWith('+path')) {
    fail(`go: cannot find ${goQuote(toolchain)} in PATH`, 1, 'GOTOOLCHAIN', source);
  }

  // The download goes through the module cache, which must be set and absolute. These errors
  // come from the module loader under Select's "go: " log prefix, so the prefix doubles.
  const moduleCacheVariable = resolved.variables.get('GOMODCACHE')!;
  const moduleCache = moduleCacheVariable.value;
  if (moduleCache === '') {
    fail(
      'go: go: module cache not found: neither GOMODCACHE nor GOPATH is set',
      1,
      'GOMODCACHE',
      moduleCacheVariable.source,
    );
  }
  if (!isAbsolutePath(context.flavor, moduleCache)) {
    fail(
      `go: go: GOMODCACHE entry is relative; must be absolute path: ${goQuote(moduleCache)}.\n`,
      1,
      'GOMODCACHE',
      moduleCacheVariable.source,
    );
  }
  {
    // modfetch uses an unpacked module only when its .ziphash exists and no .partial file is left.
    const version = `v0.0.1-${toolchain}.${input.os}-${input.arch}`;
    const directory = joinPath(context.flavor, moduleCache, 'golang.org', `toolchain@${version}`);
    const downloads = joinPath(context.flavor, moduleCache, 'cache', 'download', 'golang.org', 'toolchain', '@v');
    const resolvePath = (file: string) => resolveAgainst(context.flavor, file, input.workingDirectory);
    const [unpacked, ziphash, partial] = await Promise.all(
      [
        directory,
        joinPath(context.flavor, downloads, `${version}.ziphash`),
        joinPath(context.flavor, downloads, `${version}.partial`),
      ].map(async (file) => {
        const resolvedFile = resolvePath(file);
        return resolvedFile === null ? null : context.fileSystem.stat(resolvedFile);
      }),
    );
    if (unpacked?.kind === 'directory' && ziphash?.kind === 'file' && partial === null) {
      notes.push(
        'go checks a cached toolchain against the checksum database (or a single file:// GOPROXY) before it runs it, which is not checked here',
      );
      return switched('module-cache', directory, directory, false);
    }
  }

  const downloading = `go: downloading ${toolchain} (${input.os}/${input.arch})`;
  const proxy = resolved.variables.get('GOPROXY')!.value;
  const firstProxy = proxy.split(/[,|]/)[0]!.trim();
  if (firstProxy === 'off') {
    const version = versionFromToolchain(toolchain) ?? '';
    if (isLanguageVersion(version) && compareGoVersions(version, '1.21') >= 0) {
      fail(
        `${downloading}\ngo: invalid toolchain: ${toolchain} is a language version but not a toolchain version (${toolchain}.x)`,
        1,
        'GOTOOLCHAIN',
        source,
      );
    }
    fail(
      `${downloading}\ngo: download ${toolchain} for ${input.os}/${input.arch}: toolchain not available`,
      1,
      'GOTOOLCHAIN',
      source,
    );
  }
  notes.push(`go would download ${toolchain} through GOPROXY=${proxy}, and whether that works depends on the network`);
  return switched('download', '', null, false);
}

/** main(): GOROOT must be set (trimmed binaries) and must be a directory. */
async function checkGoroot(
  context: LayerContext,
  resolved: ResolvedVariables,
  fail: Fail,
  notes: string[],
): Promise<void> {
  const { value, source } = resolved.goroot;
  if (value === '') {
    fail("go: cannot find GOROOT directory: 'go' binary is trimmed and GOROOT is not set", 2, 'GOROOT', source);
  }
  const resolvedPath = resolveAgainst(context.flavor, value, context.input.workingDirectory);
  if (resolvedPath === null) {
    notes.push(`GOROOT ${value} is relative and no working directory was given`);
    return;
  }
  const info = await context.fileSystem.stat(resolvedPath);
  if (info === null || info.kind !== 'directory')
    fail(`go: cannot find GOROOT directory: ${value}`, 2, 'GOROOT', source);
}

/** main(): each GOPATH entry must be absolute and must not start with `~`. */
function checkGopath(context: LayerContext, resolved: ResolvedVariables, fail: Fail, warnings: string[]): void {
  const { flavor, release } = context;
  const { value, explicit, source } = resolved.gopath;
  const root = isAtLeast(release, 21) ? resolved.goroot.value : osValue(context, 'GOROOT') || builtinGoroot(context);
  if (cleanPath(flavor, value) === cleanPath(flavor, root)) {
    // NOTE: go1.23 prints the first text and go1.26 the second; Go 1.24 is assumed to be the first with it.
    warnings.push(
      isAtLeast(release, 24)
        ? `warning: both GOPATH and GOROOT are the same directory (${value}); see https://go.dev/wiki/InstallTroubleshooting`
        : `warning: GOPATH set to GOROOT (${value}) has no effect`,
    );
    return;
  }
  for (const entry of splitPathList(flavor, value)) {
    if (entry === '') continue;
    if (entry.startsWith('~')) {
      fail(`go: GOPATH entry cannot start with shell metacharacter '~': ${goQuote(entry)}`, 2, 'GOPATH', source);
    }
    if (!isAbsolutePath(flavor, entry) && explicit) {
      fail(
        `go: GOPATH entry is relative; must be absolute path: ${goQuote(entry)}.\nFor more details see: 'go help gopath'`,
        2,
        'GOPATH',
        source,
      );
    }
  }
}

/** GOFLAGS also sets `go env`'s own flags (-json, -u, -w, and from Go 1.21 -C, -n, -x, -changed). */
function checkGoEnvFlags(
  context: LayerContext,
  resolved: ResolvedVariables,
  fail: Fail,
  notes: string[],
): { dryRun: boolean } {
  const { release } = context;
  const goflags = resolved.variables.get('GOFLAGS')!;
  const where = context.input.os === 'windows' ? '%GOFLAGS%' : '$GOFLAGS';
  const usage = isAtLeast(release, 23)
    ? 'usage: go env [-json] [-changed] [-u] [-w] [var ...]'
    : 'usage: go env [-json] [-u] [-w] [var ...]';
  const set = new Map<string, boolean>();
  for (const setting of goEnvFlagSettings(goflags.value, release)) {
    if (setting.name === 'C') {
      fail(
        setting.hasValue
          ? `go: invalid value ${goQuote(setting.value)} for flag ${setting.writtenName} (from ${where}): -C flag must be first flag on command line\n${usage}`
          : `go: flag needs an argument: ${setting.writtenName} (from ${where})\n${usage}`,
        2,
        'GOFLAGS',
        goflags.source,
      );
    }
    const value = setting.hasValue ? parseGoBool(setting.value) : true;
    if (value === null) {
      fail(
        `go: invalid boolean value ${goQuote(setting.value)} for flag ${setting.writtenName} (from ${where}): parse error\n${usage}`,
        2,
        'GOFLAGS',
        goflags.source,
      );
    }
    set.set(setting.name, value!);
  }
  if (set.get('u')) fail('go: cannot use -json with -u', 1, 'GOFLAGS', goflags.source);
  if (set.get('w')) fail('go: cannot use -json with -w', 1, 'GOFLAGS', goflags.source);
  if (set.get('changed'))
    notes.push('GOFLAGS has -changed, so go env -json prints only the variables it counts as changed');
  if (set.get('x') || set.get('n'))
    notes.push('GOFLAGS has -x or -n, so go env also prints the commands it runs for the C compiler');
  return { dryRun: set.get('n') === true };
}

/** buildcfg.Check on the OS environment, then the GOEXPERIMENT check on all layers. */
function checkBuildcfg(context: LayerContext, resolved: ResolvedVariables, fail: Fail): void {
  const { release, facts } = context;
  let error: { name: string; message: string } | null = null;
  for (const name of buildcfgVariables(release)) {
    const value = osValue(context, name) || (name === 'GOWASM' ? '' : (facts.defaults[name] ?? ''));
    const message = checkArchValue(name, value, release);
    if (name === 'GOARM64') {
      // buildcfg assigns the GOARM64 result to its error variable, which drops any earlier error
      // (go1.23 and go1.26 accept GOAMD64=v9 this way).
      error = message ? { name, message } : null;
    } else if (message) error = { name, message };
  }
  const osExperiment = osValue(context, 'GOEXPERIMENT') || facts.defaults.GOEXPERIMENT || '';
  const osExperimentError = checkExperiments(osExperiment, facts.experiments);
  if (osExperimentError) error = { name: 'GOEXPERIMENT', message: osExperimentError };
  if (error) fail(`go: ${error.message}`, 2, error.name, OS_SOURCE);

  const experiment = resolved.variables.get('GOEXPERIMENT')!;
  const experimentError = checkExperiments(experiment.value, facts.experiments);
  if (experimentError) fail(`go: ${experimentError}`, 1, 'GOEXPERIMENT', experiment.source);
}

/** modload.Init and InitWorkfile: GO111MODULE, $GOPATH/go.mod (Go 1.19) and GOWORK. */
function checkModules(
  context: LayerContext,
  resolved: ResolvedVariables,
  fail: Fail,
  warnings: string[],
  notes: string[],
): void {
  const mode = resolved.variables.get('GO111MODULE')!;
  if (!['', 'on', 'off', 'auto'].includes(mode.value)) {
    fail(`go: unknown environment setting GO111MODULE=${mode.value}`, 1, 'GO111MODULE', mode.source);
  }
  const modules = resolved.modules;
  if (modules === null) {
    notes.push('GOMOD and GOWORK checks need the working directory');
    return;
  }
  if (!isAtLeast(context.release, 20) && modules.modulesEnabled && modules.gopathGoModExists) {
    fail('$GOPATH/go.mod exists but should not', 1, 'GOPATH', resolved.gopath.source);
  }
  warnings.push(...modules.warnings);
  failOnWorkFile(context, resolved, fail);
}

/** Stops at a GOWORK that is neither off, auto nor an absolute path. */
function failOnWorkFile(context: LayerContext, resolved: ResolvedVariables, fail: Fail): void {
  const workFile = resolved.modules?.workFile;
  if (workFile === undefined || typeof workFile === 'string') return;
  const gowork = getSetting(context, 'GOWORK');
  fail(workFile.error, 1, 'GOWORK', gowork?.source ?? OS_SOURCE);
}

/**
 * Checks what a full `go env` needs for its C compiler variables. These are the CC/CXX/FC checks
 * of work.BuildInit (Go 1.22+), the GOTMPDIR work directory, the GOOS/GOARCH pair, the parsing
 * of CGO_*FLAGS, CC and PKG_CONFIG, and the build cache for the C compiler probes (Go 1.22+).
 */
async function checkCostlyVariables(
  context: LayerContext,
  resolved: ResolvedVariables,
  fail: Fail,
  notes: string[],
  dryRun: boolean,
): Promise<void> {
  const { release, flavor, facts, input } = context;
  // NOTE: go1.22 runs work.BuildInit and caches the C compiler probes; go1.19 does neither. Go
  // 1.22 is assumed to be the first, since the build-cache requirement is documented from 1.22.
  const modern = isAtLeast(release, 22);
  if (modern) {
    for (const name of ['CC', 'CXX', 'FC']) {
      const setting = getSetting(context, name);
      const split = splitQuoted(setting?.value ?? '');
      if ('error' in split)
        fail(`go: ${name} environment variable could not be parsed: ${split.error}`, 1, name, setting!.source);
      const first = 'fields' in split ? split.fields[0] : undefined;
      if (first === undefined) continue;
      if (!isAbsolutePath(flavor, first) && first !== baseName(flavor, first)) {
        fail(
          `go: ${name} environment variable is relative; must be absolute path: ${first}\n`,
          1,
          name,
          setting!.source,
        );
      }
    }
  }

  // NewBuilder creates its work directory before it checks the GOOS/GOARCH pair.
  const tmpdir = getSetting(context, 'GOTMPDIR');
  if (!dryRun && tmpdir && tmpdir.value !== '') {
    const resolvedPath = resolveAgainst(flavor, tmpdir.value, input.workingDirectory);
    const info = resolvedPath === null ? undefined : await context.fileSystem.stat(resolvedPath);
    if (info === null)
      fail(`go: creating work dir: stat ${tmpdir.value}: no such file or directory`, 1, 'GOTMPDIR', tmpdir.source);
    if (info !== undefined && info.kind !== 'directory') {
      fail(
        `go: creating work dir: mkdir ${tmpdir.value}/go-build…: not a directory`,
        1,
        'GOTMPDIR',
        tmpdir.source,
        false,
      );
    }
  }

  const pair = `${resolved.goos.value}/${resolved.goarch.value}`;
  if (facts.osArchPairs === null) notes.push('the list of GOOS/GOARCH pairs is not available in this Go tree');
  else if (!facts.osArchPairs.has(pair)) {
    const cause = resolved.goos.value !== input.os ? resolved.goos : resolved.goarch;
    fail(`go: unsupported GOOS/GOARCH pair ${pair}`, 2, cause === resolved.goos ? 'GOOS' : 'GOARCH', cause.source);
  }

  const flagPanic = resolved.costlyPanics.find((panic) => panic.name !== 'PKG_CONFIG');
  if (flagPanic) fail(flagPanic.message, 2, flagPanic.name, resolved.variables.get(flagPanic.name)!.source);

  const cc = resolved.variables.get('CC')!;
  const ccWords = splitQuoted(cc.value);
  if ('error' in ccWords) {
    // Go 1.22+ stopped earlier, in the CC check of work.BuildInit.
    fail(
      `panic: could not parse environment variable CC with value ${goQuote(cc.value)}: ${ccWords.error}`,
      2,
      'CC',
      cc.source,
    );
  } else if (ccWords.fields.length === 0) {
    // A CC of only white space is set but has no program name; the C compiler probe indexes it.
    fail('panic: runtime error: index out of range [0] with length 0', 2, 'CC', cc.source);
  }
  if (modern && !dryRun && resolved.cacheError !== null) {
    if (resolved.compilerFound === null) notes.push('whether the C compiler is on PATH is not checked for another OS');
    else if (resolved.compilerFound) fail(resolved.cacheError, 1, 'GOCACHE', resolved.variables.get('GOCACHE')!.source);
  }

  const pkgPanic = resolved.costlyPanics.find((panic) => panic.name === 'PKG_CONFIG');
  if (pkgPanic) fail(pkgPanic.message, 2, 'PKG_CONFIG', resolved.variables.get('PKG_CONFIG')!.source);
}
