/**
 * Predicts which Go toolchain really runs in a context, without running go: the `go` found on
 * PATH, the GOROOT it uses and why, the toolchain GOTOOLCHAIN switching hands the command to
 * (Go 1.21+), and the resulting `go version` and `go env GOROOT`. `observeToolchain` runs the real
 * go offline so a prediction can be checked.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';

import type {
  GoBinaryInfo,
  GoBinaryOnPath,
  GorootResolution,
  GoSettingValue,
  ProjectGoFiles,
  ThreeWayView,
  ToolchainResolution,
  ToolchainSelection,
} from '../../shared/go-toolchain-resolution.ts';
import { findModuleFile, findWorkspaceFile, readGoModLines } from './go-mod-lines.ts';
import { describeGoBinary, findOnPath, goRootOfExecutable, readGoRootVersion } from './toolchain-resolution-binary.ts';
import { binaryIsAtLeast, cleanPath, resolveGoroot } from './toolchain-resolution-goroot.ts';
import { selectToolchain } from './toolchain-resolution-select.ts';
import { GoSettingReader, loadGorootEnvFile, loadUserEnvFile, type LoadedEnvFile } from './toolchain-resolution-settings.ts';
import { compareGoVersions, versionOfToolchainName } from './toolchain-resolution-version.ts';

export { observeToolchain, offlineEnvironment, assertOfflineEnvironment, removeModuleCache } from './toolchain-resolution-observe.ts';

export interface ToolchainResolutionInput {
  /** The context's environment: PATH, GOROOT, GOTOOLCHAIN, GOENV, HOME, XDG_CONFIG_HOME, GOFLAGS and so on. */
  environment: Record<string, string | undefined>;
  /** Directory go runs in; go.work and go.mod are searched from here upward. Default: `/`. */
  projectDirectory?: string | null;
  /**
   * GOTOOLCHAIN with its layer, as the layer engine computed it. When absent it is read here
   * from the environment, the user's Go env file and `$GOROOT/go.env`.
   */
  gotoolchain?: GoSettingValue | null;
}

/** Predicts the toolchain that runs go commands in a context and directory. */
export async function resolveToolchain(input: ToolchainResolutionInput): Promise<ToolchainResolution> {
  const environment = input.environment;
  const workingDirectory = input.projectDirectory ? path.resolve(input.projectDirectory) : '/';
  const notes: string[] = [];

  const found = await findOnPath('go', environment.PATH ?? '', workingDirectory);
  const first = found[0];
  if (!first) {
    return {
      workingDirectory,
      binary: null,
      goroot: null,
      project: null,
      selection: null,
      runningGoroot: null,
      threeWay: {
        binaryOnPath: null,
        goVersion: null,
        runningVersion: null,
        goEnvGoroot: null,
        differs: false,
        explanations: ['No executable named go is on PATH.'],
      },
      settings: [],
      notes,
    };
  }

  const binary: GoBinaryOnPath = {
    ...(await describeGoBinary(first.path)),
    pathEntry: first.entry,
    shadowed: found.slice(1).map((candidate) => candidate.path),
  };
  if (binary.version === null) {
    const root = await goRootOfExecutable(binary.realPath, true);
    binary.version = root ? await readGoRootVersion(root) : null;
    if (binary.version) notes.push(`${binary.realPath} has no readable build information; its version comes from ${root}/VERSION.`);
  }

  const userFile = await loadUserEnvFile(environment, workingDirectory);
  const goroot = await resolveGoroot({ binary, environment, userFile, workingDirectory });
  const gorootFile = binaryIsAtLeast(binary, '1.21') ? await loadGorootEnvFile(goroot.goEnvRoot, workingDirectory) : null;
  const settings = new GoSettingReader(environment, userFile, gorootFile);
  const gotoolchain = input.gotoolchain ?? settings.get('GOTOOLCHAIN');
  const project = await analyzeProject(workingDirectory, environment, settings, goroot);

  const selection = await selectToolchain({
    binary,
    gotoolchain,
    project,
    emptyGotoolchainReason: emptyGotoolchainReason(gotoolchain, goroot),
    setting: (name) => settings.get(name),
    environment,
    workingDirectory,
  });
  const gowork = project.gowork.value;
  if (!selection.moduleError && path.isAbsolute(gowork) && project.workFile === null && workingDirectory !== '/') {
    // Toolchain selection skips a missing go.work, but module commands then fail on it.
    selection.moduleError = `go: reading go.work: open ${gowork}: no such file or directory`;
  }
  const running = await resolveRunningToolchain({ binary, goroot, selection, environment, userFile, workingDirectory, notes });

  return {
    workingDirectory,
    binary,
    goroot,
    project,
    selection,
    runningGoroot: running.goroot,
    threeWay: buildThreeWayView(workingDirectory, binary, goroot, selection, running),
    settings: settings.all(),
    notes: [...notes, ...project.notes],
  };
}

