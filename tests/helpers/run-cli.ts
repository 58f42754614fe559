/** Runs the real go-env-lens command line as a child process, as root or as the test user. */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

import { asTestUser, type TestUser } from './test-user.ts';

export const CLI = fileURLToPath(new URL('../../bin/go-env-lens.mjs', import.meta.url));

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `go-env-lens ARGS` with exactly the given environment (nothing inherited). Contexts start
 * from that environment (`--base-env self` is implied through GO_ENV_LENS_BASE_ENV).
 */
export function runCli(
  args: string[],
  environment: Record<string, string>,
  options: { user?: TestUser | null; timeoutMs?: number } = {},
): Promise<CliResult> {
  const prefix = options.user ? asTestUser(options.user) : [];
  const command = [...prefix, process.execPath, CLI, ...args];
  return new Promise((resolve, reject) => {
    const child = spawn(command[0]!, command.slice(1), {
      env: { GO_ENV_LENS_BASE_ENV: 'self', ...environment },
      cwd: environment.HOME ?? '/',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Runs `go-env-lens scan --json` and returns the parsed report. */
export async function scanJson(
  args: string[],
  environment: Record<string, string>,
  options: { user?: TestUser | null; timeoutMs?: number } = {},
) {
  const result = await runCli(['scan', '--json', ...args], environment, options);
  if (result.code !== 0) {
    throw new Error(`scan --json exited with ${result.code}: ${result.stderr.slice(-2000)}`);
  }
  return JSON.parse(result.stdout) as import('../../src-main/shared/scan-report.ts').ScanReport;
}
