/**
 * The install locations of each installer and version manager, per platform, as glob patterns
 * over internal paths. The same table drives the search (patterns are expanded) and the manager decision (a Go
 * root's real path is matched against the patterns).
 */
import type { ToolchainManager } from '../../shared/go-toolchains.ts';
import { normalizeInternal, toInternalPath, type RootedFiles } from './toolchain-inventory-files.ts';
import type { InventorySettings } from './toolchain-inventory-settings.ts';

export interface LocationRule {
  manager: ToolchainManager;
  /** Internal glob of the directory each install lives in; `*` matches within one path component. */
  pattern: string;
  /** Subpaths of a matched directory that may be the Go root, tried in order; `''` is the directory itself. */
  gorootSubpaths: string[];
  /**
   * Report a matched directory even when it contains no Go file, because the manager creates the
   * directory for exactly one toolchain (a version directory). Other rules need a Go file to count.
   */
  reportEmpty: boolean;
  /** Human words for the location, e.g. "goenv version directory". */
  description: string;
}

/** A `go` launcher a manager puts on PATH in place of a Go binary. */
export interface ShimRule {
  manager: ToolchainManager;
  /** Internal glob of the launcher file. */
  pattern: string;
  note: string;
}

export interface LocationTable {
  rules: LocationRule[];
  shims: ShimRule[];
}

