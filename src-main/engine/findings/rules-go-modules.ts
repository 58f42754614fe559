/**
 * Settings that change how go treats every module: a leftover GO111MODULE=off, which turns module
 * mode off everywhere, and GOFLAGS set for the whole account (the environment or the Go env file),
 * whose flags every go command in every project gets.
 */
import type { Fix, FindingSeverity } from '../../shared/findings.ts';
import type { GoSettingFinding } from '../../shared/go-layers.ts';
import type { ScanContext } from '../../shared/scan-report.ts';
import { removeAssignmentsFix, removeSiteFix, replaceSiteValueFix } from './rules-go-fixes.ts';
import {
  contextIdsOf,
  contextLabels,
  describeEnvironmentOrigin,
  environmentKey,
  environmentOrigin,
  evidenceValue,
  goContexts,
  locationOf,
  severityOf,
  settingSites,
  shownValue,
  siteLocation,
  siteValues,
  worstSeverity,
  type EnvironmentOrigin,
  type SettingSite,
} from './rules-go-support.ts';
import { contextLabels as shellContextLabels, idsOf } from './rules-shell-support.ts';
import type { FindingDraft, FindingFacts, Rule } from './rule.ts';

/** One place GO111MODULE=off comes from, with every context it reaches. */
interface ModuleModeOff {
  key: string;
  where: string;
  /** The site go's settings layers report, or null when only the environment shows it. */
  site: SettingSite | null;
  origin: EnvironmentOrigin | null;
  /** Every context with the setting, whether or not it runs a go. */
  contexts: ScanContext[];
}

/**
 * Finds GO111MODULE=off from go's settings layers, and from the environment of contexts where go
 * did not run (no go on PATH, or its settings could not be read). The setting is as wrong there,
 * and takes effect as soon as go is found.
 */
function moduleModeOffPlaces(facts: FindingFacts): ModuleModeOff[] {
  const places = new Map<string, ModuleModeOff>();
  for (const site of settingSites(facts, 'GO111MODULE', (value, source) => value === 'off' && source.layer !== 'default')) {
    const known = places.get(site.key);
    const contexts = site.contexts.map((context) => context.context);
    if (known) known.contexts.push(...contexts.filter((context) => !known.contexts.includes(context)));
    else places.set(site.key, { key: site.key, where: site.where, site, origin: site.origin, contexts });
  }
  const withLayers = new Set(goContexts(facts).map((context) => context.context.id));
  for (const context of facts.report.contexts) {
    if (!context.ok || withLayers.has(context.id) || context.env.GO111MODULE?.trim() !== 'off') continue;
    const origin = environmentOrigin(context, 'GO111MODULE');
    const key = environmentKey(origin, 'GO111MODULE', facts.home);
    const known = places.get(key);
    if (known) known.contexts.push(context);
    else {
      const where = describeEnvironmentOrigin(origin, facts.home);
      places.set(key, { key, where, site: null, origin, contexts: [context] });
    }
  }
  return [...places.values()];
}

async function moduleModeOffDraft(facts: FindingFacts, place: ModuleModeOff): Promise<FindingDraft> {
  const labels = shellContextLabels(place.contexts);
  const effect = {
    contextIds: idsOf(place.contexts),
    description: `Module mode is on again (GO111MODULE unset) in ${labels}.`,
  };
  const fix =
    place.site?.source.layer === 'env-file'
      ? await removeSiteFix(facts, place.site, effect)
      : await removeAssignmentsFix(facts, 'GO111MODULE', place.contexts, {
          id: 'remove-export',
          title: `Stop exporting GO111MODULE in ${place.where}`,
          effect,
        });
  const location =
    place.site !== null
      ? await siteLocation(facts, place.site)
      : place.origin?.kind === 'startup-line'
        ? await locationOf(facts, place.origin.file, place.origin.line)
        : null;
  return {
    key: place.key,
    title: `GO111MODULE=off from ${place.where} turns module mode off in every project`,
    explanation:
      `GO111MODULE=off is set by ${place.where}. It is a leftover from before Go 1.16, when module mode became ` +
      `the default: go ignores every go.mod and looks for imports in GOPATH/src instead. \`go install ` +
      `example.com/tool@latest\` and \`go mod tidy\` fail with "go: modules disabled by GO111MODULE=off", and ` +
      `imports that go.mod lists are reported as "cannot find package". GOTOOLCHAIN switching is off too. ` +
      `Remove the setting, and check IDE run configurations for the same variable. This affects ${labels}.`,
    evidence: {
      contextIds: idsOf(place.contexts),
      values: place.contexts.map((context) => evidenceValue('GO111MODULE', 'off', context.id, place.where)),
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
    return Promise.all(moduleModeOffPlaces(facts).map((place) => moduleModeOffDraft(facts, place)));
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
