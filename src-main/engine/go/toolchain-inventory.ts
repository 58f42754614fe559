/**
 * Finds every Go toolchain installed on a machine, or on a Linux, macOS or Windows layout copied
 * under a throwaway root. It reads files only: PATH, GOROOT, the Go env file, the standard install
 * directories and the directories of each version manager. No `go` binary is run, because running
 * one can download a toolchain or write telemetry files.
 */
import { promises as fs } from 'node:fs';

import type {
  DanglingToolchainLink,
  GoShim,
  InstalledToolchain,
  ToolchainAlias,
  ToolchainInventory,
  ToolchainManager,
  ToolchainPlatform,
  ToolchainProblem,
  ToolchainSource,
} from '../../shared/go-toolchains.ts';
import { normalizeInternal, RootedFiles, toInternalPath, toPlatformPath } from './toolchain-inventory-files.ts';
import { inspectGoBinary, inspectGoroot } from './toolchain-inventory-inspect.ts';
import { buildLocationTable, classifyGoroot, expandPattern, type LocationRule } from './toolchain-inventory-locations.ts';
import { scanPath, type AliasDraft, type PathFinding } from './toolchain-inventory-path.ts';
import { readInventorySettings, type InventorySettings } from './toolchain-inventory-settings.ts';

export { contextsUsingToolchain } from './toolchain-inventory-contexts.ts';

export interface ToolchainInventoryOptions {
  /** The host directory read as the platform's `/` (or `C:\`); defaults to `/`. */
  root?: string;
  /** The home directory as the platform spells it; defaults to HOME (`%USERPROFILE%` on Windows). */
  home?: string | null;
  /** The environment whose PATH, GOROOT, GOPATH, GOMODCACHE, XDG_* and manager variables are used; defaults to this process's. */
  env?: Record<string, string | undefined>;
  /** The layout to recognise; defaults to the host's (anything but darwin and win32 counts as linux). */
  platform?: ToolchainPlatform;
}

/** One Go root (or lone binary) while the inventory is being gathered. */
interface Draft {
  goroot: string | null;
  loneBinary: string | null;
  foundBy: Set<ToolchainSource>;
  aliases: Map<string, AliasDraft>;
  /** The first known-location rule that reached it, with the install directory matched. */
  locationRule: { rule: LocationRule; installDirectory: string } | null;
  isFirstOnPath: boolean;
}

/** Finds every installed Go toolchain without running any of them. */
export async function findInstalledToolchains(options: ToolchainInventoryOptions = {}): Promise<ToolchainInventory> {
  const started = performance.now();
  const platform = options.platform ?? hostPlatform();
  const root = await fs.realpath(options.root ?? '/');
  const files = new RootedFiles(root, platform);
  const settings = await readInventorySettings(files, options.env ?? process.env, platform, options.home);
  const table = await buildLocationTable(files, settings);

  const collector = new DraftCollector(files);
  await collector.addKnownLocations(table.rules);
  await collector.addGorootSettings(settings);
  await collector.addPathFindings(await scanPath(files, settings, table.shims));

  const toolchains = await Promise.all(collector.drafts().map((draft) => finishDraft(files, table.rules, draft)));
  toolchains.sort(compareToolchains);

  return {
    platform,
    root,
    toolchains,
    shims: collector.shims,
    danglingLinks: collector.danglingLinks,
    searchedLocations: [...new Set(table.rules.map((rule) => toPlatformPath(rule.pattern, platform)))],
    durationMs: performance.now() - started,
  };
}

/** Gathers Go roots, lone binaries and launchers, merging every path that resolves to the same Go root. */
class DraftCollector {
  readonly shims: GoShim[] = [];
  readonly danglingLinks: DanglingToolchainLink[] = [];
  private readonly byRealPath = new Map<string, Draft>();

  constructor(private readonly files: RootedFiles) {}

  drafts(): Draft[] {
    return [...this.byRealPath.values()];
  }

