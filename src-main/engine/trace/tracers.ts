/** The tracer of each shell that has one, by the shell's canonical name. */
import { bashTracer, zshTracer } from './bash-zsh-tracers.ts';
import { elvishTracer } from './elvish-tracer.ts';
import { fishTracer } from './fish-tracer.ts';
import { kshTracer } from './ksh-tracer.ts';
import { mkshTracer } from './mksh-tracer.ts';
import { dashTracer, poshTracer, shReaderReady } from './sh-reader-tracer.ts';
import { tcshTracer } from './tcsh-tracer.ts';
import type { ShellTracer } from './tracer.ts';
import { xonshTracer } from './xonsh-tracer.ts';
import { yashTracer } from './yash-tracer.ts';

const TRACERS: Record<string, ShellTracer> = {
  bash: bashTracer,
  zsh: zshTracer,
  fish: fishTracer,
  dash: { ...dashTracer, ready: shReaderReady },
  posh: { ...poshTracer, ready: shReaderReady },
  ksh93: kshTracer,
  mksh: mkshTracer,
  yash: yashTracer,
  tcsh: tcshTracer,
  elvish: elvishTracer,
  xonsh: xonshTracer,
};

/** Returns the tracer of a shell family in the shell table, or null for an unknown one. */
export function tracerFor(shell: string): ShellTracer | null {
  return TRACERS[shell] ?? null;
}
