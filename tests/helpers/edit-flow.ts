/**
 * Runs the editor's whole flow through the engine service, the way the UI does: scan, open the
 * edited files, preview the drafts, save them, scan again. Prints its result as JSON when run as
 * a program, so a test can run it as the unprivileged user too:
 *   node --import tsx tests/helpers/edit-flow.ts '{"home": ..., "edits": ..., "shells": ..., "dataDirectory": ...}'
 */
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { createApiService } from '../../src-main/engine/api-service.ts';
import { compareContexts } from '../../src-main/engine/edit/preview.ts';
import type { ContextPreview } from '../../src-main/shared/editing.ts';
import { cleanEnvironment } from './throwaway-home.ts';

export interface EditFlowInput {
  home: string;
  /** Relative path → the draft text. */
  edits: Record<string, string>;
  shells: string[];
  dataDirectory: string;
}

/** What a context showed in the preview, and what the scan after saving showed. */
export interface ContextOutcome {
  id: string;
  preview: Pick<ContextPreview, 'error' | 'environment' | 'goEnv' | 'path'> | null;
  actual: Pick<ContextPreview, 'error' | 'environment' | 'goEnv' | 'path'>;
}

export interface EditFlowResult {
  contexts: ContextOutcome[];
  /** Relative paths whose bytes changed while the preview ran (must be none). */
  touchedByPreview: string[];
  /** Bytes of each edited file after saving, base64. */
  saved: Record<string, string>;
  skipped: { path: string; reason: string }[];
  mechanism: string;
}

/** Runs the flow in this process, as the user running it. */
export async function runEditFlow(input: EditFlowInput): Promise<EditFlowResult> {
  const environment = cleanEnvironment(input.home, { GO_ENV_LENS_DATA_DIR: input.dataDirectory });
  const service = createApiService({
    host: 'cli',
    environment,
    baseEnvironment: 'self',
    defaultShells: input.shells,
  });
  const call = service.handlers;
  const latest = await call['scan.run']({});
  const files = Object.keys(input.edits).map((relative) => path.join(input.home, relative));
  const opened = await Promise.all(files.map((file) => call['edit.open']({ path: file })));
  const before = await Promise.all(files.map(readBytes));
  const preview = await call['edit.preview']({
    drafts: files.map((file, index) => ({ path: file, text: Object.values(input.edits)[index]! })),
  });
  const afterPreview = await Promise.all(files.map(readBytes));
  const touchedByPreview = files
    .filter((_, index) => before[index] !== afterPreview[index])
    .map((file) => path.relative(input.home, file));
  for (const [index, file] of files.entries()) {
    const outcome = await call['edit.save']({
      path: file,
      text: Object.values(input.edits)[index]!,
      expectedHash: opened[index]!.hash,
    });
    if (outcome.status !== 'saved') throw new Error(`saving ${file} failed: ${outcome.message}`);
  }
  const saved: Record<string, string> = {};
  for (const file of files) saved[path.relative(input.home, file)] = (await fs.readFile(file)).toString('base64');
  const after = await call['scan.run']({});
  const contexts = after.contexts.map((context): ContextOutcome => {
    const previous = latest.contexts.find((candidate) => candidate.id === context.id)!;
    const { error, environment: changed, goEnv, path: pathChanges } = compareContexts(previous, context);
    const shown = preview.contexts.find((candidate) => candidate.contextId === context.id);
    return {
      id: context.id,
      preview: shown
        ? { error: shown.error, environment: shown.environment, goEnv: shown.goEnv, path: shown.path }
        : null,
      actual: { error, environment: changed, goEnv, path: pathChanges },
    };
  });
  return { contexts, touchedByPreview, saved, skipped: preview.skipped, mechanism: preview.mechanism };
}

async function readBytes(file: string): Promise<string | null> {
  const bytes = await fs.readFile(file).catch(() => null);
  return bytes === null ? null : createHash('sha256').update(bytes).digest('hex');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const result = await runEditFlow(JSON.parse(process.argv[2]!) as EditFlowInput);
  process.stdout.write(JSON.stringify(result));
}
