/**
 * Runs the real go in a context and directory, offline, and reports which toolchain ran:
 * `go version`, `go env -json GOROOT GOVERSION GOTOOLCHAIN GOMOD GOWORK` and, on request,
 * `go list -m`. GOTOOLCHAIN is left as configured, so switching happens as it would for the user,
 * but downloads can only come from a local file:// proxy.
 */
import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { goEnvFilePath } from '../../shared/go-env-file.ts';
import type { ObservedCommand, ToolchainObservation } from '../../shared/go-toolchain-resolution.ts';

/** Time allowed for one go command, in milliseconds: unpacking a ~80 MB toolchain zip takes a few seconds. */
const OBSERVE_COMMAND_TIMEOUT_MS = 120_000;

/** A GONOPROXY pattern that matches no module, so no module is ever fetched directly from its origin. */
const MATCH_NO_MODULE = 'no-module.invalid';

const GO_ENV_NAMES = ['GOROOT', 'GOVERSION', 'GOTOOLCHAIN', 'GOMOD', 'GOWORK'];

export interface OfflineSettings {
  /** `off`, or exactly one file:// URL (cmd/go applies GOSUMDB=off to toolchains only then). */
  goproxy: string;
  /** The module cache for the run, normally a throwaway directory. */
  goModCache: string;
}

/**
 * Returns the context's environment with what keeps go offline: GOPROXY as given, GOSUMDB=off, a
 * GONOPROXY that matches nothing (GOPRIVATE would otherwise send matching modules to their origin),
 * the given GOMODCACHE, and a harmless non-empty GOFLAGS, because a GOFLAGS such as `-json` or
 * `-u` from the Go env file changes what `go env` does and an empty value would not override it.
 * Predict with this environment too, so prediction and observation share every setting.
 */
export function offlineEnvironment(
  environment: Record<string, string | undefined>,
  settings: OfflineSettings,
): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [name, value] of Object.entries(environment)) if (value !== undefined) result[name] = value;
  Object.assign(result, {
    GOPROXY: settings.goproxy,
    GOSUMDB: 'off',
    GONOPROXY: MATCH_NO_MODULE,
    GOMODCACHE: settings.goModCache,
    GOFLAGS: '-trimpath',
  });
  assertOfflineEnvironment(result);
  return result;
}

/**
 * Throws unless a go run with this environment stays offline. GOPROXY must be `off` or exactly
 * one file:// URL, and GOSUMDB must be `off`. GONOPROXY must be set, because an unset one
 * inherits GOPRIVATE, and go fetches the modules it matches from their origin.
 */
export function assertOfflineEnvironment(environment: Record<string, string | undefined>): void {
  const goproxy = environment.GOPROXY ?? '';
  if (goproxy !== 'off' && !/^file:\/\/[^,|]+$/.test(goproxy)) {
    throw new Error(`invalid GOPROXY=${JSON.stringify(goproxy)} for an offline go run: set "off" or exactly one file:// URL`);
  }
  if (environment.GOSUMDB !== 'off') {
    throw new Error(`invalid GOSUMDB=${JSON.stringify(environment.GOSUMDB ?? '')} for an offline go run: set "off"`);
  }
  if (!environment.GONOPROXY) {
    throw new Error(
      'missing GONOPROXY for an offline go run: an unset one inherits GOPRIVATE, whose modules go fetches from their origin; ' +
        'set a pattern that matches no module',
    );
  }
}

export interface ObserveOptions {
  /** The environment go runs with, normally from `offlineEnvironment`; it must pass `assertOfflineEnvironment`. */
  environment: Record<string, string>;
  /** Directory go runs in. Default: a fresh empty directory, which has no go.mod or go.work above it. */
  projectDirectory?: string | null;
  /** Also run `go list -m`, which loads go.mod or go.work and fails if the running go is too old. */
  loadModule?: boolean;
  /** Run go as this user instead of the current one (needs root). */
  user?: { uid: number; gid: number } | null;
  timeoutMs?: number;
}

/**
 * Runs go the way the context would and reports what really ran. The `go` found on the context's
 * PATH runs, with GOTOOLCHAIN as configured. The build cache and the user config directory
 * (where Go 1.23+ writes telemetry counters) point at a scratch directory removed afterwards,
 * with GOENV pinned to the file go would have read, so no user file is written. Without a
 * GOMODCACHE in the environment, the module cache is a scratch directory too, so a switch never
 * unpacks a toolchain into the user's real cache. Predict with the same GOMODCACHE to compare.
 */