  /** Expands every rule at once, then merges the results in rule order, so earlier rules come first. */
  async addKnownLocations(rules: LocationRule[]): Promise<void> {
    const expanded = await Promise.all(
      rules.map(async (rule) => {
        const directories = await expandPattern(this.files, rule.pattern);
        const located = await Promise.all(directories.map((directory) => locateGoroot(this.files, rule, directory)));
        return directories.map((installDirectory, index) => ({ rule, installDirectory, found: located[index] }));
      }),
    );
    for (const { rule, installDirectory, found } of expanded.flat()) {
      if (!found) continue;
      if ('dangling' in found) {
        this.danglingLinks.push({
          path: toPlatformPath(found.dangling.path, this.files.platform),
          target: found.dangling.target,
          manager: rule.manager,
        });
        continue;
      }
      const draft = await this.draftFor(found.goroot);
      draft.foundBy.add('known-location');
      draft.locationRule ??= { rule, installDirectory };
    }
  }

  /** Adds GOROOT from the environment and the Go env file, even when it names no directory, because go then fails. */
  async addGorootSettings(settings: InventorySettings): Promise<void> {
    const gorootSettings: [string | undefined, 'goroot-variable' | 'go-env-file'][] = [
      [settings.gorootVariable?.internal, 'goroot-variable'],
      [gorootFromEnvFile(settings), 'go-env-file'],
    ];
    for (const [goroot, source] of gorootSettings) {
      if (!goroot) continue;
      const draft = await this.draftFor(goroot);
      draft.foundBy.add(source);
      const resolved = await this.files.resolve(goroot);
      addAlias(draft, { path: normalizeInternal(goroot), kind: source, links: resolved.links, pathIndex: null });
    }
  }

  /** Adds PATH findings in PATH order; the first `go` command marks the toolchain a program would run. */
  async addPathFindings(findings: PathFinding[]): Promise<void> {
    let firstGoSeen = false;
    for (const finding of findings) {
      const isFirst = finding.isGoCommand && !firstGoSeen;
      if (finding.isGoCommand) firstGoSeen = true;
      if (finding.kind === 'shim') {
        this.shims.push(finding.shim);
        continue;
      }
      const draft = finding.kind === 'goroot' ? await this.draftFor(finding.goroot) : this.loneBinaryDraft(finding.binary);
      draft.foundBy.add('path');
      addAlias(draft, finding.alias);
      if (isFirst) draft.isFirstOnPath = true;
    }
  }

  /** Returns the draft of the Go root a path resolves to, recording the path as an alias when it is a link. */
  private async draftFor(goroot: string): Promise<Draft> {
    const resolved = await this.files.resolve(goroot);
    const key = resolved.exists ? resolved.realPath : normalizeInternal(goroot);
    let draft = this.byRealPath.get(key);
    if (!draft) {
      draft = newDraft(key, null);
      this.byRealPath.set(key, draft);
    }
    if (resolved.exists && normalizeInternal(goroot) !== key) {
      addAlias(draft, { path: normalizeInternal(goroot), kind: 'symlink', links: resolved.links, pathIndex: null });
    }
    return draft;
  }

  private loneBinaryDraft(realBinary: string): Draft {
    let draft = this.byRealPath.get(realBinary);
    if (!draft) {
      draft = newDraft(null, realBinary);
      this.byRealPath.set(realBinary, draft);
    }
    return draft;
  }
}

function newDraft(goroot: string | null, loneBinary: string | null): Draft {
  return { goroot, loneBinary, foundBy: new Set(), aliases: new Map(), locationRule: null, isFirstOnPath: false };
}

function hostPlatform(): ToolchainPlatform {
  if (process.platform === 'darwin') return 'darwin';
  if (process.platform === 'win32') return 'windows';
  return 'linux';
}

