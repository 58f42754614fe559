/**
 * Settings that change how go treats every module: a leftover GO111MODULE=off, which turns module
 * mode off everywhere, and GOFLAGS set for the whole account (the environment or the Go env file),
 * whose flags every go command in every project gets.
 */
import type { Fix, FindingSeverity } from '../../shared/findings.ts';
import type { GoSettingFinding } from '../../shared/go-layers.ts';
import { removeSiteFix, replaceSiteValueFix } from './rules-go-fixes.ts';
import {
  contextIdsOf,
  contextLabels,
  severityOf,
  settingSites,
  shownValue,
  siteLocation,
  siteValues,
  worstSeverity,
  type SettingSite,
} from './rules-go-support.ts';
import type { FindingDraft, FindingFacts, Rule } from './rule.ts';

async function moduleModeOffDraft(facts: FindingFacts, site: SettingSite): Promise<FindingDraft> {
  const fix = await removeSiteFix(facts, site, {
    contextIds: contextIdsOf(site.contexts),
    description: `module mode is on again (GO111MODULE unset) in ${contextLabels(site.contexts)}`,
  });
  const location = await siteLocation(facts, site);
  return {
    key: site.key,
    title: `GO111MODULE=off from ${site.where} turns module mode off in every project`,
    explanation:
      `GO111MODULE=off is set by ${site.where}. It is a leftover from before Go 1.16, when module mode became ` +
      `the default: go ignores every go.mod and looks for imports in GOPATH/src instead. \`go install ` +
      `example.com/tool@latest\` and \`go mod tidy\` fail with "go: modules disabled by GO111MODULE=off", and ` +
      `imports that go.mod lists are reported as "cannot find package". GOTOOLCHAIN switching is off too. ` +
      `Remove the setting; check IDE run configurations for the same variable. This affects ` +
      `${contextLabels(site.contexts)}.`,
    evidence: {
      contextIds: contextIdsOf(site.contexts),
      values: siteValues(site),
      locations: location ? [location] : [],
    },
    fixes: fix ? [fix] : [],
  };
}

export const go111moduleOffRule: Rule = {
  id: 'go111module-off',
  severity: 'warning',
  title: 'GO111MODULE=off turns module mode off in every project',
  reads: ['go-layers', 'provenance'],
  async check(facts) {
    const sites = settingSites(facts, 'GO111MODULE', (value, source) => value === 'off' && source.layer !== 'default');
    return Promise.all(sites.map((site) => moduleModeOffDraft(facts, site)));
  },
};

/** One problem of a GOFLAGS value, with the flag to drop (null: the whole value must go). */
interface FlagProblem {
  severity: FindingSeverity;
  reason: string;
  flag: string | null;
}

/** `-mod` values and what they do when set for every project. */
const MOD_EFFECTS: Record<string, { severity: FindingSeverity; reason: string } | undefined> = {
  vendor: {
    severity: 'warning',
    reason:
      '-mod=vendor makes go build from the vendor folder, so every module without an up-to-date vendor folder ' +
      'fails with "go: inconsistent vendoring", a message that never mentions GOFLAGS',
  },
  mod: {
    severity: 'hint',
    reason: '-mod=mod lets go build and go test add requirements to go.mod and go.sum in any project without asking',
  },
};

/** go-layers findings about GOFLAGS that belong to this site. */
function layerProblems(site: SettingSite): GoSettingFinding[] {
  const found = new Map<string, GoSettingFinding>();
  for (const context of site.contexts) {
    for (const finding of context.layers.findings) {
      if (finding.key !== 'GOFLAGS' || finding.severity === 'info' || finding.impact === 'ignored') continue;
      const sameSite =
        site.source.layer === 'env-file'
          ? finding.origin === 'env-file' && finding.path === site.source.path && finding.line === site.source.line
          : site.source.layer === 'environment' && finding.origin === 'environment';
      if (sameSite) found.set(finding.reason, finding);
    }
  }
  return [...found.values()];
}

function flagProblems(site: SettingSite): FlagProblem[] {
  const problems: FlagProblem[] = [];
  for (const flag of site.value.trim().split(/\s+/)) {
    const mode = /^--?mod=(.*)$/.exec(flag)?.[1];
    const effect = mode === undefined ? undefined : MOD_EFFECTS[mode];
    if (effect) problems.push({ ...effect, flag });
  }
  for (const finding of layerProblems(site)) {
    problems.push({ severity: severityOf(finding.severity), reason: finding.reason, flag: null });
  }
  return problems;
}

async function goflagsFix(facts: FindingFacts, site: SettingSite, problems: FlagProblem[]): Promise<Fix | null> {
  const dropped = new Set(problems.map((problem) => problem.flag));
  const remaining = dropped.has(null) ? [] : site.value.trim().split(/\s+/).filter((flag) => !dropped.has(flag));
  const description =
    remaining.length === 0
      ? `GOFLAGS is no longer set in ${contextLabels(site.contexts)}`
      : `GOFLAGS becomes ${shownValue('GOFLAGS', remaining.join(' '))} in ${contextLabels(site.contexts)}`;
  return replaceSiteValueFix(facts, site, remaining.length === 0 ? null : remaining.join(' '), {
    title: `Keep only ${shownValue('GOFLAGS', remaining.join(' '))} in GOFLAGS (${site.where})`,
    effect: { contextIds: contextIdsOf(site.contexts), description },
  });
}

async function goflagsDraft(facts: FindingFacts, site: SettingSite): Promise<FindingDraft | null> {
  const problems = flagProblems(site);
  if (problems.length === 0) return null;
  const fix = await goflagsFix(facts, site, problems);
  const location = await siteLocation(facts, site);
  return {
    key: site.key,
    severity: worstSeverity(problems.map((problem) => problem.severity)),
    title: `GOFLAGS=${shownValue('GOFLAGS', site.value)} from ${site.where} applies to every go command in every project`,
    explanation:
      `GOFLAGS=${shownValue('GOFLAGS', site.value)} is set by ${site.where}, so go adds these flags to every ` +
      `command, in every project, and to go env itself: ${problems.map((problem) => problem.reason).join('; ')}. ` +
      `Flags a single project needs belong in that project's build scripts. This affects ` +
      `${contextLabels(site.contexts)}.`,
    evidence: {
      contextIds: contextIdsOf(site.contexts),
      values: siteValues(site),
      locations: location ? [location] : [],
    },
    fixes: fix ? [fix] : [],
  };
}

export const goflagsGlobalRule: Rule = {
  id: 'goflags-global',
  severity: 'warning',
  title: 'GOFLAGS applies flags to every project',
  reads: ['go-layers', 'provenance'],
  async check(facts) {
    const sites = settingSites(facts, 'GOFLAGS', (value, source) => value.trim() !== '' && source.layer !== 'default');
    const drafts = await Promise.all(sites.map((site) => goflagsDraft(facts, site)));
    return drafts.filter((draft): draft is FindingDraft => draft !== null);
  },
};
