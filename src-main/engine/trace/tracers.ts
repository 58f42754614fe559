/** The tracer of each shell that has one, by the shell's canonical name. */
import { bashTracer, zshTracer } from './bash-zsh-tracers.ts';
import type { ShellTracer } from './tracer.ts';

const TRACERS: Record<string, ShellTracer> = {
  bash: bashTracer,
  zsh: zshTracer,
};

/** Returns the tracer for a shell, or null when its startup cannot be traced yet. */
export function tracerFor(shell: string): ShellTracer | null {
  return TRACERS[shell] ?? null;
}