/** Returns the GOROOT line of the Go env file as an internal path; cmd/go cleans it with filepath.Clean. */
function gorootFromEnvFile(settings: InventorySettings): string | undefined {
  const value = settings.goEnvFile?.values.get('GOROOT');
  return (value && toInternalPath(value, settings.platform)) || undefined;
}

function addAlias(draft: Draft, alias: AliasDraft): void {
  const key = `${alias.kind}\u0000${alias.path}`;
  if (!draft.aliases.has(key)) draft.aliases.set(key, alias);
}

/** Files or directories whose presence shows a Go root, even a damaged one. */
const GOROOT_MARKERS = ['VERSION', 'VERSION.cache', 'bin/go', 'bin/go.exe', 'pkg/tool', 'src/runtime', 'go.env'];

/**
 * Picks the Go root inside a directory a rule matched: the first subpath containing a Go file,
 * else (for version directories) the first subpath that exists, else the first subpath. Returns
 * null when the match is no directory, or when a rule for other locations finds no Go file.
 */
async function locateGoroot(
  files: RootedFiles,
  rule: LocationRule,
  installDirectory: string,
): Promise<{ goroot: string } | { dangling: { path: string; target: string } } | null> {
  const { resolved, status } = await files.status(installDirectory);
  if (status === 'missing' && resolved.danglingLink) return { dangling: resolved.danglingLink };
  if (typeof status !== 'object' || !status.isDirectory()) return null;

  const candidates = rule.gorootSubpaths.map((subpath) => (subpath === '' ? installDirectory : `${installDirectory}/${subpath}`));
  for (const candidate of candidates) {
    if (await hasGorootMarker(files, candidate)) return { goroot: candidate };
  }
  if (!rule.reportEmpty) return null;
  for (const candidate of candidates) {
    const found = await files.status(candidate);
    if (found.status === 'missing' && found.resolved.danglingLink) return { dangling: found.resolved.danglingLink };
    if (await files.isDirectory(candidate)) return { goroot: candidate };
  }
  return { goroot: candidates[0]! };
}

async function hasGorootMarker(files: RootedFiles, directory: string): Promise<boolean> {
  const states = await Promise.all(GOROOT_MARKERS.map((marker) => files.status(`${directory}/${marker}`)));
  return states.some((state) => typeof state.status === 'object');
}

async function finishDraft(files: RootedFiles, rules: LocationRule[], draft: Draft): Promise<InstalledToolchain> {
  const platform = files.platform;
  const aliases: ToolchainAlias[] = [...draft.aliases.values()].map((alias) => ({
    path: toPlatformPath(alias.path, platform),
    kind: alias.kind,
    links: alias.links.map((link) => toPlatformPath(link, platform)),
    pathIndex: alias.pathIndex,
  }));
  aliases.sort(
    (a, b) =>
      (a.pathIndex ?? Number.MAX_SAFE_INTEGER) - (b.pathIndex ?? Number.MAX_SAFE_INTEGER) ||
      a.path.localeCompare(b.path) ||
      a.kind.localeCompare(b.kind),
  );
  const foundBy = [...draft.foundBy].sort();

  if (draft.loneBinary !== null) return finishLoneBinary(files, draft, aliases, foundBy);

  const goroot = draft.goroot!;
  const classification = classify(rules, draft);
  const inspection = await inspectGoroot(files, goroot, {
    manager: classification.manager,
    installDirectory: classification.installDirectory,
  });
  return {
    id: toPlatformPath(goroot, platform),
    goroot: toPlatformPath(goroot, platform),
    manager: classification.manager,
    managerEvidence: classification.evidence,
    foundBy,
    version: inspection.version,
    goos: inspection.goos,
    goarch: inspection.goarch,
    platformSource: inspection.platformSource,
    toolDirectories: inspection.toolDirectories,
    goBinary: inspection.goBinary,
    layout: inspection.layout,
    missing: inspection.missing,
    complete: inspection.missing.length === 0 && inspection.layout.directory === 'present',
    problems: inspection.problems,
    aliases,
    firstOnPath: draft.isFirstOnPath,
  };
}

