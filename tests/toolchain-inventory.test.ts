/**
 * The Go toolchain inventory: the real Go installs of this machine, and Linux, macOS and Windows
 * layouts of every supported installer and version manager built under throwaway roots. Every
 * fake `go` in the fixtures is a script that appends to a marker file when run, so the tests can
 * show that the inventory never runs one.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { findGoCandidates } from '../src-main/engine/go/go-probe.ts';
import { contextsUsingToolchain, findInstalledToolchains } from '../src-main/engine/go/toolchain-inventory.ts';
import type { InstalledToolchain, ToolchainInventory } from '../src-main/shared/go-toolchains.ts';
import type { GoInfo, ScanContext } from '../src-main/shared/scan-report.ts';
import { goVersionOf } from './helpers/system-facts.ts';
import { asTestUser, TEST_USER, TEST_USER_NAME } from './helpers/test-user.ts';

const PROJECT_ROOT = fileURLToPath(new URL('..', import.meta.url));
const INVENTORY_MODULE = path.join(PROJECT_ROOT, 'src-main/engine/go/toolchain-inventory.ts');

// ---------------------------------------------------------------------------------------------
// Fixture building

/** A file to create under a fixture root: text or bytes, a symbolic link, or an empty directory. */
type FixtureFile =
  | string
  | Buffer
  | { content: string | Buffer; mode: number }
  | { symlink: string }
  | { directory: true; mode?: number };

type FixtureLayout = Record<string, FixtureFile>;

let suiteDirectory = '';
/** The file every fake `go` appends its path to when something runs it. */
let executionMarker = '';

before(async () => {
  suiteDirectory = await fs.mkdtemp(path.join(os.tmpdir(), 'gel-inventory-'));
  await fs.chmod(suiteDirectory, 0o755);
  executionMarker = path.join(suiteDirectory, 'EXECUTED');
});

after(async () => {
  await fs.rm(suiteDirectory, { recursive: true, force: true });
});

async function createRoot(name: string, layout: FixtureLayout): Promise<string> {
  const root = path.join(suiteDirectory, name);
  await fs.mkdir(root, { recursive: true, mode: 0o755 });
  await writeLayout(root, layout);
  return root;
}

async function writeLayout(root: string, layout: FixtureLayout): Promise<void> {
  for (const [relative, file] of Object.entries(layout)) {
    const target = path.join(root, relative);
    await fs.mkdir(path.dirname(target), { recursive: true });
    if (typeof file === 'object' && 'symlink' in file) {
      await fs.symlink(file.symlink, target);
    } else if (typeof file === 'object' && 'directory' in file) {
      await fs.mkdir(target, { recursive: true });
      if (file.mode !== undefined) await fs.chmod(target, file.mode);
    } else if (typeof file === 'object' && 'content' in file && !Buffer.isBuffer(file)) {
      await fs.writeFile(target, file.content);
      await fs.chmod(target, file.mode);
    } else {
      await fs.writeFile(target, file);
      await fs.chmod(target, 0o755);
    }
  }
}

/** A `go` that records that it ran; the inventory must only ever read it. */
function markerScript(): string {
  return `#!/bin/sh\necho "$0" >> '${executionMarker}'\nexit 0\n`;
}

interface TreeOptions {
  /** First line of VERSION; null leaves the file out. */
  version: string | null;
  /** The `go` binary: a marker script (default), bytes of an executable, or null for none. */
  binary?: 'script' | Buffer | null;
  binaryMode?: number;
  windows?: boolean;
  /** The `pkg/tool/<os_arch>` directory; null leaves `pkg/tool` out. */
  tools?: string | null;
  source?: boolean;
  goEnv?: boolean;
}

/** Returns the files of a Go root under `prefix`. */
function goTree(prefix: string, options: TreeOptions): FixtureLayout {
  const layout: FixtureLayout = {};
  if (options.version !== null) layout[`${prefix}/VERSION`] = `${options.version}\ntime 2025-01-01T00:00:00Z\n`;
  const binary = options.binary === undefined ? 'script' : options.binary;
  if (binary !== null) {
    const content = binary === 'script' ? markerScript() : binary;
    layout[`${prefix}/bin/go${options.windows ? '.exe' : ''}`] = { content, mode: options.binaryMode ?? 0o755 };
  }
  const tools = options.tools === undefined ? 'linux_amd64' : options.tools;
  if (tools !== null) layout[`${prefix}/pkg/tool/${tools}/compile`] = { content: 'not a real compiler\n', mode: 0o644 };
  if (options.source ?? true) layout[`${prefix}/src/runtime/runtime.go`] = 'package runtime\n';
  if (options.goEnv ?? true) layout[`${prefix}/go.env`] = 'GOPROXY=https://proxy.golang.org,direct\nGOSUMDB=sum.golang.org\nGOTOOLCHAIN=auto\n';
  return layout;
}

// ---------------------------------------------------------------------------------------------
// Executables with Go build information, in the byte layout debug/buildinfo reads

const BUILD_INFO_MAGIC = Buffer.from('\xff Go buildinf:', 'latin1');
const MODULE_SENTINEL_START = Buffer.from('3077af0c9274080241e1c107e6d618e6', 'hex');
const MODULE_SENTINEL_END = Buffer.from('f932433186182072008242104116d8f2', 'hex');

interface BuildInfoOptions {
  version: string;
  mainPackage?: string;
  settings?: Record<string, string>;
}

function moduleText(options: BuildInfoOptions): Buffer {
  const lines = [`path\t${options.mainPackage ?? 'cmd/go'}`];
  for (const [key, value] of Object.entries(options.settings ?? {})) lines.push(`build\t${key}=${value}`);
  return Buffer.concat([MODULE_SENTINEL_START, Buffer.from(`${lines.join('\n')}\n`), MODULE_SENTINEL_END]);
}

function uvarint(value: number): Buffer {
  const bytes: number[] = [];
  while (value >= 0x80) {
    bytes.push((value & 0x7f) | 0x80);
    value >>>= 7;
  }
  bytes.push(value);
  return Buffer.from(bytes);
}

/** Build information of Go 1.18+: a 32-byte header, then the version and module text inline. */
function inlineBuildInfo(options: BuildInfoOptions): Buffer {
  const header = Buffer.alloc(32);
  BUILD_INFO_MAGIC.copy(header);
  header[14] = 8;
  header[15] = 0x2;
  const version = Buffer.from(options.version);
  const module = moduleText(options);
  return Buffer.concat([header, uvarint(version.length), version, uvarint(module.length), module]);
}

function u64(value: number | bigint): Buffer {
  const buffer = Buffer.alloc(8);
  buffer.writeBigUInt64LE(BigInt(value));
  return buffer;
}

function padTo(buffer: Buffer, alignment: number): Buffer {
  const padding = (alignment - (buffer.length % alignment)) % alignment;
  return Buffer.concat([buffer, Buffer.alloc(padding)]);
}

interface ElfOptions extends BuildInfoOptions {
  machine?: number;
  osAbi?: number;
  /** Go 1.13–1.17 layout: pointers to string headers in another section. */
  pointerFormat?: boolean;
}

