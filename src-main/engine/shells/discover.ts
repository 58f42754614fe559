/**
 * Finds every installed shell: the entries of /etc/shells and the known shell names on PATH,
 * deduplicated by real path, each with its version and the user's login shell marked.
 */
import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import type { ShellInfo } from '../../shared/scan-report.ts';
import { SHELL_VERSION_TIMEOUT_MS } from '../probe/limits.ts';
import { SHELL_TABLE, findShellFacts, type ShellFacts } from './shell-table.ts';

/** An installed shell together with the facts needed to start it. */
export interface DiscoveredShell {
  info: ShellInfo;
  facts: ShellFacts | undefined;
}

const SHELLS_FILE = '/etc/shells';

/** Lists the installed shells, the login shell first, then in the order they were found. */
export async function discoverShells(
  environment: NodeJS.ProcessEnv,
  options: { versions?: boolean } = {},
): Promise<DiscoveredShell[]> {
  const candidates = [...(await readShellsFile()), ...(await findOnPath(environment.PATH ?? ''))];
  const loginShell = await resolveLoginShell(environment);

  const byRealPath = new Map<string, DiscoveredShell>();
  for (const candidate of candidates) {
    const realPath = await fs.realpath(candidate).catch(() => null);
    if (!realPath || !(await isExecutableFile(realPath))) continue;

    const existing = byRealPath.get(realPath);
    if (existing) {
      if (candidate !== existing.info.path && !existing.info.aliases.includes(candidate)) {
        existing.info.aliases.push(candidate);
      }
      continue;
    }
    const facts = findShellFacts(path.basename(realPath)) ?? findShellFacts(path.basename(candidate));
    byRealPath.set(realPath, {
      facts,
      info: {
        name: shellDisplayName(candidate, realPath, facts),
        path: candidate,
        realPath,
        aliases: [],
        version: null,
        isLoginShell: false,
        supported: facts !== undefined,
        note: facts ? null : `${candidate} is listed in ${SHELLS_FILE} but is not a shell Go Env Lens knows how to start, so it is not probed`,
      },
    });
  }

  const shells = [...byRealPath.values()];
  if (loginShell) {
    const loginRealPath = await fs.realpath(loginShell).catch(() => loginShell);
    const match = shells.find((shell) => shell.info.realPath === loginRealPath);
    if (match) match.info.isLoginShell = true;
  }
  if (options.versions !== false) await fillShellVersions(shells);
  uniquifyNames(shells);
  return shells.sort((a, b) => Number(b.info.isLoginShell) - Number(a.info.isLoginShell));
}

/** Returns the login shell from the passwd entry, then from $SHELL. */
export async function resolveLoginShell(environment: NodeJS.ProcessEnv): Promise<string | null> {
  try {
    const fromPasswd = os.userInfo().shell;
    if (fromPasswd) return fromPasswd;
  } catch {
    // No passwd entry for this uid (a container with an arbitrary uid): fall back to $SHELL.
  }
  return environment.SHELL || null;
}

async function readShellsFile(): Promise<string[]> {
  const text = await fs.readFile(SHELLS_FILE, 'utf8').catch(() => '');
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.startsWith('/'));
}

async function findOnPath(searchPath: string): Promise<string[]> {
  const found: string[] = [];
  const names = SHELL_TABLE.flatMap((facts) => facts.binaries);
  for (const directory of searchPath.split(':')) {
    if (!path.isAbsolute(directory)) continue;
    for (const name of [...names, 'sh']) {
      const candidate = path.join(directory, name);
      if (await isExecutableFile(candidate)) found.push(candidate);
    }
  }
  return found;
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

function shellDisplayName(found: string, realPath: string, facts: ShellFacts | undefined): string {
  if (!facts) return path.basename(found);
  // A variant binary (mksh-static, lksh) keeps its own name so its contexts are told apart;
  // a generic alias (ksh for ksh93) takes the shell's name.
  for (const name of [path.basename(found), path.basename(realPath)]) {
    if (name !== 'ksh' && name !== 'csh' && facts.binaries.includes(name)) return name;
  }
  return facts.name;
}

function uniquifyNames(shells: DiscoveredShell[]): void {
  const seen = new Map<string, number>();
  for (const shell of shells) {
    const count = (seen.get(shell.info.name) ?? 0) + 1;
    seen.set(shell.info.name, count);
    if (count > 1) shell.info.name = `${shell.info.name}-${count}`;
  }
}

/**
 * Versions already read, by real path and modification time: a binary does not change version
 * without changing its file, and asking dpkg costs tens of milliseconds per shell.
 */
const versionCache = new Map<string, Promise<string | null>>();

/** Fills in the version of every supported shell, from the cache where possible. */
export async function fillShellVersions(shells: DiscoveredShell[]): Promise<void> {
  await Promise.all(
    shells.map(async (shell) => {
      if (!shell.facts) return;
      const stat = await fs.stat(shell.info.realPath).catch(() => null);
      const key = `${shell.info.realPath}\0${stat?.mtimeMs ?? 0}`;
      let version = versionCache.get(key);
      if (!version) {
        version = queryShellVersion(shell.info, shell.facts);
        versionCache.set(key, version);
      }
      shell.info.version = await version;
    }),
  );
}

/** Asks a shell for its version without letting it read any startup file. */
async function queryShellVersion(info: ShellInfo, facts: ShellFacts): Promise<string | null> {
  if (facts.version.kind === 'package') {
    return queryPackageVersion([info.realPath, info.path, ...info.aliases]);
  }
  const output = await runQuietly(info.realPath, facts.version.args);
  const match = output?.match(facts.version.pattern);
  return match?.[1] ?? output?.split('\n')[0]?.trim() ?? null;
}

/**
 * Reads the version of the Debian package that owns a binary, for shells without a flag. Every
 * path of the binary is tried, because on a merged-/usr system dpkg records only the path the
 * package shipped (/bin/dash), not the real path (/usr/bin/dash).
 */
async function queryPackageVersion(paths: string[]): Promise<string | null> {
  for (const file of paths) {
    // `dpkg-query -S` prints `package: path`, after `diversion by ...` lines for a diverted path.
    const owner = await runQuietly('dpkg-query', ['-S', file], { successOnly: true });
    const ownerLine = owner?.split('\n').find((line) => !line.startsWith('diversion by'));
    const packageName = ownerLine?.split(':')[0]?.split(',')[0]?.trim();
    if (!packageName) continue;
    const version = await runQuietly('dpkg-query', ['-W', '-f=${Version}', packageName], {
      successOnly: true,
    });
    if (version?.trim()) return version.trim();
  }
  return null;
}

/**
 * Runs a program with a minimal environment and no input, and returns what it printed. Output of
 * a failed run counts too, unless `successOnly` is set.
 */
function runQuietly(
  file: string,
  args: string[],
  options: { successOnly?: boolean } = {},
): Promise<string | null> {
  return new Promise((resolve) => {
    const child = execFile(
      file,
      args,
      {
        timeout: SHELL_VERSION_TIMEOUT_MS,
        env: { PATH: '/usr/bin:/bin', LANG: 'C.UTF-8', HOME: os.tmpdir() },
        encoding: 'utf8',
      },
      (error, stdout, stderr) => {
        const text = `${stdout}${stderr}`.trim();
        resolve(error && (options.successOnly || !text) ? null : text);
      },
    );
    child.stdin?.end();
  });
}
