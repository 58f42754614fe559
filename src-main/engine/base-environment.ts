/**
 * Decides which environment every context starts from. A terminal emulator, and so every shell
 * in it, inherits the desktop session's environment; so does an editor started from the desktop.
 * When Go Env Lens itself was started from a shell, its own environment already contains what that
 * shell's startup files exported, which would hide exactly the differences it looks for.
 */
import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';

import type { BaseEnvironment } from '../shared/scan-report.ts';
import { findShellFacts } from './shells/shell-table.ts';

/** `self` uses this process's environment, `session` the systemd user session's, `auto` picks. */
export type BaseEnvironmentChoice = 'auto' | 'self' | 'session';

/** How many ancestors are inspected when looking for a shell that started this process. */
const MAX_ANCESTOR_DEPTH = 8;

/** Time allowed for `systemctl --user show-environment`, in milliseconds. */
const SESSION_QUERY_TIMEOUT_MS = 3_000;

export interface ResolvedBaseEnvironment {
  environment: Record<string, string>;
  info: BaseEnvironment;
}

/** Returns the environment contexts start from, and where it came from. */
export async function resolveBaseEnvironment(
  own: NodeJS.ProcessEnv,
  choice: BaseEnvironmentChoice,
): Promise<ResolvedBaseEnvironment> {
  const self = definedOnly(own);
  if (choice === 'self') {
    return { environment: self, info: { source: 'self', note: 'the environment Go Env Lens was started with' } };
  }
  const shellAncestor = await findShellAncestor();
  if (choice === 'auto' && !shellAncestor) {
    return {
      environment: self,
      info: { source: 'self', note: 'the environment Go Env Lens was started with (not from a shell)' },
    };
  }
  const session = await readSystemdSessionEnvironment();
  if (session) {
    return {
      environment: session,
      info: {
        source: 'systemd-user-session',
        note: 'the systemd user session environment, which apps started from the desktop and new terminal windows inherit',
      },
    };
  }
  return {
    environment: self,
    info: {
      source: 'self',
      note:
        `the environment of the shell that started Go Env Lens (${shellAncestor ?? 'a shell'}), ` +
        'because no desktop session environment could be read. Whatever that shell\'s startup ' +
        'files exported is inherited by every context; start Go Env Lens from the desktop to ' +
        'compare against a fresh session',
    },
  };
}

function definedOnly(environment: NodeJS.ProcessEnv): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [name, value] of Object.entries(environment)) {
    if (value !== undefined) result[name] = value;
  }
  return result;
}

/** Returns the path of the nearest ancestor process that is a known shell, on Linux. */
async function findShellAncestor(): Promise<string | null> {
  let pid = process.ppid;
  for (let depth = 0; depth < MAX_ANCESTOR_DEPTH && pid > 1; depth += 1) {
    const executable = await fs.readlink(`/proc/${pid}/exe`).catch(() => null);
    if (executable && findShellFacts(path.basename(executable))) return executable;
    const stat = await fs.readFile(`/proc/${pid}/stat`, 'utf8').catch(() => null);
    const parent = stat?.slice(stat.lastIndexOf(')') + 2).split(' ')[1];
    if (!parent) return null;
    pid = Number.parseInt(parent, 10);
  }
  return null;
}

/** Reads the systemd user manager's environment, or null when there is no such session. */
function readSystemdSessionEnvironment(): Promise<Record<string, string> | null> {
  return new Promise((resolve) => {
    execFile(
      'systemctl',
      ['--user', 'show-environment'],
      { timeout: SESSION_QUERY_TIMEOUT_MS, encoding: 'utf8' },
      (error, stdout) => {
        if (error || !stdout.trim()) return resolve(null);
        const environment: Record<string, string> = {};
        for (const line of stdout.split('\n')) {
          const equals = line.indexOf('=');
          if (equals > 0) environment[line.slice(0, equals)] = unquoteSystemdValue(line.slice(equals + 1));
        }
        resolve(environment.PATH ? environment : null);
      },
    );
  });
}

/** Undoes the `$'...'` quoting systemctl uses for values with special characters. */
function unquoteSystemdValue(value: string): string {
  if (!value.startsWith("$'") || !value.endsWith("'")) return value;
  return value
    .slice(2, -1)
    .replace(/\\(x[0-9a-fA-F]{2}|[nt'\\"])/g, (_, escape: string) => {
      if (escape.startsWith('x')) return String.fromCharCode(Number.parseInt(escape.slice(1), 16));
      return ({ n: '\n', t: '\t' } as Record<string, string>)[escape] ?? escape;
    });
}
