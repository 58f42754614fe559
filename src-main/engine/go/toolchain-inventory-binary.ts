/**
 * Reads a Go binary's executable header (ELF, Mach-O or PE) and its build information the way Go's
 * debug/buildinfo package does, from the file alone: the binary is never run.
 *
 * Build information starts with the 14-byte magic "\xff Go buildinf:", then a pointer size byte
 * and a flags byte, at a 16-byte aligned offset near the start of the section that contains it
 * (`.go.buildinfo` in ELF, `__go_buildinfo` in Mach-O, `.data` in PE). Go 1.18+ sets flag 0x2 and
 * stores the version and module strings inline after a 32-byte header, each prefixed by its
 * length as an unsigned varint. Go 1.13 to 1.17 store two pointers to Go string headers instead,
 * which are resolved through the section table. Binaries built before Go 1.13 have no build
 * information.
 */
import type { ExecutableFormat } from '../../shared/go-toolchains.ts';
import type { RootedFiles } from './toolchain-inventory-files.ts';

const BUILD_INFO_MAGIC = Buffer.from('\xff Go buildinf:', 'latin1');
const BUILD_INFO_HEADER_SIZE = 32;
const BUILD_INFO_ALIGNMENT = 16;
const FLAG_BIG_ENDIAN = 0x1;
const FLAG_INLINE_STRINGS = 0x2;

/** Bytes read at the start of a file: enough for every header the module parses. */
const HEADER_READ_BYTES = 4096;
/** Largest section table, load command area or build information read, in bytes. */
const MAX_TABLE_BYTES = 1024 * 1024;
/** Bytes of the data section searched for the magic when no build information section exists. */
const MAX_DATA_SEARCH_BYTES = 256 * 1024;

/** A section of an executable, with its address when loaded and where its bytes are in the file. */
interface Section {
  name: string;
  address: number;
  offset: number;
  /** Bytes the section has in the file (0 for ELF NOBITS sections such as .bss). */
  fileSize: number;
}

interface ExecutableHeader {
  format: ExecutableFormat;
  goos: string | null;
  goarch: string | null;
  littleEndian: boolean;
  sections: Section[];
}

export interface BuildInformation {
  version: string | null;
  mainPackage: string | null;
  settings: Record<string, string>;
}

export interface BinaryReading {
  header: ExecutableHeader;
  buildInfo: BuildInformation | null;
}

/** Reads the header and build information of an executable file. Returns null when it cannot be read. */
export async function readExecutable(files: RootedFiles, internal: string): Promise<BinaryReading | null> {
  const start = await files.readBytes(internal, 0, HEADER_READ_BYTES);
  if (start === null) return null;
  const header = await parseHeader(files, internal, start);
  const buildInfo = header.sections.length > 0 ? await readBuildInformation(files, internal, header) : null;
  return { header, buildInfo };
}

async function parseHeader(files: RootedFiles, internal: string, start: Buffer): Promise<ExecutableHeader> {
  const unknown: ExecutableHeader = { format: 'unknown', goos: null, goarch: null, littleEndian: true, sections: [] };
  if (start.length >= 2 && start[0] === 0x23 && start[1] === 0x21) return { ...unknown, format: 'script' };
  try {
    if (start.length >= 64 && start.readUInt32BE(0) === 0x7f454c46) return await parseElf(files, internal, start);
    if (start.length >= 28 && isMachOMagic(start.readUInt32LE(0))) return await parseMachO(files, internal, start);
    if (start.length >= 64 && start[0] === 0x4d && start[1] === 0x5a) return await parsePe(files, internal, start);
  } catch {
    // A truncated or corrupt header is reported as an unknown format rather than failing the inventory.
  }
  return unknown;
}

const ELF_MACHINES: Record<number, (is64: boolean, littleEndian: boolean) => string> = {
  3: () => '386',
  8: (is64, little) => (is64 ? 'mips64' : 'mips') + (little ? 'le' : ''),
  21: (_is64, little) => (little ? 'ppc64le' : 'ppc64'),
  22: () => 's390x',
  40: () => 'arm',
  62: () => 'amd64',
  183: () => 'arm64',
  243: () => 'riscv64',
  258: () => 'loong64',
};

/** ELF OS/ABI values that name a system Go supports; 0 (System V) is what Go writes for Linux. */
const ELF_OS_ABIS: Record<number, string> = { 0: 'linux', 2: 'netbsd', 3: 'linux', 9: 'freebsd', 12: 'openbsd' };

