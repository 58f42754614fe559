/**
 * A local `file://` module proxy that serves the installed Debian Go trees as
 * `golang.org/toolchain@v0.0.1-goX.Y.Z.GOOS-GOARCH` modules, so GOTOOLCHAIN switching can be
 * tested without a network. cmd/go downloads a toolchain through GOPROXY like any module, then
 * unpacks it into GOMODCACHE and runs its `bin/go` with GOROOT set to that directory.
 *
 * The zips are built here from the local trees, so their contents differ from Google's zips. As in
 * the real ones, every `go.mod` inside the tree is stored as `_go.mod` (a module zip must not
 * contain nested modules), and cmd/go renames them back on first use. To keep the zips small, they
 * leave out `api`, `test`, `misc` and every `testdata` directory, none of which a toolchain needs
 * to run `go version`, `go env` or `go build`.
 *
 * Toolchain checksums are normally looked up in the checksum database even with GOSUMDB=off; the
 * exception cmd/go makes (Go 1.21+) is a GOPROXY that is exactly one `file://` URL, where GOSUMDB=off
 * applies. Runs through this proxy therefore need `GOPROXY=<url>` alone and `GOSUMDB=off`.
 */
import { promises as fs, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import zlib from 'node:zlib';

/** The Debian Go trees served by the proxy. */
export const PROXY_SOURCE_ROOTS = ['/usr/lib/go-1.22', '/usr/lib/go-1.23'] as const;

const TOOLCHAIN_MODULE = 'golang.org/toolchain';

/** One toolchain module the proxy serves. */
export interface ProxiedToolchain {
  /** Toolchain name, e.g. `go1.23.5`. */
  name: string;
  /** The tree the zip was built from. */
  sourceRoot: string;
  /** Module version, e.g. `v0.0.1-go1.23.5.linux-amd64`. */
  moduleVersion: string;
  /** Number of files in the zip. */
  fileCount: number;
}

export interface LocalToolchainProxy {
  /** Proxy root directory, readable by every user. */
  directory: string;
  /** The GOPROXY value for this proxy: a single `file://` URL. */
  url: string;
  toolchains: ProxiedToolchain[];
}

let building: Promise<LocalToolchainProxy> | null = null;
let builtDirectory: string | null = null;

/**
 * Returns the proxy for this test process, building it on first use. Zipping both trees took
 * about 10 s on a 2-vCPU machine, so every test in the process shares one proxy. It is removed
 * when the process exits, or earlier by `removeLocalToolchainProxy`.
 */
export function localToolchainProxy(): Promise<LocalToolchainProxy> {
  building ??= buildProxy();
  return building;
}

/** Removes the shared proxy directory, if it was built. */
export async function removeLocalToolchainProxy(): Promise<void> {
  if (!building) return;
  const proxy = await building.catch(() => null);
  building = null;
  builtDirectory = null;
  if (proxy) await fs.rm(path.dirname(proxy.directory), { recursive: true, force: true });
}

process.on('exit', () => {
  // Synchronous, because asynchronous work no longer runs in an exit handler.
  if (builtDirectory) rmSync(path.dirname(builtDirectory), { recursive: true, force: true });
});

/** Returns the module version cmd/go downloads for a toolchain name on a platform. */
export function toolchainModuleVersion(name: string, goos: string, goarch: string): string {
  return `v0.0.1-${name}.${goos}-${goarch}`;
}

async function buildProxy(): Promise<LocalToolchainProxy> {
  const parent = await fs.mkdtemp(path.join(os.tmpdir(), 'gel-toolchain-proxy-'));
  builtDirectory = path.join(parent, 'proxy');
  // mkdtemp creates mode 0700; the unprivileged test user must read the proxy too.
  await fs.chmod(parent, 0o755);
  const versionDirectory = path.join(builtDirectory, TOOLCHAIN_MODULE, '@v');
  await fs.mkdir(versionDirectory, { recursive: true, mode: 0o755 });

  // Built side by side: deflating runs on libuv's thread pool, so two zips take little longer than one.
  const toolchains = await Promise.all(PROXY_SOURCE_ROOTS.map((sourceRoot) => addToolchain(versionDirectory, sourceRoot)));
  const list = toolchains.map((toolchain) => `${toolchain.moduleVersion}\n`).join('');
  await fs.writeFile(path.join(versionDirectory, 'list'), list);

  return { directory: builtDirectory, url: pathToFileURL(builtDirectory).href, toolchains };
}

async function addToolchain(versionDirectory: string, sourceRoot: string): Promise<ProxiedToolchain> {
  const versionText = await fs.readFile(path.join(sourceRoot, 'VERSION'), 'utf8');
  const name = versionText.split('\n')[0]!.trim();
  const platform = await toolPlatform(sourceRoot);
  const moduleVersion = toolchainModuleVersion(name, platform.goos, platform.goarch);
  const base = path.join(versionDirectory, moduleVersion);

  await fs.writeFile(`${base}.info`, `${JSON.stringify({ Version: moduleVersion, Time: '2025-01-01T00:00:00Z' })}\n`);
  await fs.writeFile(`${base}.mod`, `module ${TOOLCHAIN_MODULE}\n`);
  const files = await toolchainFiles(sourceRoot);
  await writeZip(`${base}.zip`, `${TOOLCHAIN_MODULE}@${moduleVersion}/`, files);
  return { name, sourceRoot, moduleVersion, fileCount: files.length };
}

/** Reads GOOS and GOARCH from the tree's `pkg/tool/GOOS_GOARCH` directory. */
async function toolPlatform(sourceRoot: string): Promise<{ goos: string; goarch: string }> {
  const entries = await fs.readdir(path.join(sourceRoot, 'pkg', 'tool'));
  const match = entries.map((entry) => /^([a-z0-9]+)_([a-z0-9]+)$/.exec(entry)).find((found) => found !== null);
  if (!match) throw new Error(`no pkg/tool/GOOS_GOARCH directory in ${sourceRoot}`);
  return { goos: match[1]!, goarch: match[2]! };
}

interface ZipSource {
  /** Name inside the module, `/`-separated. */
  name: string;
  file: string;
}

const TOP_LEVEL_ENTRIES = ['VERSION', 'go.env', 'bin', 'pkg', 'src', 'lib'];

/** Lists the files of a Go tree that go into its toolchain zip, following symbolic links. */
async function toolchainFiles(sourceRoot: string): Promise<ZipSource[]> {
  const files: ZipSource[] = [];
  const seenLowercase = new Set<string>();

  const visit = async (file: string, name: string): Promise<void> => {
    const stat = await fs.stat(file).catch(() => null);
    if (!stat) return;
    if (stat.isDirectory()) {
      if (path.basename(file) === 'testdata') return;
      const entries = (await fs.readdir(file)).sort();
      for (const entry of entries) await visit(path.join(file, entry), `${name}/${entry}`);
      return;
    }
    if (!stat.isFile()) return;
    const stored = path.posix.basename(name) === 'go.mod' ? `${path.posix.dirname(name)}/_go.mod` : name;
    // cmd/go rejects zips whose paths differ only in case or break its file path rules.
    if (!isValidModuleFilePath(stored) || seenLowercase.has(stored.toLowerCase())) return;
    seenLowercase.add(stored.toLowerCase());
    files.push({ name: stored, file });
  };

  for (const entry of TOP_LEVEL_ENTRIES) await visit(path.join(sourceRoot, entry), entry);
  return files;
}

/** Windows device names, which module file paths must not use as an element (before any dot). */
const WINDOWS_RESERVED_NAMES = new Set([
  'CON', 'PRN', 'AUX', 'NUL',
  'COM0', 'COM1', 'COM2', 'COM3', 'COM4', 'COM5', 'COM6', 'COM7', 'COM8', 'COM9',
  'LPT0', 'LPT1', 'LPT2', 'LPT3', 'LPT4', 'LPT5', 'LPT6', 'LPT7', 'LPT8', 'LPT9',
]);

/** Applies the file path rules of golang.org/x/mod/module.CheckFilePath. */
function isValidModuleFilePath(name: string): boolean {
  return name.split('/').every((element) => {
    if (element === '' || /^\.+$/.test(element) || element.endsWith('.')) return false;
    for (const character of element) {
      const ascii = character.charCodeAt(0) < 0x80;
      if (ascii && !/[0-9A-Za-z!#$%&()+,\-.=@[\]^_{}~ ]/.test(character)) return false;
      if (!ascii && !/\p{L}/u.test(character)) return false;
    }
    const short = element.split('.')[0]!.toUpperCase();
    return !WINDOWS_RESERVED_NAMES.has(short);
  });
}

const deflateRaw = promisify(zlib.deflateRaw);

/** 2025-01-01 00:00:00 in MS-DOS date and time format. */
const DOS_DATE = ((2025 - 1980) << 9) | (1 << 5) | 1;
const DOS_TIME = 0;
const ZIP_METHOD_DEFLATE = 8;
const ZIP_VERSION = 20;
const ZIP_UTF8_FLAG = 0x0800;

/**
 * Writes a zip (deflate, no ZIP64) with every file under `prefix`. The zip format without ZIP64
 * limits the archive to 4 GiB and 65535 entries, far above a Go tree's 100-300 MB and ~7000 files.
 */
async function writeZip(target: string, prefix: string, files: ZipSource[]): Promise<void> {
  if (files.length > 0xffff) throw new Error(`too many files for a zip without ZIP64: ${files.length}`);
  const handle = await fs.open(target, 'w');
  const centralDirectory: Buffer[] = [];
  let offset = 0;
  try {
    for (const source of files) {
      const data = await fs.readFile(source.file);
      const compressed = await deflateRaw(data, { level: zlib.constants.Z_BEST_SPEED });
      const name = Buffer.from(prefix + source.name, 'utf8');
      const crc = zlib.crc32(data);

      const local = Buffer.alloc(30);
      local.writeUInt32LE(0x04034b50, 0);
      local.writeUInt16LE(ZIP_VERSION, 4);
      local.writeUInt16LE(ZIP_UTF8_FLAG, 6);
      local.writeUInt16LE(ZIP_METHOD_DEFLATE, 8);
      local.writeUInt16LE(DOS_TIME, 10);
      local.writeUInt16LE(DOS_DATE, 12);
      local.writeUInt32LE(crc, 14);
      local.writeUInt32LE(compressed.length, 18);
      local.writeUInt32LE(data.length, 22);
      local.writeUInt16LE(name.length, 26);
      local.writeUInt16LE(0, 28);
      await handle.write(local);
      await handle.write(name);
      await handle.write(compressed);

      const central = Buffer.alloc(46);
      central.writeUInt32LE(0x02014b50, 0);
      // Made by: Unix (3), so the external attributes carry a Unix mode.
      central.writeUInt16LE((3 << 8) | ZIP_VERSION, 4);
      central.writeUInt16LE(ZIP_VERSION, 6);
      central.writeUInt16LE(ZIP_UTF8_FLAG, 8);
      central.writeUInt16LE(ZIP_METHOD_DEFLATE, 10);
      central.writeUInt16LE(DOS_TIME, 12);
      central.writeUInt16LE(DOS_DATE, 14);
      central.writeUInt32LE(crc, 16);
      central.writeUInt32LE(compressed.length, 20);
      central.writeUInt32LE(data.length, 24);
      central.writeUInt16LE(name.length, 28);
      central.writeUInt32LE(((0o100644 << 16) >>> 0), 38);
      central.writeUInt32LE(offset, 42);
      centralDirectory.push(central, name);

      offset += local.length + name.length + compressed.length;
      if (offset > 0xffffffff) throw new Error(`zip ${target} exceeds 4 GiB, which needs ZIP64`);
    }

    const directory = Buffer.concat(centralDirectory);
    const end = Buffer.alloc(22);
    end.writeUInt32LE(0x06054b50, 0);
    end.writeUInt16LE(files.length, 8);
    end.writeUInt16LE(files.length, 10);
    end.writeUInt32LE(directory.length, 12);
    end.writeUInt32LE(offset, 16);
    await handle.write(directory);
    await handle.write(end);
  } finally {
    await handle.close();
  }
}
