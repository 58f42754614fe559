/**
 * The go-env-lens command line: `doctor`, `scan --json` and `serve`, all in-process over the same
 * engine service the desktop app and the browser UI use.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';

import { MAX_DEADLINE_MS, MIN_DEADLINE_MS } from '../shared/contract.ts';
import { DEFAULT_PROBE_DEADLINE_MS } from '../engine/probe/limits.ts';
import type { BaseEnvironmentChoice } from '../engine/base-environment.ts';
import { ApiRequestError } from '../shared/contract.ts';
import { runDoctor } from './doctor-command.ts';
import { runExplain } from './explain-command.ts';
import { runScanCommand } from './scan-command.ts';
import { runToolchains } from './toolchains-command.ts';
import { runGoCommand } from './go-command.ts';
import { runHistory } from './history-command.ts';
import { runUndo } from './undo-command.ts';
import { runFix } from './fix-command.ts';
import { runServe } from './serve-command.ts';

/** Exit code of a command that did its work. */
export const EXIT_OK = 0;
/** Exit code of a command that could not do its work: bad arguments, or no context probed. */
export const EXIT_FAILURE = 2;

const USAGE = `Usage: go-env-lens <command> [options]

Commands:
  doctor            Probe every shell, print what each context sees (differences marked) and
                    the findings with a fix for each. Exit code 0: no errors found,
                    1: errors found, 2: the scan itself failed
  fix ID            Apply the fix of finding ID (shown by doctor) with a backup, probe the
                    affected contexts again and say whether the finding is gone
  scan --json       Probe every shell and print the scan report as JSON (docs/scan-schema.json)
  serve             Start the browser UI on 127.0.0.1 and print its address
  explain VAR       Show where VAR comes from in each context (--context ID for one)
  toolchains        List every Go installed on the machine and the contexts that use each
  go                Show which go runs in each context, its GOROOT and why (--project DIR)
  history FILE      List the backups kept of FILE before each save and undo, newest first
  undo FILE         Put back FILE's latest backup (--backup ID for another); the content it
                    replaces is kept as a new backup, so an undo can be undone

Options:
  --deadline SECONDS     Time each context may take to start (default ${DEFAULT_PROBE_DEADLINE_MS / 1000})
  --shell NAME           Probe only this shell (repeatable)
  --base-env MODE        Environment contexts start from: auto, self or session (default auto)
  --no-trace             Do not trace startup files: faster, but no value is explained
  --port N               Port for serve (default: a free one)
  --context ID           With explain: only this context (e.g. bash-login)
  --project DIR          With go, doctor and fix: evaluate go.mod, go.work and toolchain lines in DIR
  --fix FIX              With fix: apply this fix of the finding (default: its first)
  --dry-run              With fix: print the exact change and write nothing
  --backup ID            With undo: restore this backup (an id from history) instead of the latest
  --json                 Print JSON instead of a table
  -h, --help             Show this help
`;

/** Common options of the scanning commands. */
export interface ScanCommandOptions {
  deadlineMs: number;
  shells?: string[];
  baseEnvironment: BaseEnvironmentChoice;
  /** False when --no-trace was given. */
  trace: boolean;
}

