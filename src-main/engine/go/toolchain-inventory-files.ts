/**
 * Read-only file access under a root directory, so the inventory can read a Linux, macOS or Windows
 * layout copied under a throwaway directory as if that directory were `/` (or `C:\`).
 *
 * Paths inside the module are "internal": absolute POSIX paths relative to the root. Windows paths
 * map as `C:\Program Files\Go` -> `/Program Files/Go`; another drive letter keeps its letter as
 * the first component (`D:\Go` -> `/D:/Go`). Symbolic links are followed the way the kernel
 * follows them inside a chroot: an absolute target starts again at the root, and `..` at the root
 * stays at the root.
 */
import type { Stats } from 'node:fs';
import { promises as fs } from 'node:fs';
import path from 'node:path';

import type { ToolchainPlatform } from '../../shared/go-toolchains.ts';

/** Symbolic links followed before giving up, as Linux does (its MAXSYMLINKS is 40). */
const MAX_SYMLINKS = 40;

/** The result of looking at a path without following a final symbolic link. */
export type LinkStatus = Stats | 'missing' | 'denied';

export interface ResolvedPath {
  /** The path with every symbolic link resolved; the unresolved rest is appended when a component is missing. */
  realPath: string;
  /** The whole path after each symbolic link was replaced by its target, in order. */
  links: string[];
  /** False when a component does not exist, cannot be searched, or the links loop. */
  exists: boolean;
  /** The reason `exists` is false. */
  failure: 'missing' | 'denied' | 'loop' | null;
  /** The first symbolic link whose target is missing, with its target as written, when there is one. */
  danglingLink: { path: string; target: string } | null;
}

/**
 * Converts a path written for the platform (an environment value, a Windows `.shim` file entry)
 * to an internal path. Returns null for a relative path or one the mapping cannot express (UNC).
 */
export function toInternalPath(value: string, platform: ToolchainPlatform): string | null {
  if (platform === 'windows') {
    const drive = /^([A-Za-z]):[\\/](.*)$/.exec(value);
    if (drive) {
      const rest = drive[2]!.replaceAll('\\', '/');
      const letter = drive[1]!.toUpperCase();
      return normalizeInternal(letter === 'C' ? `/${rest}` : `/${letter}:/${rest}`);
    }
    if (value.startsWith('\\\\') || value.startsWith('//')) return null;
    // A path with no drive ("\Go") is on the current drive, taken to be C:.
    if (value.startsWith('\\') || value.startsWith('/')) return normalizeInternal(value.replaceAll('\\', '/'));
    return null;
  }
  return value.startsWith('/') ? normalizeInternal(value) : null;
}

/** Converts an internal path to the platform's spelling. */
export function toPlatformPath(internal: string, platform: ToolchainPlatform): string {
  if (platform !== 'windows') return internal;
  const otherDrive = /^\/([A-Z]):(\/.*)?$/.exec(internal);
  if (otherDrive) return `${otherDrive[1]}:${(otherDrive[2] ?? '/').replaceAll('/', '\\')}`;
  return `C:${internal.replaceAll('/', '\\')}`;
}

/** Normalizes an internal path: no `.`, `..` or doubled slashes, and no trailing slash. */
export function normalizeInternal(internal: string): string {
  const normalized = path.posix.normalize(`/${internal}`);
  return normalized.length > 1 && normalized.endsWith('/') ? normalized.slice(0, -1) : normalized;
}

/** Returns true when `inner` is `outer` or lies below it (both internal, normalized). */
export function isWithin(inner: string, outer: string): boolean {
  if (outer === '/') return true;
  return inner === outer || inner.startsWith(`${outer}/`);
}

/** Read-only, cached access to the files under one root. Never writes and never runs anything. */
export class RootedFiles {
  private readonly statuses = new Map<string, Promise<LinkStatus>>();
  private readonly linkTargets = new Map<string, Promise<string | null>>();
  private readonly resolutions = new Map<string, Promise<ResolvedPath>>();

  /** `root` must already be a real path (no symbolic links in it). */
  constructor(
    readonly root: string,
    readonly platform: ToolchainPlatform,
  ) {}

  /** Returns the host path of an internal path. */
  hostPath(internal: string): string {
    return this.root === '/' ? internal : path.join(this.root, internal);
  }