async function parseElf(files: RootedFiles, internal: string, start: Buffer): Promise<ExecutableHeader> {
  const is64 = start[4] === 2;
  const littleEndian = start[5] === 1;
  const reader = new FieldReader(start, littleEndian);
  const machine = reader.u16(18);
  const sectionTableOffset = is64 ? reader.u64(40) : reader.u32(32);
  const entrySize = reader.u16(is64 ? 58 : 46);
  const entryCount = reader.u16(is64 ? 60 : 48);
  const nameTableIndex = reader.u16(is64 ? 62 : 50);
  const header: ExecutableHeader = {
    format: 'elf',
    // NOTE: NetBSD and Solaris binaries may also carry OS/ABI 0; their build information, when
    // present, corrects the guess.
    goos: ELF_OS_ABIS[start[7]!] ?? null,
    goarch: ELF_MACHINES[machine]?.(is64, littleEndian) ?? null,
    littleEndian,
    sections: [],
  };

  const tableSize = entrySize * entryCount;
  if (sectionTableOffset === 0 || tableSize === 0 || tableSize > MAX_TABLE_BYTES) return header;
  const table = await files.readBytes(internal, sectionTableOffset, tableSize);
  if (table === null || table.length < tableSize) return header;
  const tableReader = new FieldReader(table, littleEndian);

  const raw = [];
  for (let index = 0; index < entryCount; index++) {
    const base = index * entrySize;
    raw.push({
      nameOffset: tableReader.u32(base),
      type: tableReader.u32(base + 4),
      address: is64 ? tableReader.u64(base + 16) : tableReader.u32(base + 12),
      offset: is64 ? tableReader.u64(base + 24) : tableReader.u32(base + 16),
      size: is64 ? tableReader.u64(base + 32) : tableReader.u32(base + 20),
    });
  }
  const nameSection = raw[nameTableIndex];
  if (!nameSection || nameSection.size > MAX_TABLE_BYTES) return header;
  const names = await files.readBytes(internal, nameSection.offset, nameSection.size);
  if (names === null) return header;

  const SECTION_TYPE_NOBITS = 8;
  header.sections = raw.map((section) => ({
    name: cString(names, section.nameOffset),
    address: section.address,
    offset: section.offset,
    fileSize: section.type === SECTION_TYPE_NOBITS ? 0 : section.size,
  }));
  return header;
}

function isMachOMagic(magic: number): boolean {
  return magic === 0xfeedfacf || magic === 0xfeedface || magic === 0xcffaedfe || magic === 0xcefaedfe;
}

const MACH_O_CPU_TYPES: Record<number, string> = {
  7: '386',
  0x01000007: 'amd64',
  12: 'arm',
  0x0100000c: 'arm64',
  0x01000012: 'ppc64',
};

async function parseMachO(files: RootedFiles, internal: string, start: Buffer): Promise<ExecutableHeader> {
  const magicLittle = start.readUInt32LE(0);
  const littleEndian = magicLittle === 0xfeedfacf || magicLittle === 0xfeedface;
  const reader = new FieldReader(start, littleEndian);
  const magic = reader.u32(0);
  const is64 = magic === 0xfeedfacf;
  const cpuType = reader.u32(4);
  const commandCount = reader.u32(16);
  const commandsSize = reader.u32(20);
  const headerSize = is64 ? 32 : 28;
  const header: ExecutableHeader = {
    format: 'mach-o',
    goos: 'darwin',
    goarch: MACH_O_CPU_TYPES[cpuType] ?? null,
    littleEndian,
    sections: [],
  };
  if (commandsSize > MAX_TABLE_BYTES) return header;
  const commands = await files.readBytes(internal, headerSize, commandsSize);
  if (commands === null) return header;
  const commandReader = new FieldReader(commands, littleEndian);

  const LC_SEGMENT = 0x1;
  const LC_SEGMENT_64 = 0x19;
  let position = 0;
  for (let index = 0; index < commandCount && position + 8 <= commands.length; index++) {
    const command = commandReader.u32(position);
    const size = commandReader.u32(position + 4);
    if (size < 8) break;
    if (command === LC_SEGMENT_64 || command === LC_SEGMENT) {
      const wide = command === LC_SEGMENT_64;
      const sectionCount = commandReader.u32(position + (wide ? 64 : 48));
      let sectionBase = position + (wide ? 72 : 56);
      for (let sectionIndex = 0; sectionIndex < sectionCount; sectionIndex++) {
        header.sections.push({
          name: `${cString(commands, sectionBase + 16, 16)},${cString(commands, sectionBase, 16)}`,
          address: wide ? commandReader.u64(sectionBase + 32) : commandReader.u32(sectionBase + 32),
          fileSize: wide ? commandReader.u64(sectionBase + 40) : commandReader.u32(sectionBase + 36),
          offset: commandReader.u32(sectionBase + (wide ? 48 : 40)),
        });
        sectionBase += wide ? 80 : 68;
      }
    }
    position += size;
  }
  return header;
}

