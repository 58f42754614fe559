/**
 * A Go env file value that an exported variable hides: `go env -w GOPROXY=…` writes the file,
 * warns "does not override conflicting OS environment variable", and the setting then applies
 * only where nothing exports the variable (apps started from the desktop, scripts, other shells).
 */
import type { Fix } from '../../shared/findings.ts';
import type { GoShadowedSetting } from '../../shared/go-layers.ts';
import { assignmentFiles, envFileLineFix, removeAssignmentsFix, setsEnvFileKey } from './rules-go-fixes.ts';
import {
  contextIdsOf,
  contextLabels,
  describeEnvironmentOrigin,
  environmentOrigin,
  evidenceValue,
  goContexts,
  locationOf,
  shownPath,
  shownValue,
  type GoContext,
} from './rules-go-support.ts';
import type { FindingDraft, FindingFacts, Rule } from './rule.ts';

/** GOROOT in the Go env file has rules of its own (rules-go-goroot.ts). */
const HANDLED_ELSEWHERE = new Set(['GOROOT']);

interface ShadowGroup {
  name: string;
  file: string;
  line: number;
  fileValue: string;
  hidden: { context: GoContext; setting: GoShadowedSetting }[];
  /** Contexts where the Go env file line is in effect. */
  using: GoContext[];
}

function collectShadows(facts: FindingFacts): ShadowGroup[] {
  const groups = new Map<string, ShadowGroup>();
  const contexts = goContexts(facts);
  for (const context of contexts) {
    for (const setting of context.layers.shadowed) {
      if (setting.reason !== 'overridden-by-environment' || setting.source.layer !== 'env-file') continue;
      if (HANDLED_ELSEWHERE.has(setting.name) || setting.value === setting.winningValue) continue;
      const key = `${setting.source.path}:${setting.source.line}`;
      const group = groups.get(key) ?? {
        name: setting.name,
        file: setting.source.path,
        line: setting.source.line,
        fileValue: setting.value,
        hidden: [],
        using: [],
      };
      group.hidden.push({ context, setting });
      groups.set(key, group);
    }
  }
  for (const group of groups.values()) {
    group.using = contexts.filter((context) =>
      context.layers.variables.some(
        (variable) =>
          variable.name === group.name &&
          variable.source.layer === 'env-file' &&
          variable.source.path === group.file &&
          variable.source.line === group.line,
      ),
    );
  }
  return [...groups.values()];
}

async function draftOf(facts: FindingFacts, group: ShadowGroup): Promise<FindingDraft> {
  const { name, file, line } = group;
  const envFile = `${shownPath(file, facts.home)}:${line}`;
  const hiddenContexts = group.hidden.map((entry) => entry.context);
  const origins = group.hidden.map((entry) => ({
    entry,
    origin: environmentOrigin(entry.context.context, name),
  }));
  const exportedAt = [...new Set(origins.map(({ origin }) => describeEnvironmentOrigin(origin, facts.home)))];
  const usingText =
    group.using.length > 0
      ? `Contexts that do not export it (${contextLabels(group.using)}) use the Go env file value.`
      : 'Apps started from the desktop, scripts and other shells that do not export it use the Go env file value.';

  const locations = [await locationOf(facts, file, line)];
  for (const { origin } of origins) {
    if (origin.kind === 'startup-line') locations.push(await locationOf(facts, origin.file, origin.line));
  }
  const uniqueLocations = locations.filter(
    (location, index) => locations.findIndex((other) => other.file === location.file && other.line === location.line) === index,
  );

  const fixes: Fix[] = [];
  const removeExport = await removeAssignmentsFix(
    facts,
    name,
    hiddenContexts.map((context) => context.context),
    {
      id: 'remove-export',
      title: `Stop exporting ${name} in ${assignmentFiles(hiddenContexts.map((context) => context.context), name, facts.home)}`,
      effect: {
        contextIds: contextIdsOf(hiddenContexts),
        description: `${name} becomes ${shownValue(name, group.fileValue)} from ${envFile} in ${contextLabels(hiddenContexts)}`,
      },
    },
  );
  if (removeExport) fixes.push(removeExport);
  const removeLine = await envFileLineFix(facts, {
    id: 'remove-env-file-line',
    title: `Delete line ${line} (${name}) from ${shownPath(file, facts.home)}`,
    file,
    line,
    expect: (text) => setsEnvFileKey(text, name),
    replacement: null,
    effect: {
      contextIds: contextIdsOf(group.using),
      description:
        group.using.length > 0
          ? `${name} falls back to $GOROOT/go.env or go's default in ${contextLabels(group.using)}. ` +
            'The exported value stays where it is exported'
          : `The Go env file no longer sets ${name}; the exported value stays where it is exported`,
    },
  });
  if (removeLine) fixes.push(removeLine);

  return {
    key: `${shownPath(file, facts.home)}:${name}`,
    title: `${name} from ${envFile} is hidden by an exported ${name} (${exportedAt.join(', ')})`,
    explanation:
      `${envFile} sets ${name}=${shownValue(name, group.fileValue)}, the value \`go env -w\` saved. ` +
      `An exported ${name} always wins over the Go env file, so go uses ` +
      `${[...new Set(group.hidden.map((entry) => shownValue(name, entry.setting.winningValue)))].join(' or ')} ` +
      `from ${exportedAt.join(' and ')} instead in ${contextLabels(hiddenContexts)}. ${usingText} ` +
      `Go only warns about this once, when the value is ` +
      `written: "go env -w ${name}=... does not override conflicting OS environment variable". Keep the ` +
      `setting in one place: stop exporting it, or delete the Go env file line.`,
    evidence: {
      contextIds: contextIdsOf(hiddenContexts),
      values: [
        evidenceValue(name, group.fileValue, null, envFile),
        ...origins.map(({ entry, origin }) =>
          evidenceValue(
            name,
            entry.setting.winningValue,
            entry.context.context.id,
            describeEnvironmentOrigin(origin, facts.home),
          ),
        ),
      ],
      locations: uniqueLocations,
    },
    fixes,
  };
}

export const goEnvFileShadowedRule: Rule = {
  id: 'go-env-file-shadowed',
  severity: 'warning',
  title: 'An exported variable hides a Go env file setting',
  reads: ['go-layers', 'provenance', 'startup-files'],
  async check(facts) {
    return Promise.all(collectShadows(facts).map((group) => draftOf(facts, group)));
  },
};
