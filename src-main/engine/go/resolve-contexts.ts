/**
 * Resolves, for every probed context, the toolchain that runs and the layer of each Go setting,
 * in an optional project folder. Nothing is run.
 */
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';

import { ApiRequestError, type GoResolutionView } from '../../shared/contract.ts';
import type { GoHostOs, GoLayersReport } from '../../shared/go-layers.ts';
import type { ToolchainResolution } from '../../shared/go-toolchain-resolution.ts';
import type { ScanContext } from '../../shared/scan-report.ts';
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

async function layersOf(
  context: ScanContext,
  resolution: ToolchainResolution | null,
  project: string | null,
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
    });
    return { layers, layersError: null };
  } catch (error) {
    return { layers: null, layersError: `the Go settings could not be worked out: ${(error as Error).message}` };
  }
}
