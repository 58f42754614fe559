/**
 * Inspects one Go root from its files: which parts exist, its version, GOOS/GOARCH and what its
 * `go` binary records about itself. Nothing is run.
 */
import type {
  GoBinaryInfo,
  ToolchainLayout,
  ToolchainManager,
  ToolchainPartState,
  ToolchainPlatform,
  ToolchainPlatformSource,
  ToolchainProblem,
  ToolchainVersion,
} from '../../shared/go-toolchains.ts';
import { readExecutable } from './toolchain-inventory-binary.ts';
import { isWithin, toPlatformPath, type RootedFiles } from './toolchain-inventory-files.ts';

export interface GorootInspection {
  layout: ToolchainLayout;
  toolDirectories: string[];
  version: ToolchainVersion | null;
  goos: string | null;
  goarch: string | null;
  platformSource: ToolchainPlatformSource | null;
  goBinary: GoBinaryInfo | null;
  missing: string[];
  problems: ToolchainProblem[];
}

/** Facts about a Go root known from where it was found rather than from its files. */
export interface GorootHints {
  manager: ToolchainManager;
  /** The directory the manager made for this install (differs from the Go root for asdf, Homebrew, …). */
  installDirectory: string;
}

/** Go minor version that added `$GOROOT/go.env`. */
const FIRST_MINOR_WITH_GO_ENV = 21;

/** A toolchain module directory name: `toolchain@v0.0.1-<version>.<goos>-<goarch>`. */
const TOOLCHAIN_MODULE_NAME = /^toolchain@v0\.0\.1-(go.+)\.([a-z0-9]+)-([a-z0-9]+)$/;

/** A version directory name as managers write it: `1.22.0`, `go1.22.0`, `1.23rc1`. */
const VERSION_DIRECTORY_NAME = /^(?:go)?(\d+\.\d+(?:\.\d+)?(?:(?:rc|beta)\d+)?)$/;

/** Checks each part of a Go root and reads its version and GOOS/GOARCH, most reliable source first. */
export async function inspectGoroot(
  files: RootedFiles,
  goroot: string,
  hints: GorootHints,
): Promise<GorootInspection> {
  const platform = files.platform;
  const binaryName = platform === 'windows' ? 'go.exe' : 'go';
  const part = (relative: string, executable = false) => partState(files, goroot, `${goroot}/${relative}`, executable);

  const directory = (await files.isDirectory(goroot)) ? 'present' : await part('');
  const [goBinaryState, versionFile, versionCache, source, toolRoot, goEnvFile] = await Promise.all([
    part(`bin/${binaryName}`, true),
    part('VERSION'),
    part('VERSION.cache'),
    part('src/runtime'),
    part('pkg/tool'),
    part('go.env'),
  ]);
  const toolDirectories = toolRoot === 'present' ? await listToolDirectories(files, `${goroot}/pkg/tool`) : [];
  const tools: ToolchainPartState = toolRoot === 'present' && toolDirectories.length === 0 ? 'missing' : toolRoot;

  const goBinary =
    goBinaryState === 'present' || goBinaryState === 'not-executable'
      ? await inspectGoBinary(files, `${goroot}/bin/${binaryName}`)
      : null;

  const versionFileText = versionFile === 'present' ? await firstLine(files, `${goroot}/VERSION`) : null;
  const versionCacheText = versionCache === 'present' ? await firstLine(files, `${goroot}/VERSION.cache`) : null;
  const moduleName = TOOLCHAIN_MODULE_NAME.exec(baseName(goroot));
  const version = await chooseVersion(files, goroot, hints, {
    versionFileText,
    versionCacheText,
    buildVersion: goBinary?.buildVersion ?? null,
    moduleVersion: moduleName?.[1] ?? null,
    goEnvPresent: goEnvFile === 'present',
  });

  const platformChoice = choosePlatform(goBinary, toolDirectories, moduleName);
  const layout: ToolchainLayout = {
    directory,
    goBinary: goBinaryState,
    versionFile,
    source,
    tools,
    goEnvFile,
  };
  const { missing, problems } = describeGaps(layout, {
    goroot,
    binaryName,
    platform,
    version,
    versionFileText,
    hasVersionCache: versionCacheText !== null,
    goBinary,
  });
  if (hints.manager === 'golang.org/dl' && directory === 'present') {
    // golang.org/dl writes this empty file after unpacking, and its goX.Y.Z command refuses to run
    // without it ("not downloaded").
    const marker = await part('.unpacked-success');
    if (marker !== 'present') {
      missing.push('.unpacked-success');
      problems.push({
        code: 'sdk-not-unpacked',
        message: `${toPlatformPath(goroot, platform)} has no .unpacked-success file, so the download did not finish and its goX.Y.Z command exits with "not downloaded". Run that command with "download" again`,
      });
    }
  }

  return { layout, toolDirectories, version, ...platformChoice, goBinary, missing, problems };
}

