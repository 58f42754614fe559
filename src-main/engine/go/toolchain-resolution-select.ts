/**
 * Predicts the toolchain selection cmd/go makes at startup (`toolchain.Select` in the Go 1.21-1.26
 * source). GOTOOLCHAIN gives a minimum toolchain and a mode. In `auto` and `path` mode, the `go`
 * and `toolchain` lines of go.work or go.mod can raise the minimum. A toolchain other than the
 * running one is then looked up on PATH, in the module cache, or through GOPROXY.
 */
import path from 'node:path';

import type {
  GoBinaryOnPath,
  GoModLines,
  GoSettingValue,
  GotoolchainMode,
  ProjectGoFiles,
  ToolchainSelection,
} from '../../shared/go-toolchain-resolution.ts';
import { planToolchainFetch } from './toolchain-resolution-fetch.ts';
import { describeSetting } from './toolchain-resolution-settings.ts';
import { compareGoVersions, isLanguageVersion, versionOfToolchainName } from './toolchain-resolution-version.ts';

export interface SelectionInput {
  binary: GoBinaryOnPath;
  gotoolchain: GoSettingValue;
  project: ProjectGoFiles;
  /** Plain-language reason for an empty GOTOOLCHAIN, e.g. a GOROOT without go.env. */
  emptyGotoolchainReason: string;
  setting: (name: string) => GoSettingValue;
  environment: Record<string, string | undefined>;
  workingDirectory: string;
}

interface ParsedGotoolchain {
  mode: GotoolchainMode;
  /** The minimum toolchain name; the local one for `local`, `auto` and `path`. */
  minimum: string;
  minimumVersion: string;
}