/** Builds the location and launcher rules for the platform, the home directory and the environment. */
export async function buildLocationTable(files: RootedFiles, settings: InventorySettings): Promise<LocationTable> {
  const rules: LocationRule[] = [];
  const shims: ShimRule[] = [];
  const home = settings.home;
  const directory = (name: string, fallback: string | null) => {
    const value = settings.variable(name);
    const internal = value ? toInternalPath(value, settings.platform) : null;
    return internal ?? fallback;
  };
  const add = (
    manager: ToolchainManager,
    pattern: string | null,
    gorootSubpaths: string[],
    reportEmpty: boolean,
    description: string,
  ) => {
    if (pattern) rules.push({ manager, pattern: normalizeInternal(pattern), gorootSubpaths, reportEmpty, description });
  };
  const addShim: AddShim = (manager, pattern, note) => {
    if (pattern) shims.push({ manager, pattern: normalizeInternal(pattern), note });
  };
  const under = (base: string | null, rest: string) => (base ? `${base}/${rest}` : null);

  if (settings.platform === 'windows') {
    const programFiles = directory('ProgramFiles', '/Program Files');
    add('windows-msi', under(programFiles, 'Go'), [''], false, 'Go MSI installer directory');
    add('windows-msi', '/Program Files (x86)/Go', [''], false, 'Go MSI installer directory (32-bit)');
    add('windows-msi', '/Go', [''], false, 'default directory of older Go MSI installers');
    const scoop = directory('SCOOP', under(home, 'scoop'));
    add('scoop', under(scoop, 'apps/go/current'), [''], false, 'Scoop current version link');
    add('scoop', under(scoop, 'apps/go/*'), [''], true, 'Scoop app version directory');
    add('scoop', under(directory('SCOOP_GLOBAL', '/ProgramData/scoop'), 'apps/go/*'), [''], true, 'Scoop global app version directory');
    addShim('scoop', under(scoop, 'shims/go.exe'), 'Scoop shim; its go.shim file names the go.exe it starts');
    const localAppData = directory('LOCALAPPDATA', under(home, 'AppData/Local'));
    addMiseRules(add, addShim, directory('MISE_DATA_DIR', under(localAppData, 'mise')));
  } else {
    add('tarball', '/usr/local/go', [''], false, 'release archive directory /usr/local/go');
    add('tarball', '/opt/go*', [''], false, 'release archive directory under /opt');
    if (settings.platform === 'darwin') {
      // The macOS installer package writes /etc/paths.d/go to put /usr/local/go/bin on PATH.
      if (await files.isDirectory('/usr/local/go')) {
        const pathsFile = await files.status('/etc/paths.d/go');
        if (typeof pathsFile.status === 'object') {
          rules.unshift({
            manager: 'macos-pkg',
            pattern: '/usr/local/go',
            gorootSubpaths: [''],
            reportEmpty: false,
            description: 'macOS installer directory (/etc/paths.d/go is present)',
          });
        }
      }
      for (const prefix of ['/opt/homebrew', '/usr/local']) addHomebrewRules(add, prefix);
      add('macports', '/opt/local/lib/go', [''], false, 'MacPorts go port directory');
    } else {
      add('debian', '/usr/lib/go-*', [''], false, 'Debian golang-X.Y-go package directory');
      add('system-package', '/usr/lib/go', [''], false, 'distribution package directory /usr/lib/go');
      add('fedora', '/usr/lib/golang', [''], false, 'Fedora golang package directory');
      add('snap', '/snap/go/current', [''], false, 'snap current revision link');
      add('snap', '/snap/go/*', [''], false, 'snap revision directory');
      addHomebrewRules(add, '/home/linuxbrew/.linuxbrew');
      if (home) addHomebrewRules(add, `${home}/.linuxbrew`);
      addShim('snap', '/snap/bin/go', 'snap launcher; snapd runs /snap/go/current/bin/go');
    }
    const homebrewCellar = directory('HOMEBREW_CELLAR', null);
    if (homebrewCellar) {
      add('homebrew', `${homebrewCellar}/go/*`, ['libexec'], true, 'Homebrew Cellar version directory');
      add('homebrew', `${homebrewCellar}/go@*/*`, ['libexec'], true, 'Homebrew Cellar version directory');
    }
    add('nix', '/nix/store/*-go-*', ['share/go'], false, 'Nix store package');
    add('nix', under(home, '.nix-profile/share/go'), [''], false, 'Nix user profile link');
    add('nix', '/run/current-system/sw/share/go', [''], false, 'NixOS system profile link');

    const goenvRoot = directory('GOENV_ROOT', under(home, '.goenv'));
    add('goenv', under(goenvRoot, 'versions/*'), [''], true, 'goenv version directory');
    addShim(
      'goenv',
      under(goenvRoot, 'shims/go'),
      'goenv shim; goenv picks the version from GOENV_VERSION, .go-version files or its global setting',
    );

    const gvmRoot = directory('GVM_ROOT', under(home, '.gvm'));
    add('gvm', under(gvmRoot, 'gos/*'), [''], true, 'gvm version directory');

    const asdfData = directory('ASDF_DATA_DIR', under(home, '.asdf'));
    add('asdf', under(asdfData, 'installs/golang/*'), ['go'], true, 'asdf golang plugin install directory');
    addShim(
      'asdf',
      under(asdfData, 'shims/go'),
      'asdf shim; asdf picks the version from ASDF_GOLANG_VERSION or .tool-versions files',
    );

    const xdgData = directory('XDG_DATA_HOME', under(home, '.local/share'));
    addMiseRules(add, addShim, directory('MISE_DATA_DIR', under(xdgData, 'mise')));

    add('goup', under(home, '.goup/go*'), ['go'], true, 'goup version directory');
  }

  // Shared by every platform: the locations below depend only on the home directory.
  add('golang.org/dl', under(home, 'sdk/go*'), [''], true, 'golang.org/dl download directory ~/sdk');
  for (const cache of settings.moduleCaches) {
    add('toolchain-module', `${cache}/golang.org/toolchain@v0.0.1-go*`, [''], true, 'module cache toolchain download');
  }
  const gHome = directory('G_HOME', under(home, '.g'));
  add('g', under(gHome, 'go'), [''], false, 'g current version link');
  add('g', under(gHome, 'versions/*'), ['', 'go'], true, 'g version directory');
  const gobrewHome = directory('GOBREW_ROOT', home);
  add('gobrew', under(gobrewHome, '.gobrew/current/go'), [''], false, 'gobrew current version link');
  add('gobrew', under(gobrewHome, '.gobrew/versions/*'), ['go'], true, 'gobrew version directory');

  return addResolvedVariants(files, { rules, shims });
}

/**
 * Adds, at the lowest priority, a copy of each rule whose fixed base directory (such as the home
 * directory) is reached through a symbolic link, spelled with the real directory. Go roots are
 * matched by their real paths, which never contain the link.
 */
async function addResolvedVariants(files: RootedFiles, table: LocationTable): Promise<LocationTable> {
  const realBase = async (pattern: string): Promise<string | null> => {
    const components = pattern.split('/').filter((part) => part !== '');
    const firstWildcard = components.findIndex((part) => part.includes('*'));
    // The last component of a fixed path is left alone: a link there is an alias, handled elsewhere.
    const baseLength = firstWildcard >= 0 ? firstWildcard : components.length - 1;
    if (baseLength <= 0) return null;
    const base = `/${components.slice(0, baseLength).join('/')}`;
    const resolved = await files.resolve(base);
    if (!resolved.exists || resolved.realPath === base) return null;
    return normalizeInternal([resolved.realPath, ...components.slice(baseLength)].join('/'));
  };
  const ruleVariants: LocationRule[] = [];
  for (const rule of table.rules) {
    const variant = await realBase(rule.pattern);
    if (variant) ruleVariants.push({ ...rule, pattern: variant });
  }
  const shimVariants: ShimRule[] = [];
  for (const shim of table.shims) {
    const variant = await realBase(shim.pattern);
    if (variant) shimVariants.push({ ...shim, pattern: variant });
  }
  return { rules: [...table.rules, ...ruleVariants], shims: [...table.shims, ...shimVariants] };
}

