/**
 * Resolves, for every probed context, the toolchain that runs and the layer of each Go setting,
 * in an optional project folder. Nothing is run.
 */
import { existsSync, promises as fs, statSync } from 'node:fs';
import path from 'node:path';

import { ApiRequestError, type GoEnvFilePreview, type GoResolutionView } from '../../shared/contract.ts';
import type { GoHostOs, GoLayersReport } from '../../shared/go-layers.ts';
import type { ToolchainResolution } from '../../shared/go-toolchain-resolution.ts';
import type { ScanContext } from '../../shared/scan-report.ts';
import { localFileSystem, type GoLayersFileSystem } from './go-layers-files.ts';
import { computeGoLayers } from './go-layers.ts';
import { resolveToolchain } from './toolchain-resolution.ts';

/** Node's process.arch names where Go's GOARCH names differ. */
const GOARCH_OF_NODE_ARCH: Record<string, string> = { x64: 'amd64', ia32: '386', arm: 'arm', arm64: 'arm64' };

/** Resolves each context; contexts that could not be probed get nulls. */
export async function resolveProjectToolchains(
  contexts: ScanContext[],
  project: string | null,
): Promise<GoResolutionView> {
  if (project !== null && !(existsSync(project) && statSync(project).isDirectory())) {
    throw new ApiRequestError(`the project folder ${JSON.stringify(project)} is not a directory`);
  }
  const resolved = await Promise.all(
    contexts.map(async (context) => {
      const resolution = context.ok
        ? await resolveToolchain({ environment: context.env, projectDirectory: project })
        : null;
      const { layers, layersError } = await layersOf(context, resolution, project);
      return { id: context.id, label: context.label, resolution, layers, layersError };
    }),
  );
  return { project, contexts: resolved };
}

/**
 * Previews a draft of a context's Go env file: the layers as they would be with the draft in
 * place of the file, and the file's current text. The file is not written.
 */
export async function previewEnvFile(
  context: ScanContext,
  draft: string | null,
  project: string | null,
): Promise<GoEnvFilePreview> {
  const resolution = await resolveToolchain({ environment: context.env, projectDirectory: project });
  const current = await layersOf(context, resolution, project);
  const envFile = current.layers?.envFile.path ?? null;
  if (!current.layers || envFile === null) {
    return { path: envFile, currentText: null, layers: current.layers, error: current.layersError ?? 'this context has no Go env file location' };
  }
  const currentText = await fs.readFile(envFile, 'utf8').catch(() => null);
  if (draft === null) return { path: envFile, currentText, layers: current.layers, error: null };
  const bytes = Buffer.from(draft, 'utf8');
  const overlay: GoLayersFileSystem = {
    readFile: (file) => (file === envFile ? Promise.resolve({ bytes }) : localFileSystem.readFile(file)),
    stat: (file) =>
      file === envFile ? Promise.resolve({ kind: 'file', executable: false }) : localFileSystem.stat(file),
  };
  const drafted = await layersOf(context, resolution, project, overlay);
  return { path: envFile, currentText, layers: drafted.layers, error: drafted.layersError };
}

async function layersOf(
  context: ScanContext,
  resolution: ToolchainResolution | null,
  project: string | null,
  fileSystem?: GoLayersFileSystem,
): Promise<{ layers: GoLayersReport | null; layersError: string | null }> {
  const binary = resolution?.binary;
  if (!binary) return { layers: null, layersError: null };
  if (!binary.version) {
    return { layers: null, layersError: `the version of ${binary.realPath} could not be read from the file` };
  }
  // The Go root the binary belongs to: the parent of its bin directory.
  const goroot = resolution.goroot?.executableRoot ?? path.dirname(path.dirname(binary.realPath));
  try {
    const layers = await computeGoLayers({
      environment: context.env,
      goroot,
      goVersion: binary.version,
      os: (binary.goos ?? (process.platform === 'win32' ? 'windows' : process.platform)) as GoHostOs,
      arch: binary.goarch ?? GOARCH_OF_NODE_ARCH[process.arch] ?? process.arch,
      workingDirectory: project ?? undefined,
    }, { fileSystem });
    return { layers, layersError: null };
  } catch (error) {
    return { layers: null, layersError: `the Go settings could not be worked out: ${(error as Error).message}` };
  }
}