/** Builds a 64-bit little-endian ELF file with `.go.buildinfo`, `.rodata` and `.shstrtab` sections. */
function elfGoBinary(options: ElfOptions): Buffer {
  const BUILD_INFO_ADDRESS = 0x600000;
  const RODATA_ADDRESS = 0x500000;
  let buildInfo: Buffer;
  let rodata = Buffer.alloc(16);
  if (options.pointerFormat) {
    const version = Buffer.from(options.version);
    const module = moduleText(options).subarray(16, -16);
    rodata = Buffer.concat([
      u64(RODATA_ADDRESS + 32),
      u64(version.length),
      u64(RODATA_ADDRESS + 32 + version.length),
      u64(module.length),
      version,
      module,
    ]);
    buildInfo = Buffer.alloc(32);
    BUILD_INFO_MAGIC.copy(buildInfo);
    buildInfo[14] = 8;
    buildInfo[15] = 0;
    buildInfo.writeBigUInt64LE(BigInt(RODATA_ADDRESS), 16);
    buildInfo.writeBigUInt64LE(BigInt(RODATA_ADDRESS + 16), 24);
  } else {
    buildInfo = inlineBuildInfo(options);
  }
  const names = Buffer.from('\0.go.buildinfo\0.rodata\0.shstrtab\0', 'latin1');
  const buildInfoOffset = 64;
  const rodataOffset = buildInfoOffset + padTo(buildInfo, 16).length;
  const namesOffset = rodataOffset + padTo(rodata, 16).length;
  const sectionTableOffset = namesOffset + padTo(names, 16).length;

  const header = Buffer.alloc(64);
  Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, options.osAbi ?? 0]).copy(header);
  header.writeUInt16LE(2, 16);
  header.writeUInt16LE(options.machine ?? 62, 18);
  header.writeUInt32LE(1, 20);
  header.writeBigUInt64LE(BigInt(sectionTableOffset), 40);
  header.writeUInt16LE(64, 52);
  header.writeUInt16LE(64, 58);
  header.writeUInt16LE(4, 60);
  header.writeUInt16LE(3, 62);

  const section = (nameOffset: number, type: number, address: number, offset: number, size: number) => {
    const entry = Buffer.alloc(64);
    entry.writeUInt32LE(nameOffset, 0);
    entry.writeUInt32LE(type, 4);
    entry.writeBigUInt64LE(BigInt(address), 16);
    entry.writeBigUInt64LE(BigInt(offset), 24);
    entry.writeBigUInt64LE(BigInt(size), 32);
    return entry;
  };
  const PROGBITS = 1;
  const STRTAB = 3;
  return Buffer.concat([
    header,
    padTo(buildInfo, 16),
    padTo(rodata, 16),
    padTo(names, 16),
    Buffer.alloc(64),
    section(1, PROGBITS, BUILD_INFO_ADDRESS, buildInfoOffset, buildInfo.length),
    section(15, PROGBITS, RODATA_ADDRESS, rodataOffset, rodata.length),
    section(23, STRTAB, 0, namesOffset, names.length),
  ]);
}

/** Builds a 64-bit Mach-O file with one `__DATA,__go_buildinfo` section. */
function machOGoBinary(options: BuildInfoOptions & { cpuType: number }): Buffer {
  const buildInfo = padTo(inlineBuildInfo(options), 16);
  const dataOffset = 192;
  const fixedName = (name: string) => {
    const buffer = Buffer.alloc(16);
    buffer.write(name, 'latin1');
    return buffer;
  };
  const header = Buffer.alloc(32);
  header.writeUInt32LE(0xfeedfacf, 0);
  header.writeUInt32LE(options.cpuType, 4);
  header.writeUInt32LE(2, 12);
  header.writeUInt32LE(1, 16);
  header.writeUInt32LE(72 + 80, 20);

  const segment = Buffer.alloc(72);
  segment.writeUInt32LE(0x19, 0);
  segment.writeUInt32LE(72 + 80, 4);
  fixedName('__DATA').copy(segment, 8);
  segment.writeBigUInt64LE(0x100004000n, 24);
  segment.writeBigUInt64LE(BigInt(buildInfo.length), 32);
  segment.writeBigUInt64LE(BigInt(dataOffset), 40);
  segment.writeBigUInt64LE(BigInt(buildInfo.length), 48);
  segment.writeUInt32LE(1, 64);

  const section = Buffer.alloc(80);
  fixedName('__go_buildinfo').copy(section, 0);
  fixedName('__DATA').copy(section, 16);
  section.writeBigUInt64LE(0x100004000n, 32);
  section.writeBigUInt64LE(BigInt(buildInfo.length), 40);
  section.writeUInt32LE(dataOffset, 48);

  const commands = Buffer.concat([header, segment, section]);
  return Buffer.concat([commands, Buffer.alloc(dataOffset - commands.length), buildInfo]);
}

/** Builds a PE32+ file with one `.data` section starting with the build information. */
function peGoBinary(options: BuildInfoOptions & { machine: number }): Buffer {
  const buildInfo = padTo(inlineBuildInfo(options), 16);
  const dos = Buffer.alloc(64);
  dos.write('MZ', 0, 'latin1');
  dos.writeUInt32LE(0x40, 0x3c);
  const coff = Buffer.alloc(24);
  coff.write('PE\0\0', 0, 'latin1');
  coff.writeUInt16LE(options.machine, 4);
  coff.writeUInt16LE(1, 6);
  coff.writeUInt16LE(240, 20);
  coff.writeUInt16LE(0x22, 22);
  const optional = Buffer.alloc(240);
  optional.writeUInt16LE(0x20b, 0);
  optional.writeBigUInt64LE(0x140000000n, 24);
  const sectionEntry = Buffer.alloc(40);
  sectionEntry.write('.data', 0, 'latin1');
  sectionEntry.writeUInt32LE(buildInfo.length, 8);
  sectionEntry.writeUInt32LE(0x1000, 12);
  sectionEntry.writeUInt32LE(buildInfo.length, 16);
  sectionEntry.writeUInt32LE(0x200, 20);
  const headers = Buffer.concat([dos, coff, optional, sectionEntry]);
  return Buffer.concat([headers, Buffer.alloc(0x200 - headers.length), buildInfo]);
}

// ---------------------------------------------------------------------------------------------
// Helpers for checks

function toolchainAt(inventory: ToolchainInventory, goroot: string): InstalledToolchain {
  const found = inventory.toolchains.find((toolchain) => toolchain.goroot === goroot);
  assert.ok(found, `no toolchain at ${goroot}; found ${inventory.toolchains.map((toolchain) => toolchain.id).join(', ')}`);
  return found;
}

function problemCodes(toolchain: InstalledToolchain): string[] {
  return toolchain.problems.map((problem) => problem.code).sort();
}

async function assertNothingRan(): Promise<void> {
  const ran = await fs.readFile(executionMarker, 'utf8').catch(() => '');
  assert.equal(ran, '', `fake go binaries were run:\n${ran}`);
}

// ---------------------------------------------------------------------------------------------
// This machine

const REAL_INSTALLS = [
  { goroot: '/usr/local/go', manager: 'tarball' },
  { goroot: '/usr/lib/go-1.19', manager: 'debian' },
  { goroot: '/usr/lib/go-1.22', manager: 'debian' },
  { goroot: '/usr/lib/go-1.23', manager: 'debian' },
] as const;

/** The version and GOOS/GOARCH each real install prints for `go version`, the test's own oracle. */
const realVersions = new Map<string, string>();

