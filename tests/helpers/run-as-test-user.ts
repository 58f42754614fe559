/**
 * Runs a TypeScript program in a child Node process, as the unprivileged test user or as the user
 * running the tests, and parses the JSON it prints.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

import { asTestUser, type TestUser } from './test-user.ts';

/** The repository root, the default working directory of the child. */
const REPOSITORY = fileURLToPath(new URL('../..', import.meta.url));

/**
 * tsx as a file URL, so `--import` finds it from any working directory, a throwaway home
 * included.
 */
const TSX = import.meta.resolve('tsx');

export interface NodeRun {
  /** Runs the child through setpriv as this user. Null runs it as the user running the tests. */
  user: TestUser | null;
  /** What follows `node --import tsx`: a script and its arguments, or `--eval` and its code. */
  args: string[];
  /** The child's whole environment, because the child inherits nothing from the tests. */
  environment: Record<string, string>;
  /** The child's working directory, the repository root by default. */
  cwd?: string;
  /** Names the program in the error, such as `the edit flow`. */
  label: string;
  /** Text written to the child's standard input; none when absent. */
  stdin?: string;
}

/**
 * Runs `node --import tsx ...args` and resolves with the JSON it prints on stdout. Rejects with
 * the end of its stderr when it exits with a status other than 0.
 */
export function runNodeJson<T>(run: NodeRun): Promise<T> {
  const prefix = run.user ? asTestUser(run.user) : [];
  const command = [...prefix, process.execPath, '--import', TSX, ...run.args];
  const runner = run.user ? `as ${run.user.name}` : 'as the invoking user';
  return new Promise((resolve, reject) => {
    const child = spawn(command[0]!, command.slice(1), {
      cwd: run.cwd ?? REPOSITORY,
      env: run.environment,
      stdio: [run.stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) {
        reject(new Error(`${run.label} ${runner} exited with ${code}:\n${stderr.slice(-2000)}`));
        return;
      }
      resolve(JSON.parse(stdout) as T);
    });
    if (run.stdin !== undefined) child.stdin!.end(run.stdin);
  });
}