/** Predicts which toolchain runs a go command started in `input.workingDirectory`. */
export async function selectToolchain(input: SelectionInput): Promise<ToolchainSelection> {
  const { binary, gotoolchain, project } = input;
  const local = binary.version;
  const selection: ToolchainSelection = {
    gotoolchain,
    skipped: null,
    mode: null,
    localToolchain: local,
    minimumToolchain: local,
    requirement: null,
    decidedBy: 'gotoolchain',
    chosen: local,
    switched: false,
    origin: 'running-binary',
    executable: binary.path,
    moduleCacheDirectory: null,
    downloadFrom: null,
    printsDownloading: false,
    checksumDatabase: null,
    error: null,
    moduleError: null,
    reason: '',
  };

  const skipped = skipReason(input);
  if (skipped !== null) {
    selection.skipped = skipped;
    selection.reason = `${skipped} The go on PATH, ${local ?? binary.path}, runs every command itself.`;
    selection.moduleError = tooNewModuleError(selection, project, input.workingDirectory, null);
    return selection;
  }

  const localVersion = versionOfToolchainName(local!)!;
  const parsed = parseGotoolchain(gotoolchain.value, local!, localVersion);
  if ('error' in parsed) {
    return { ...selection, chosen: null, origin: 'none', executable: null, error: parsed.error, reason: parsed.error };
  }
  selection.mode = parsed.mode;
  selection.minimumToolchain = parsed.minimum;
  let chosen = parsed.minimum;
  let chosenVersion = parsed.minimumVersion;
  const reasons: string[] = [`${describeSetting(gotoolchain)}: ${modeSentence(parsed, local!)}`];
  let autoToolchainLine: string | null = null;
  let autoGoLine: string | null = null;

  if (parsed.mode === 'auto' || parsed.mode === 'path') {
    if (project.goworkError) {
      return { ...selection, chosen: null, origin: 'none', executable: null, error: project.goworkError, reason: project.goworkError };
    }
    const requirement = project.deciding;
    selection.requirement = requirement;
    if (requirement === null) {
      reasons.push('No go.work or go.mod is found from the working directory, so nothing raises the minimum.');
    } else if (requirement.toolchain === 'default') {
      autoToolchainLine = 'default';
      selection.decidedBy = 'toolchain-default';
      reasons.push(`${lineReference(requirement.file, requirement.toolchainLine)} says "toolchain default", which keeps ${chosen}.`);
    } else {
      if (requirement.toolchain) {
        const toolchainVersion = versionOfToolchainName(requirement.toolchain);
        const named = requirement.toolchain.startsWith('go') || requirement.toolchain.includes('-go');
        if (toolchainVersion === null || !named) {
          const error = `go: invalid toolchain "${requirement.toolchain}" in ${shortPath(requirement.file, input.workingDirectory)}`;
          return { ...selection, chosen: null, origin: 'none', executable: null, error, reason: error };
        }
        if (compareGoVersions(toolchainVersion, chosenVersion) > 0) {
          chosen = requirement.toolchain;
          chosenVersion = toolchainVersion;
          autoToolchainLine = requirement.toolchain;
          selection.decidedBy = 'toolchain-line';
          reasons.push(`${lineReference(requirement.file, requirement.toolchainLine)} asks for ${requirement.toolchain}, newer than the minimum.`);
        } else {
          reasons.push(
            `${lineReference(requirement.file, requirement.toolchainLine)} asks for ${requirement.toolchain}, which is not ` +
              `newer than ${chosen}, so it is ignored.`,
          );
        }
      }
      const goVersion = requirement.goVersion ?? '';
      if (compareGoVersions(goVersion, chosenVersion) > 0) {
        chosen = `go${goVersion}`;
        // A language version such as 1.23 means its first release, go1.23.0 (Go 1.21 and later).
        if (isLanguageVersion(goVersion) && compareGoVersions(goVersion, '1.21') >= 0) chosen += '.0';
        chosenVersion = goVersion;
        autoGoLine = goVersion;
        autoToolchainLine = null;
        selection.decidedBy = 'go-line';
        reasons.push(`${lineReference(requirement.file, requirement.goLine)} requires go ${goVersion}, so go switches to ${chosen}.`);
      } else if (requirement.goVersion) {
        reasons.push(`${lineReference(requirement.file, requirement.goLine)} requires go ${goVersion}, which ${chosen} satisfies.`);
      }
    }
  }

  selection.chosen = chosen;
  if (chosen === 'local' || chosen === local) {
    selection.chosen = local;
    selection.reason = reasons.join(' ');
    selection.moduleError = tooNewModuleError(selection, project, input.workingDirectory, { autoToolchainLine, autoGoLine });
    return selection;
  }
  if (!chosen.startsWith('go1') && !chosen.includes('-go1')) {
    const error = `go: invalid GOTOOLCHAIN "${chosen}"`;
    return { ...selection, chosen: null, origin: 'none', executable: null, error, reason: error };
  }

  selection.switched = true;
  const fetch = await planToolchainFetch({
    toolchain: chosen,
    goos: binary.goos ?? 'linux',
    goarch: binary.goarch ?? 'amd64',
    pathOnly: parsed.mode === 'path',
    searchPath: input.environment.PATH ?? '',
    workingDirectory: input.workingDirectory,
    home: input.environment.HOME,
    setting: input.setting,
  });
  reasons.push(...fetch.steps);
  Object.assign(selection, {
    origin: fetch.origin,
    executable: fetch.executable,
    moduleCacheDirectory: fetch.moduleCacheDirectory,
    downloadFrom: fetch.downloadFrom,
    printsDownloading: fetch.printsDownloading,
    checksumDatabase: fetch.checksumDatabase,
    error: fetch.error,
    reason: reasons.join(' '),
  });
  if (fetch.error) selection.chosen = null;
  else selection.moduleError = tooNewModuleError(selection, project, input.workingDirectory, { autoToolchainLine, autoGoLine });
  return selection;
}

/** Returns why cmd/go skips GOTOOLCHAIN entirely, or null when it consults it. */
function skipReason(input: SelectionInput): string | null {
  const { binary, gotoolchain, project } = input;
  if (binary.version === null) {
    return `${binary.realPath} has no readable Go build information, so its version and any switch cannot be predicted.`;
  }
  const localVersion = versionOfToolchainName(binary.version);
  if (localVersion === null) return `${binary.version} is not a release version, so it is treated as the local toolchain.`;
  if (compareGoVersions(localVersion, '1.21') < 0) {
    return `${binary.version} predates toolchain switching (Go 1.21), so GOTOOLCHAIN has no effect.`;
  }
  const go111module = input.setting('GO111MODULE');
  if (go111module.value === 'off') {
    return `${describeSetting(go111module)} turns modules off, and toolchain switching with them.`;
  }
  if (go111module.value === 'auto' && project.moduleFile === null) {
    return `${describeSetting(go111module)} and no go.mod is found, so modules and toolchain switching are off here.`;
  }
  if (!['', 'on', 'auto'].includes(go111module.value)) {
    return (
      `${describeSetting(go111module)} is not a valid value, so go skips toolchain switching and then stops ` +
      `module commands with "go: unknown environment setting GO111MODULE=${go111module.value}".`
    );
  }
  if (gotoolchain.value === '') return `GOTOOLCHAIN is empty (${input.emptyGotoolchainReason}), which disables switching.`;
  return null;
}