/** Finds the go.work and go.mod cmd/go uses from the working directory. */
async function analyzeProject(
  workingDirectory: string,
  environment: Record<string, string | undefined>,
  settings: GoSettingReader,
  goroot: GorootResolution,
): Promise<ProjectGoFiles> {
  const notes: string[] = [];
  const gowork = settings.get('GOWORK');
  // Go's os.TempDir on Unix: $TMPDIR, else /tmp.
  const temporaryDirectory = environment.TMPDIR || '/tmp';
  const module = await findModuleFile(workingDirectory, temporaryDirectory);
  if (module.ignoredTemporaryRoot) {
    notes.push(`${module.ignoredTemporaryRoot} is at the root of the system temporary directory, so go ignores it.`);
  }

  let workFile: string | null = null;
  let foundBy: 'GOWORK' | 'directory-walk' = 'directory-walk';
  let goworkError: string | null = null;
  if (gowork.value === 'off') {
    notes.push('GOWORK=off turns workspace mode off, so only go.mod counts.');
  } else if (gowork.value === '' || gowork.value === 'auto') {
    const stopAt = goroot.path ? path.resolve(workingDirectory, goroot.path) : null;
    workFile = await findWorkspaceFile(workingDirectory, stopAt);
  } else if (!path.isAbsolute(gowork.value)) {
    // Printed this way, with "go: " twice, by go1.22.12 and go1.23.5 during toolchain selection.
    goworkError = 'go: go: invalid GOWORK: not an absolute path';
  } else if ((await fs.stat(gowork.value).catch(() => null)) !== null) {
    workFile = gowork.value;
    foundBy = 'GOWORK';
  } else {
    notes.push(`GOWORK names ${gowork.value}, which does not exist, so go.mod decides the toolchain.`);
  }

  let deciding = workFile ? await readGoModLines(workFile, 'go.work', foundBy) : null;
  if (!deciding && module.file) deciding = await readGoModLines(module.file, 'go.mod', 'directory-walk');
  return { directory: workingDirectory, gowork, workFile, moduleFile: module.file, deciding, goworkError, notes };
}

function emptyGotoolchainReason(gotoolchain: GoSettingValue, goroot: GorootResolution): string {
  if (gotoolchain.source === 'user-env-file') return `the Go env file ${gotoolchain.file}:${gotoolchain.line} sets it empty`;
  if (gotoolchain.source !== 'default') return `${gotoolchain.source} sets it empty`;
  if (!goroot.hasGoEnv) {
    return `${goroot.goEnvRoot ?? 'the GOROOT'} has no go.env, where Go 1.21+ keeps the default GOTOOLCHAIN=auto`;
  }
  return `${goroot.goEnvRoot}/go.env has no GOTOOLCHAIN line`;
}

interface RunningToolchain {
  /** The binary that runs the command after any switch; null when unknown or when go fails. */
  binary: GoBinaryInfo | null;
  version: string | null;
  goroot: GorootResolution | null;
}

interface RunningInput {
  binary: GoBinaryOnPath;
  goroot: GorootResolution;
  selection: ToolchainSelection;
  environment: Record<string, string | undefined>;
  userFile: LoadedEnvFile;
  workingDirectory: string;
  notes: string[];
}

/**
 * Works out the toolchain that runs after selection, its version and its GOROOT, and records in
 * `selection.error` the failures that happen only once it starts: a PATH toolchain of another
 * version, or a GOROOT that cannot be used.
 */
