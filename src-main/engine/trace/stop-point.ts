/** Words for where a probe that ran out of time had stopped, from the last traced command. */
import { irregularFileType } from '../files/regular-file.ts';
import type { TraceRecord } from './trace-record.ts';
import type { TraceStopPoint } from './tracer.ts';

/** Commands that wait for a person to type something. */
const INPUT_COMMANDS = /^(read|vared|select|ssh-add|sudo|su|passwd|gpg|pinentry|askpass)\b/;

/** Maximum length of the command text quoted in the message. */
const MAX_QUOTED_COMMAND = 80;

/**
 * Files a login shell runs when it exits (bash 5.2 and zsh 5.9, with Debian's system paths): after
 * an early `exit`, their commands are the last ones traced, but they did not stop the shell.
 */
const LOGOUT_FILES = /(?:^|\/)(?:\.bash_logout|\.zlogout)$|^\/etc\/(?:bash\.bash_logout|zsh\/zlogout|zlogout)$/;

/**
 * Describes a stop point: for a probe that timed out, e.g. "~/.zshrc:42 is waiting for input
 * (`read -q`)", or the named pipe the shell waits at; for one whose shell exited early, the last
 * command it ran. Paths under `home` are shortened to `~/`.
 */
export function describeStopPoint(
  stop: TraceStopPoint,
  home: string | undefined,
  ending: 'timeout' | 'exit' = 'timeout',
): string {
  const where = stop.location.line === null
    ? shortenHome(stop.location.file, home)
    : `${shortenHome(stop.location.file, home)}:${stop.location.line}`;
  const command = stop.command.split('\n')[0]!.trim();
  const quoted = command.length > MAX_QUOTED_COMMAND ? `${command.slice(0, MAX_QUOTED_COMMAND)}…` : command;
  if (ending === 'exit') return `the last command it ran was ${where} (\`${quoted}\`)`;
  const pipe = namedPipeAhead(stop, home);
  if (pipe !== null) {
    return (
      `${shortenHome(pipe, home)} is a named pipe, not a regular file, and the shell waits at it until another ` +
      `program writes to it (the last command it ran was ${where}, \`${quoted}\`); replace it with a regular file`
    );
  }
  return INPUT_COMMANDS.test(command)
    ? `${where} is waiting for input (\`${quoted}\`)`
    : `${where} was still running \`${quoted}\``;
}

/**
 * Returns the records up to the first one from a logout file, which a login shell runs after an
 * `exit` in a startup file, so the stop point is the command that ended the startup.
 */
export function beforeLogout(records: TraceRecord[]): TraceRecord[] {
  const logout = records.findIndex((record) => record.file !== null && LOGOUT_FILES.test(record.file));
  return logout === -1 ? records : records.slice(0, logout);
}

/**
 * Returns the first named pipe among the startup files the shell reads after the last file the
 * trace shows, or null. The mode is the one whose list contains the first file read; when no
 * list does and there is more than one, nothing is claimed.
 * NOTE: bash reads only the first existing of ~/.bash_profile, ~/.bash_login and ~/.profile, but
 * all three are checked. ZDOTDIR is taken to be HOME. The trace records neither fact.
 */
function namedPipeAhead(stop: TraceStopPoint, home: string | undefined): string | null {
  if (stop.startupOrder === undefined || !home) return null;
  const read = new Set(stop.startupOrder.filesRead);
  const orders = stop.startupOrder.modes.map((order) =>
    order.map((file) => (file.startsWith('~/') ? `${home}${file.slice(1)}` : file)),
  );
  const firstRead = stop.startupOrder.filesRead.find((file) => orders.some((order) => order.includes(file)));
  if (firstRead === undefined && orders.length !== 1) return null;
  const order = firstRead === undefined ? orders[0] : orders.find((candidate) => candidate.includes(firstRead));
  if (order === undefined) return null;
  let position = -1;
  order.forEach((file, index) => {
    if (read.has(file)) position = index;
  });
  return order.slice(position + 1).find((file) => irregularFileType(file) === 'a named pipe') ?? null;
}

function shortenHome(file: string, home: string | undefined): string {
  return home && file.startsWith(`${home}/`) ? `~/${file.slice(home.length + 1)}` : file;
}