  /** Looks at a path without following a final symbolic link (lstat). */
  linkStatus(internal: string): Promise<LinkStatus> {
    let status = this.statuses.get(internal);
    if (!status) {
      status = fs.lstat(this.hostPath(internal)).catch((error: NodeJS.ErrnoException) =>
        error.code === 'EACCES' || error.code === 'EPERM' ? ('denied' as const) : ('missing' as const),
      );
      this.statuses.set(internal, status);
    }
    return status;
  }

  /** Resolves every symbolic link in an internal path, staying under the root. */
  resolve(internal: string): Promise<ResolvedPath> {
    const normalized = normalizeInternal(internal);
    let resolution = this.resolutions.get(normalized);
    if (!resolution) {
      resolution = this.resolveUncached(normalized);
      this.resolutions.set(normalized, resolution);
    }
    return resolution;
  }

  /** Looks at a path after following every symbolic link (stat). */
  async status(internal: string): Promise<{ resolved: ResolvedPath; status: LinkStatus }> {
    const resolved = await this.resolve(internal);
    if (!resolved.exists) return { resolved, status: resolved.failure === 'denied' ? 'denied' : 'missing' };
    return { resolved, status: await this.linkStatus(resolved.realPath) };
  }

  async isDirectory(internal: string): Promise<boolean> {
    const { status } = await this.status(internal);
    return typeof status === 'object' && status.isDirectory();
  }

  /** Lists a directory's entry names, or returns null when it cannot be listed. */
  async list(internal: string): Promise<string[] | null> {
    const resolved = await this.resolve(internal);
    if (!resolved.exists) return null;
    return fs.readdir(this.hostPath(resolved.realPath)).catch(() => null);
  }

  /** Reads at most `maxBytes` from the start of a file as UTF-8, or returns null when it cannot be read. */
  async readText(internal: string, maxBytes = 64 * 1024): Promise<string | null> {
    const bytes = await this.readBytes(internal, 0, maxBytes);
    return bytes === null ? null : bytes.toString('utf8');
  }

  /** Reads up to `length` bytes at `position` of a file, or returns null when it cannot be read. */
  async readBytes(internal: string, position: number, length: number): Promise<Buffer | null> {
    const resolved = await this.resolve(internal);
    if (!resolved.exists) return null;
    let handle: fs.FileHandle | null = null;
    try {
      handle = await fs.open(this.hostPath(resolved.realPath), 'r');
      const buffer = Buffer.alloc(length);
      const { bytesRead } = await handle.read(buffer, 0, length, position);
      return buffer.subarray(0, bytesRead);
    } catch {
      return null;
    } finally {
      await handle?.close();
    }
  }

  private readLink(internal: string): Promise<string | null> {
    let target = this.linkTargets.get(internal);
    if (!target) {
      target = fs.readlink(this.hostPath(internal)).catch(() => null);
      this.linkTargets.set(internal, target);
    }
    return target;
  }

  private async resolveUncached(internal: string): Promise<ResolvedPath> {
    const pending = internal.split('/').filter((part) => part !== '');
    const links: string[] = [];
    // Each link followed, with the number of components that came after it. A missing component
    // belongs to a link's target while more than that number is still pending.
    const followedLinks: { path: string; target: string; tailLength: number }[] = [];
    let current = '/';

    while (pending.length > 0) {
      const part = pending.shift()!;
      if (part === '.') continue;
      if (part === '..') {
        current = path.posix.dirname(current);
        continue;
      }
      const next = current === '/' ? `/${part}` : `${current}/${part}`;
      const status = await this.linkStatus(next);
      if (status === 'missing' || status === 'denied') {
        const culprit = [...followedLinks].reverse().find((link) => pending.length >= link.tailLength);
        return {
          realPath: normalizeInternal([next, ...pending].join('/')),
          links,
          exists: false,
          failure: status,
          danglingLink: status === 'missing' && culprit ? { path: culprit.path, target: culprit.target } : null,
        };
      }
      if (!status.isSymbolicLink()) {
        current = next;
        continue;
      }

      const target = await this.readLink(next);
      if (followedLinks.length >= MAX_SYMLINKS || target === null) {
        return {
          realPath: normalizeInternal([next, ...pending].join('/')),
          links,
          exists: false,
          failure: 'loop',
          danglingLink: null,
        };
      }
      followedLinks.push({ path: next, target, tailLength: pending.length });
      if (target.startsWith('/')) current = '/';
      pending.unshift(...target.split('/').filter((piece) => piece !== ''));
      links.push(normalizeInternal([current, ...pending].join('/')));
    }
    return { realPath: current, links, exists: true, failure: null, danglingLink: null };
  }
}
