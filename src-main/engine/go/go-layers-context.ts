/**
 * The state every part of the Go layers engine shares: the input, the parsed Go env file and
 * `$GOROOT/go.env`, and the lookup that mirrors cmd/go's cfg.Getenv.
 */
import type { ParsedGoEnvFile } from '../../shared/go-env-file.ts';
import type { GoEnvFileState, GoLayersInput, GoSettingSource } from '../../shared/go-layers.ts';
import type { GoLayersFileSystem } from './go-layers-files.ts';
import { lookupEnvironment, type PathFlavor } from './go-layers-paths.ts';
import type { ToolchainFacts } from './go-layers-toolchain-facts.ts';
import { isAtLeast, type GoRelease } from './go-layers-version.ts';

/** A Go env file that was found and read. */
export interface LoadedEnvFile {
  /** The path as go names it (GOENV may be relative). */
  path: string;
  parsed: ParsedGoEnvFile;
  /** 1-based numbers of lines with bytes that are not valid UTF-8. */
  invalidUtf8Lines: number[];
}

/** A value found in one of the three setting layers. */
export interface LayerValue {
  value: string;
  source: GoSettingSource;
}

export interface LayerContext {
  input: GoLayersInput;
  release: GoRelease | null;
  flavor: PathFlavor;
  facts: ToolchainFacts;
  fileSystem: GoLayersFileSystem;
  envFileState: GoEnvFileState;
  envFile: LoadedEnvFile | null;
  /** `$GOROOT/go.env` as Go 1.21+ finds it; null before 1.21 or when it cannot be read. */
  gorootEnvFile: LoadedEnvFile | null;
  gorootEnvFileState: GoEnvFileState;
  /** Whether the engine runs on the same OS as the `go` binary, so PATH lookups mean something. */
  sameHost: boolean;
}

/** Returns an OS variable, looked up case-insensitively for Windows binaries. */
export function osValue(context: LayerContext, name: string): string | undefined {
  return lookupEnvironment(context.input.environment, name, context.flavor);
}

/**
 * Looks a variable up like cmd/go's cfg.Getenv: a non-empty OS variable, then the Go env file
 * (where an empty value still counts as present), then `$GOROOT/go.env` for keys the Go env file
 * lacks (Go 1.21+). Returns null when no layer has the key.
 */
export function getSetting(context: LayerContext, name: string): LayerValue | null {
  const fromOs = osValue(context, name);
  if (fromOs !== undefined && fromOs !== '') return { value: fromOs, source: { layer: 'environment' } };

  const fileEntry = context.envFile?.parsed.effective.get(name);
  if (fileEntry && context.envFile) {
    return { value: fileEntry.value, source: { layer: 'env-file', path: context.envFile.path, line: fileEntry.line } };
  }

  // go.env never supplies GOROOT: the GOROOT that was found always wins.
  const rootEntry = name === 'GOROOT' ? undefined : context.gorootEnvFile?.parsed.effective.get(name);
  if (rootEntry && context.gorootEnvFile && isAtLeast(context.release, 21)) {
    return {
      value: rootEntry.value,
      source: { layer: 'goroot-go.env', path: context.gorootEnvFile.path, line: rootEntry.line },
    };
  }
  return null;
}

/** Returns what cmd/go's envOr returns: the setting when it is not empty, otherwise the default. */
export function settingOr(context: LayerContext, name: string, fallback: string, rule: string): LayerValue {
  const setting = getSetting(context, name);
  if (setting && setting.value !== '') return setting;
  return { value: fallback, source: { layer: 'default', rule } };
}
