/**
 * Finds every `go` on a context's PATH and runs `go env -json` with that context's environment,
 * made safe: no toolchain download or switch (GOTOOLCHAIN=local), no GOFLAGS hijacking `go env`
 * itself (a harmless non-empty GOFLAGS, since an empty one would not override the env file), no
 * telemetry counters written into the user's config directory, and a neutral working directory.
 */
import { execFile } from 'node:child_process';
import { existsSync, promises as fs, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { goEnvFilePath, parseGoEnvFile, userConfigDirectory } from '../../shared/go-env-file.ts';
import type { GoCandidate, GoInfo } from '../../shared/scan-report.ts';
import { GO_COMMAND_TIMEOUT_MS } from '../probe/limits.ts';
import { readRegularFile } from '../files/regular-file.ts';

/**
 * `go env` variables whose value makes go start the C compiler (and, on Go 1.22+, write the
 * result to GOCACHE). They are left out of context probes to keep them quick and side-effect free.
 */
export const COSTLY_GO_VARIABLES = new Set([
  'CGO_CFLAGS',
  'CGO_CPPFLAGS',
  'CGO_CXXFLAGS',
  'CGO_FFLAGS',
  'CGO_LDFLAGS',
  'PKG_CONFIG',
  'GOGCCFLAGS',
]);

/** The overrides that make a `go env` run safe; the real values are read from the layers. */
const SAFE_OVERRIDES = { GOTOOLCHAIN: 'local', GOFLAGS: '-trimpath' } as const;

/** Lists every executable named `go` in PATH order, the way execvp searches. */
export async function findGoCandidates(searchPath: string, cwd: string): Promise<GoCandidate[]> {
  const candidates: GoCandidate[] = [];
  for (const entry of searchPath.split(':')) {
    // An empty entry means the current directory, as does ".", for execvp.
    const directory = entry === '' ? '.' : entry;
    const candidatePath = path.join(directory, 'go');
    const absolute = path.resolve(cwd, candidatePath);
    if (!(await isExecutableFile(absolute))) continue;
    const realPath = await fs.realpath(absolute);
    const goroot = await goRootOf(realPath);
    candidates.push({
      path: entry === '' ? 'go' : candidatePath,
      realPath,
      goroot,
      version: goroot ? await readVersionFile(goroot) : null,
    });
  }
  return candidates;
}

/** Returns the Go root a `go` binary lives in: the parent of `bin`, if it looks like a Go tree. */
export async function goRootOf(realPath: string): Promise<string | null> {
  const binDirectory = path.dirname(realPath);
  if (path.basename(binDirectory) !== 'bin') return null;
  const root = path.dirname(binDirectory);
  const looksLikeRoot = (await exists(path.join(root, 'pkg', 'tool'))) || (await exists(path.join(root, 'src', 'runtime')));
  return looksLikeRoot ? root : null;
}

/** Reads the first line of `$GOROOT/VERSION` without running anything. */
export async function readVersionFile(goroot: string): Promise<string | null> {
  const text = await fs.readFile(path.join(goroot, 'VERSION'), 'utf8').catch(() => null);
  return text?.split('\n')[0]?.trim() || null;
}

/** Runs `go env` safely for many contexts, sharing work between identical ones. */
export class GoProber {
  private readonly variableNames = new Map<string, Promise<string[] | null>>();
  private readonly runs = new Map<string, Promise<GoInfo>>();
  private readonly scratch: Promise<string>;

  constructor(private readonly neutralDirectory = '/') {
    this.scratch = fs.mkdtemp(path.join(os.tmpdir(), 'go-env-lens-go-'));
  }

  /** Describes `go` as seen from a context with this environment. */
  async probe(environment: Record<string, string>): Promise<GoInfo> {
    const cwd = environment.HOME && path.isAbsolute(environment.HOME) ? environment.HOME : '/';
    const candidates = await findGoCandidates(environment.PATH ?? '', cwd);
    const first = candidates[0];
    if (!first) {
      return {
        path: null,
        candidates,
        version: null,
        env: null,
        configured: { GOTOOLCHAIN: '', GOFLAGS: '' },
        error: null,
        durationMs: 0,
      };
    }
    const key = JSON.stringify([first.realPath, Object.entries(environment).sort()]);
    let run = this.runs.get(key);
    if (!run) {
      run = this.runGoEnv(path.resolve(cwd, first.path), first, environment);
      this.runs.set(key, run);
    }
    const result = await run;
    return { ...result, path: first.path, candidates };
  }

  /** Removes the scratch directory. */
  async dispose(): Promise<void> {
    await fs.rm(await this.scratch, { recursive: true, force: true, maxRetries: 3 }).catch(() => {
      // A leftover scratch directory under the temporary directory is harmless; a scan is not
      // failed for it.
    });
  }

  private async runGoEnv(
    goPath: string,
    candidate: GoCandidate,
    environment: Record<string, string>,
  ): Promise<GoInfo> {
    const started = performance.now();
    const names = await this.variableNamesOf(goPath, candidate.realPath);
    const safeEnvironment = await this.safeEnvironment(environment);
    const requested = (names ?? FALLBACK_VARIABLES).filter((name) => !COSTLY_GO_VARIABLES.has(name));
    const result = await runCommand(goPath, ['env', '-json', ...requested], safeEnvironment, this.neutralDirectory);

    let env: Record<string, string> | null = null;
    let error: string | null = null;
    if (result.code === 0) {
      try {
        env = JSON.parse(result.stdout) as Record<string, string>;
      } catch {
        error = `go env -json printed something that is not JSON: ${result.stdout.slice(0, 200)}`;
      }
    } else {
      error = result.stderr.trim() || `go env -json failed with exit code ${result.code}`;
    }

    const configured = await configuredSettings(environment, env?.GOROOT ?? candidate.goroot);
    if (env) restoreRealValues(env, environment, configured);
    return {
      path: null,
      candidates: [],
      version: env?.GOVERSION ?? candidate.version,
      env,
      configured,
      error,
      durationMs: performance.now() - started,
    };
  }

  /**
   * Asks a go binary once for the full list of its `go env` variables, in a throwaway HOME so the
   * C compiler probe that a full `go env` runs leaves nothing in the user's caches.
   */
  private variableNamesOf(goPath: string, realPath: string): Promise<string[] | null> {
    let names = this.variableNames.get(realPath);
    if (!names) {
      names = (async () => {
        const home = await fs.mkdtemp(path.join(await this.scratch, 'home-'));
        // Telemetry "off" keeps go 1.23+ from writing counters or starting an uploader here.
        await fs.mkdir(path.join(home, '.config', 'go', 'telemetry'), { recursive: true });
        await fs.writeFile(path.join(home, '.config', 'go', 'telemetry', 'mode'), 'off\n');
        const result = await runCommand(
          goPath,
          ['env', '-json'],
          { HOME: home, PATH: `${path.dirname(realPath)}:/usr/bin:/bin`, GOTOOLCHAIN: 'local' },
          home,
        );
        if (result.code !== 0) return null;
        try {
          return Object.keys(JSON.parse(result.stdout) as Record<string, string>);
        } catch {
          return null;
        }
      })();
      this.variableNames.set(realPath, names);
    }
    return names;
  }

  private async safeEnvironment(environment: Record<string, string>): Promise<Record<string, string>> {
    const safe: Record<string, string> = { ...environment, ...SAFE_OVERRIDES };
    const configDirectory = userConfigDirectory(environment);
    if (configDirectory !== null) {
      // Telemetry counters go under the user config directory. Point that at a scratch directory
      // whose mode file is "off", and pin GOENV to the path go would have used.
      const scratchConfig = path.join(await this.scratch, 'config');
      await fs.mkdir(path.join(scratchConfig, 'go', 'telemetry'), { recursive: true });
      await fs.writeFile(path.join(scratchConfig, 'go', 'telemetry', 'mode'), 'off\n');
      safe.XDG_CONFIG_HOME = scratchConfig;
      if (!environment.GOENV) safe.GOENV = `${configDirectory}/go/env`;
    }
    return safe;
  }
}

/**
 * Computes GOTOOLCHAIN and GOFLAGS from their layers (non-empty OS variable, then the Go env
 * file, then `$GOROOT/go.env`), since the safe run overrides both.
 */
async function configuredSettings(
  environment: Record<string, string>,
  goroot: string | null | undefined,
): Promise<GoInfo['configured']> {
  const userFile = goEnvFilePath(environment);
  const userEntries = userFile ? await readGoEnvEntries(userFile) : new Map<string, string>();
  const rootEntries = goroot ? await readGoEnvEntries(path.join(goroot, 'go.env')) : new Map<string, string>();
  const layered = (name: string) =>
    environment[name] || userEntries.get(name) || rootEntries.get(name) || '';
  return { GOTOOLCHAIN: layered('GOTOOLCHAIN'), GOFLAGS: layered('GOFLAGS') };
}

async function readGoEnvEntries(file: string): Promise<Map<string, string>> {
  const text = await readRegularFile(file).then((bytes) => bytes.toString('utf8'), () => null);
  const entries = new Map<string, string>();
  if (text === null) return entries;
  for (const [key, entry] of parseGoEnvFile(text).effective) entries.set(key, entry.value);
  return entries;
}

/** Puts back the values the safe run replaced, so the reported object is the user's truth. */
function restoreRealValues(
  env: Record<string, string>,
  environment: Record<string, string>,
  configured: GoInfo['configured'],
): void {
  if ('GOTOOLCHAIN' in env) env.GOTOOLCHAIN = configured.GOTOOLCHAIN;
  if ('GOFLAGS' in env) env.GOFLAGS = configured.GOFLAGS;
  const configDirectory = userConfigDirectory(environment);
  if ('GOTELEMETRYDIR' in env) {
    env.GOTELEMETRYDIR = configDirectory ? `${configDirectory}/go/telemetry` : '';
  }
  if ('GOTELEMETRY' in env && configDirectory) {
    env.GOTELEMETRY = readTelemetryMode(`${configDirectory}/go/telemetry/mode`);
  }
}

function readTelemetryMode(modeFile: string): string {
  try {
    // The mode file contains the mode, optionally followed by the date it was set.
    const text = existsSync(modeFile) ? readFileSync(modeFile, 'utf8') : '';
    return text.trim().split(/\s+/)[0] || 'local';
  } catch {
    return 'local';
  }
}


/** Used when the full list could not be read: the variables every supported Go version has. */
const FALLBACK_VARIABLES = [
  'AR', 'CC', 'CGO_ENABLED', 'CXX', 'GCCGO', 'GO111MODULE', 'GOARCH', 'GOBIN', 'GOCACHE', 'GOENV',
  'GOEXE', 'GOEXPERIMENT', 'GOFLAGS', 'GOHOSTARCH', 'GOHOSTOS', 'GOINSECURE', 'GOMOD', 'GOMODCACHE',
  'GONOPROXY', 'GONOSUMDB', 'GOOS', 'GOPATH', 'GOPRIVATE', 'GOPROXY', 'GOROOT', 'GOSUMDB',
  'GOTMPDIR', 'GOTOOLDIR', 'GOVCS', 'GOVERSION', 'GOWORK',
];

interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

function runCommand(
  file: string,
  args: string[],
  env: Record<string, string>,
  cwd: string,
): Promise<CommandResult> {
  return new Promise((resolve) => {
    const child = execFile(
      file,
      args,
      { env, cwd, timeout: GO_COMMAND_TIMEOUT_MS, maxBuffer: 16 * 1024 * 1024, encoding: 'utf8' },
      (error, stdout, stderr) => {
        let code = 0;
        if (error) code = typeof error.code === 'number' ? error.code : -1;
        const timedOut = error && (error as { killed?: boolean }).killed;
        resolve({
          code,
          stdout,
          stderr: timedOut ? `go did not finish within ${GO_COMMAND_TIMEOUT_MS / 1000} s` : stderr,
        });
      },
    );
    child.stdin?.end();
  });
}

async function isExecutableFile(file: string): Promise<boolean> {
  try {
    const stat = await fs.stat(file);
    if (!stat.isFile()) return false;
    await fs.access(file, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

async function exists(file: string): Promise<boolean> {
  return fs.access(file).then(
    () => true,
    () => false,
  );
}
