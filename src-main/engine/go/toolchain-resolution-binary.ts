/**
 * Facts about `go` binaries and Go trees read from disk, without running anything: where a
 * command is found on PATH, the version and build settings recorded in a binary, and whether a
 * directory is a Go root.
 */
import { constants as fsConstants, promises as fs } from 'node:fs';
import path from 'node:path';

import type { GoBinaryInfo } from '../../shared/go-toolchain-resolution.ts';

/** The header Go 1.18+ linkers put at the start of the `.go.buildinfo` data, 16-byte aligned. */
const BUILD_INFO_MAGIC = Buffer.from('\xff Go buildinf:', 'latin1');
const BUILD_INFO_HEADER_SIZE = 32;
/** Flag bit set when the version and module strings follow the header inline (Go 1.18+). */
const BUILD_INFO_INLINE_STRINGS = 0x2;
/** Bytes of the sentinel cmd/go wraps around the module information string, on each side. */
const MODULE_INFO_SENTINEL_SIZE = 16;

/** Build information recorded in a Go binary. */
export interface GoBuildInfo {
  /** `runtime.Version()` of the binary, e.g. `go1.23.5`. */
  version: string;
  /** Main package path, e.g. `cmd/go`. */
  mainPackage: string | null;
  /** `build` settings such as `GOOS`, `GOARCH`, `-trimpath`. */
  settings: Map<string, string>;
}

/** Build information per file, keyed by path, size and modification time, since reading takes a few ms. */
const buildInfoCache = new Map<string, Promise<GoBuildInfo | null>>();

/**
 * Reads the version and build settings a Go 1.18+ linker records in a binary (what
 * `go version -m` prints). Returns null for files that are not Go binaries, and for binaries of
 * Go 1.17 and older, which record pointers instead of inline strings.
 */
export async function readGoBuildInfo(file: string): Promise<GoBuildInfo | null> {
  const stat = await fs.stat(file).catch(() => null);
  if (!stat?.isFile()) return null;
  const key = `${file}\0${stat.size}\0${stat.mtimeMs}`;
  let result = buildInfoCache.get(key);
  if (!result) {
    result = readBuildInfoUncached(file);
    buildInfoCache.set(key, result);
  }
  return result;
}

async function readBuildInfoUncached(file: string): Promise<GoBuildInfo | null> {
  const data = await fs.readFile(file).catch(() => null);
  if (!data) return null;
  let offset = data.indexOf(BUILD_INFO_MAGIC);
  while (offset >= 0 && offset % 16 !== 0) offset = data.indexOf(BUILD_INFO_MAGIC, offset + 1);
  if (offset < 0 || offset + BUILD_INFO_HEADER_SIZE > data.length) return null;
  const flags = data[offset + 15]!;
  if ((flags & BUILD_INFO_INLINE_STRINGS) === 0) return null;

  const version = readVarintString(data, offset + BUILD_INFO_HEADER_SIZE);
  if (!version) return null;
  const moduleInfo = readVarintString(data, version.end);
  const rawInfo = moduleInfo?.text ?? '';
  const hasSentinels =
    rawInfo.length >= 2 * MODULE_INFO_SENTINEL_SIZE + 1 && rawInfo[rawInfo.length - MODULE_INFO_SENTINEL_SIZE - 1] === '\n';
  const info = hasSentinels ? rawInfo.slice(MODULE_INFO_SENTINEL_SIZE, rawInfo.length - MODULE_INFO_SENTINEL_SIZE) : '';

  let mainPackage: string | null = null;
  const settings = new Map<string, string>();
  for (const line of info.split('\n')) {
    const [kind, ...fields] = line.split('\t');
    if (kind === 'path' && fields[0]) mainPackage = fields[0];
    if (kind === 'build' && fields[0]) {
      const equals = fields[0].indexOf('=');
      if (equals > 0) settings.set(fields[0].slice(0, equals), fields[0].slice(equals + 1));
    }
  }
  return { version: version.text, mainPackage, settings };
}