/**
 * Decides the manager from the real Go root first, then from the paths that led to it (a link
 * such as `~/.g/go` may point outside the manager's directory), then from how it was found.
 */
function classify(
  rules: LocationRule[],
  draft: Draft,
): { manager: ToolchainManager; evidence: string; installDirectory: string } {
  const directoryAliases = [...draft.aliases.values()].filter((alias) =>
    alias.kind === 'symlink' || alias.kind === 'goroot-variable' || alias.kind === 'go-env-file',
  );
  for (const candidate of [draft.goroot!, ...directoryAliases.map((alias) => alias.path)]) {
    const match = classifyGoroot(rules, candidate);
    if (match) {
      const via = candidate === draft.goroot ? '' : ` through ${candidate}`;
      return {
        manager: match.rule.manager,
        evidence: `${match.rule.description} (${match.rule.pattern})${via}`,
        installDirectory: match.installDirectory,
      };
    }
  }
  if (draft.locationRule) {
    const { rule, installDirectory } = draft.locationRule;
    return { manager: rule.manager, evidence: `${rule.description} (${rule.pattern})`, installDirectory };
  }
  if (draft.foundBy.has('path')) {
    return { manager: 'path-only', evidence: 'found through PATH in no known install location', installDirectory: draft.goroot! };
  }
  return { manager: 'goroot-only', evidence: 'named by GOROOT in no known install location', installDirectory: draft.goroot! };
}

async function finishLoneBinary(
  files: RootedFiles,
  draft: Draft,
  aliases: ToolchainAlias[],
  foundBy: ToolchainSource[],
): Promise<InstalledToolchain> {
  const platform = files.platform;
  const binary = draft.loneBinary!;
  const goBinary = await inspectGoBinary(files, binary);

  const problems: ToolchainProblem[] = [];
  if (goBinary.trimpath) {
    problems.push({
      code: 'trimmed-binary-without-goroot',
      message: `${goBinary.path} is a -trimpath build outside any Go root, so it stops with "'go' binary is trimmed and GOROOT is not set" unless GOROOT is set`,
    });
  }

  const goos = goBinary.buildSettings.GOOS ?? goBinary.headerGoos;
  const goarch = goBinary.buildSettings.GOARCH ?? goBinary.headerGoarch;
  let platformSource: InstalledToolchain['platformSource'] = null;
  if (goBinary.buildSettings.GOOS) platformSource = 'build-info';
  else if (goBinary.headerGoos) platformSource = 'binary-header';

  // NOTE: a binary built without -trimpath falls back to the GOROOT linked into it, which is not
  // read here, so it is reported without a Go root even when that directory exists.
  return {
    id: toPlatformPath(binary, platform),
    goroot: null,
    manager: 'path-only',
    managerEvidence: 'a go binary on PATH outside any Go root',
    foundBy,
    version: goBinary.buildVersion ? { value: goBinary.buildVersion, source: 'build-info', precision: 'release' } : null,
    goos,
    goarch,
    platformSource,
    toolDirectories: [],
    goBinary,
    layout: {
      directory: 'missing',
      goBinary: 'present',
      versionFile: 'missing',
      source: 'missing',
      tools: 'missing',
      goEnvFile: 'missing',
    },
    missing: ['GOROOT'],
    complete: false,
    problems,
    aliases,
    firstOnPath: draft.isFirstOnPath,
  };
}

/** Orders toolchains on PATH first, in PATH order, then the rest by id. */
function compareToolchains(a: InstalledToolchain, b: InstalledToolchain): number {
  const firstIndex = (toolchain: InstalledToolchain) =>
    Math.min(Number.MAX_SAFE_INTEGER, ...toolchain.aliases.map((alias) => alias.pathIndex ?? Number.MAX_SAFE_INTEGER));
  return firstIndex(a) - firstIndex(b) || a.id.localeCompare(b.id);
}
