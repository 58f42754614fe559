/**
 * A minimal reader of the Go settings that toolchain resolution needs, with the precedence of
 * cmd/go's `cfg.Getenv` (Go 1.21+). A non-empty OS variable wins, then the user's Go env file,
 * where a key wins even with an empty value, then `$GOROOT/go.env`, then the built-in default.
 * NOTE: this reader serves toolchain resolution only. It does not replace the full layer engine,
 * which also covers the quirks of other variables.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';

import { goEnvFilePath, parseGoEnvFile, type GoEnvFileEntry } from '../../shared/go-env-file.ts';
import type { GoSettingValue } from '../../shared/go-toolchain-resolution.ts';
import { readRegularFile } from '../files/regular-file.ts';

/** A Go env file as read: its path (null when there is none) and its winning entries. */
export interface LoadedEnvFile {
  path: string | null;
  entries: Map<string, GoEnvFileEntry>;
}

const NO_FILE: LoadedEnvFile = { path: null, entries: new Map() };

/**
 * Loads the user's Go env file of an environment. A relative GOENV is resolved against the
 * working directory, as cmd/go opens it. A missing or unreadable file counts as empty, as in
 * cmd/go, which skips it silently.
 */
export async function loadUserEnvFile(
  environment: Record<string, string | undefined>,
  workingDirectory: string,
): Promise<LoadedEnvFile> {
  const file = goEnvFilePath(environment);
  if (file === null) return NO_FILE;
  return loadEnvFile(path.resolve(workingDirectory, file));
}

/** Loads `$GOROOT/go.env` of a Go root, or an empty file when it has none. */
export async function loadGorootEnvFile(goroot: string | null, workingDirectory: string): Promise<LoadedEnvFile> {
  if (goroot === null) return NO_FILE;
  return loadEnvFile(path.resolve(workingDirectory, goroot, 'go.env'));
}

async function loadEnvFile(file: string): Promise<LoadedEnvFile> {
  const text = await readRegularFile(file).then((bytes) => bytes.toString('utf8'), () => null);
  if (text === null) return { path: file, entries: new Map() };
  return { path: file, entries: parseGoEnvFile(text).effective };
}

/** Reads settings through the layers and remembers each one read, for the report. */
export class GoSettingReader {
  private readonly read = new Map<string, GoSettingValue>();

  constructor(
    private readonly environment: Record<string, string | undefined>,
    private readonly userFile: LoadedEnvFile,
    /** `$GOROOT/go.env`, or null for a binary older than Go 1.21, which never reads it. */
    private readonly gorootFile: LoadedEnvFile | null,
  ) {}

  /** Returns the effective value of a setting and the layer it comes from. */
  get(name: string): GoSettingValue {
    const known = this.read.get(name);
    if (known) return known;
    const value = this.lookup(name);
    this.read.set(name, value);
    return value;
  }

  /** Returns every setting read so far, in the order first read. */
  all(): GoSettingValue[] {
    return [...this.read.values()];
  }

  private lookup(name: string): GoSettingValue {
    const fromEnvironment = this.environment[name];
    if (fromEnvironment) return { name, value: fromEnvironment, source: 'os-environment', file: null, line: null };

    const userEntry = this.userFile.entries.get(name);
    if (userEntry) {
      return { name, value: userEntry.value, source: 'user-env-file', file: this.userFile.path, line: userEntry.line };
    }

    // cmd/go overwrites GOROOT after reading go.env, so a GOROOT line there never counts.
    const gorootEntry = name === 'GOROOT' ? undefined : this.gorootFile?.entries.get(name);
    if (gorootEntry) {
      return {
        name,
        value: gorootEntry.value,
        source: 'goroot-go-env',
        file: this.gorootFile?.path ?? null,
        line: gorootEntry.line,
      };
    }
    return { name, value: '', source: 'default', file: null, line: null };
  }
}

/** Describes where a setting comes from, e.g. `GOTOOLCHAIN=local from /usr/lib/go-1.22/go.env:11`. */
export function describeSetting(setting: GoSettingValue): string {
  const assignment = `${setting.name}=${setting.value}`;
  switch (setting.source) {
    case 'os-environment':
      return `${assignment} from the environment`;
    case 'user-env-file':
      return `${assignment} from the Go env file ${setting.file}:${setting.line}`;
    case 'goroot-go-env':
      return `${assignment} from ${setting.file}:${setting.line}`;
    case 'default':
      return `${setting.name} unset`;
  }
}
