/**
 * Computes Go's own settings layers for one context without running `go`. For every variable
 * `go env -json` prints, the report gives the effective value and the layer that supplied it: the
 * OS environment, the user's Go env file, `$GOROOT/go.env`, or a built-in default. It also lists
 * the values those layers hide, empty values and whether they clear anything, a judgement of
 * every Go env file line, and what a `go env -json` run would do.
 *
 * The rules follow cmd/go of the running release, checked against go1.19, go1.22, go1.23 and
 * go1.26. The engine reads the Go env files with the exact cmd/go parser, so the report also
 * works when a bad line makes every go command fail.
 */
import { parseGoEnvFile } from '../../shared/go-env-file.ts';
import type {
  GoBlankSetting,
  GoEnvFileState,
  GoLayeredVariable,
  GoLayersInput,
  GoLayersReport,
  GoShadowedSetting,
  GoSettingSource,
} from '../../shared/go-layers.ts';
import { knownEnvironmentKeys, validateSettings } from './go-env-validate.ts';
import { getSetting, osValue, type LayerContext, type LoadedEnvFile } from './go-layers-context.ts';
import { localFileSystem, resolveAgainst, type GoLayersFileSystem } from './go-layers-files.ts';
import { cleanPath, joinPath, pathFlavorOf, userConfigDirectory } from './go-layers-paths.ts';
import { predictGoEnvRun } from './go-layers-run.ts';
import { readToolchainFacts } from './go-layers-toolchain-facts.ts';
import { describeSource, resolveVariables } from './go-layers-variables.ts';
import { isAtLeast, parseGoRelease } from './go-layers-version.ts';

export interface ComputeGoLayersOptions {
  /** The file system to read from, the local one by default. */
  fileSystem?: GoLayersFileSystem;
}

/** Computes the Go settings layers of one context for the `go` binary described by `input`. */
export async function computeGoLayers(
  input: GoLayersInput,
  options: ComputeGoLayersOptions = {},
): Promise<GoLayersReport> {
  const fileSystem = options.fileSystem ?? localFileSystem;
  const release = parseGoRelease(input.goVersion);
  const flavor = pathFlavorOf(input.os);
  const facts = await readToolchainFacts(input.goroot, release, fileSystem);

  const context: LayerContext = {
    input,
    release,
    flavor,
    facts,
    fileSystem,
    envFileState: { path: null, status: 'no-location', detail: '' },
    envFile: null,
    gorootEnvFile: null,
    gorootEnvFileState: { path: null, status: 'not-used', detail: 'Go before 1.21 has no $GOROOT/go.env' },
    sameHost: hostOs() === input.os,
  };

  const envFileLocation = locateEnvFile(context);
  const envFile = await loadEnvFile(context, envFileLocation);
  context.envFileState = envFile.state;
  context.envFile = envFile.file;

  if (isAtLeast(release, 21)) {
    const gorootEnv = await loadEnvFile(context, locateGorootEnvFile(context));
    context.gorootEnvFileState = gorootEnv.state;
    context.gorootEnvFile = gorootEnv.file;
  }

  const resolved = await resolveVariables(context);
  const variables = [...resolved.variables.values()].sort(byName);
  const goEnv = await predictGoEnvRun(context, resolved);

  return {
    goVersion: input.goVersion,
    os: input.os,
    arch: input.arch,
    envFile: context.envFileState,
    gorootEnvFile: context.gorootEnvFileState,
    variables,
    namedOnlyVariables: namedOnlyVariables(context, resolved.variables),
    shadowed: shadowedSettings(context),
    blankSettings: blankSettings(context, resolved.variables),
    findings: await validateSettings(context),
    goEnv,
  };
}

function byName(left: { name: string }, right: { name: string }): number {
  if (left.name === right.name) return 0;
  return left.name < right.name ? -1 : 1;
}