type AddRule = (
  manager: ToolchainManager,
  pattern: string | null,
  gorootSubpaths: string[],
  reportEmpty: boolean,
  description: string,
) => void;

type AddShim = (manager: ToolchainManager, pattern: string | null, note: string) => void;

function addHomebrewRules(add: AddRule, prefix: string): void {
  add('homebrew', `${prefix}/opt/go/libexec`, [''], false, 'Homebrew opt link');
  add('homebrew', `${prefix}/Cellar/go/*`, ['libexec'], true, 'Homebrew Cellar version directory');
  add('homebrew', `${prefix}/Cellar/go@*/*`, ['libexec'], true, 'Homebrew Cellar version directory');
}

/**
 * mise's core go plugin unpacks each version straight into `installs/go/<version>`. Installs made
 * by older mise releases keep the tree in a `go` subdirectory, which mise still prefers. mise with
 * the asdf-golang plugin uses `installs/golang/<version>/go`.
 */
function addMiseRules(add: AddRule, addShim: AddShim, miseData: string | null): void {
  if (!miseData) return;
  add('mise', `${miseData}/installs/go/*`, ['go', ''], true, 'mise install directory');
  add('mise', `${miseData}/installs/golang/*`, ['go'], true, 'mise install directory (asdf-golang plugin)');
  const note = 'mise shim; mise picks the version from mise.toml, .tool-versions or .go-version files';
  addShim('mise', `${miseData}/shims/go`, note);
  addShim('mise', `${miseData}/shims/go.exe`, note);
}

/**
 * Expands an internal glob into the paths that match, without resolving the matches themselves.
 * Names starting with `.` match a wildcard only when the pattern component starts with `.` too.
 */
export async function expandPattern(files: RootedFiles, pattern: string): Promise<string[]> {
  let prefixes = ['/'];
  for (const component of pattern.split('/').filter((part) => part !== '')) {
    if (!component.includes('*')) {
      prefixes = prefixes.map((prefix) => joinInternal(prefix, component));
      continue;
    }
    const matcher = new RegExp(`^${globToRegExpSource(component)}$`);
    const expanded = await Promise.all(
      prefixes.map(async (prefix) => {
        const names = (await files.list(prefix)) ?? [];
        return names
          .filter((name) => matcher.test(name) && (!name.startsWith('.') || component.startsWith('.')))
          .sort()
          .map((name) => joinInternal(prefix, name));
      }),
    );
    prefixes = expanded.flat();
    if (prefixes.length === 0) return [];
  }
  return prefixes;
}

/** Returns the first rule whose pattern (with one of its subpaths) matches a Go root path. */
export function classifyGoroot(rules: LocationRule[], goroot: string): { rule: LocationRule; installDirectory: string } | null {
  for (const rule of rules) {
    for (const subpath of rule.gorootSubpaths) {
      const full = subpath === '' ? rule.pattern : `${rule.pattern}/${subpath}`;
      if (globMatcher(full).test(goroot)) {
        const installDirectory = subpath === '' ? goroot : goroot.slice(0, goroot.length - subpath.length - 1);
        return { rule, installDirectory };
      }
    }
  }
  return null;
}

/** Returns true when an internal path matches an internal glob. */
export function matchesPattern(pattern: string, internal: string): boolean {
  return globMatcher(pattern).test(internal);
}

const matcherCache = new Map<string, RegExp>();

function globMatcher(pattern: string): RegExp {
  let matcher = matcherCache.get(pattern);
  if (!matcher) {
    matcher = new RegExp(`^${globToRegExpSource(pattern)}$`);
    matcherCache.set(pattern, matcher);
  }
  return matcher;
}

function globToRegExpSource(glob: string): string {
  return glob
    .split('*')
    .map((literal) => literal.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('[^/]*');
}

function joinInternal(prefix: string, name: string): string {
  return prefix === '/' ? `/${name}` : `${prefix}/${name}`;
}
