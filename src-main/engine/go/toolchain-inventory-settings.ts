/**
 * The settings the inventory derives from an environment: the home directory, PATH, GOROOT, the
 * user's Go env file and the module caches that may hold `golang.org/toolchain` downloads.
 * Values are converted to internal paths (see toolchain-inventory-files.ts).
 */
import { parseGoEnvFile } from '../../shared/go-env-file.ts';
import type { ToolchainPlatform } from '../../shared/go-toolchains.ts';
import { normalizeInternal, toInternalPath, type RootedFiles } from './toolchain-inventory-files.ts';

export interface PathEntry {
  /** The entry as PATH spells it. */
  raw: string;
  /** The entry as an internal path; null for a relative or empty entry. */
  internal: string | null;
  index: number;
}

export interface InventorySettings {
  platform: ToolchainPlatform;
  /** Returns a variable's value, or undefined when it is unset or empty; case-insensitive on Windows. */
  variable: (name: string) => string | undefined;
  /** The user's home directory (`%USERPROFILE%` on Windows) as an internal path. */
  home: string | null;
  pathEntries: PathEntry[];
  /** GOROOT from the environment, as written and as an internal path. */
  gorootVariable: { raw: string; internal: string } | null;
  /** The user's Go env file and its settings, when the file exists. */
  goEnvFile: { path: string; values: Map<string, string> } | null;
  /** Module cache directories to look in for toolchain downloads, most likely first. */
  moduleCaches: string[];
}

export async function readInventorySettings(
  files: RootedFiles,
  environment: Record<string, string | undefined>,
  platform: ToolchainPlatform,
  homeOverride: string | null | undefined,
): Promise<InventorySettings> {
  const variable = variableLookup(environment, platform);
  const homeValue = homeOverride ?? (platform === 'windows' ? variable('USERPROFILE') : variable('HOME')) ?? null;
  const home = homeValue ? toInternalPath(homeValue, platform) : null;
  const listSeparator = platform === 'windows' ? ';' : ':';

  const pathEntries = (variable('PATH') ?? '').split(listSeparator).map((raw, index) => ({
    raw,
    // NOTE: a relative PATH entry depends on the working directory of each program, so the
    // inventory does not follow it.
    internal: raw === '' ? null : toInternalPath(stripQuotes(raw, platform), platform),
    index,
  }));

  const gorootRaw = variable('GOROOT');
  const gorootInternal = gorootRaw ? toInternalPath(gorootRaw, platform) : null;
  const goEnvFile = await readGoEnvFile(files, variable, platform, home);

  // cmd/go takes a non-empty OS variable first, then the Go env file, then its default.
  const setting = (name: string) => variable(name) ?? (goEnvFile?.values.get(name) || undefined);
  const moduleCaches = new Set<string>();
  const addCache = (value: string | undefined, suffix: string) => {
    const internal = value ? toInternalPath(value, platform) : null;
    if (internal) moduleCaches.add(normalizeInternal(internal + suffix));
  };
  addCache(setting('GOMODCACHE'), '');
  const gopathEntries = (setting('GOPATH') ?? '').split(listSeparator).filter((entry) => entry !== '');
  addCache(gopathEntries[0], '/pkg/mod');
  // The OS variable and the file may disagree, and a cache left by the losing setting still contains toolchains.
  addCache(variable('GOMODCACHE'), '');
  addCache(goEnvFile?.values.get('GOMODCACHE'), '');
  for (const entry of [variable('GOPATH'), goEnvFile?.values.get('GOPATH')]) {
    addCache(entry?.split(listSeparator).find((part) => part !== ''), '/pkg/mod');
  }
  if (home) moduleCaches.add(normalizeInternal(`${home}/go/pkg/mod`));

  return {
    platform,
    variable,
    home,
    pathEntries,
    gorootVariable: gorootRaw && gorootInternal ? { raw: gorootRaw, internal: gorootInternal } : null,
    goEnvFile,
    moduleCaches: [...moduleCaches],
  };
}

function variableLookup(
  environment: Record<string, string | undefined>,
  platform: ToolchainPlatform,
): (name: string) => string | undefined {
  if (platform !== 'windows') return (name) => environment[name] || undefined;
  const folded = new Map<string, string>();
  for (const [name, value] of Object.entries(environment)) {
    if (value) folded.set(name.toUpperCase(), value);
  }
  return (name) => folded.get(name.toUpperCase());
}

/** Windows PATH entries may be quoted to protect a `;` inside them. */
function stripQuotes(entry: string, platform: ToolchainPlatform): string {
  if (platform === 'windows' && entry.length >= 2 && entry.startsWith('"') && entry.endsWith('"')) {
    return entry.slice(1, -1);
  }
  return entry;
}

/**
 * Finds and reads the Go env file at the path cmd/go uses: GOENV when set (`off` disables it),
 * otherwise `go/env` under os.UserConfigDir, which is `$XDG_CONFIG_HOME` or `~/.config` on Linux,
 * `~/Library/Application Support` on macOS and `%AppData%` on Windows.
 */
async function readGoEnvFile(
  files: RootedFiles,
  variable: (name: string) => string | undefined,
  platform: ToolchainPlatform,
  home: string | null,
): Promise<InventorySettings['goEnvFile']> {
  const explicit = variable('GOENV');
  let filePath: string | null = null;
  if (explicit === 'off') return null;
  if (explicit) {
    filePath = toInternalPath(explicit, platform);
  } else if (platform === 'windows') {
    const appData = variable('APPDATA');
    const configDirectory = appData ? toInternalPath(appData, platform) : null;
    filePath = configDirectory ? `${configDirectory}/go/env` : null;
  } else if (platform === 'darwin') {
    filePath = home ? `${home}/Library/Application Support/go/env` : null;
  } else {
    const xdg = variable('XDG_CONFIG_HOME');
    const configDirectory = xdg ? toInternalPath(xdg, platform) : home ? `${home}/.config` : null;
    filePath = configDirectory ? `${configDirectory}/go/env` : null;
  }
  if (!filePath) return null;
  const text = await files.readText(filePath);
  if (text === null) return null;
  const values = new Map<string, string>();
  for (const [key, entry] of parseGoEnvFile(text).effective) values.set(key, entry.value);
  return { path: normalizeInternal(filePath), values };
}
