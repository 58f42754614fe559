/**
 * Which files the UI may open: only files the latest scan named (startup files of a context, the
 * Go env file, `$GOROOT/go.env`). Paths are checked here, in the engine, whatever the transport.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';

import { ApiRequestError, type FileView } from '../shared/contract.ts';
import type { ScanReport } from '../shared/scan-report.ts';
import { irregularFileType } from './files/regular-file.ts';

/** Largest file shown, in bytes; startup files are far smaller, so a bigger one is cut. */
const MAX_VIEW_BYTES = 2 * 1024 * 1024;

/** Lists the files a scan allows the UI to open. */
export function allowedFiles(report: ScanReport | null): Set<string> {
  const allowed = new Set<string>();
  for (const context of report?.contexts ?? []) {
    for (const file of context.startupFiles) if (file.status !== 'missing') allowed.add(file.path);
    const goEnv = context.go?.env;
    if (goEnv?.GOENV) allowed.add(goEnv.GOENV);
    if (goEnv?.GOROOT) allowed.add(path.join(goEnv.GOROOT, 'go.env'));
  }
  return allowed;
}

/** Reads a file the latest scan named, or rejects the request with the reason. */
export async function readAllowedFile(requested: string, report: ScanReport | null): Promise<FileView> {
  if (!path.isAbsolute(requested) || path.normalize(requested) !== requested) {
    throw new ApiRequestError(`cannot open ${JSON.stringify(requested)}: the path must be absolute, without . or .. parts`);
  }
  if (!allowedFiles(report).has(requested)) {
    throw new ApiRequestError(
      `cannot open ${requested}: only startup files and Go env files named by the latest scan can be opened`,
    );
  }
  const realPath = await fs.realpath(requested).catch(() => {
    throw new ApiRequestError(`cannot open ${requested}: it no longer exists; scan again`);
  });
  // A named pipe or device would block the read, and only text files are shown.
  const kind = irregularFileType(realPath);
  if (kind !== null) throw new ApiRequestError(`cannot open ${requested}: it is ${kind}, not a regular file`);
  const handle = await fs.open(realPath, 'r');
  try {
    const buffer = Buffer.alloc(MAX_VIEW_BYTES + 1);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    return {
      path: requested,
      realPath,
      text: buffer.subarray(0, Math.min(bytesRead, MAX_VIEW_BYTES)).toString('utf8'),
      truncated: bytesRead > MAX_VIEW_BYTES,
    };
  } finally {
    await handle.close();
  }
}
