/**
 * GOMOD and GOWORK as `go env` computes them from its working directory: the go.mod and go.work
 * found by walking up, GO111MODULE, the GOWORK setting, and the warnings go prints on the way.
 */
import type { GoLayeredVariable } from '../../shared/go-layers.ts';
import { getSetting, osValue, type LayerContext } from './go-layers-context.ts';
import { cleanPath, isAbsolutePath, joinPath, splitPathList } from './go-layers-paths.ts';
import { isAtLeast } from './go-layers-version.ts';

/** Module mode and module files as `go env` finds them from its working directory. */
export interface ModuleState {
  /** The go.work path, or the error go reports for GOWORK. */
  workFile: string | { error: string };
  goMod: string;
  modulesEnabled: boolean;
  /** Whether the first GOPATH entry has a go.mod, which go1.19 rejects in module mode. */
  gopathGoModExists: boolean;
  warnings: string[];
}

/** Computes GOMOD and GOWORK as modload does from the working directory, or null without one. */
export async function resolveModules(
  context: LayerContext,
  variables: Map<string, GoLayeredVariable>,
  gopath: string,
  goroot: string,
): Promise<ModuleState | null> {
  const { input, flavor, release } = context;
  const cwd = input.workingDirectory;
  if (cwd === undefined) return null;
  const exists = async (file: string) => (await context.fileSystem.stat(file))?.kind === 'file';
  const warnings: string[] = [];

  const mode = variables.get('GO111MODULE')!.value;
  const gowork = getSetting(context, 'GOWORK')?.value ?? '';
  let workFile: string | { error: string } = '';
  if (gowork === 'off') workFile = '';
  else if (gowork === '' || gowork === 'auto') workFile = await findUpward(context, cwd, 'go.work', goroot);
  else if (!isAbsolutePath(flavor, gowork)) {
    // NOTE: go1.19 and go1.22 word it differently; Go 1.20 is assumed to be the first with the new text.
    workFile = {
      error: isAtLeast(release, 20)
        ? 'go: invalid GOWORK: not an absolute path'
        : 'the path provided to GOWORK must be an absolute path',
    };
  } else workFile = gowork;

  if (mode === 'off' || !['', 'on', 'auto'].includes(mode)) {
    return { workFile, goMod: '', modulesEnabled: false, gopathGoModExists: false, warnings };
  }
  // go env runs modload.Init before it looks for go.work, so a workspace does not change GOMOD.
  const mustUseModules = mode !== 'auto';
  let root = await findUpward(context, cwd, 'go.mod', null);
  const tempRoot = cleanPath(flavor, osValue(context, 'TMPDIR') || '/tmp');
  if (root !== '' && cleanPath(flavor, parentDirectory(flavor, root)) === tempRoot) {
    warnings.push(`go: warning: ignoring go.mod in system temp root ${tempRoot}`);
    root = '';
  }
  if (root === '' && !mustUseModules) {
    return { workFile, goMod: '', modulesEnabled: false, gopathGoModExists: false, warnings };
  }

  const firstEntry = splitPathList(flavor, gopath)[0] ?? '';
  const gopathGoModExists = firstEntry !== '' && (await exists(joinPath(flavor, firstEntry, 'go.mod')));
  // NOTE: go1.19 fails on this go.mod and go1.22 warns; which of 1.20 and 1.21 changed it is not checked.
  if (gopathGoModExists && isAtLeast(release, 22))
    warnings.push(`go: warning: ignoring go.mod in $GOPATH ${firstEntry}`);
  return { workFile, goMod: root === '' ? '/dev/null' : root, modulesEnabled: true, gopathGoModExists, warnings };
}

/** Walks up from `start` looking for a file, like modload. A go.work search stops at GOROOT. */
async function findUpward(context: LayerContext, start: string, name: string, stopAt: string | null): Promise<string> {
  const { flavor } = context;
  let directory = cleanPath(flavor, start);
  for (;;) {
    const candidate = joinPath(flavor, directory, name);
    if ((await context.fileSystem.stat(candidate))?.kind === 'file') return candidate;
    const parent = parentDirectory(flavor, directory);
    if (parent === directory) return '';
    if (stopAt !== null && parent === stopAt) return '';
    directory = parent;
  }
}

function parentDirectory(flavor: 'posix' | 'windows', directory: string): string {
  const separator = flavor === 'windows' ? '\\' : '/';
  const index = directory.lastIndexOf(separator);
  if (index < 0) return '.';
  if (index === 0) return separator;
  const parent = directory.slice(0, index);
  return flavor === 'windows' && /^[A-Za-z]:$/.test(parent) ? parent + separator : parent;
}