async function resolveRunningToolchain(input: RunningInput): Promise<RunningToolchain> {
  const { binary, goroot, selection, environment, userFile, workingDirectory, notes } = input;
  if (selection.error) return { binary: null, version: null, goroot: null };

  if (!selection.switched) {
    if (goroot.startupError) {
      selection.error = goroot.startupError;
      return { binary, version: null, goroot };
    }
    return { binary, version: binary.version, goroot };
  }

  const chosen = selection.chosen!;
  const directory = selection.moduleCacheDirectory;
  if (selection.origin === 'file-proxy' || selection.origin === 'network-download') {
    const pending = pendingGoroot(
      directory,
      chosen,
      `go sets GOROOT=${directory}, the module cache directory it unpacks ${chosen} into, before running its bin/go.`,
    );
    return { binary: null, version: chosen, goroot: pending };
  }

  const child = await describeGoBinary(selection.executable!);
  if (child.mainPackage?.startsWith('golang.org/dl/')) {
    // NOTE: a golang.org/dl wrapper runs the SDK it downloaded; that SDK's root is not predicted here.
    notes.push(`${child.path} is a golang.org/dl wrapper; the SDK it runs decides the GOROOT.`);
    return { binary: child, version: chosen, goroot: pendingGoroot(null, chosen, `${child.path} is a golang.org/dl wrapper.`) };
  }

  const childVersion = child.version ? versionOfToolchainName(child.version) : null;
  if (child.version && childVersion && compareGoVersions(childVersion, '1.21') >= 0 && child.version !== chosen) {
    selection.error = `go: toolchain ${child.version} invoked to provide ${chosen}`;
    selection.reason += ` ${child.path} is really ${child.version}, so it stops instead of running as ${chosen}.`;
    return { binary: child, version: null, goroot: null };
  }
  if (child.version && child.version !== chosen) {
    notes.push(`${child.path} is really ${child.version}, which predates the version check of Go 1.21, so it runs anyway.`);
  }

  const childEnvironment = { ...environment };
  let prefix: string;
  if (selection.origin === 'path') {
    delete childEnvironment.GOROOT;
    prefix = `go unsets GOROOT before running ${child.path}.`;
  } else {
    childEnvironment.GOROOT = directory!;
    prefix = `go sets GOROOT=${directory}, the module cache directory of ${chosen}, before running its bin/go.`;
  }
  const resolved = await resolveGoroot({ binary: child, environment: childEnvironment, userFile, workingDirectory });
  const childGoroot = {
    ...resolved,
    explanation: selection.origin === 'path' ? `${prefix} ${resolved.explanation}` : prefix,
  };
  if (childGoroot.startupError) {
    selection.error = childGoroot.startupError;
    return { binary: child, version: null, goroot: childGoroot };
  }
  return { binary: child, version: child.version ?? chosen, goroot: childGoroot };
}

/** Describes the GOROOT of a toolchain that is not on disk yet (a download) or not inspected. */
function pendingGoroot(directory: string | null, version: string, explanation: string): GorootResolution {
  return {
    path: directory,
    source: 'os-environment',
    file: null,
    line: null,
    executableRoot: directory,
    exists: false,
    isGoRoot: false,
    version,
    mixedToolchain: false,
    mixedToolchainError: null,
    goEnvRoot: directory,
    hasGoEnv: false,
    startupError: null,
    explanation,
  };
}

function buildThreeWayView(
  workingDirectory: string,
  binary: GoBinaryOnPath,
  goroot: GorootResolution,
  selection: ToolchainSelection,
  running: RunningToolchain,
): ThreeWayView {
  const explanations: string[] = [];
  let differs = false;
  const platform = binary.goos && binary.goarch ? ` ${binary.goos}/${binary.goarch}` : '';
  const runningGoroot = running.goroot;

  if (binary.isSymlink) explanations.push(`${binary.path} is a symbolic link to ${binary.realPath}.`);
  if (selection.error) {
    differs = true;
    explanations.push(`Every go command, go version included, stops with: ${selection.error}`);
  }
  if (selection.switched && !selection.error) {
    differs = true;
    explanations.push(
      `GOTOOLCHAIN switching hands every command to ${selection.chosen} (${describeOrigin(selection)}), so go version ` +
        `does not describe ${binary.path}.`,
    );
  }
  const runningRoot = runningGoroot?.path ? cleanPath(path.resolve(workingDirectory, runningGoroot.path)) : null;
  if (runningGoroot && runningRoot && !selection.error && runningRoot !== goroot.executableRoot) {
    differs = true;
    explanations.push(
      `go env GOROOT is ${runningGoroot.path}, not the tree of the go on PATH (${goroot.executableRoot ?? 'none'}): ` +
        runningGoroot.explanation,
    );
  }
  if (runningGoroot?.mixedToolchain && !selection.error) {
    differs = true;
    explanations.push(
      `go version reports ${running.version} but GOROOT ${runningGoroot.path} holds ${runningGoroot.version}, so builds ` +
        `fail with: ${runningGoroot.mixedToolchainError}`,
    );
  }
  if (!differs) explanations.push(`The go on PATH runs itself with its own tree ${goroot.path ?? 'unknown'}.`);

  return {
    binaryOnPath: binary.path,
    goVersion: running.version ? `go version ${running.version}${platform}` : null,
    runningVersion: running.version,
    goEnvGoroot: selection.error ? null : (runningGoroot?.path ?? null),
    differs,
    explanations,
  };
}

function describeOrigin(selection: ToolchainSelection): string {
  switch (selection.origin) {
    case 'path':
      return `the executable ${selection.executable} on PATH`;
    case 'module-cache':
      return `already in the module cache at ${selection.moduleCacheDirectory}`;
    case 'file-proxy':
      return `downloaded from the local proxy ${selection.downloadFrom}`;
    case 'network-download':
      return `after a download from ${selection.downloadFrom}, which needs the network`;
    case 'running-binary':
    case 'none':
      return selection.origin;
  }
}
