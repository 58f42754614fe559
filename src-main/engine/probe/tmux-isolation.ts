/**
 * Points tmux inside a probe at a server of its own. A startup file that runs tmux (`exec tmux`,
 * `tmux new-session -d`) would otherwise reach the user's running server and create sessions
 * there. Those sessions belong to that server, not to the probe, so the supervisor cannot kill
 * them, and they would outlive the scan.
 */
import path from 'node:path';

import type { CapturedEnvironment } from './environment-block.ts';

/** Values a probe's environment gets so that tmux keeps its socket in the probe's directory. */
export function tmuxIsolationVariables(
  environment: Record<string, string>,
  probeDirectory: string,
): Record<string, string> {
  // tmux puts its default socket under $TMUX_TMPDIR/tmux-UID/.
  const variables: Record<string, string> = { TMUX_TMPDIR: probeDirectory };
  // Inside tmux, $TMUX is "SOCKET,PID,SESSION" and overrides TMUX_TMPDIR. It is replaced only
  // when present, so a startup file's `[ -z "$TMUX" ]` test gets the same result as outside
  // the probe.
  if (environment.TMUX) variables.TMUX = `${path.join(probeDirectory, 'tmux-socket')},0,0`;
  return variables;
}

/**
 * Returns the captured environment with every isolation variable that the startup files left
 * unchanged put back to its original value, or removed when it had none.
 */
export function withoutIsolationVariables(
  captured: CapturedEnvironment,
  isolation: Record<string, string>,
  original: Record<string, string>,
): CapturedEnvironment {
  const variables = { ...captured.variables };
  const raw = { ...captured.raw };
  let count = captured.count;
  for (const [name, value] of Object.entries(isolation)) {
    if (variables[name] !== value) continue;
    delete raw[name];
    if (name in original) {
      variables[name] = original[name]!;
    } else {
      delete variables[name];
      count -= 1;
    }
  }
  return { variables, raw, count };
}
