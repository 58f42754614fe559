/**
 * Starts and stops the real `go-env-lens serve` for the browser end-to-end tests, launches the
 * Chromium they drive, and writes and lists files in the home and data directory serve uses.
 */
import { execFileSync, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import { readdirSync, statSync } from 'node:fs';
import { chown, mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { chromium, type Browser } from 'playwright-core';

import { CLI } from './run-cli.ts';
import { asTestUser, type TestUser } from './test-user.ts';
import { cleanEnvironment, type ThrowawayHome } from './throwaway-home.ts';

/** Debian's Chromium; Playwright's own browser download is not available on every test machine. */
const CHROMIUM_PATH = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

/** Time for `serve` to load its sources through tsx and print its address, in milliseconds. */
const SERVE_START_TIMEOUT_MS = 30_000;

export interface ServeProcess {
  child: ChildProcessWithoutNullStreams;
  /** The address serve printed, with the session token in its query. */
  url: URL;
  origin: string;
  token: string;
  /** Everything the process wrote to stderr, for failure messages. */
  stderr(): string;
}

export interface ServeOptions {
  homePath: string;
  /** The shells serve probes, each passed as `--shell NAME`. */
  shells: string[];
  /** Sets GO_ENV_LENS_DATA_DIR, so backups go to a throwaway folder. */
  dataDirectory?: string;
  /** Runs serve as this user through setpriv. Null or missing runs it as the invoking user. */
  user?: TestUser | null;
}

/** Launches Debian's headless Chromium. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS });
}

/** Creates a throwaway data directory, owned by `user` when one is given. */
export async function createDataDirectory(user: TestUser | null): Promise<string> {
  const directory = await mkdtemp(path.join(os.tmpdir(), 'gel-data-'));
  if (user) execFileSync('chown', [`${user.uid}:${user.gid}`, directory]);
  return directory;
}

/** Starts `go-env-lens serve` on a free port and resolves once it prints its address. */
export async function startServe(options: ServeOptions): Promise<ServeProcess> {
  const { homePath, shells, dataDirectory, user } = options;
  const shellArgs = shells.flatMap((shell) => ['--shell', shell]);
  const environment = cleanEnvironment(homePath, {
    GO_ENV_LENS_BASE_ENV: 'self',
    ...(dataDirectory === undefined ? {} : { GO_ENV_LENS_DATA_DIR: dataDirectory }),
  });
  const prefix = user ? asTestUser(user) : [];
  const command = [...prefix, process.execPath, CLI, 'serve', '--port', '0', ...shellArgs];
  const child = spawn(command[0]!, command.slice(1), {
    env: environment,
    cwd: homePath,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));

  const address = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`serve printed no address in ${SERVE_START_TIMEOUT_MS} ms:\n${stdout}${stderr}`));
    }, SERVE_START_TIMEOUT_MS);
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      const match = /^Go Env Lens is serving on (http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]+)$/m.exec(stdout);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`serve exited (${code ?? signal}) before printing its address:\n${stdout}${stderr}`));
    });
  });

  const url = new URL(address);
  return {
    child,
    url,
    origin: url.origin,
    token: url.searchParams.get('token')!,
    stderr: () => stderr,
  };
}

/** Stops serve with SIGTERM and waits for it to exit, unless it is not running. */
export async function stopServe(serve: ServeProcess | undefined): Promise<void> {
  if (!serve || serve.child.exitCode !== null) return;
  const exited = once(serve.child, 'exit');
  serve.child.kill('SIGTERM');
  await exited;
}

/** Writes a file into the home as the home's owner, with the folders it needs. */
export async function writeHomeFile(home: ThrowawayHome, relative: string, content: string | Buffer): Promise<void> {
  const target = path.join(home.path, relative);
  await mkdir(path.dirname(target), { recursive: true });
  await writeFile(target, content);
  const owner = home.owner;
  if (!owner) return;
  // Every folder between the home and the file, created above as root, goes to the owner too.
  for (let place = target; place !== home.path; place = path.dirname(place)) {
    await chown(place, owner.uid, owner.gid);
  }
}

/** Lists the files below a directory, such as the backups in a data directory, relative to it. */
export function listFilesUnder(root: string): string[] {
  const found: string[] = [];
  const walk = (directory: string) => {
    for (const name of readdirSync(directory)) {
      const full = path.join(directory, name);
      if (statSync(full).isDirectory()) walk(full);
      else found.push(path.relative(root, full));
    }
  };
  walk(root);
  return found;
}
