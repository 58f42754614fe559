/** Words for where a probe that ran out of time had stopped, from the last traced command. */
import type { TraceStopPoint } from './tracer.ts';

/** Commands that wait for a person to type something. */
const INPUT_COMMANDS = /^(read|vared|select|ssh-add|sudo|su|passwd|gpg|pinentry|askpass)\b/;

/** Maximum length of the command text quoted in the message. */
const MAX_QUOTED_COMMAND = 80;

/**
 * Describes a stop point: for a probe that timed out, e.g. "~/.zshrc:42 is waiting for input
 * (`read -q`)"; for one whose shell exited early, the last command it ran. Paths under `home`
 * are shortened to `~/`.
 */
export function describeStopPoint(
  stop: TraceStopPoint,
  home: string | undefined,
  ending: 'timeout' | 'exit' = 'timeout',
): string {
  const file = home && stop.location.file.startsWith(`${home}/`)
    ? `~/${stop.location.file.slice(home.length + 1)}`
    : stop.location.file;
  const where = stop.location.line === null ? file : `${file}:${stop.location.line}`;
  const command = stop.command.split('\n')[0]!.trim();
  const quoted = command.length > MAX_QUOTED_COMMAND ? `${command.slice(0, MAX_QUOTED_COMMAND)}…` : command;
  if (ending === 'exit') return `the last command it ran was ${where} (\`${quoted}\`)`;
  return INPUT_COMMANDS.test(command)
    ? `${where} is waiting for input (\`${quoted}\`)`
    : `${where} was still running \`${quoted}\``;
}
