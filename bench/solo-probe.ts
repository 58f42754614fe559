/**
 * Probes one context with nothing else running, the way a scan probes it, so the benchmark can
 * compare a scan's wall time with the time its contexts take alone.
 */
import type { GoProber } from '../src-main/engine/go/go-probe.ts';
import { runProbe } from '../src-main/engine/probe/run-probe.ts';
import type { DiscoveredShell } from '../src-main/engine/shells/discover.ts';
import { PROBE_GUARD_VARIABLES, type ModeInvocation } from '../src-main/engine/shells/shell-table.ts';

/** A context a scan would probe: an id as in the scan report, and how to start it. */
export interface SoloContext {
  id: string;
  shellPath: string | null;
  invocation: ModeInvocation | null;
  privateStateArgs?: (directory: string) => string[];
}

/** The shell that scripts run with, as in the scan: POSIX sh. */
const SCRIPT_SHELL = '/bin/sh';

/**
 * Lists the contexts a scan of these shells probes, with the ids the scan report uses. A mode a
 * shell does not have (elvish has no login mode) is left out, because the scan does not start it.
 */
export function listSoloContexts(shells: DiscoveredShell[]): SoloContext[] {
  const contexts: SoloContext[] = [];
  for (const shell of shells) {
    const facts = shell.facts;
    if (!facts) continue;
    const common = { shellPath: shell.info.path, privateStateArgs: facts.privateStateArgs };
    if (facts.login) contexts.push({ ...common, id: `${shell.info.name}-login`, invocation: facts.login });
    contexts.push({ ...common, id: `${shell.info.name}-non-login`, invocation: facts.nonLogin });
  }
  contexts.push({ id: 'desktop', shellPath: null, invocation: null });
  contexts.push({
    id: 'script',
    shellPath: SCRIPT_SHELL,
    invocation: { argv0: 'sh', args: ['-c'], method: 'command', stdin: 'null' },
  });
  return contexts;
}

/**
 * Probes one context and runs its `go env`, and returns the wall time in milliseconds. Throws when
 * the probe fails, because the time of a failed probe does not measure a working one.
 *
 * Pass one GoProber to all the contexts of a scan, as the scan itself does: it asks each go binary
 * for its variable names once and runs `go env` once per distinct environment. The contexts then
 * add up to the work the scan does, not to more.
 */
export async function timeSoloContext(
  context: SoloContext,
  base: Record<string, string>,
  deadlineMs: number,
  goProber: GoProber,
): Promise<number> {
  const started = performance.now();
  if (!context.invocation) {
    await goProber.probe(base);
    return performance.now() - started;
  }
  const result = await runProbe({
    shellPath: context.shellPath!,
    argv0: context.invocation.argv0,
    args: context.invocation.args,
    method: context.invocation.method,
    stdin: context.invocation.stdin,
    environment: { ...base, ...PROBE_GUARD_VARIABLES, TERM: 'xterm-256color' },
    cwd: base.HOME?.startsWith('/') ? base.HOME : '/',
    deadlineMs,
    privateStateArgs: context.privateStateArgs,
  });
  if (!result.environment) {
    throw new Error(`probing ${context.id} alone failed: ${result.error?.message ?? 'no environment'}`);
  }
  await goProber.probe(withoutUnchangedGuards(result.environment.variables, base));
  return performance.now() - started;
}

/** Removes the probe's guard variables where the shell left them as the probe set them. */
function withoutUnchangedGuards(
  captured: Record<string, string>,
  base: Record<string, string>,
): Record<string, string> {
  const result = { ...captured };
  for (const [name, value] of Object.entries(PROBE_GUARD_VARIABLES)) {
    if (!(name in base) && result[name] === value) delete result[name];
  }
  return result;
}
