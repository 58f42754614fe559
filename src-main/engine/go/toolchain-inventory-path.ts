/**
 * Looks through PATH for `go` and for `goX.Y.Z` commands (golang.org/dl wrappers, or links that
 * GOTOOLCHAIN finds before downloading), and sorts each into a Go root, a lone Go binary or a
 * version manager's launcher. Files are read, never run.
 */
import type { GoShim, ToolchainAliasKind, ToolchainManager } from '../../shared/go-toolchains.ts';
import { readExecutable } from './toolchain-inventory-binary.ts';
import { normalizeInternal, toInternalPath, toPlatformPath, type RootedFiles } from './toolchain-inventory-files.ts';
import { matchesPattern, type ShimRule } from './toolchain-inventory-locations.ts';
import type { InventorySettings } from './toolchain-inventory-settings.ts';

export interface AliasDraft {
  path: string;
  kind: ToolchainAliasKind;
  links: string[];
  pathIndex: number | null;
}

export type PathFinding =
  | { kind: 'goroot'; goroot: string; alias: AliasDraft; isGoCommand: boolean }
  | { kind: 'lone-binary'; binary: string; alias: AliasDraft; isGoCommand: boolean }
  | { kind: 'shim'; shim: GoShim; isGoCommand: boolean };

/** Names GOTOOLCHAIN and golang.org/dl use for one release: go1.22.0, go1.23rc1, gotip. */
const VERSIONED_COMMAND = /^(go1\.\d+(?:\.\d+)?(?:(?:rc|beta)\d+)?|gotip)$/;

/** Files whose presence next to `bin/go` shows a Go root, even a damaged one. */
const GOROOT_MARKERS = ['pkg/tool', 'src/runtime', 'VERSION', 'VERSION.cache', 'go.env'];

/** Lists every `go` and `goX.Y.Z` in PATH order, sorted into what each one leads to. */
export async function scanPath(
  files: RootedFiles,
  settings: InventorySettings,
  shimRules: ShimRule[],
): Promise<PathFinding[]> {
  const executableSuffix = settings.platform === 'windows' ? '.exe' : '';
  const perEntry = await Promise.all(
    settings.pathEntries.map(async (entry) => {
      if (entry.internal === null) return [];
      const findings: PathFinding[] = [];
      const goFile = normalizeInternal(`${entry.internal}/go${executableSuffix}`);
      const goFinding = await classifyPathFile(files, settings, shimRules, goFile, entry.index, 'path');
      if (goFinding) findings.push({ ...goFinding, isGoCommand: true } as PathFinding);

      const names = (await files.list(entry.internal)) ?? [];
      for (const name of names.sort()) {
        const stem = executableSuffix && name.toLowerCase().endsWith(executableSuffix) ? name.slice(0, -executableSuffix.length) : name;
        if (stem === name && executableSuffix) continue;
        if (!VERSIONED_COMMAND.test(stem)) continue;
        const file = normalizeInternal(`${entry.internal}/${name}`);
        const finding = await classifyPathFile(files, settings, shimRules, file, entry.index, 'path-versioned', stem);
        if (finding) findings.push({ ...finding, isGoCommand: false } as PathFinding);
      }
      return findings;
    }),
  );
  return perEntry.flat();
}

type Unflagged = { kind: 'goroot'; goroot: string; alias: AliasDraft } | { kind: 'lone-binary'; binary: string; alias: AliasDraft } | { kind: 'shim'; shim: GoShim };