/** Maps Node's platform name to GOOS, or null for platforms the engine does not compute paths for. */
function hostOs(): GoLayersInput['os'] | null {
  const platforms: Record<string, GoLayersInput['os']> = {
    linux: 'linux',
    darwin: 'darwin',
    win32: 'windows',
    freebsd: 'freebsd',
    openbsd: 'openbsd',
    netbsd: 'netbsd',
  };
  return platforms[process.platform] ?? null;
}

interface FileLocation {
  /** The path as go names it, or null when there is no file. */
  path: string | null;
  state: GoEnvFileState;
}

/**
 * Finds the Go env file like cmd/go's cfg.EnvFile: a non-empty GOENV (where `off` disables the
 * file), otherwise go/env in the user config directory.
 */
function locateEnvFile(context: LayerContext): FileLocation {
  const { input, release, flavor } = context;
  const goenv = osValue(context, 'GOENV') ?? '';
  if (goenv === 'off') {
    return {
      path: null,
      state: { path: null, status: 'disabled', detail: 'GOENV=off in the environment turns the Go env file off' },
    };
  }
  if (goenv !== '') {
    return { path: goenv, state: { path: goenv, status: 'read', detail: 'GOENV in the environment names the file' } };
  }
  const directory = userConfigDirectory(input.os, input.environment, release);
  if ('error' in directory) {
    return {
      path: null,
      state: { path: null, status: 'no-location', detail: `there is no user config directory: ${directory.error}` },
    };
  }
  const path = joinPath(flavor, directory.directory, 'go/env');
  const rule =
    input.os === 'windows'
      ? '%AppData%\\go\\env'
      : input.os === 'darwin'
        ? '$HOME/Library/Application Support/go/env'
        : osValue(context, 'XDG_CONFIG_HOME')
          ? '$XDG_CONFIG_HOME/go/env'
          : '$HOME/.config/go/env';
  return { path, state: { path, status: 'read', detail: `${rule} (go env -w writes here)` } };
}

/**
 * Finds `$GOROOT/go.env` the way Go 1.21+ does: it tries the Go env file's GOROOT before the
 * OS environment's, so a GOROOT line in the file picks go.env even when an exported GOROOT wins.
 */
function locateGorootEnvFile(context: LayerContext): FileLocation {
  const { flavor, input } = context;
  const fromFile = context.envFile?.parsed.effective.get('GOROOT')?.value ?? '';
  const fromOs = osValue(context, 'GOROOT') ?? '';
  const root = fromFile !== '' ? cleanPath(flavor, fromFile) : fromOs !== '' ? cleanPath(flavor, fromOs) : input.goroot;
  const path = joinPath(flavor, root, 'go.env');
  const detail =
    fromFile !== ''
      ? 'go.env in the GOROOT set in the Go env file'
      : fromOs !== ''
        ? 'go.env in the GOROOT set in the environment'
        : 'go.env in the Go root that contains the go binary';
  return { path, state: { path, status: 'read', detail } };
}

async function loadEnvFile(
  context: LayerContext,
  location: FileLocation,
): Promise<{ state: GoEnvFileState; file: LoadedEnvFile | null }> {
  if (location.path === null) return { state: location.state, file: null };
  const resolved = resolveAgainst(context.flavor, location.path, context.input.workingDirectory);
  if (resolved === null) {
    return {
      state: {
        ...location.state,
        status: 'no-location',
        detail: `${location.state.detail}, but the path is relative and no working directory was given`,
      },
      file: null,
    };
  }
  const read = await context.fileSystem.readFile(resolved);
  if ('error' in read) {
    const detail =
      read.error === 'missing'
        ? 'the file does not exist'
        : read.error === 'not-a-file'
          ? 'the path is a directory, which go ignores when reading (go env -w fails on it)'
          : `go cannot read it and silently ignores it (${read.message})`;
    return {
      state: { ...location.state, status: read.error, detail: `${location.state.detail}, but ${detail}` },
      file: null,
    };
  }
  // Keep a byte order mark: cmd/go does not strip it, so the first line fails the A-Z test.
  const text = new TextDecoder('utf-8', { ignoreBOM: true }).decode(read.bytes);
  return {
    state: location.state,
    file: { path: location.path, parsed: parseGoEnvFile(text), invalidUtf8Lines: invalidUtf8Lines(read.bytes) },
  };
}