describe('inventory of this machine', () => {
  let inventory: ToolchainInventory;
  let home = '';

  before(async () => {
    home = await fs.mkdtemp(path.join(os.tmpdir(), 'gel-inventory-home-'));
    for (const install of REAL_INSTALLS) realVersions.set(install.goroot, goVersionOf(`${install.goroot}/bin/go`));
    inventory = await findInstalledToolchains({ env: { PATH: '/usr/local/go/bin:/usr/bin:/bin', HOME: home } });
  });

  after(async () => {
    await fs.rm(home, { recursive: true, force: true });
  });

  for (const install of REAL_INSTALLS) {
    test(`real install ${install.goroot}`, () => {
      const toolchain = toolchainAt(inventory, install.goroot);
      assert.equal(toolchain.manager, install.manager);
      assert.equal(toolchain.version?.value, realVersions.get(install.goroot));
      assert.equal(toolchain.version?.source, 'VERSION');
      assert.equal(toolchain.goos, 'linux');
      assert.equal(toolchain.goarch, 'amd64');
      assert.equal(toolchain.platformSource, 'build-info');
      assert.equal(toolchain.goBinary?.format, 'elf');
      assert.equal(toolchain.goBinary?.buildVersion, realVersions.get(install.goroot));
      assert.equal(toolchain.complete, true, JSON.stringify(toolchain.problems));
      assert.deepEqual(toolchain.problems, []);
    });
  }

  test('real installs counted once each', () => {
    for (const install of REAL_INSTALLS) {
      const matches = inventory.toolchains.filter((toolchain) => toolchain.goroot === install.goroot);
      assert.equal(matches.length, 1, install.goroot);
    }
  });

  test('real PATH go is the tarball', () => {
    const tarball = toolchainAt(inventory, '/usr/local/go');
    assert.equal(tarball.firstOnPath, true);
    assert.deepEqual(tarball.aliases, [{ path: '/usr/local/go/bin/go', kind: 'path', links: [], pathIndex: 0 }]);
    assert.deepEqual(tarball.foundBy, ['known-location', 'path']);
    for (const other of inventory.toolchains.filter((toolchain) => toolchain !== tarball)) {
      assert.equal(other.firstOnPath, false, other.id);
    }
  });

  test('real Debian trees and build flags', () => {
    // Debian builds 1.22 and 1.23 with -trimpath; 1.19 records no -trimpath setting.
    assert.equal(toolchainAt(inventory, '/usr/lib/go-1.19').goBinary?.trimpath, false);
    assert.equal(toolchainAt(inventory, '/usr/lib/go-1.22').goBinary?.trimpath, true);
    assert.equal(toolchainAt(inventory, '/usr/lib/go-1.23').goBinary?.trimpath, true);
    // Go 1.19 predates $GOROOT/go.env, so its absence is no gap there.
    assert.equal(toolchainAt(inventory, '/usr/lib/go-1.19').layout.goEnvFile, 'missing');
    assert.equal(toolchainAt(inventory, '/usr/lib/go-1.23').layout.goEnvFile, 'present');
    assert.deepEqual(toolchainAt(inventory, '/usr/lib/go-1.23').toolDirectories, ['linux_amd64']);
  });
});

// ---------------------------------------------------------------------------------------------
// Linux layouts of every manager

const LINUX_HOME = '/home/dev';

describe('linux manager layouts', () => {
  let inventory: ToolchainInventory;

  before(async () => {
    const root = await createRoot('linux-managers', {
      ...goTree('usr/local/go', { version: 'go1.22.5' }),
      ...goTree('opt/go1.21', { version: 'go1.21.13', tools: 'linux_arm64' }),
      ...goTree('usr/lib/go-1.20', { version: 'go1.20.7', goEnv: false }),
      ...goTree('usr/lib/golang', { version: 'go1.21.9' }),
      ...goTree('usr/lib/go', { version: 'go1.22.9' }),
      ...goTree('snap/go/10455', { version: 'go1.22.4' }),
      'snap/go/current': { symlink: '10455' },
      ...goTree('home/linuxbrew/.linuxbrew/Cellar/go/1.22.2/libexec', { version: 'go1.22.2' }),
      'home/linuxbrew/.linuxbrew/opt/go': { symlink: '../Cellar/go/1.22.2' },
      ...goTree('nix/store/0abc-go-1.21.8/share/go', { version: 'go1.21.8' }),
      'nix/store/0abc-go-1.21.8/bin/go': { symlink: '../share/go/bin/go' },
      ...goTree('home/dev/sdk/go1.21.0', { version: 'go1.21.0' }),
      'home/dev/sdk/go1.21.0/.unpacked-success': '',
      ...goTree('home/dev/go/pkg/mod/golang.org/toolchain@v0.0.1-go1.23.4.linux-amd64', { version: 'go1.23.4' }),
      ...goTree('home/dev/.goenv/versions/1.20.14', { version: 'go1.20.14', goEnv: false }),
      ...goTree('home/dev/.gvm/gos/go1.19.13', {
        version: 'go1.19.13',
        goEnv: false,
        tools: 'linux_386',
        binary: elfGoBinary({ version: 'go1.19.13', machine: 3, settings: { GOOS: 'linux', GOARCH: '386' } }),
      }),
      ...goTree('home/dev/.asdf/installs/golang/1.21.6/go', {
        version: 'go1.21.6',
        tools: 'linux_amd64',
        binary: elfGoBinary({ version: 'go1.21.6', machine: 183 }),
      }),
      ...goTree('home/dev/.local/share/mise/installs/go/1.22.1', { version: 'go1.22.1' }),
      ...goTree('home/dev/.local/share/mise/installs/go/1.20.3/go', { version: 'go1.20.3', goEnv: false }),
      ...goTree('home/dev/.g/versions/1.21.5', { version: 'go1.21.5' }),
      'home/dev/.g/go': { symlink: 'versions/1.21.5' },
      ...goTree('home/dev/.gobrew/versions/1.22.3/go', { version: 'go1.22.3' }),
      'home/dev/.gobrew/current': { symlink: 'versions/1.22.3' },
      ...goTree('home/dev/.goup/go1.20.1/go', { version: 'go1.20.1', goEnv: false }),
    });
    inventory = await findInstalledToolchains({
      root,
      platform: 'linux',
      env: { HOME: LINUX_HOME, PATH: '/usr/local/go/bin:/usr/bin:/bin' },
    });
  });

  const cases = [
    { goroot: '/usr/local/go', manager: 'tarball', version: 'go1.22.5', goarch: 'amd64', platformSource: 'tool-directory' },
    { goroot: '/opt/go1.21', manager: 'tarball', version: 'go1.21.13', goarch: 'arm64', platformSource: 'tool-directory' },
    { goroot: '/usr/lib/go-1.20', manager: 'debian', version: 'go1.20.7', goarch: 'amd64', platformSource: 'tool-directory' },
    { goroot: '/usr/lib/golang', manager: 'fedora', version: 'go1.21.9', goarch: 'amd64', platformSource: 'tool-directory' },
    { goroot: '/usr/lib/go', manager: 'system-package', version: 'go1.22.9', goarch: 'amd64', platformSource: 'tool-directory' },
    { goroot: '/snap/go/10455', manager: 'snap', version: 'go1.22.4', goarch: 'amd64', platformSource: 'tool-directory' },
    {
      goroot: '/home/linuxbrew/.linuxbrew/Cellar/go/1.22.2/libexec',
      manager: 'homebrew',
      version: 'go1.22.2',
      goarch: 'amd64',
      platformSource: 'tool-directory',
    },
    { goroot: '/nix/store/0abc-go-1.21.8/share/go', manager: 'nix', version: 'go1.21.8', goarch: 'amd64', platformSource: 'tool-directory' },
    { goroot: '/home/dev/sdk/go1.21.0', manager: 'golang.org/dl', version: 'go1.21.0', goarch: 'amd64', platformSource: 'tool-directory' },
    {
      goroot: '/home/dev/go/pkg/mod/golang.org/toolchain@v0.0.1-go1.23.4.linux-amd64',
      manager: 'toolchain-module',
      version: 'go1.23.4',
      goarch: 'amd64',
      platformSource: 'tool-directory',
    },
    { goroot: '/home/dev/.goenv/versions/1.20.14', manager: 'goenv', version: 'go1.20.14', goarch: 'amd64', platformSource: 'tool-directory' },
    { goroot: '/home/dev/.gvm/gos/go1.19.13', manager: 'gvm', version: 'go1.19.13', goarch: '386', platformSource: 'build-info' },
    { goroot: '/home/dev/.asdf/installs/golang/1.21.6/go', manager: 'asdf', version: 'go1.21.6', goarch: 'arm64', platformSource: 'binary-header' },
    { goroot: '/home/dev/.local/share/mise/installs/go/1.22.1', manager: 'mise', version: 'go1.22.1', goarch: 'amd64', platformSource: 'tool-directory' },
    { goroot: '/home/dev/.local/share/mise/installs/go/1.20.3/go', manager: 'mise', version: 'go1.20.3', goarch: 'amd64', platformSource: 'tool-directory' },
    { goroot: '/home/dev/.g/versions/1.21.5', manager: 'g', version: 'go1.21.5', goarch: 'amd64', platformSource: 'tool-directory' },
    { goroot: '/home/dev/.gobrew/versions/1.22.3/go', manager: 'gobrew', version: 'go1.22.3', goarch: 'amd64', platformSource: 'tool-directory' },
    { goroot: '/home/dev/.goup/go1.20.1/go', manager: 'goup', version: 'go1.20.1', goarch: 'amd64', platformSource: 'tool-directory' },
  ] as const;

  for (const expected of cases) {
    test(`linux ${expected.manager} at ${expected.goroot}`, () => {
      const toolchain = toolchainAt(inventory, expected.goroot);
      assert.equal(toolchain.manager, expected.manager);
      assert.equal(toolchain.version?.value, expected.version);
      assert.equal(toolchain.goos, 'linux');
      assert.equal(toolchain.goarch, expected.goarch);
      assert.equal(toolchain.platformSource, expected.platformSource);
      assert.equal(toolchain.complete, true, JSON.stringify(toolchain.problems));
    });
  }

  test('linux layouts have no other toolchain', () => {
    const found = inventory.toolchains.map((toolchain) => toolchain.goroot).sort();
    assert.deepEqual(found, cases.map((expected) => expected.goroot).sort());
  });

  test('linux manager links become aliases', () => {
    const snap = toolchainAt(inventory, '/snap/go/10455');
    assert.ok(snap.aliases.some((alias) => alias.kind === 'symlink' && alias.path === '/snap/go/current'));
    const homebrew = toolchainAt(inventory, '/home/linuxbrew/.linuxbrew/Cellar/go/1.22.2/libexec');
    assert.ok(homebrew.aliases.some((alias) => alias.path === '/home/linuxbrew/.linuxbrew/opt/go/libexec'));
    const g = toolchainAt(inventory, '/home/dev/.g/versions/1.21.5');
    assert.ok(g.aliases.some((alias) => alias.path === '/home/dev/.g/go'));
    const gobrew = toolchainAt(inventory, '/home/dev/.gobrew/versions/1.22.3/go');
    assert.ok(gobrew.aliases.some((alias) => alias.path === '/home/dev/.gobrew/current/go'));
  });

  test('linux layouts run nothing', async () => {
    await assertNothingRan();
  });
});

