/**
 * The catalogue of diagnosis rules, in one table that the engine, the CLI and the UI read. Each
 * rule file exports its rules; the order here is the order rules are documented in.
 */
import type { RuleInfo } from '../../shared/findings.ts';
import type { Rule } from './rule.ts';
import { GO_RULES } from './rules-go.ts';
import { SHELL_EXPORT_RULES } from './rules-shell-export.ts';
import { contextFailedRule } from './rules-shell-failure.ts';
import { SHELL_FORMAT_RULES } from './rules-shell-format.ts';
import { SHELL_GO_RULES } from './rules-shell-go.ts';
import { SHELL_GOROOT_RULES } from './rules-shell-goroot.ts';
import { SHELL_PATH_RULES } from './rules-shell-path.ts';
import { SHELL_RC_ONLY_RULES } from './rules-shell-rc-only.ts';
import { SHELL_STARTUP_RULES } from './rules-shell-startup.ts';
import { SHELL_UNEXPANDED_RULES } from './rules-shell-unexpanded.ts';

/** The rules about shells, startup files, PATH and the go binaries found on it. */
export const SHELL_RULES: readonly Rule[] = [
  contextFailedRule,
  ...SHELL_GO_RULES,
  ...SHELL_PATH_RULES,
  ...SHELL_GOROOT_RULES,
  ...SHELL_UNEXPANDED_RULES,
  ...SHELL_RC_ONLY_RULES,
  ...SHELL_STARTUP_RULES,
  ...SHELL_EXPORT_RULES,
  ...SHELL_FORMAT_RULES,
];

/** Every rule the engine runs. */
export const RULES: readonly Rule[] = [...SHELL_RULES, ...GO_RULES];

/** Returns the catalogue entry of every rule, without the code. */
export function listRules(rules: readonly Rule[] = RULES): RuleInfo[] {
  return rules.map(({ id, severity, title, reads }) => ({ id, severity, title, reads }));
}