/** Returns the 1-based numbers of lines that are not valid UTF-8. */
function invalidUtf8Lines(bytes: Uint8Array): number[] {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const lines: number[] = [];
  let start = 0;
  let line = 1;
  for (let index = 0; index <= bytes.length; index++) {
    if (index < bytes.length && bytes[index] !== 0x0a) continue;
    try {
      decoder.decode(bytes.subarray(start, index));
    } catch {
      lines.push(line);
    }
    start = index + 1;
    line++;
  }
  return lines;
}

/**
 * Variables `go env NAME` prints although `go env -json` does not list them. From Go 1.21 that
 * is any key go reads through cfg.Getenv and every key present in either env file.
 */
function namedOnlyVariables(context: LayerContext, listed: Map<string, GoLayeredVariable>): GoLayeredVariable[] {
  if (!isAtLeast(context.release, 21)) return [];
  const names = new Set(knownEnvironmentKeys(context.release));
  for (const key of context.envFile?.parsed.effective.keys() ?? []) names.add(key);
  for (const key of context.gorootEnvFile?.parsed.effective.keys() ?? []) names.add(key);
  const result: GoLayeredVariable[] = [];
  for (const name of names) {
    if (listed.has(name)) continue;
    const setting = getSetting(context, name);
    result.push({
      name,
      value: setting?.value ?? '',
      source: setting?.source ?? { layer: 'default', rule: 'unset' },
      exact: true,
    });
  }
  return result.sort(byName);
}

/** Settings in lower layers, and earlier duplicate lines, that go does not use. */
function shadowedSettings(context: LayerContext): GoShadowedSetting[] {
  const shadowed: GoShadowedSetting[] = [];
  const files = [context.envFile, isAtLeast(context.release, 21) ? context.gorootEnvFile : null];
  for (const file of files) {
    if (!file) continue;
    const layer = file === context.envFile ? 'env-file' : 'goroot-go.env';
    for (const entry of file.parsed.entries) {
      const source: GoSettingSource = { layer, path: file.path, line: entry.line };
      const winnerEntry = file.parsed.effective.get(entry.key)!;
      if (winnerEntry !== entry) {
        shadowed.push({
          name: entry.key,
          value: entry.value,
          source,
          winner: { layer, path: file.path, line: winnerEntry.line },
          winningValue: winnerEntry.value,
          reason: 'later-line-wins',
          explanation: `line ${winnerEntry.line} sets ${entry.key} again, and go uses the last line for a key`,
        });
        continue;
      }
      if (entry.key === 'GOENV' || entry.key === 'GODEBUG') continue;
      if (layer === 'goroot-go.env' && entry.key === 'GOROOT') continue;
      const fromOs = osValue(context, entry.key) ?? '';
      const userEntry = context.envFile?.parsed.effective.get(entry.key);
      if (layer === 'goroot-go.env' && userEntry && context.envFile) {
        shadowed.push({
          name: entry.key,
          value: entry.value,
          source,
          winner: { layer: 'env-file', path: context.envFile.path, line: userEntry.line },
          winningValue: userEntry.value,
          reason: 'overridden-by-env-file',
          explanation:
            userEntry.value === ''
              ? `the Go env file sets ${entry.key} to empty on line ${userEntry.line}, which hides this go.env value and leaves the built-in default`
              : `the Go env file sets ${entry.key} on line ${userEntry.line}, and $GOROOT/go.env only fills keys the Go env file lacks`,
        });
        continue;
      }
      if (fromOs === '') continue;
      const explanation =
        entry.key === 'GOROOT' && layer === 'env-file'
          ? isAtLeast(context.release, 21)
            ? 'the exported GOROOT wins, but go still looks for go.env in the GOROOT of this line'
            : 'the exported GOROOT wins'
          : fromOs === entry.value
            ? 'the same value is exported in the environment, which wins'
            : `the exported ${entry.key} wins: a non-empty OS variable overrides the Go env file and go.env ` +
              `(go env -w warns "does not override conflicting OS environment variable")`;
      shadowed.push({
        name: entry.key,
        value: entry.value,
        source,
        winner: { layer: 'environment' },
        winningValue: fromOs,
        reason: 'overridden-by-environment',
        explanation,
      });
    }
  }
  return shadowed;
}