// ---------------------------------------------------------------------------------------------
// macOS layouts

describe('darwin layouts', () => {
  let inventory: ToolchainInventory;

  before(async () => {
    const root = await createRoot('darwin', {
      ...goTree('usr/local/go', {
        version: 'go1.22.0',
        tools: 'darwin_arm64',
        binary: machOGoBinary({ version: 'go1.22.0', cpuType: 0x0100000c, settings: { GOOS: 'darwin', GOARCH: 'arm64' } }),
      }),
      'etc/paths.d/go': { content: '/usr/local/go/bin\n', mode: 0o644 },
      ...goTree('opt/homebrew/Cellar/go/1.22.1/libexec', { version: 'go1.22.1', tools: 'darwin_arm64' }),
      'opt/homebrew/Cellar/go/1.22.1/bin/go': { symlink: '../libexec/bin/go' },
      'opt/homebrew/bin/go': { symlink: '../Cellar/go/1.22.1/bin/go' },
      'opt/homebrew/opt/go': { symlink: '../Cellar/go/1.22.1' },
      ...goTree('usr/local/Cellar/go@1.21/1.21.8/libexec', {
        version: 'go1.21.8',
        tools: null,
        binary: machOGoBinary({ version: 'go1.21.8', cpuType: 0x01000007 }),
      }),
      ...goTree('opt/local/lib/go', { version: 'go1.21.4', tools: 'darwin_amd64' }),
      ...goTree('Users/dev/.goenv/versions/1.20.5', { version: 'go1.20.5', tools: 'darwin_arm64', goEnv: false }),
      ...goTree('Users/dev/sdk/go1.22.2', { version: 'go1.22.2', tools: 'darwin_arm64' }),
      'Users/dev/sdk/go1.22.2/.unpacked-success': '',
    });
    inventory = await findInstalledToolchains({
      root,
      platform: 'darwin',
      env: { HOME: '/Users/dev', PATH: '/opt/homebrew/bin:/usr/local/go/bin:/usr/bin:/bin' },
    });
  });

  const cases = [
    { goroot: '/usr/local/go', manager: 'macos-pkg', version: 'go1.22.0', goarch: 'arm64', platformSource: 'build-info' },
    { goroot: '/opt/homebrew/Cellar/go/1.22.1/libexec', manager: 'homebrew', version: 'go1.22.1', goarch: 'arm64', platformSource: 'tool-directory' },
    { goroot: '/usr/local/Cellar/go@1.21/1.21.8/libexec', manager: 'homebrew', version: 'go1.21.8', goarch: 'amd64', platformSource: 'binary-header' },
    { goroot: '/opt/local/lib/go', manager: 'macports', version: 'go1.21.4', goarch: 'amd64', platformSource: 'tool-directory' },
    { goroot: '/Users/dev/.goenv/versions/1.20.5', manager: 'goenv', version: 'go1.20.5', goarch: 'arm64', platformSource: 'tool-directory' },
    { goroot: '/Users/dev/sdk/go1.22.2', manager: 'golang.org/dl', version: 'go1.22.2', goarch: 'arm64', platformSource: 'tool-directory' },
  ] as const;

  for (const expected of cases) {
    test(`darwin ${expected.manager} at ${expected.goroot}`, () => {
      const toolchain = toolchainAt(inventory, expected.goroot);
      assert.equal(toolchain.manager, expected.manager);
      assert.equal(toolchain.version?.value, expected.version);
      assert.equal(toolchain.goos, 'darwin');
      assert.equal(toolchain.goarch, expected.goarch);
      assert.equal(toolchain.platformSource, expected.platformSource);
    });
  }

  test('darwin layouts have no other toolchain', () => {
    assert.deepEqual(
      inventory.toolchains.map((toolchain) => toolchain.goroot).sort(),
      cases.map((expected) => expected.goroot).sort(),
    );
  });

  test('darwin Homebrew link chain on PATH', () => {
    const homebrew = toolchainAt(inventory, '/opt/homebrew/Cellar/go/1.22.1/libexec');
    assert.equal(homebrew.firstOnPath, true);
    const onPath = homebrew.aliases.find((alias) => alias.kind === 'path');
    assert.deepEqual(onPath, {
      path: '/opt/homebrew/bin/go',
      kind: 'path',
      links: ['/opt/homebrew/Cellar/go/1.22.1/bin/go', '/opt/homebrew/Cellar/go/1.22.1/libexec/bin/go'],
      pathIndex: 0,
    });
    assert.ok(homebrew.aliases.some((alias) => alias.kind === 'symlink' && alias.path === '/opt/homebrew/opt/go/libexec'));
    assert.equal(toolchainAt(inventory, '/usr/local/go').firstOnPath, false);
  });

  test('darwin Mach-O header read', () => {
    const intel = toolchainAt(inventory, '/usr/local/Cellar/go@1.21/1.21.8/libexec');
    assert.equal(intel.goBinary?.format, 'mach-o');
    assert.equal(intel.goBinary?.headerGoos, 'darwin');
    assert.equal(intel.goBinary?.headerGoarch, 'amd64');
    assert.equal(intel.goBinary?.buildVersion, 'go1.21.8');
  });

  test('darwin /usr/local/go without installer file', async () => {
    const root = await createRoot('darwin-tarball', goTree('usr/local/go', { version: 'go1.22.0', tools: 'darwin_arm64' }));
    const tarballInventory = await findInstalledToolchains({ root, platform: 'darwin', env: { HOME: '/Users/dev', PATH: '/usr/bin' } });
    assert.equal(toolchainAt(tarballInventory, '/usr/local/go').manager, 'tarball');
  });

  test('darwin layouts run nothing', async () => {
    await assertNothingRan();
  });
});

// ---------------------------------------------------------------------------------------------
// Windows layouts

