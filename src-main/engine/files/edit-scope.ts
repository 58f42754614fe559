/**
 * Decides which files the editor API may open and write: the startup files and Go env files the
 * latest scan named, and through a symbolic link only files that stay in the user's reach. The
 * check runs here, in the engine, whatever the transport.
 */
import { promises as fs, type Stats } from 'node:fs';
import path from 'node:path';

import { ApiRequestError } from '../../shared/contract.ts';
import { goEnvFilePath } from '../../shared/go-env-file.ts';
import type { ScanReport } from '../../shared/scan-report.ts';

/**
 * The folders where Nix and home-manager keep the files they link into the home folder. Such
 * files may be opened, and the saver keeps them read-only with a message that explains why.
 */
const NIX_STORE = '/nix/store';

/** A file the editor may open, with what it is to the scanned contexts. */
export interface EditTarget {
  /** The path as the scan names it. */
  path: string;
  kind: 'startup' | 'go-env';
  /**
   * Contexts that read the file, would read it once it exists, or use it as their Go env file.
   * Contexts that skip the file are left out, because editing it does not change them.
   */
  contextIds: string[];
}

interface AllowedFile {
  kind: EditTarget['kind'];
  contextIds: Set<string>;
}

/**
 * Lists the files a scan allows editing: every startup file of every context, and each context's
 * Go env file when GOENV is an absolute path. Startup files with the status `missing` count too,
 * because they are the well-known places where a new file may be created.
 */
function allowedEditFiles(report: ScanReport): Map<string, AllowedFile> {
  const allowed = new Map<string, AllowedFile>();
  const add = (file: string, kind: EditTarget['kind'], contextId: string | null) => {
    let entry = allowed.get(file);
    if (entry === undefined) {
      entry = { kind, contextIds: new Set() };
      allowed.set(file, entry);
    }
    if (contextId !== null) entry.contextIds.add(contextId);
  };

  for (const context of report.contexts) {
    for (const file of context.startupFiles) {
      add(file.path, 'startup', file.status === 'skipped' ? null : context.id);
    }
  }
  // Go env files come second, so a file that is also a startup file keeps the kind `startup`.
  for (const context of report.contexts) {
    // When go env failed (a bad line in the Go env file breaks every go command), the file is
    // located from the context's environment, as go does, so that line can be fixed.
    const goEnvFile = context.go?.env?.GOENV ?? (context.ok ? goEnvFilePath(context.env) : null);
    if (goEnvFile && path.isAbsolute(goEnvFile)) add(goEnvFile, 'go-env', context.id);
  }
  return allowed;
}

function isInside(file: string, folder: string): boolean {
  const relative = path.relative(folder, file);
  return relative !== '..' && !relative.startsWith(`..${path.sep}`) && !path.isAbsolute(relative);
}

/**
 * Checks that the requested path is a normalized absolute path that the latest scan named. Its
 * symbolic links, of the file itself or of a folder above it, must lead only to files inside the
 * home folder, under /nix/store, or to another file the scan named.
 *
 * @throws ApiRequestError naming the path and what may be edited instead.
 */
export async function resolveEditTarget(
  requested: string,
  report: ScanReport | null,
  home: string,
): Promise<EditTarget> {
  if (!path.isAbsolute(home)) throw new Error(`the home folder must be an absolute path, got ${JSON.stringify(home)}`);
  const quoted = JSON.stringify(requested);
  if (requested.includes('\0')) {
    throw new ApiRequestError(`cannot edit ${quoted}: the path contains a NUL byte`);
  }
  if (!path.isAbsolute(requested)) {
    throw new ApiRequestError(
      `cannot edit ${quoted}: the path is relative; give the absolute path as the scan lists it`,
    );
  }
  if (path.normalize(requested) !== requested) {
    throw new ApiRequestError(
      `cannot edit ${quoted}: the path contains . or .. parts or repeated slashes; ` +
        'give the absolute path as the scan lists it',
    );
  }
  if (report === null) {
    throw new ApiRequestError(`cannot edit ${requested}: no scan has run yet; scan first, then open a file to edit`);
  }

  const allowed = allowedEditFiles(report);
  const entry = allowed.get(requested);
  if (entry === undefined) {
    throw new ApiRequestError(
      `cannot edit ${requested}: it is not a startup file or Go env file of the latest scan. Only the ` +
        'files the scanned shells read at startup (such as ~/.profile or ~/.bashrc) and Go env files can ' +
        'be edited; scan again if the file was added since',
    );
  }

  await checkLinks(requested, home, allowed);
  return { path: requested, kind: entry.kind, contextIds: [...entry.contextIds] };
}