export async function observeToolchain(options: ObserveOptions): Promise<ToolchainObservation> {
  assertOfflineEnvironment(options.environment);
  const scratch = await fs.mkdtemp(path.join(os.tmpdir(), 'go-env-lens-observe-'));
  try {
    const workingDirectory = options.projectDirectory
      ? path.resolve(options.projectDirectory)
      : await fs.mkdir(path.join(scratch, 'neutral'), { recursive: true }).then(() => path.join(scratch, 'neutral'));
    const environment = await scratchEnvironment(options.environment, scratch, workingDirectory);
    if (options.user) await chownTree(scratch, options.user);

    const run = (args: string[]) =>
      runGo(args, environment, workingDirectory, options.user ?? null, options.timeoutMs ?? OBSERVE_COMMAND_TIMEOUT_MS);
    const goVersionCommand = await run(['version']);
    const goEnvCommand = await run(['env', '-json', ...GO_ENV_NAMES]);
    const moduleCommand = options.loadModule ? await run(['list', '-m']) : null;

    const versionMatch = /^go version (\S+) /m.exec(goVersionCommand.stdout);
    let goEnv: Record<string, string> | null = null;
    if (goEnvCommand.exitCode === 0) {
      try {
        goEnv = JSON.parse(goEnvCommand.stdout) as Record<string, string>;
      } catch {
        goEnv = null;
      }
    }
    const downloadLine = /^go: downloading go\S+ \(/m;
    return {
      workingDirectory,
      environment,
      goVersionCommand,
      goVersion: goVersionCommand.exitCode === 0 && versionMatch ? versionMatch[1]! : null,
      goEnvCommand,
      goEnv,
      moduleCommand,
      downloaded: [goVersionCommand, goEnvCommand, moduleCommand].some((command) => command && downloadLine.test(command.stderr)),
    };
  } finally {
    await removeModuleCache(scratch);
  }
}

async function scratchEnvironment(
  environment: Record<string, string>,
  scratch: string,
  workingDirectory: string,
): Promise<Record<string, string>> {
  const configDirectory = path.join(scratch, 'config');
  await fs.mkdir(path.join(configDirectory, 'go', 'telemetry'), { recursive: true });
  // Telemetry mode "off" keeps go 1.23+ from writing counters or starting an uploader.
  await fs.writeFile(path.join(configDirectory, 'go', 'telemetry', 'mode'), 'off\n');
  const envFile = goEnvFilePath(environment);
  return {
    ...environment,
    XDG_CONFIG_HOME: configDirectory,
    GOENV: envFile === null ? 'off' : path.resolve(workingDirectory, envFile),
    GOCACHE: path.join(scratch, 'build-cache'),
    GOMODCACHE: environment.GOMODCACHE || path.join(scratch, 'module-cache'),
  };
}

function runGo(
  args: string[],
  environment: Record<string, string>,
  cwd: string,
  user: { uid: number; gid: number } | null,
  timeoutMs: number,
): Promise<ObservedCommand> {
  // The shell finds `go` on the context's PATH, as a user typing `go` would; no other name is run.
  return new Promise((resolve) => {
    const child = spawn('go', args, {
      env: environment,
      cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(user ? { uid: user.uid, gid: user.gid } : {}),
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      resolve({ args, exitCode: null, stdout, stderr: `${stderr}${error.message}` });
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ args, exitCode: code, stdout, stderr: code === null ? `${stderr}go did not finish within ${timeoutMs / 1000} s` : stderr });
    });
  });
}

async function chownTree(directory: string, user: { uid: number; gid: number }): Promise<void> {
  await fs.chown(directory, user.uid, user.gid);
  for (const entry of await fs.readdir(directory, { withFileTypes: true })) {
    const child = path.join(directory, entry.name);
    if (entry.isDirectory()) await chownTree(child, user);
    else await fs.chown(child, user.uid, user.gid);
  }
}

/**
 * Removes a module cache. go makes the unpacked module directories read-only, which stops a
 * non-root `rm`, so write permission is restored on every directory first.
 */
export async function removeModuleCache(directory: string): Promise<void> {
  const makeWritable = async (current: string): Promise<void> => {
    const stat = await fs.lstat(current).catch(() => null);
    if (!stat?.isDirectory()) return;
    await fs.chmod(current, stat.mode | 0o700).catch(() => undefined);
    for (const entry of await fs.readdir(current).catch(() => [])) await makeWritable(path.join(current, entry));
  };
  await makeWritable(directory);
  await fs.rm(directory, { recursive: true, force: true });
}