describe('windows layouts', () => {
  let inventory: ToolchainInventory;

  before(async () => {
    const windowsBinary = (version: string, goarch: string, machine: number, mainPackage = 'cmd/go') =>
      peGoBinary({ version, machine, mainPackage, settings: { GOOS: 'windows', GOARCH: goarch } });
    const root = await createRoot('windows', {
      ...goTree('Program Files/Go', {
        version: 'go1.22.5',
        windows: true,
        tools: 'windows_amd64',
        binary: windowsBinary('go1.22.5', 'amd64', 0x8664),
      }),
      ...goTree('Go', { version: 'go1.14.15', windows: true, tools: 'windows_386', goEnv: false }),
      ...goTree('Users/dev/sdk/go1.21.5', {
        version: 'go1.21.5',
        windows: true,
        tools: 'windows_amd64',
        binary: windowsBinary('go1.21.5', 'amd64', 0x8664),
      }),
      'Users/dev/sdk/go1.21.5/.unpacked-success': '',
      'Users/dev/go/bin/go1.21.5.exe': windowsBinary('go1.22.5', 'amd64', 0x8664, 'golang.org/dl/go1.21.5'),
      ...goTree('Users/dev/go/pkg/mod/golang.org/toolchain@v0.0.1-go1.23.1.windows-arm64', {
        version: 'go1.23.1',
        windows: true,
        tools: null,
        binary: peGoBinary({ version: 'go1.23.1', machine: 0xaa64 }),
      }),
      ...goTree('Users/dev/scoop/apps/go/1.22.3', { version: 'go1.22.3', windows: true, tools: 'windows_amd64' }),
      'Users/dev/scoop/apps/go/current': { symlink: '1.22.3' },
      'Users/dev/scoop/shims/go.exe': Buffer.from('MZ scoop shim stand-in'),
      'Users/dev/scoop/shims/go.shim': 'path = "C:\\Users\\dev\\scoop\\apps\\go\\current\\bin\\go.exe"\r\n',
    });
    inventory = await findInstalledToolchains({
      root,
      platform: 'windows',
      // Windows variable names are case-insensitive; `Path` is how Windows spells PATH.
      env: {
        USERPROFILE: 'C:\\Users\\dev',
        Path: 'C:\\Program Files\\Go\\bin;C:\\Users\\dev\\go\\bin;C:\\Users\\dev\\scoop\\shims',
      },
    });
  });

  const cases = [
    { goroot: 'C:\\Program Files\\Go', manager: 'windows-msi', version: 'go1.22.5', goarch: 'amd64', platformSource: 'build-info' },
    { goroot: 'C:\\Go', manager: 'windows-msi', version: 'go1.14.15', goarch: '386', platformSource: 'tool-directory' },
    { goroot: 'C:\\Users\\dev\\sdk\\go1.21.5', manager: 'golang.org/dl', version: 'go1.21.5', goarch: 'amd64', platformSource: 'build-info' },
    {
      goroot: 'C:\\Users\\dev\\go\\pkg\\mod\\golang.org\\toolchain@v0.0.1-go1.23.1.windows-arm64',
      manager: 'toolchain-module',
      version: 'go1.23.1',
      goarch: 'arm64',
      platformSource: 'binary-header',
    },
    { goroot: 'C:\\Users\\dev\\scoop\\apps\\go\\1.22.3', manager: 'scoop', version: 'go1.22.3', goarch: 'amd64', platformSource: 'tool-directory' },
  ] as const;

  for (const expected of cases) {
    test(`windows ${expected.manager} at ${expected.goroot}`, () => {
      const toolchain = toolchainAt(inventory, expected.goroot);
      assert.equal(toolchain.id, expected.goroot);
      assert.equal(toolchain.manager, expected.manager);
      assert.equal(toolchain.version?.value, expected.version);
      assert.equal(toolchain.goos, 'windows');
      assert.equal(toolchain.goarch, expected.goarch);
      assert.equal(toolchain.platformSource, expected.platformSource);
    });
  }

  test('windows layouts have no other toolchain', () => {
    assert.deepEqual(
      inventory.toolchains.map((toolchain) => toolchain.goroot).sort(),
      cases.map((expected) => expected.goroot).sort(),
    );
  });

  test('windows PATH aliases', () => {
    const msi = toolchainAt(inventory, 'C:\\Program Files\\Go');
    assert.equal(msi.firstOnPath, true);
    assert.deepEqual(msi.aliases, [{ path: 'C:\\Program Files\\Go\\bin\\go.exe', kind: 'path', links: [], pathIndex: 0 }]);
    assert.equal(msi.goBinary?.format, 'pe');
    const sdk = toolchainAt(inventory, 'C:\\Users\\dev\\sdk\\go1.21.5');
    assert.deepEqual(
      sdk.aliases.map((alias) => [alias.kind, alias.path, alias.pathIndex]),
      [['dl-wrapper', 'C:\\Users\\dev\\go\\bin\\go1.21.5.exe', 1]],
    );
    const scoop = toolchainAt(inventory, 'C:\\Users\\dev\\scoop\\apps\\go\\1.22.3');
    assert.ok(scoop.aliases.some((alias) => alias.kind === 'shim' && alias.path === 'C:\\Users\\dev\\scoop\\shims\\go.exe'));
    assert.ok(scoop.aliases.some((alias) => alias.kind === 'symlink' && alias.path === 'C:\\Users\\dev\\scoop\\apps\\go\\current'));
    assert.deepEqual(inventory.shims, []);
  });

  test('windows layouts run nothing', async () => {
    await assertNothingRan();
  });
});

// ---------------------------------------------------------------------------------------------
// Duplicates through symbolic links, GOROOT and the Go env file

describe('duplicates through links', () => {
  let inventory: ToolchainInventory;

  before(async () => {
    const root = await createRoot('duplicates', {
      ...goTree('usr/lib/go-1.20', { version: 'go1.20.7', goEnv: false }),
      'usr/lib/go': { symlink: 'go-1.20' },
      'usr/bin/go': { symlink: '../lib/go/bin/go' },
      'usr/bin/go1.20.7': { symlink: '../lib/go-1.20/bin/go' },
      'home/dev/bin': { symlink: '/usr/lib/go-1.20/bin' },
      'home/dev/.config/go/env': { content: 'GOROOT=/usr/lib/go-1.20\nGOMODCACHE=/cache/mod\n', mode: 0o644 },
      ...goTree('cache/mod/golang.org/toolchain@v0.0.1-go1.22.0.linux-amd64', { version: 'go1.22.0' }),
      ...goTree('home/dev/.local/share/mise/installs/go/1.22.1', { version: 'go1.22.1' }),
      'home/dev/.local/share/mise/installs/go/latest': { symlink: './1.22.1' },
      'home/dev/.local/share/mise/installs/go/1.22': { symlink: '/home/dev/.local/share/mise/installs/go/1.22.1' },
    });
    inventory = await findInstalledToolchains({
      root,
      platform: 'linux',
      env: {
        HOME: '/home/dev',
        PATH: '/usr/bin:/usr/lib/go-1.20/bin:/usr/lib/go/bin:/home/dev/bin',
        GOROOT: '/usr/lib/go/',
      },
    });
  });

  test('duplicates reported once', () => {
    assert.deepEqual(inventory.toolchains.map((toolchain) => toolchain.goroot), [
      '/usr/lib/go-1.20',
      '/cache/mod/golang.org/toolchain@v0.0.1-go1.22.0.linux-amd64',
      '/home/dev/.local/share/mise/installs/go/1.22.1',
    ]);
  });

  test('duplicates keep every alias', () => {
    const debian = toolchainAt(inventory, '/usr/lib/go-1.20');
    assert.equal(debian.manager, 'debian');
    assert.equal(debian.firstOnPath, true);
    assert.deepEqual(debian.foundBy, ['go-env-file', 'goroot-variable', 'known-location', 'path']);
    assert.deepEqual(
      debian.aliases.map((alias) => [alias.kind, alias.path, alias.pathIndex]),
      [
        ['path', '/usr/bin/go', 0],
        ['path-versioned', '/usr/bin/go1.20.7', 0],
        ['path', '/usr/lib/go-1.20/bin/go', 1],
        ['path', '/usr/lib/go/bin/go', 2],
        ['path', '/home/dev/bin/go', 3],
        ['goroot-variable', '/usr/lib/go', null],
        ['symlink', '/usr/lib/go', null],
        ['go-env-file', '/usr/lib/go-1.20', null],
      ],
    );
  });

  test('duplicates record each link step', () => {
    const debian = toolchainAt(inventory, '/usr/lib/go-1.20');
    const usrBin = debian.aliases.find((alias) => alias.path === '/usr/bin/go');
    assert.deepEqual(usrBin?.links, ['/usr/lib/go/bin/go', '/usr/lib/go-1.20/bin/go']);
    const homeBin = debian.aliases.find((alias) => alias.path === '/home/dev/bin/go');
    assert.deepEqual(homeBin?.links, ['/usr/lib/go-1.20/bin/go']);
  });

  test('duplicates of a mise version', () => {
    const mise = toolchainAt(inventory, '/home/dev/.local/share/mise/installs/go/1.22.1');
    assert.deepEqual(
      mise.aliases.map((alias) => [alias.kind, alias.path]),
      [
        ['symlink', '/home/dev/.local/share/mise/installs/go/1.22'],
        ['symlink', '/home/dev/.local/share/mise/installs/go/latest'],
      ],
    );
  });

  test('module cache from the Go env file', () => {
    const module = toolchainAt(inventory, '/cache/mod/golang.org/toolchain@v0.0.1-go1.22.0.linux-amd64');
    assert.equal(module.manager, 'toolchain-module');
    assert.equal(module.version?.value, 'go1.22.0');
  });

  test('duplicates run nothing', async () => {
    await assertNothingRan();
  });
});