/** Parses a GOTOOLCHAIN value as `toolchain.Select` does; returns the exact error text for invalid values. */
function parseGotoolchain(
  value: string,
  local: string,
  localVersion: string,
): ParsedGotoolchain | { error: string } {
  if (value === 'auto' || value === 'path') return { mode: value, minimum: local, minimumVersion: localVersion };
  const plus = value.indexOf('+');
  const name = plus < 0 ? value : value.slice(0, plus);
  const suffix = plus < 0 ? '' : value.slice(plus + 1);
  let minimum = local;
  let minimumVersion = localVersion;
  if (name !== 'local') {
    const version = versionOfToolchainName(name);
    if (version === null) {
      return plus < 0
        ? { error: `go: invalid GOTOOLCHAIN "${value}"` }
        : { error: `go: invalid GOTOOLCHAIN "${value}": invalid minimum toolchain "${name}"` };
    }
    minimum = name;
    minimumVersion = version;
  }
  if (plus >= 0 && suffix !== 'auto' && suffix !== 'path') {
    return { error: `go: invalid GOTOOLCHAIN "${value}": only version suffixes are +auto and +path` };
  }
  let mode: GotoolchainMode;
  if (suffix === 'auto' || suffix === 'path') mode = suffix;
  else mode = name === 'local' ? 'local' : 'pinned';
  return { mode, minimum, minimumVersion };
}

function modeSentence(parsed: ParsedGotoolchain, local: string): string {
  switch (parsed.mode) {
    case 'local':
      return `always run the go on PATH (${local}).`;
    case 'pinned':
      return `always run ${parsed.minimum}, whatever go.mod says.`;
    case 'auto':
      return `run at least ${parsed.minimum}, newer if go.work or go.mod asks, found on PATH or downloaded.`;
    case 'path':
      return `run at least ${parsed.minimum}, newer if go.work or go.mod asks, found on PATH only.`;
  }
}

/**
 * Predicts the error module commands stop with when the running toolchain is older than the
 * `go` line of the deciding go.work or go.mod, with cmd/go's wording (`gover.TooNewError`).
 */
function tooNewModuleError(
  selection: ToolchainSelection,
  project: ProjectGoFiles,
  workingDirectory: string,
  auto: { autoToolchainLine: string | null; autoGoLine: string | null } | null,
): string | null {
  const requirement = project.deciding;
  const running = selection.chosen ? versionOfToolchainName(selection.chosen) : null;
  if (!requirement?.goVersion || running === null) return null;
  if (compareGoVersions(running, '1.21') < 0) return olderParserError(requirement);
  if (compareGoVersions(requirement.goVersion, running) <= 0) return null;

  let explain = '';
  const gotoolchain = selection.gotoolchain.value;
  if (gotoolchain !== '' && gotoolchain !== 'auto') explain += `; GOTOOLCHAIN=${gotoolchain}`;
  if (auto && (auto.autoGoLine || auto.autoToolchainLine)) {
    const what = auto.autoToolchainLine ? `toolchain ${auto.autoToolchainLine}` : `go ${auto.autoGoLine}`;
    explain += `; ${shortPath(requirement.file, workingDirectory)} sets ${what}`;
  }
  return `go: ${shortPath(requirement.file, workingDirectory)} requires go >= ${requirement.goVersion} (running go ${running}${explain})`;
}

/**
 * Predicts the go.mod parse error of a go command older than 1.21, which accepts only `go 1.N`
 * lines and rejects the `toolchain` directive. go1.19.8 names the file by its absolute path here.
 * NOTE: only the first offending line is predicted, although go lists every one.
 */
function olderParserError(requirement: GoModLines): string | null {
  const file = requirement.file;
  const header = `go: errors parsing ${requirement.kind}:`;
  if (requirement.goVersion && !/^[0-9]+\.[0-9]+$/.test(requirement.goVersion)) {
    return `${header}\n${file}:${requirement.goLine}: invalid go version '${requirement.goVersion}': must match format 1.23`;
  }
  if (requirement.toolchain) return `${header}\n${file}:${requirement.toolchainLine}: unknown directive: toolchain`;
  return null;
}

/** cmd/go's `base.ShortPath`: the path relative to the working directory when that is shorter. */
export function shortPath(file: string, workingDirectory: string): string {
  const relative = path.relative(workingDirectory, file);
  return relative !== '' && relative.length < file.length ? relative : file;
}

function lineReference(file: string, line: number | null): string {
  return line === null ? file : `${file}:${line}`;
}
