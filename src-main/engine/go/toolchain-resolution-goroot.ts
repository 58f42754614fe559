/**
 * Predicts the GOROOT a go binary uses, following cmd/go's `findGOROOT` (Go 1.21-1.26 source).
 * The order is a non-empty OS GOROOT exactly as written, a GOROOT line of the user's Go env file,
 * the Go tree around the executable, and last the path linked into the binary. That last path is
 * empty for `-trimpath` builds such as Debian's 1.22 and 1.23.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';

import type { GoBinaryInfo, GorootResolution } from '../../shared/go-toolchain-resolution.ts';
import { goRootOfExecutable, isGoRoot, readGoRootVersion } from './toolchain-resolution-binary.ts';
import type { LoadedEnvFile } from './toolchain-resolution-settings.ts';
import { compareGoVersions, versionOfToolchainName } from './toolchain-resolution-version.ts';

/** Go's `filepath.Clean` for Unix paths: no `.`/`..` elements, duplicate or trailing slashes. */
export function cleanPath(value: string): string {
  if (value === '') return '.';
  const normalized = path.posix.normalize(value);
  return normalized.length > 1 && normalized.endsWith('/') ? normalized.slice(0, -1) : normalized;
}

/** Reports whether a binary's version is at least `minimum`; an unknown version counts as recent. */
export function binaryIsAtLeast(binary: GoBinaryInfo, minimum: string): boolean {
  const version = binary.version ? versionOfToolchainName(binary.version) : null;
  return version === null || compareGoVersions(version, minimum) >= 0;
}

export interface GorootInput {
  binary: GoBinaryInfo;
  environment: Record<string, string | undefined>;
  userFile: LoadedEnvFile;
  workingDirectory: string;
}

/** Predicts the GOROOT of one go binary in an environment, and checks it against the binary. */
export async function resolveGoroot(input: GorootInput): Promise<GorootResolution> {
  const { binary, environment, userFile, workingDirectory } = input;
  const osGoroot = environment.GOROOT || null;
  const fileEntry = userFile.entries.get('GOROOT');
  // An empty GOROOT= line makes cmd/go fall back to the OS value and the executable.
  const fileGoroot = fileEntry?.value ? cleanPath(fileEntry.value) : null;
  const executableRoot = await goRootOfExecutable(binary.realPath, binaryIsAtLeast(binary, '1.22'));

  let source: GorootResolution['source'];
  let chosen: string | null;
  if (osGoroot) {
    source = 'os-environment';
    chosen = osGoroot;
  } else if (fileGoroot) {
    source = 'user-env-file';
    chosen = fileGoroot;
  } else if (executableRoot) {
    source = 'executable-location';
    chosen = executableRoot;
  } else if (binary.trimmed === true) {
    source = 'none';
    chosen = null;
  } else {
    source = 'built-in';
    // NOTE: the built-in path is a linker-set string without a marker, so it is not read here.
    chosen = null;
  }

  // cmd/go looks for go.env with the file's GOROOT first, then the OS one (a quirk of initEnvCache).
  const goEnvRoot = fileGoroot ?? (osGoroot ? cleanPath(osGoroot) : null) ?? executableRoot;
  const readsGoEnv = binaryIsAtLeast(binary, '1.21');
  const hasGoEnv = readsGoEnv && goEnvRoot !== null && (await isFile(path.resolve(workingDirectory, goEnvRoot, 'go.env')));

  const absolute = chosen === null ? null : path.resolve(workingDirectory, chosen);
  const stat = absolute ? await fs.stat(absolute).catch(() => null) : null;
  const exists = stat?.isDirectory() ?? false;
  const goRoot = absolute !== null && exists && (await isGoRoot(absolute));
  const version = absolute !== null && exists ? await readGoRootVersion(absolute) : null;
  const mixedToolchain = goRoot && version !== null && binary.version !== null && version !== binary.version;

  let startupError: string | null = null;
  if (source === 'none') {
    startupError = "go: cannot find GOROOT directory: 'go' binary is trimmed and GOROOT is not set";
  } else if (chosen !== null && !exists) {
    startupError = `go: cannot find GOROOT directory: ${chosen}`;
  }

  return {
    path: chosen,
    source,
    file: source === 'user-env-file' ? userFile.path : null,
    line: source === 'user-env-file' ? (fileEntry?.line ?? null) : null,
    executableRoot,
    exists,
    isGoRoot: goRoot,
    version,
    mixedToolchain,
    mixedToolchainError: mixedToolchain
      ? `compile: version "${version}" does not match go tool version "${binary.version}"`
      : null,
    goEnvRoot: readsGoEnv ? goEnvRoot : null,
    hasGoEnv,
    startupError,
    explanation: explainGoroot({ binary, source, chosen, executableRoot, userFile, fileLine: fileEntry?.line ?? null }, {
      exists,
      goRoot,
      version,
      mixedToolchain,
    }),
  };
}

interface GorootChoice {
  binary: GoBinaryInfo;
  source: GorootResolution['source'];
  chosen: string | null;
  executableRoot: string | null;
  userFile: LoadedEnvFile;
  fileLine: number | null;
}

function explainGoroot(
  choice: GorootChoice,
  checks: { exists: boolean; goRoot: boolean; version: string | null; mixedToolchain: boolean },
): string {
  const { binary, source, chosen, executableRoot } = choice;
  const sentences: string[] = [];
  const located = binary.isSymlink
    ? `${binary.path} is a symbolic link to ${binary.realPath}, and go finds its root from the resolved location`
    : `go finds its root from its own location ${binary.realPath}`;

  switch (source) {
    case 'os-environment':
      sentences.push(`GOROOT=${chosen} is set in the environment and is used exactly as written.`);
      break;
    case 'user-env-file':
      sentences.push(`GOROOT=${chosen} is set in the Go env file ${choice.userFile.path}:${choice.fileLine}.`);
      break;
    case 'executable-location':
      sentences.push(`GOROOT is not set, so ${located}: ${chosen}.`);
      break;
    case 'built-in':
      sentences.push(
        `GOROOT is not set and ${binary.realPath} is not inside a Go tree, so go uses the GOROOT linked into the ` +
          'binary, which only a run of go shows.',
      );
      break;
    case 'none':
      sentences.push(
        `GOROOT is not set, ${binary.realPath} is not inside a Go tree, and the binary was built with -trimpath, ` +
          'so it has no GOROOT at all. Put a symbolic link to it on PATH instead of a copy, or put its bin directory on PATH.',
      );
      break;
  }

  if ((source === 'os-environment' || source === 'user-env-file') && executableRoot && chosen !== executableRoot) {
    sentences.push(`It overrides the binary's own tree ${executableRoot}.`);
  }
  if (chosen !== null && !checks.exists) {
    sentences.push(`${chosen} is not an existing directory, so every go command fails.`);
  } else if (chosen !== null && !checks.goRoot) {
    sentences.push(`${chosen} has no pkg/tool directory, so it is not a Go root and builds cannot find the standard library.`);
  } else if (checks.mixedToolchain) {
    sentences.push(
      `That tree is ${checks.version} but the binary is ${binary.version}: a mixed toolchain, so every build fails ` +
        'with a compile version mismatch.',
    );
  }
  return sentences.join(' ');
}

async function isFile(file: string): Promise<boolean> {
  const stat = await fs.stat(file).catch(() => null);
  return stat?.isFile() ?? false;
}