// ---------------------------------------------------------------------------------------------
// Broken layouts

describe('broken layouts', () => {
  let inventory: ToolchainInventory;

  before(async () => {
    const root = await createRoot('broken', {
      ...goTree('home/dev/.goenv/versions/1.21.0', {
        version: null,
        binary: elfGoBinary({ version: 'go1.21.0', settings: { GOOS: 'linux', GOARCH: 'amd64' } }),
      }),
      ...goTree('home/dev/.asdf/installs/golang/1.20.0/go', { version: 'go1.20.0', binary: null, goEnv: false }),
      'home/dev/.asdf/installs/golang/1.19.0': { directory: true },
      'home/dev/.gobrew/versions/1.22.0/go': { directory: true },
      ...goTree('usr/lib/go-1.21', { version: 'go1.21.9', source: false }),
      'usr/lib/go-1.21/src': { symlink: '../../share/go-1.21/src' },
      ...goTree('home/dev/sdk/go1.22.6', { version: 'go1.22.6' }),
      ...goTree('home/dev/.gvm/gos/go1.22.7', { version: 'go1.22.7', goEnv: false }),
      ...goTree('home/dev/.gvm/gos/go1.21.2', { version: null }),
      'home/dev/.gvm/gos/go1.21.2/VERSION.cache': 'go1.21.2',
      ...goTree('home/dev/.g/versions/1.22.8', {
        version: 'go1.22.8',
        binary: elfGoBinary({ version: 'go1.23.0', settings: { GOOS: 'linux', GOARCH: 'amd64' } }),
      }),
      'home/dev/.local/share/mise/installs/go/latest': { symlink: './1.99.0' },
      ...goTree('home/dev/.goup/go1.20.2/go', { version: 'go1.20.2', binaryMode: 0o644, goEnv: false }),
      ...goTree('opt/go-devel', { version: null, goEnv: false }),
      'opt/go-devel/src/internal/goversion/goversion.go': 'package goversion\n\nconst Version = 24\n',
      ...goTree('home/dev/go/pkg/mod/golang.org/toolchain@v0.0.1-go1.21.1.linux-arm64', { version: 'go1.21.1', tools: null }),
    });
    inventory = await findInstalledToolchains({ root, platform: 'linux', env: { HOME: '/home/dev', PATH: '/usr/bin:/bin' } });
  });

  test('broken VERSION missing', () => {
    const goenv = toolchainAt(inventory, '/home/dev/.goenv/versions/1.21.0');
    assert.deepEqual(goenv.version, { value: 'go1.21.0', source: 'build-info', precision: 'release' });
    assert.deepEqual(goenv.missing, ['VERSION']);
    assert.equal(goenv.complete, false);
    assert.deepEqual(problemCodes(goenv), ['version-file-missing']);
  });

  test('broken bin/go missing', () => {
    const asdf = toolchainAt(inventory, '/home/dev/.asdf/installs/golang/1.20.0/go');
    assert.equal(asdf.manager, 'asdf');
    assert.equal(asdf.layout.goBinary, 'missing');
    assert.deepEqual(asdf.missing, ['bin/go']);
    assert.deepEqual(problemCodes(asdf), ['go-binary-missing']);
    assert.equal(asdf.version?.value, 'go1.20.0');
  });

  test('broken Go root directory missing', () => {
    const asdf = toolchainAt(inventory, '/home/dev/.asdf/installs/golang/1.19.0/go');
    assert.equal(asdf.layout.directory, 'missing');
    assert.deepEqual(asdf.missing, ['bin/go', 'VERSION', 'src', 'pkg/tool']);
    assert.deepEqual(problemCodes(asdf), ['directory-missing']);
    assert.deepEqual(asdf.version, { value: 'go1.19.0', source: 'directory-name', precision: 'release' });
  });

  test('broken empty version directory', () => {
    const gobrew = toolchainAt(inventory, '/home/dev/.gobrew/versions/1.22.0/go');
    assert.equal(gobrew.manager, 'gobrew');
    assert.equal(gobrew.layout.directory, 'present');
    assert.deepEqual(gobrew.missing, ['bin/go', 'VERSION', 'src', 'pkg/tool', 'go.env']);
    assert.equal(gobrew.version?.source, 'directory-name');
  });

  test('broken src symlink', () => {
    const debian = toolchainAt(inventory, '/usr/lib/go-1.21');
    assert.equal(debian.layout.source, 'broken-symlink');
    assert.deepEqual(debian.missing, ['src']);
    assert.deepEqual(problemCodes(debian), ['source-missing']);
  });

  test('broken sdk download', () => {
    const sdk = toolchainAt(inventory, '/home/dev/sdk/go1.22.6');
    assert.deepEqual(sdk.missing, ['.unpacked-success']);
    assert.deepEqual(problemCodes(sdk), ['sdk-not-unpacked']);
  });

  test('broken go.env missing', () => {
    const gvm = toolchainAt(inventory, '/home/dev/.gvm/gos/go1.22.7');
    assert.deepEqual(gvm.missing, ['go.env']);
    assert.deepEqual(problemCodes(gvm), ['go-env-missing']);
  });

  test('broken source build with VERSION.cache', () => {
    const gvm = toolchainAt(inventory, '/home/dev/.gvm/gos/go1.21.2');
    assert.deepEqual(gvm.version, { value: 'go1.21.2', source: 'VERSION.cache', precision: 'release' });
    assert.deepEqual(gvm.missing, []);
    assert.equal(gvm.layout.versionFile, 'missing');
  });

  test('broken version mismatch', () => {
    const g = toolchainAt(inventory, '/home/dev/.g/versions/1.22.8');
    assert.equal(g.version?.value, 'go1.22.8');
    assert.equal(g.goBinary?.buildVersion, 'go1.23.0');
    assert.deepEqual(problemCodes(g), ['version-mismatch']);
  });

  test('broken dangling manager link', () => {
    assert.deepEqual(inventory.danglingLinks, [
      { path: '/home/dev/.local/share/mise/installs/go/latest', target: './1.99.0', manager: 'mise' },
    ]);
  });

  test('broken go without execute bit', () => {
    const goup = toolchainAt(inventory, '/home/dev/.goup/go1.20.2/go');
    assert.equal(goup.layout.goBinary, 'not-executable');
    assert.deepEqual(problemCodes(goup), ['go-binary-not-executable']);
    assert.deepEqual(goup.missing, []);
  });

  test('broken tree versioned by source', () => {
    const devel = toolchainAt(inventory, '/opt/go-devel');
    assert.deepEqual(devel.version, { value: 'go1.24', source: 'goversion-source', precision: 'language' });
    // Go 1.24 is known to need go.env even though the patch release is not.
    assert.deepEqual(devel.missing, ['VERSION', 'go.env']);
  });

  test('broken module platform from name', () => {
    const module = toolchainAt(inventory, '/home/dev/go/pkg/mod/golang.org/toolchain@v0.0.1-go1.21.1.linux-arm64');
    assert.equal(module.goos, 'linux');
    assert.equal(module.goarch, 'arm64');
    assert.equal(module.platformSource, 'module-name');
    assert.deepEqual(module.missing, ['pkg/tool']);
  });

  test('broken layouts run nothing', async () => {
    await assertNothingRan();
  });
});