const PE_MACHINES: Record<number, string> = { 0x14c: '386', 0x8664: 'amd64', 0x1c0: 'arm', 0x1c4: 'arm', 0xaa64: 'arm64' };

async function parsePe(files: RootedFiles, internal: string, start: Buffer): Promise<ExecutableHeader> {
  const peOffset = start.readUInt32LE(0x3c);
  const coff = await files.readBytes(internal, peOffset, 24 + 240);
  const unknown: ExecutableHeader = { format: 'unknown', goos: null, goarch: null, littleEndian: true, sections: [] };
  if (coff === null || coff.length < 24 || coff.readUInt32BE(0) !== 0x50450000) return unknown;
  const machine = coff.readUInt16LE(4);
  const sectionCount = coff.readUInt16LE(6);
  const optionalHeaderSize = coff.readUInt16LE(20);
  const header: ExecutableHeader = {
    format: 'pe',
    goos: 'windows',
    goarch: PE_MACHINES[machine] ?? null,
    littleEndian: true,
    sections: [],
  };

  const optional = await files.readBytes(internal, peOffset + 24, optionalHeaderSize);
  if (optional === null || optional.length < 32) return header;
  const PE32_PLUS = 0x20b;
  const imageBase = optional.readUInt16LE(0) === PE32_PLUS ? Number(optional.readBigUInt64LE(24)) : optional.readUInt32LE(28);
  const SECTION_ENTRY_SIZE = 40;
  const table = await files.readBytes(internal, peOffset + 24 + optionalHeaderSize, sectionCount * SECTION_ENTRY_SIZE);
  if (table === null) return header;
  for (let index = 0; index < sectionCount && (index + 1) * SECTION_ENTRY_SIZE <= table.length; index++) {
    const base = index * SECTION_ENTRY_SIZE;
    header.sections.push({
      name: cString(table, base, 8),
      address: imageBase + table.readUInt32LE(base + 12),
      fileSize: Math.min(table.readUInt32LE(base + 16), table.readUInt32LE(base + 8) || Infinity),
      offset: table.readUInt32LE(base + 20),
    });
  }
  return header;
}

/** The section names holding build information, per format, in the order debug/buildinfo tries them. */
const BUILD_INFO_SECTIONS: Record<'elf' | 'mach-o' | 'pe', string[]> = {
  elf: ['.go.buildinfo', '.data'],
  'mach-o': ['__DATA,__go_buildinfo', '__DATA_CONST,__go_buildinfo', '__DATA,__data'],
  pe: ['.data'],
};

async function readBuildInformation(
  files: RootedFiles,
  internal: string,
  header: ExecutableHeader,
): Promise<BuildInformation | null> {
  if (header.format !== 'elf' && header.format !== 'mach-o' && header.format !== 'pe') return null;
  for (const name of BUILD_INFO_SECTIONS[header.format]) {
    const section = header.sections.find((candidate) => candidate.name === name && candidate.fileSize > 0);
    if (!section) continue;
    const data = await files.readBytes(internal, section.offset, Math.min(section.fileSize, MAX_DATA_SEARCH_BYTES));
    if (data === null) continue;
    const magicAt = findAligned(data, BUILD_INFO_MAGIC, BUILD_INFO_ALIGNMENT);
    if (magicAt < 0) continue;
    return decodeBuildInformation(files, internal, header, data.subarray(magicAt), section, magicAt);
  }
  return null;
}

async function decodeBuildInformation(
  files: RootedFiles,
  internal: string,
  header: ExecutableHeader,
  data: Buffer,
  section: Section,
  magicAt: number,
): Promise<BuildInformation | null> {
  if (data.length < BUILD_INFO_HEADER_SIZE) {
    // The inline strings may run past the part read so far.
    data = (await files.readBytes(internal, section.offset + magicAt, MAX_TABLE_BYTES)) ?? data;
  }
  const pointerSize = data[14]!;
  const flags = data[15]!;
  let version: string | null;
  let moduleText: string | null;

  if (flags & FLAG_INLINE_STRINGS) {
    let inline = data;
    let first = readVarintString(inline, BUILD_INFO_HEADER_SIZE);
    let second = first ? readVarintString(inline, first.next) : null;
    if (!second) {
      inline = (await files.readBytes(internal, section.offset + magicAt, MAX_TABLE_BYTES)) ?? inline;
      first = readVarintString(inline, BUILD_INFO_HEADER_SIZE);
      second = first ? readVarintString(inline, first.next) : null;
    }
    version = first?.text ?? null;
    moduleText = second?.text ?? null;
  } else {
    if (pointerSize !== 4 && pointerSize !== 8) return null;
    const reader = new FieldReader(data, !(flags & FLAG_BIG_ENDIAN));
    const pointerAt = (offset: number) => (pointerSize === 8 ? reader.u64(offset) : reader.u32(offset));
    version = await readGoString(files, internal, header, pointerAt(16), pointerSize, !(flags & FLAG_BIG_ENDIAN));
    moduleText = await readGoString(files, internal, header, pointerAt(16 + pointerSize), pointerSize, !(flags & FLAG_BIG_ENDIAN));
  }
  return { version: version || null, ...parseModuleText(moduleText ?? '') };
}