/**
 * Lists empty and blank values. An empty OS variable counts as unset in every checked release
 * (go1.19 to go1.26), so it never clears a Go env file value. A value of only spaces is not empty,
 * so it does override. An empty line in the Go env file hides `$GOROOT/go.env` (Go 1.21+), and
 * then the built-in default applies.
 */
function blankSettings(context: LayerContext, variables: Map<string, GoLayeredVariable>): GoBlankSetting[] {
  const blanks: GoBlankSetting[] = [];
  const names = new Set([...variables.keys(), ...knownEnvironmentKeys(context.release), 'GOENV', 'GODEBUG']);
  for (const key of context.envFile?.parsed.effective.keys() ?? []) names.add(key);

  const effectiveOf = (name: string): { value: string; source: GoSettingSource } => {
    const variable = variables.get(name);
    if (variable) return { value: variable.value, source: variable.source };
    const setting = getSetting(context, name);
    return setting ?? { value: '', source: { layer: 'default', rule: 'unset' } };
  };

  for (const name of [...names].sort()) {
    const fromOs = osValue(context, name);
    if (fromOs === undefined || fromOs.trim() !== '') continue;
    const effective = effectiveOf(name);
    if (fromOs === '') {
      blanks.push({
        name,
        value: '',
        source: { layer: 'environment' },
        effect: 'ignored',
        effectiveSource: effective.source,
        effectiveValue: effective.value,
        explanation:
          `${name} is exported empty, but go treats an empty variable as unset, so it does not clear a lower layer: ` +
          `go uses ${JSON.stringify(effective.value)} ${describeSource(effective.source)}` +
          (effective.source.layer === 'env-file' ? `. To clear it, delete that line (go env -u ${name})` : ''),
      });
    } else {
      blanks.push({
        name,
        value: fromOs,
        source: { layer: 'environment' },
        effect: 'overrides',
        effectiveSource: { layer: 'environment' },
        effectiveValue: effective.value,
        explanation: `${name} is exported as white space only, which is not empty, so it overrides the Go env file and go.env`,
      });
    }
  }

  const file = context.envFile;
  for (const [name, entry] of file?.parsed.effective ?? []) {
    if (entry.value !== '' || !file) continue;
    if ((osValue(context, name) ?? '') !== '') continue;
    const rootEntry = isAtLeast(context.release, 21) ? context.gorootEnvFile?.parsed.effective.get(name) : undefined;
    const effective = effectiveOf(name);
    blanks.push({
      name,
      value: '',
      source: { layer: 'env-file', path: file.path, line: entry.line },
      effect: rootEntry && context.gorootEnvFile ? 'hides-goroot-go.env' : 'ignored',
      effectiveSource: effective.source,
      effectiveValue: effective.value,
      explanation:
        rootEntry && context.gorootEnvFile
          ? `the empty ${name} line hides ${name}=${rootEntry.value} in ${context.gorootEnvFile.path}, so go uses ` +
            `${JSON.stringify(effective.value)} ${describeSource(effective.source)}`
          : `an empty value counts as unset, so go uses ${JSON.stringify(effective.value)} ${describeSource(effective.source)}`,
    });
  }
  return blanks;
}