// ---------------------------------------------------------------------------------------------
// PATH entries that are no Go root

describe('path launchers and lone binaries', () => {
  let inventory: ToolchainInventory;

  before(async () => {
    const root = await createRoot('launchers', {
      'home/dev/.asdf/shims/go': markerScript(),
      'home/dev/.local/share/mise/shims/go': { symlink: '/usr/bin/mise' },
      'usr/bin/mise': markerScript(),
      'home/dev/bin/go': markerScript(),
      'snap/bin/go': { symlink: '/usr/bin/snap' },
      'usr/bin/snap': markerScript(),
      ...goTree('snap/go/20', { version: 'go1.22.4' }),
      'snap/go/current': { symlink: '20' },
      'home/dev/go/bin/go1.22.0': markerScript(),
      'home/dev/go/bin/go1.21.0': markerScript(),
      ...goTree('home/dev/sdk/go1.22.0', { version: 'go1.22.0' }),
      'home/dev/sdk/go1.22.0/.unpacked-success': '',
      'home/dev/tools/go': elfGoBinary({
        version: 'go1.23.5',
        settings: { '-trimpath': 'true', GOOS: 'linux', GOARCH: 'amd64' },
      }),
    });
    inventory = await findInstalledToolchains({
      root,
      platform: 'linux',
      env: {
        HOME: '/home/dev',
        PATH: '/home/dev/.asdf/shims:/home/dev/.local/share/mise/shims:/home/dev/bin:/snap/bin:/home/dev/go/bin:/home/dev/tools',
      },
    });
  });

  test('launchers listed as shims', () => {
    assert.deepEqual(
      inventory.shims.map((shim) => [shim.path, shim.manager, shim.pathIndex]),
      [
        ['/home/dev/.asdf/shims/go', 'asdf', 0],
        ['/home/dev/.local/share/mise/shims/go', 'mise', 1],
        ['/home/dev/bin/go', null, 2],
        ['/home/dev/go/bin/go1.21.0', 'golang.org/dl', 4],
      ],
    );
  });

  test('launchers leave firstOnPath unset', () => {
    for (const toolchain of inventory.toolchains) assert.equal(toolchain.firstOnPath, false, toolchain.id);
  });

  test('snap launcher leads to current revision', () => {
    const snap = toolchainAt(inventory, '/snap/go/20');
    assert.equal(snap.manager, 'snap');
    assert.ok(snap.aliases.some((alias) => alias.kind === 'snap-launcher' && alias.path === '/snap/bin/go' && alias.pathIndex === 3));
  });

  test('golang.org/dl wrapper leads to sdk', () => {
    const sdk = toolchainAt(inventory, '/home/dev/sdk/go1.22.0');
    assert.deepEqual(
      sdk.aliases.map((alias) => [alias.kind, alias.path, alias.pathIndex]),
      [['dl-wrapper', '/home/dev/go/bin/go1.22.0', 4]],
    );
  });

  test('lone trimmed go binary', () => {
    const lone = inventory.toolchains.find((toolchain) => toolchain.id === '/home/dev/tools/go');
    assert.ok(lone);
    assert.equal(lone.goroot, null);
    assert.equal(lone.manager, 'path-only');
    assert.equal(lone.version?.value, 'go1.23.5');
    assert.equal(lone.goBinary?.trimpath, true);
    assert.deepEqual(lone.missing, ['GOROOT']);
    assert.deepEqual(problemCodes(lone), ['trimmed-binary-without-goroot']);
  });

  test('launchers run nothing', async () => {
    await assertNothingRan();
  });
});

// ---------------------------------------------------------------------------------------------
// Build information in the Go 1.13–1.17 layout

test('build info before Go 1.18', async () => {
  const root = await createRoot('pointer-build-info', {
    ...goTree('home/dev/.gvm/gos/go1.16.15', {
      version: null,
      goEnv: false,
      binary: elfGoBinary({ version: 'go1.16.15', pointerFormat: true, mainPackage: 'cmd/go' }),
    }),
  });
  const inventory = await findInstalledToolchains({ root, platform: 'linux', env: { HOME: '/home/dev', PATH: '' } });
  const gvm = toolchainAt(inventory, '/home/dev/.gvm/gos/go1.16.15');
  assert.deepEqual(gvm.version, { value: 'go1.16.15', source: 'build-info', precision: 'release' });
  assert.equal(gvm.goBinary?.mainPackage, 'cmd/go');
  // Build settings arrived with Go 1.18, so whether it was trimmed is unknown.
  assert.equal(gvm.goBinary?.trimpath, null);
});

// ---------------------------------------------------------------------------------------------
// Nothing is run