/** Reads a uvarint length followed by that many bytes, as Go's `encoding/binary.Uvarint`. */
function readVarintString(data: Buffer, start: number): { text: string; end: number } | null {
  let length = 0;
  let shift = 0;
  let position = start;
  for (;;) {
    if (position >= data.length || shift > 28) return null;
    const byte = data[position++]!;
    length += (byte & 0x7f) * 2 ** shift;
    if (byte < 0x80) break;
    shift += 7;
  }
  if (position + length > data.length) return null;
  return { text: data.toString('latin1', position, position + length), end: position + length };
}

/** Describes a `go` executable: where it really is and what its build information records. */
export async function describeGoBinary(file: string): Promise<GoBinaryInfo> {
  const realPath = await fs.realpath(file).catch(() => file);
  const linkStat = await fs.lstat(file).catch(() => null);
  const buildInfo = await readGoBuildInfo(realPath);
  const trimpath = buildInfo?.settings.get('-trimpath');
  return {
    path: file,
    realPath,
    isSymlink: linkStat?.isSymbolicLink() ?? false,
    version: buildInfo?.version ?? null,
    goos: buildInfo?.settings.get('GOOS') ?? null,
    goarch: buildInfo?.settings.get('GOARCH') ?? null,
    trimmed: buildInfo ? trimpath === 'true' : null,
    mainPackage: buildInfo?.mainPackage ?? null,
  };
}

/** Reports whether a file is something execve can run for this process: executable and not a directory. */
export async function isExecutableFile(file: string): Promise<boolean> {
  const stat = await fs.stat(file).catch(() => null);
  if (!stat || stat.isDirectory()) return false;
  return fs.access(file, fsConstants.X_OK).then(
    () => true,
    () => false,
  );
}

/** Lists every executable named `name` on PATH in search order. An empty entry means the current directory. */
export async function findOnPath(
  name: string,
  searchPath: string,
  cwd: string,
): Promise<{ entry: string; path: string }[]> {
  const found: { entry: string; path: string }[] = [];
  for (const entry of searchPath.split(':')) {
    const candidate = path.resolve(cwd, entry === '' ? '.' : entry, name);
    if (await isExecutableFile(candidate)) found.push({ entry, path: candidate });
  }
  return found;
}

/**
 * Looks `name` up on PATH as Go's `exec.LookPath` does since Go 1.19: the first match wins, but a
 * match found through a relative PATH entry (including an empty one) is an error, so the search
 * stops there with no result.
 */
export async function lookPathLikeGo(
  name: string,
  searchPath: string,
  cwd: string,
): Promise<{ path: string | null; rejectedRelative: string | null }> {
  for (const entry of searchPath.split(':')) {
    const directory = entry === '' ? '.' : entry;
    const candidate = path.resolve(cwd, directory, name);
    if (!(await isExecutableFile(candidate))) continue;
    if (!path.isAbsolute(directory)) return { path: null, rejectedRelative: path.join(directory, name) };
    return { path: path.join(directory, name), rejectedRelative: null };
  }
  return { path: null, rejectedRelative: null };
}

/** Reports whether a directory looks like a Go root to cmd/go: it has a `pkg/tool` directory. */
export async function isGoRoot(directory: string): Promise<boolean> {
  const stat = await fs.stat(path.join(directory, 'pkg', 'tool')).catch(() => null);
  return stat?.isDirectory() ?? false;
}

/** Reads the first line of `$GOROOT/VERSION` (Go 1.21+ adds a second `time` line). */
export async function readGoRootVersion(directory: string): Promise<string | null> {
  const text = await fs.readFile(path.join(directory, 'VERSION'), 'utf8').catch(() => null);
  return text?.split('\n')[0]?.trim() || null;
}

/**
 * Returns the Go root cmd/go derives from its executable: `../..` of the binary's real path, or,
 * from Go 1.22 on, `../../..` (for `bin/GOOS_GOARCH/go`), whichever has `pkg/tool`. On Linux,
 * `os.Executable` reads `/proc/self/exe`, which the kernel has already resolved, so a symbolic
 * link's own location never counts there.
 */
export async function goRootOfExecutable(realPath: string, checkThreeLevels: boolean): Promise<string | null> {
  const twoUp = path.resolve(realPath, '..', '..');
  if (await isGoRoot(twoUp)) return twoUp;
  if (!checkThreeLevels) return null;
  const threeUp = path.resolve(realPath, '..', '..', '..');
  return (await isGoRoot(threeUp)) ? threeUp : null;
}
