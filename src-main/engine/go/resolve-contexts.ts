/** Resolves the toolchain of every probed context, in an optional project folder. */
import { existsSync, statSync } from 'node:fs';

import { ApiRequestError, type GoResolutionView } from '../../shared/contract.ts';
import type { ScanContext } from '../../shared/scan-report.ts';
import { resolveToolchain } from './toolchain-resolution.ts';

/** Resolves each context's toolchain; contexts that could not be probed get null. */
export async function resolveProjectToolchains(
  contexts: ScanContext[],
  project: string | null,
): Promise<GoResolutionView> {
  if (project !== null && !(existsSync(project) && statSync(project).isDirectory())) {
    throw new ApiRequestError(`the project folder ${JSON.stringify(project)} is not a directory`);
  }
  const resolved = await Promise.all(
    contexts.map(async (context) => ({
      id: context.id,
      label: context.label,
      resolution: context.ok ? await resolveToolchain({ environment: context.env, projectDirectory: project }) : null,
    })),
  );
  return { project, contexts: resolved };
}