/** Reads what the file of a `go` binary records, for binaries inside or outside a Go root. */
export async function inspectGoBinary(files: RootedFiles, binary: string): Promise<GoBinaryInfo> {
  const resolved = await files.resolve(binary);
  const reading = await readExecutable(files, binary);
  const settings = reading?.buildInfo?.settings ?? {};
  const hasSettings = Object.keys(settings).length > 0;
  return {
    path: toPlatformPath(binary, files.platform),
    realPath: toPlatformPath(resolved.realPath, files.platform),
    format: reading?.header.format ?? 'unknown',
    headerGoos: reading?.header.goos ?? null,
    headerGoarch: reading?.header.goarch ?? null,
    buildVersion: reading?.buildInfo?.version ?? null,
    buildSettings: settings,
    mainPackage: reading?.buildInfo?.mainPackage ?? null,
    // Go 1.18+ records build settings, and -trimpath only when it was used.
    trimpath: hasSettings ? settings['-trimpath'] === 'true' : null,
  };
}

/** Returns the state of a path inside a Go root, following symbolic links. */
async function partState(
  files: RootedFiles,
  goroot: string,
  internal: string,
  executable: boolean,
): Promise<ToolchainPartState> {
  const { resolved, status } = await files.status(internal);
  if (status === 'denied') return 'unreadable';
  if (status === 'missing') {
    const link = resolved.danglingLink;
    return link && isWithin(link.path, goroot) ? 'broken-symlink' : 'missing';
  }
  if (executable && files.platform !== 'windows' && (status.mode & 0o111) === 0) return 'not-executable';
  return 'present';
}

async function listToolDirectories(files: RootedFiles, toolRoot: string): Promise<string[]> {
  const names = (await files.list(toolRoot)) ?? [];
  const directories: string[] = [];
  for (const name of names.sort()) {
    if (/^[a-z0-9]+_[a-z0-9]+$/.test(name) && (await files.isDirectory(`${toolRoot}/${name}`))) directories.push(name);
  }
  return directories;
}

async function firstLine(files: RootedFiles, file: string): Promise<string | null> {
  const text = await files.readText(file, 4096);
  const line = text?.split('\n')[0]?.trim();
  return line ? line : null;
}

interface VersionEvidence {
  versionFileText: string | null;
  versionCacheText: string | null;
  buildVersion: string | null;
  moduleVersion: string | null;
  goEnvPresent: boolean;
}

async function chooseVersion(
  files: RootedFiles,
  goroot: string,
  hints: GorootHints,
  evidence: VersionEvidence,
): Promise<ToolchainVersion | null> {
  if (evidence.versionFileText) return { value: evidence.versionFileText, source: 'VERSION', precision: 'release' };
  if (evidence.versionCacheText) return { value: evidence.versionCacheText, source: 'VERSION.cache', precision: 'release' };
  if (evidence.buildVersion) return { value: evidence.buildVersion, source: 'build-info', precision: 'release' };
  if (evidence.moduleVersion) return { value: evidence.moduleVersion, source: 'module-name', precision: 'release' };
  const directoryVersion = VERSION_DIRECTORY_NAME.exec(baseName(hints.installDirectory));
  if (directoryVersion && hints.manager !== 'path-only' && hints.manager !== 'goroot-only') {
    return { value: `go${directoryVersion[1]}`, source: 'directory-name', precision: 'release' };
  }
  // src/internal/goversion/goversion.go holds the minor version of the release being developed.
  const goversionSource = await files.readText(`${goroot}/src/internal/goversion/goversion.go`);
  const minor = goversionSource ? /const Version = (\d+)/.exec(goversionSource)?.[1] : undefined;
  if (minor) return { value: `go1.${minor}`, source: 'goversion-source', precision: 'language' };
  if (evidence.goEnvPresent) {
    return { value: `go1.${FIRST_MINOR_WITH_GO_ENV}`, source: 'go.env', precision: 'lower-bound' };
  }
  return null;
}

function choosePlatform(
  goBinary: GoBinaryInfo | null,
  toolDirectories: string[],
  moduleName: RegExpExecArray | null,
): Pick<GorootInspection, 'goos' | 'goarch' | 'platformSource'> {
  const built = goBinary?.buildSettings;
  if (built?.GOOS && built.GOARCH) return { goos: built.GOOS, goarch: built.GOARCH, platformSource: 'build-info' };
  if (goBinary?.headerGoos && goBinary.headerGoarch) {
    return { goos: goBinary.headerGoos, goarch: goBinary.headerGoarch, platformSource: 'binary-header' };
  }
  const toolDirectory = toolDirectories[0];
  if (toolDirectory) {
    const [goos, goarch] = toolDirectory.split('_');
    return { goos: goos ?? null, goarch: goarch ?? null, platformSource: 'tool-directory' };
  }
  if (moduleName) {
    // Release archives spell GOARCH arm as armv6l; the name is mapped back in case a module does too.
    const goarch = moduleName[3] === 'armv6l' ? 'arm' : moduleName[3]!;
    return { goos: moduleName[2]!, goarch, platformSource: 'module-name' };
  }
  return { goos: null, goarch: null, platformSource: null };
}