/** Runs the command line and returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        deadline: { type: 'string' },
        shell: { type: 'string', multiple: true },
        'base-env': { type: 'string' },
        'no-trace': { type: 'boolean', default: false },
        port: { type: 'string' },
        context: { type: 'string' },
        project: { type: 'string' },
        backup: { type: 'string' },
        fix: { type: 'string' },
        'dry-run': { type: 'boolean', default: false },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    process.stderr.write(`go-env-lens: ${(error as Error).message}\n\n${USAGE}`);
    return EXIT_FAILURE;
  }
  const { values, positionals } = parsed;
  const command = positionals[0];
  if (values.help || !command) {
    process.stdout.write(USAGE);
    return values.help ? EXIT_OK : EXIT_FAILURE;
  }

  let options: ScanCommandOptions;
  try {
    options = {
      deadlineMs: parseDeadline(values.deadline),
      shells: values.shell,
      baseEnvironment: parseBaseEnvironment(values['base-env']),
      trace: values['no-trace'] !== true,
    };
  } catch (error) {
    process.stderr.write(`go-env-lens: ${(error as Error).message}\n`);
    return EXIT_FAILURE;
  }

  try {
    return await runCommand(command, positionals, values, options);
  } catch (error) {
    if (error instanceof ApiRequestError) {
      process.stderr.write(`go-env-lens: ${error.message}\n`);
      return EXIT_FAILURE;
    }
    throw error;
  }
}

async function runCommand(
  command: string,
  positionals: string[],
  values: {
    port?: string;
    json?: boolean;
    context?: string;
    project?: string;
    backup?: string;
    fix?: string;
    'dry-run'?: boolean;
  },
  options: ScanCommandOptions,
): Promise<number> {
  switch (command) {
    case 'explain': {
      const variable = positionals[1];
      if (!variable) {
        process.stderr.write('go-env-lens: explain needs a variable name, e.g. go-env-lens explain GOPATH\n');
        return EXIT_FAILURE;
      }
      return runExplain({ ...options, variable, contextId: values.context, json: values.json === true });
    }
    case 'doctor':
      return runDoctor({ ...options, project: projectOption(values.project), json: values.json === true });
    case 'fix': {
      const findingId = positionals[1];
      if (!findingId) {
        process.stderr.write('go-env-lens: fix needs a finding id, as doctor prints it, e.g. go-env-lens fix goroot-stale:~/.profile:GOROOT\n');
        return EXIT_FAILURE;
      }
      return runFix({
        ...options,
        findingId,
        fixId: values.fix,
        project: projectOption(values.project),
        dryRun: values['dry-run'] === true,
      });
    }
    case 'scan':
      return runScanCommand(options);
    case 'toolchains':
      return runToolchains({ ...options, json: values.json === true });
    case 'go':
      return runGoCommand({ ...options, project: values.project ?? null, json: values.json === true });
    case 'history':
    case 'undo': {
      const file = positionals[1];
      if (!file) {
        process.stderr.write(`go-env-lens: ${command} needs a file, e.g. go-env-lens ${command} ~/.bashrc\n`);
        return EXIT_FAILURE;
      }
      if (command === 'history') return runHistory({ file, json: values.json === true });
      return runUndo({ file, backupId: values.backup });
    }
    case 'serve': {
      const port = values.port === undefined ? undefined : Number.parseInt(values.port, 10);
      if (port !== undefined && (!Number.isInteger(port) || port < 0 || port > 65535)) {
        process.stderr.write(`go-env-lens: invalid --port ${JSON.stringify(values.port)}: use a number from 0 to 65535\n`);
        return EXIT_FAILURE;
      }
      await runServe({ port, ...options });
      return EXIT_OK;
    }
    default:
      process.stderr.write(`go-env-lens: unknown command ${JSON.stringify(command)}\n\n${USAGE}`);
      return EXIT_FAILURE;
  }
}

/** Returns the project folder as an absolute path, or null. */
function projectOption(text: string | undefined): string | null {
  return text === undefined ? null : path.resolve(text);
}

function parseDeadline(text: string | undefined): number {
  if (text === undefined) return DEFAULT_PROBE_DEADLINE_MS;
  const seconds = Number(text.replace(/s$/, ''));
  const milliseconds = Math.round(seconds * 1000);
  if (!Number.isFinite(seconds) || milliseconds < MIN_DEADLINE_MS || milliseconds > MAX_DEADLINE_MS) {
    throw new Error(
      `invalid --deadline ${JSON.stringify(text)}: give seconds from ${MIN_DEADLINE_MS / 1000} to ${MAX_DEADLINE_MS / 1000}`,
    );
  }
  return milliseconds;
}

function parseBaseEnvironment(text: string | undefined): BaseEnvironmentChoice {
  const value = text ?? process.env.GO_ENV_LENS_BASE_ENV ?? 'auto';
  if (value === 'auto' || value === 'self' || value === 'session') return value;
  throw new Error(`invalid --base-env ${JSON.stringify(value)}: use auto, self or session`);
}