/**
 * Symbolic links followed before giving up, the limit Linux uses (MAXSYMLINKS, 40), so a chain
 * the kernel can open is never rejected here.
 */
const MAX_LINK_HOPS = 40;

/** One symbolic link met while resolving a path. */
interface LinkStep {
  /** The link, with every folder above it resolved. */
  link: string;
  /** The link's target, made absolute against the link's folder without resolving further. */
  target: string;
  /** The link's place in the requested path: the file itself, a folder above it, or a later step. */
  role: 'file' | 'folder' | 'chain';
}

interface PendingComponent {
  name: string;
  /** The component's role if it turns out to be a link. */
  role: LinkStep['role'];
}

function components(file: string, role: (index: number, count: number) => LinkStep['role']): PendingComponent[] {
  const names = file.split('/').filter((name) => name !== '');
  return names.map((name, index) => ({ name, role: role(index, names.length) }));
}

/**
 * Resolves `file` one path component at a time, like the kernel does, and records every link it
 * meets: of the file itself, of a folder above it, and of every later step. After a component that
 * does not exist, the rest of the path is kept as written.
 */
async function walkLinks(file: string): Promise<{ realPath: string; steps: LinkStep[] }> {
  let pending = components(file, (index, count) => (index === count - 1 ? 'file' : 'folder'));
  let resolved = '/';
  const steps: LinkStep[] = [];
  let exists = true;

  while (pending.length > 0) {
    const { name, role } = pending.shift()!;
    if (name === '.') continue;
    if (name === '..') {
      resolved = path.dirname(resolved);
      continue;
    }
    const candidate = path.join(resolved, name);
    const stat = exists ? await lstatIfPresent(file, candidate) : null;
    if (stat === null) exists = false;
    if (!stat?.isSymbolicLink()) {
      resolved = candidate;
      continue;
    }
    if (steps.length >= MAX_LINK_HOPS) {
      throw new ApiRequestError(
        `cannot edit ${file}: following its symbolic links takes more than ${MAX_LINK_HOPS} steps, ` +
          `which usually means two links point at each other (ls -l ${steps[0]!.link} shows the first)`,
      );
    }
    const target = await fs.readlink(candidate);
    steps.push({ link: candidate, target: path.resolve(resolved, target), role });
    pending = [...components(target, () => 'chain'), ...pending];
    if (path.isAbsolute(target)) resolved = '/';
  }
  return { realPath: resolved, steps };
}

async function lstatIfPresent(file: string, candidate: string): Promise<Stats | null> {
  try {
    return await fs.lstat(candidate);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return null;
    if (code === 'EACCES' || code === 'EPERM') {
      throw new ApiRequestError(
        `cannot edit ${file}: permission denied while looking up ${candidate}; ` +
          'open it as a user who can read that folder',
      );
    }
    throw error;
  }
}

/**
 * Rejects `file` when one of its symbolic links, or the file it finally names, leads out of the
 * home folder to a place that is neither under /nix/store nor a file the scan named. Links at or
 * above the home folder itself (such as /home pointing to another disk) are the system's layout
 * and are not checked.
 */
async function checkLinks(file: string, home: string, allowed: Map<string, AllowedFile>): Promise<void> {
  const realHome = await fs.realpath(home).catch(() => home);
  const isReachable = (candidate: string) =>
    allowed.has(candidate) ||
    isInside(candidate, home) ||
    isInside(candidate, realHome) ||
    isInside(candidate, NIX_STORE);
  const rule =
    `A link may only lead to a file inside the home folder ${home}, under ${NIX_STORE}, or to another ` +
    'startup file or Go env file of the latest scan';

  const { realPath, steps } = await walkLinks(file);
  for (const { link, target, role } of steps) {
    if (isInside(home, link) || isInside(realHome, link) || isReachable(target)) continue;
    const problem = {
      file: `it is a symbolic link to ${target}`,
      folder: `the folder ${link} is a symbolic link to ${target}`,
      chain: `its chain of symbolic links passes through ${link}, a link to ${target}`,
    }[role];
    throw new ApiRequestError(`cannot edit ${file}: ${problem}, which is outside the home folder. ${rule}`);
  }
  if (!isReachable(realPath)) {
    throw new ApiRequestError(
      `cannot edit ${file}: its symbolic links lead to ${realPath}, which is outside the home folder. ${rule}`,
    );
  }
}