interface GapContext {
  goroot: string;
  binaryName: string;
  platform: ToolchainPlatform;
  version: ToolchainVersion | null;
  versionFileText: string | null;
  /** Source builds from a git checkout have VERSION.cache in place of VERSION. */
  hasVersionCache: boolean;
  goBinary: GoBinaryInfo | null;
}

function describeGaps(layout: ToolchainLayout, context: GapContext): { missing: string[]; problems: ToolchainProblem[] } {
  const missing: string[] = [];
  const problems: ToolchainProblem[] = [];
  const where = toPlatformPath(context.goroot, context.platform);
  const binary = `bin/${context.binaryName}`;

  if (layout.directory === 'unreadable') {
    problems.push({ code: 'unreadable', message: `${where} cannot be read by this user, so its contents are unknown` });
    return { missing, problems };
  }
  if (layout.directory !== 'present') {
    problems.push({
      code: 'directory-missing',
      message: `the Go root ${where} does not exist; reinstall that version, or remove it from the version manager or the GOROOT setting that names it`,
    });
  }

  const partProblems: [keyof ToolchainLayout, string, () => ToolchainProblem | null][] = [
    ['goBinary', binary, () => binaryProblem(layout.goBinary, where, binary)],
    [
      'versionFile',
      'VERSION',
      () => ({
        code: 'version-file-missing',
        message: `${where} has no VERSION file; the version shown comes from ${context.version?.source ?? 'nowhere'}`,
      }),
    ],
    [
      'source',
      'src',
      () => ({
        code: 'source-missing',
        message: `${where} has no standard library sources (src/runtime), so builds fail; install the sources (on Debian, the golang-X.Y-src package)`,
      }),
    ],
    [
      'tools',
      'pkg/tool',
      () => ({
        code: 'tools-missing',
        message: `${where} has no pkg/tool/<os_arch> directory, so the go command does not recognise it as a Go root and cannot compile`,
      }),
    ],
  ];
  for (const [key, relative, problem] of partProblems) {
    if (layout.directory !== 'present') {
      missing.push(relative);
      continue;
    }
    if (layout[key] === 'present') continue;
    if (key === 'versionFile' && context.hasVersionCache) continue;
    if (layout[key] === 'unreadable') {
      problems.push({ code: 'unreadable', message: `${where}/${relative} cannot be read by this user` });
      continue;
    }
    if (layout[key] !== 'not-executable') missing.push(relative);
    const found = problem();
    if (found) problems.push(found);
  }

  const minor = goMinorVersion(context.version);
  const needsGoEnv = minor !== null && minor >= FIRST_MINOR_WITH_GO_ENV && context.version?.precision !== 'lower-bound';
  if (needsGoEnv && layout.goEnvFile !== 'present' && layout.goEnvFile !== 'unreadable') {
    missing.push('go.env');
    problems.push({
      code: 'go-env-missing',
      message: `${where} has no go.env, so Go ${context.version?.value} starts with empty GOPROXY, GOSUMDB and GOTOOLCHAIN defaults`,
    });
  }

  const built = context.goBinary?.buildVersion;
  if (context.versionFileText && built && /^go\d/.test(context.versionFileText) && /^go\d/.test(built)) {
    if (context.versionFileText !== built) {
      problems.push({
        code: 'version-mismatch',
        message: `${where}/VERSION contains ${context.versionFileText} but ${binary} was built as ${built}, so builds with this Go root fail with "compile: version … does not match go tool version". Reinstall this version`,
      });
    }
  }
  return { missing, problems };
}

function binaryProblem(state: ToolchainPartState, where: string, binary: string): ToolchainProblem | null {
  if (state === 'broken-symlink') {
    return { code: 'go-binary-broken-symlink', message: `${where}/${binary} is a symbolic link whose target is missing` };
  }
  if (state === 'not-executable') {
    return { code: 'go-binary-not-executable', message: `${where}/${binary} has no execute permission, so it cannot be run` };
  }
  return { code: 'go-binary-missing', message: `${where} has no ${binary}, so it cannot be run` };
}

/** Returns the minor number of a go1.X version, or null for other forms. */
export function goMinorVersion(version: ToolchainVersion | null): number | null {
  const match = version ? /^(?:devel )?go1\.(\d+)/.exec(version.value) : null;
  return match ? Number(match[1]) : null;
}

function baseName(internal: string): string {
  return internal.slice(internal.lastIndexOf('/') + 1);
}
