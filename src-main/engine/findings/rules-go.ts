/**
 * The rules about Go's own settings: the Go env file (`go env -w`), `$GOROOT/go.env`, and the Go
 * variables every go command reads, whichever layer sets them.
 */
import { goCacheNotWritableRule } from './rules-go-cache.ts';
import { goEnvFileFormatRule } from './rules-go-env-file-format.ts';
import { goEnvFileGorootRule } from './rules-go-goroot.ts';
import { projectToolchainSwitchRule } from './rules-go-project.ts';
import { goSettingInvalidRule } from './rules-go-invalid.ts';
import { go111moduleOffRule, goflagsGlobalRule } from './rules-go-modules.ts';
import { goprivatePatternsRule, goproxyRule, gosumdbOffRule } from './rules-go-proxy.ts';
import { goEnvFileShadowedRule } from './rules-go-shadowed.ts';
import { gotoolchainInvalidRule, gotoolchainLocalRule, gotoolchainPinnedRule } from './rules-go-toolchain.ts';
import type { Rule } from './rule.ts';

export const GO_RULES: Rule[] = [
  goSettingInvalidRule,
  goEnvFileGorootRule,
  goEnvFileShadowedRule,
  goEnvFileFormatRule,
  gotoolchainPinnedRule,
  gotoolchainInvalidRule,
  gotoolchainLocalRule,
  projectToolchainSwitchRule,
  go111moduleOffRule,
  goflagsGlobalRule,
  goproxyRule,
  gosumdbOffRule,
  goprivatePatternsRule,
  goCacheNotWritableRule,
];