async function classifyPathFile(
  files: RootedFiles,
  settings: InventorySettings,
  shimRules: ShimRule[],
  file: string,
  pathIndex: number,
  kind: 'path' | 'path-versioned',
  versionedName?: string,
): Promise<Unflagged | null> {
  const { resolved, status } = await files.status(file);
  if (typeof status !== 'object' || !status.isFile()) return null;
  // execvp and exec.LookPath skip files without an execute bit; Windows has no such bit.
  if (settings.platform !== 'windows' && (status.mode & 0o111) === 0) return null;

  const platform = settings.platform;
  const alias = (aliasKind: ToolchainAliasKind): AliasDraft => ({ path: file, kind: aliasKind, links: resolved.links, pathIndex });
  const shim = (manager: ToolchainManager | null, note: string): Unflagged => ({
    kind: 'shim',
    shim: {
      path: toPlatformPath(file, platform),
      realPath: toPlatformPath(resolved.realPath, platform),
      manager,
      pathIndex,
      note,
    },
  });

  const goroot = await gorootOfBinary(files, resolved.realPath);
  if (goroot) return { kind: 'goroot', goroot, alias: alias(kind) };

  const shimRule = shimRules.find((rule) => matchesPattern(rule.pattern, file) || matchesPattern(rule.pattern, resolved.realPath));
  if (shimRule?.manager === 'snap') {
    if (await files.isDirectory('/snap/go/current')) {
      return { kind: 'goroot', goroot: '/snap/go/current', alias: alias('snap-launcher') };
    }
    return shim('snap', `${shimRule.note}, which does not exist`);
  }
  if (shimRule?.manager === 'scoop') {
    const target = await scoopShimTarget(files, file, platform);
    const targetRoot = target ? await gorootOfBinary(files, (await files.resolve(target)).realPath) : null;
    if (targetRoot) return { kind: 'goroot', goroot: targetRoot, alias: alias('shim') };
    return shim('scoop', `${shimRule.note}; the go.shim file names no Go root that exists`);
  }
  if (shimRule) return shim(shimRule.manager, shimRule.note);
  const realName = resolved.realPath.slice(resolved.realPath.lastIndexOf('/') + 1);
  if (realName === 'mise' || realName === 'mise.exe') {
    return shim('mise', 'mise shim; mise picks the version from mise.toml, .tool-versions or .go-version files');
  }

  const reading = await readExecutable(files, file);
  const mainPackage = reading?.buildInfo?.mainPackage ?? null;
  if (versionedName && (mainPackage === null || mainPackage.startsWith('golang.org/dl/'))) {
    // A golang.org/dl wrapper runs ~/sdk/<its name>/bin/go (%USERPROFILE%\sdk on Windows).
    const sdkRoot = settings.home ? `${settings.home}/sdk/${versionedName}` : null;
    if (sdkRoot && (await files.isDirectory(sdkRoot))) return { kind: 'goroot', goroot: sdkRoot, alias: alias('dl-wrapper') };
    if (mainPackage !== null || reading?.header.format === 'script') {
      const where = sdkRoot ? toPlatformPath(sdkRoot, platform) : 'the sdk directory of the home directory';
      return shim('golang.org/dl', `golang.org/dl wrapper whose toolchain is not downloaded: ${where} does not exist; run "${versionedName} download"`);
    }
  }
  if (reading?.buildInfo) return { kind: 'lone-binary', binary: resolved.realPath, alias: alias(kind) };
  return shim(null, 'not a Go binary (a wrapper script or another program); what it runs cannot be known without running it');
}

/** Returns the Go root of a `go` binary: the parent of its `bin` directory, when that looks like a Go root. */
export async function gorootOfBinary(files: RootedFiles, realBinary: string): Promise<string | null> {
  const binDirectory = realBinary.slice(0, realBinary.lastIndexOf('/'));
  if (!binDirectory.endsWith('/bin')) return null;
  const root = binDirectory.slice(0, -'/bin'.length) || '/';
  for (const marker of GOROOT_MARKERS) {
    const { status } = await files.status(`${root}/${marker}`);
    if (typeof status === 'object') return root;
  }
  return null;
}

/** Reads the target of a Scoop shim from the `.shim` file next to it: a line `path = "C:\…\go.exe"`. */
async function scoopShimTarget(files: RootedFiles, shimFile: string, platform: InventorySettings['platform']): Promise<string | null> {
  const text = await files.readText(shimFile.replace(/\.exe$/i, '.shim'), 16 * 1024);
  const value = text ? /^\s*path\s*=\s*"?([^"\r\n]+)"?\s*$/m.exec(text)?.[1] : undefined;
  return value ? toInternalPath(value.trim(), platform) : null;
}