/** Reads a Go string header (data pointer, length) at a loaded address, then the string it points to. */
async function readGoString(
  files: RootedFiles,
  internal: string,
  header: ExecutableHeader,
  address: number,
  pointerSize: number,
  littleEndian: boolean,
): Promise<string | null> {
  const headerOffset = fileOffsetOf(header, address);
  if (headerOffset === null) return null;
  const stringHeader = await files.readBytes(internal, headerOffset, pointerSize * 2);
  if (stringHeader === null || stringHeader.length < pointerSize * 2) return null;
  const reader = new FieldReader(stringHeader, littleEndian);
  const dataAddress = pointerSize === 8 ? reader.u64(0) : reader.u32(0);
  const length = pointerSize === 8 ? reader.u64(8) : reader.u32(4);
  if (length === 0) return '';
  if (length > MAX_TABLE_BYTES) return null;
  const dataOffset = fileOffsetOf(header, dataAddress);
  if (dataOffset === null) return null;
  const bytes = await files.readBytes(internal, dataOffset, length);
  return bytes === null ? null : bytes.toString('utf8');
}

function fileOffsetOf(header: ExecutableHeader, address: number): number | null {
  const section = header.sections.find(
    (candidate) => candidate.fileSize > 0 && address >= candidate.address && address < candidate.address + candidate.fileSize,
  );
  return section ? section.offset + (address - section.address) : null;
}

/**
 * Parses the module text of build information: tab-separated `path`, `mod`, `dep` and `build`
 * lines. Go 1.18+ wraps the text in 16 sentinel bytes on each side, recognisable by the newline
 * 17 bytes from the end.
 */
export function parseModuleText(text: string): Omit<BuildInformation, 'version'> {
  if (text.length >= 33 && text[text.length - 17] === '\n') text = text.slice(16, -16);
  let mainPackage: string | null = null;
  const settings: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const fields = line.split('\t');
    if (fields[0] === 'path' && fields[1]) mainPackage = fields[1];
    if (fields[0] === 'build' && fields[1]) {
      const setting = fields.slice(1).join('\t');
      const equals = setting.indexOf('=');
      if (equals <= 0) continue;
      settings[unquote(setting.slice(0, equals))] = unquote(setting.slice(equals + 1));
    }
  }
  return { mainPackage, settings };
}

/** Undoes Go's strconv.Quote, which `go version -m` applies to keys and values with spaces or quotes. */
function unquote(value: string): string {
  if (!value.startsWith('"')) return value;
  try {
    return JSON.parse(value) as string;
  } catch {
    return value;
  }
}

function readVarintString(data: Buffer, offset: number): { text: string; next: number } | null {
  let length = 0;
  let shift = 0;
  let position = offset;
  for (;;) {
    if (position >= data.length || shift > 35) return null;
    const byte = data[position++]!;
    length += (byte & 0x7f) * 2 ** shift;
    if ((byte & 0x80) === 0) break;
    shift += 7;
  }
  if (position + length > data.length) return null;
  return { text: data.subarray(position, position + length).toString('utf8'), next: position + length };
}

function findAligned(data: Buffer, needle: Buffer, alignment: number): number {
  for (let offset = 0; offset + needle.length <= data.length; offset += alignment) {
    if (data.compare(needle, 0, needle.length, offset, offset + needle.length) === 0) return offset;
  }
  return -1;
}

function cString(data: Buffer, offset: number, maxLength = 256): string {
  const end = Math.min(data.length, offset + maxLength);
  let stop = offset;
  while (stop < end && data[stop] !== 0) stop++;
  return data.subarray(offset, stop).toString('latin1');
}

/** Reads fixed-size integers of one byte order; 64-bit values become numbers (exact below 2^53). */
class FieldReader {
  constructor(
    private readonly data: Buffer,
    private readonly littleEndian: boolean,
  ) {}

  u16(offset: number): number {
    return this.littleEndian ? this.data.readUInt16LE(offset) : this.data.readUInt16BE(offset);
  }

  u32(offset: number): number {
    return this.littleEndian ? this.data.readUInt32LE(offset) : this.data.readUInt32BE(offset);
  }

  u64(offset: number): number {
    return Number(this.littleEndian ? this.data.readBigUInt64LE(offset) : this.data.readBigUInt64BE(offset));
  }
}