describe('nothing executed', () => {
  test('marker script records a run', async () => {
    // Shows the marker catches a run: this copy of the script is run on purpose.
    const probe = path.join(suiteDirectory, 'marker-probe');
    const marker = path.join(suiteDirectory, 'marker-probe-ran');
    await fs.writeFile(probe, markerScript().replace(executionMarker, marker), { mode: 0o755 });
    await new Promise<void>((resolve, reject) => {
      const child = spawn(probe, [], { stdio: 'ignore' });
      child.on('error', reject);
      child.on('close', () => resolve());
    });
    assert.equal(existsSync(marker), true);
  });

  test('inventory modules import no process API', async () => {
    const directory = path.join(PROJECT_ROOT, 'src-main/engine/go');
    const names = (await fs.readdir(directory)).filter((name) => name.startsWith('toolchain-inventory'));
    assert.ok(names.length >= 5, names.join(', '));
    for (const name of names) {
      const text = await fs.readFile(path.join(directory, name), 'utf8');
      assert.doesNotMatch(text, /child_process|node:worker_threads|\bexecFile\b|\bspawn\(/, name);
    }
  });
});

// ---------------------------------------------------------------------------------------------
// Contexts

/** Builds a scan context with only the fields contextsUsingToolchain reads filled in. */
function scanContext(id: string, env: Record<string, string>, go: GoInfo | null): ScanContext {
  return {
    id,
    label: id,
    shell: null,
    shellPath: null,
    mode: 'login',
    method: 'inherited',
    argv: null,
    ok: true,
    error: null,
    durationMs: 0,
    env,
    envRaw: {},
    output: '',
    outputTruncated: false,
    go,
    startupFiles: [],
    provenance: null,
    provenanceError: null,
    probeNote: null,
  };
}

async function goInfoFor(searchPath: string, goroot: string | null): Promise<GoInfo> {
  const candidates = await findGoCandidates(searchPath, '/');
  return {
    path: candidates[0]?.path ?? null,
    candidates,
    version: candidates[0]?.version ?? null,
    env: goroot ? { GOROOT: goroot } : null,
    configured: { GOTOOLCHAIN: '', GOFLAGS: '' },
    error: null,
    durationMs: 0,
  };
}

describe('contexts using toolchains', () => {
  test('contexts on this machine', async () => {
    const home = await fs.mkdtemp(path.join(os.tmpdir(), 'gel-inventory-home-'));
    try {
      const inventory = await findInstalledToolchains({ env: { PATH: '/usr/local/go/bin:/usr/bin:/bin', HOME: home } });
      const contexts = [
        scanContext('bash-login', { PATH: '/usr/local/go/bin:/usr/bin' }, await goInfoFor('/usr/local/go/bin:/usr/bin', '/usr/local/go')),
        scanContext(
          'zsh-login',
          { PATH: '/usr/lib/go-1.22/bin:/usr/local/go/bin', GOROOT: '/usr/lib/go-1.23/' },
          await goInfoFor('/usr/lib/go-1.22/bin:/usr/local/go/bin', '/usr/lib/go-1.23/'),
        ),
        scanContext('desktop', { PATH: '/usr/bin:/bin', GOROOT: '/nonexistent' }, await goInfoFor('/usr/bin:/bin', null)),
      ];
      const usage = contextsUsingToolchain(inventory, contexts);
      const use = (goroot: string) => usage.toolchains.find((entry) => entry.toolchainId === goroot);

      assert.deepEqual(use('/usr/local/go')?.contextIds, ['bash-login']);
      assert.deepEqual(use('/usr/local/go')?.shadowedIn, ['zsh-login']);
      assert.deepEqual(use('/usr/lib/go-1.22')?.contextIds, ['zsh-login']);
      assert.deepEqual(use('/usr/lib/go-1.22')?.references.map((reference) => reference.field), ['go.path']);
      assert.deepEqual(use('/usr/lib/go-1.23')?.contextIds, ['zsh-login']);
      assert.deepEqual(
        use('/usr/lib/go-1.23')?.references.map((reference) => reference.field),
        ['env.GOROOT', 'go.env.GOROOT'],
      );
      assert.deepEqual(use('/usr/lib/go-1.19')?.contextIds, []);
      assert.deepEqual(usage.unmatched, [{ contextId: 'desktop', field: 'env.GOROOT', path: '/nonexistent' }]);
    } finally {
      await fs.rm(home, { recursive: true, force: true });
    }
  });

  test('contexts through link aliases', async () => {
    const root = await createRoot('context-links', {
      ...goTree('usr/lib/go-1.20', { version: 'go1.20.7', goEnv: false }),
      'usr/lib/go': { symlink: 'go-1.20' },
      'usr/bin/go': { symlink: '../lib/go/bin/go' },
    });
    const inventory = await findInstalledToolchains({ root, platform: 'linux', env: { HOME: '/home/dev', PATH: '/usr/bin' } });
    // Paths as a scan of that machine would report them, without looking at the files again.
    const go: GoInfo = {
      path: '/usr/bin/go',
      candidates: [{ path: '/usr/bin/go', realPath: '/usr/bin/go', goroot: null, version: null }],
      version: null,
      env: { GOROOT: '/usr/lib/go' },
      configured: { GOTOOLCHAIN: '', GOFLAGS: '' },
      error: null,
      durationMs: 0,
    };
    const usage = contextsUsingToolchain(inventory, [scanContext('bash-login', { GOROOT: '/usr/lib/go/' }, go)]);
    const use = usage.toolchains.find((entry) => entry.toolchainId === '/usr/lib/go-1.20');
    assert.deepEqual(
      use?.references.map((reference) => reference.field),
      ['go.path', 'env.GOROOT', 'go.env.GOROOT'],
    );
    assert.deepEqual(usage.unmatched, []);
  });
});

// ---------------------------------------------------------------------------------------------
// As the unprivileged test user

describe(`inventory as ${TEST_USER_NAME}`, { skip: TEST_USER ? false : 'needs root to switch to the test user' }, () => {
  test('unprivileged user sees the real installs', async () => {
    const root = await createRoot('unreadable', {
      ...goTree('secret/go', { version: 'go1.22.5' }),
    });
    await fs.chmod(path.join(root, 'secret'), 0o700);
    const script = path.join(suiteDirectory, 'inventory-child.mts');
    await fs.writeFile(
      script,
      [
        `import { findInstalledToolchains } from ${JSON.stringify(INVENTORY_MODULE)};`,
        `const real = await findInstalledToolchains({ env: { PATH: '/usr/local/go/bin:/usr/bin:/bin', HOME: '/nonexistent' } });`,
        `const hidden = await findInstalledToolchains({ root: ${JSON.stringify(root)}, platform: 'linux', env: { HOME: '/home/dev', PATH: '', GOROOT: '/secret/go' } });`,
        'process.stdout.write(JSON.stringify({ real, hidden }));',
      ].join('\n'),
      { mode: 0o644 },
    );
    const command = [...asTestUser(TEST_USER!), process.execPath, '--import', 'tsx', script];
    const output = await new Promise<string>((resolve, reject) => {
      const child = spawn(command[0]!, command.slice(1), {
        cwd: PROJECT_ROOT,
        env: { PATH: '/usr/bin:/bin', HOME: '/nonexistent', LANG: 'C.UTF-8' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
      child.on('error', reject);
      child.on('close', (code) => (code === 0 ? resolve(stdout) : reject(new Error(`child exited with ${code}: ${stderr}`))));
    });
    const { real, hidden } = JSON.parse(output) as { real: ToolchainInventory; hidden: ToolchainInventory };

    for (const install of REAL_INSTALLS) {
      const toolchain = toolchainAt(real, install.goroot);
      assert.equal(toolchain.manager, install.manager);
      assert.equal(toolchain.version?.value, realVersions.get(install.goroot) ?? goVersionOf(`${install.goroot}/bin/go`));
      assert.equal(toolchain.complete, true);
    }
    const secret = toolchainAt(hidden, '/secret/go');
    assert.equal(secret.layout.directory, 'unreadable');
    assert.equal(secret.complete, false);
    assert.deepEqual(problemCodes(secret), ['unreadable']);
    assert.equal(secret.manager, 'goroot-only');
  });

  test('root reads the same hidden tree', async () => {
    const inventory = await findInstalledToolchains({
      root: path.join(suiteDirectory, 'unreadable'),
      platform: 'linux',
      env: { HOME: '/home/dev', PATH: '', GOROOT: '/secret/go' },
    });
    const secret = toolchainAt(inventory, '/secret/go');
    assert.equal(secret.layout.directory, 'present');
    assert.equal(secret.complete, true);
    assert.deepEqual(secret.aliases, [{ path: '/secret/go', kind: 'goroot-variable', links: [], pathIndex: null }]);
  });
});

// ---------------------------------------------------------------------------------------------
// A large root

test('inventory of 100 toolchains', async (t) => {
  const layout: FixtureLayout = {};
  for (let index = 0; index < 40; index++) Object.assign(layout, goTree(`home/dev/.goenv/versions/1.${index}.0`, { version: `go1.${index}.0` }));
  for (let index = 0; index < 30; index++) {
    Object.assign(layout, goTree(`home/dev/sdk/go1.30.${index}`, { version: `go1.30.${index}` }));
    layout[`home/dev/sdk/go1.30.${index}/.unpacked-success`] = '';
  }
  for (let index = 0; index < 30; index++) {
    Object.assign(layout, goTree(`home/dev/go/pkg/mod/golang.org/toolchain@v0.0.1-go1.40.${index}.linux-amd64`, { version: `go1.40.${index}` }));
  }
  const root = await createRoot('large', layout);
  const started = performance.now();
  const inventory = await findInstalledToolchains({
    root,
    platform: 'linux',
    env: { HOME: '/home/dev', PATH: '/home/dev/.goenv/versions/1.0.0/bin:/usr/bin:/bin' },
  });
  const elapsed = performance.now() - started;
  t.diagnostic(`100 toolchains inventoried in ${elapsed.toFixed(1)} ms (reported ${inventory.durationMs.toFixed(1)} ms)`);
  assert.equal(inventory.toolchains.length, 100);
  assert.ok(inventory.toolchains.every((toolchain) => toolchain.complete));
  assert.equal(inventory.toolchains.filter((toolchain) => toolchain.manager === 'goenv').length, 40);
  assert.equal(inventory.toolchains.filter((toolchain) => toolchain.manager === 'golang.org/dl').length, 30);
  assert.equal(inventory.toolchains.filter((toolchain) => toolchain.manager === 'toolchain-module').length, 30);
  await assertNothingRan();
});
