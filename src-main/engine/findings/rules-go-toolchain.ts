/**
 * GOTOOLCHAIN (Go 1.21+) findings. A pin to one version makes a newly installed Go run an old
 * one, and some values make go reject every command. `local`, often from a distribution's
 * `$GOROOT/go.env`, stops go from switching to the newer Go a project requires.
 */
import type { Fix } from '../../shared/findings.ts';
import type { GoModLines } from '../../shared/go-toolchain-resolution.ts';
import { compareGoVersions, versionFromToolchain } from '../go/go-layers-version.ts';
import { managedBlockEdit, renderHomePathEntry, startupFileSyntax } from './fix-edits.ts';
import { removeSiteFix, setEnvFileValueFix } from './rules-go-fixes.ts';
import { invalidValueDrafts } from './rules-go-invalid.ts';
import {
  contextIdsOf,
  contextLabels,
  evidenceValue,
  settingSites,
  shownPath,
  siteLocation,
  siteValues,
  worstSeverity,
  type GoContext,
  type SettingSite,
} from './rules-go-support.ts';
import type { FindingDraft, FindingFacts, Rule } from './rule.ts';
import { goWithVersion } from './rules-shell-support.ts';

/** Returns the three views of "which Go" for one context, as evidence. */
function threeWayValues(context: GoContext) {
  const view = context.resolution?.threeWay;
  const id = context.context.id;
  return [
    evidenceValue('go on PATH', goWithVersion(view?.binaryOnPath, context.resolution?.binary?.version), id, null),
    evidenceValue('go version', view?.goVersion ?? null, id, null),
    evidenceValue('go env GOROOT', view?.goEnvGoroot ?? null, id, null),
  ];
}

async function pinnedDraft(facts: FindingFacts, site: SettingSite): Promise<FindingDraft> {
  const judged = site.contexts.map((context) => {
    const selection = context.resolution!.selection!;
    const local = versionFromToolchain(selection.localToolchain ?? '') ?? '';
    const pinned = versionFromToolchain(site.value) ?? '';
    const order = compareGoVersions(pinned, local);
    let severity: 'error' | 'warning' | 'hint' = 'hint';
    if (selection.error !== null) severity = 'error';
    else if (order < 0) severity = 'warning';
    return { context, selection, severity, order };
  });
  const severity = worstSeverity(judged.map((item) => item.severity));
  const first = judged.find((item) => item.severity === severity)!;
  const local = first.selection.localToolchain ?? 'the installed Go';
  const binary = first.context.resolution?.binary?.path ?? 'go';
  // A GOPROXY list stops at its first `off`, so `off` alone or after `,`/`|` turns downloads off.
  const offline = judged.some((item) => /(^|[,|])\s*off\s*$/.test(item.context.context.env.GOPROXY ?? ''));

  const happens =
    first.selection.error !== null
      ? `Every go command, go version included, stops with: ${first.selection.error}.` +
        (offline
          ? ' GOPROXY is off here, so go cannot download that toolchain. The message "toolchain not available" does not say so.'
          : '')
      : `go hands every command to ${site.value}${first.selection.executable ? ` (${first.selection.executable})` : ''}, ` +
        `so go version prints ${site.value} and go env GOROOT is ` +
        `${first.context.resolution?.threeWay.goEnvGoroot ?? "that toolchain's tree"}.`;
  const fix = await removeSiteFix(facts, site, {
    contextIds: contextIdsOf(site.contexts),
    description:
      `go runs the installed ${local} again (GOTOOLCHAIN falls back to $GOROOT/go.env, usually auto) ` +
      `in ${contextLabels(site.contexts)}`,
  });
  const title =
    first.order < 0 || first.selection.error !== null
      ? `GOTOOLCHAIN=${site.value} from ${site.where} makes ${binary} (${local}) run ${site.value}`
      : `GOTOOLCHAIN=${site.value} from ${site.where} pins every go command to one version`;
  const location = await siteLocation(facts, site);
  return {
    key: site.key,
    severity,
    title,
    explanation:
      `\`which go\` finds ${binary} (${local}), but GOTOOLCHAIN=${site.value}, set in ${site.where}, names exactly one ` +
      `Go version. ${happens} Reinstalling or upgrading Go never changes this setting, which is why a fresh ` +
      `install seems to report an old version. Removing it (the same as \`go env -u GOTOOLCHAIN\` for the Go ` +
      `env file) lets go use the installed version, or the one a project's go.mod asks for. This affects ` +
      `${contextLabels(site.contexts)}.`,
    evidence: {
      contextIds: contextIdsOf(site.contexts),
      values: [...siteValues(site), ...judged.flatMap((item) => threeWayValues(item.context))],
      locations: location ? [location] : [],
    },
    fixes: fix ? [fix] : [],
  };
}

/** Returns the toolchain a go.work or go.mod requires: the newer of its go and toolchain lines. */
function requiredToolchain(lines: GoModLines | null | undefined): { version: string; line: number | null } | null {
  if (!lines) return null;
  let required: { version: string; line: number | null } | null = null;
  if (lines.goVersion) required = { version: lines.goVersion, line: lines.goLine };
  const fromToolchain = lines.toolchain ? versionFromToolchain(lines.toolchain) : null;
  if (fromToolchain && (required === null || compareGoVersions(fromToolchain, required.version) > 0)) {
    required = { version: fromToolchain, line: lines.toolchainLine };
  }
  return required;
}

/** Installed toolchains at least `version`, newest first, as `go1.23.5 (/usr/lib/go-1.23)`. */
function installedAtLeast(facts: FindingFacts, version: string | null) {
  return facts.toolchains.toolchains
    .filter((toolchain) => toolchain.complete && toolchain.goroot !== null && toolchain.version?.precision === 'release')
    .map((toolchain) => ({ toolchain, version: versionFromToolchain(toolchain.version!.value) ?? '' }))
    .filter((entry) => entry.version !== '' && (version === null || compareGoVersions(entry.version, version) >= 0))
    .sort((left, right) => compareGoVersions(right.version, left.version));
}

async function localDraft(facts: FindingFacts, site: SettingSite): Promise<FindingDraft | null> {
  const needs = site.contexts
    .map((context) => ({ context, required: requiredToolchain(context.resolution?.project?.deciding) }))
    .filter(({ context, required }) => {
      const local = versionFromToolchain(context.resolution?.selection?.localToolchain ?? '');
      return required !== null && local !== null && compareGoVersions(required.version, local) > 0;
    });
  const fromInstallation = site.source.layer === 'goroot-go.env';
  if (needs.length === 0 && !fromInstallation) return null;

  const severity = needs.length > 0 ? 'warning' : 'hint';
  const local = site.contexts[0]!.resolution?.selection?.localToolchain ?? 'the installed Go';
  const required = needs[0]?.required ?? null;
  const deciding = needs[0]?.context.resolution?.project?.deciding ?? null;
  const moduleError = needs[0]?.context.resolution?.selection?.moduleError ?? null;
  const newer = installedAtLeast(facts, required?.version ?? null).filter(
    (entry) => compareGoVersions(entry.version, versionFromToolchain(local) ?? '') > 0,
  );
  const fixes = await localFixes(facts, site, newer[0]?.toolchain.goroot ?? null);
  const location = await siteLocation(facts, site);

  const projectText =
    required && deciding
      ? ` ${shownPath(deciding.file, facts.home)}${required.line ? ` line ${required.line}` : ''} ` +
        `requires go ${required.version}, newer than ${local}, so commands that load it stop with: ` +
        `${moduleError ?? `go: ${deciding.kind} requires go >= ${required.version}`}.`
      : '';
  const installedText =
    newer.length > 0
      ? ` Newer Go installed here: ${newer.map((entry) => `go${entry.version} (${entry.toolchain.goroot})`).join(', ')}.`
      : '';

  return {
    key: site.key,
    severity,
    title: fromInstallation
      ? `GOTOOLCHAIN=local comes from the Go installation's own go.env (${site.where.replace(/ \(.*\)$/, '')})`
      : `GOTOOLCHAIN=local from ${site.where} stops go from switching to the Go this project needs`,
    explanation:
      `GOTOOLCHAIN=local is set by ${site.where}` +
      (fromInstallation
        ? ', not by any file of yours: whoever packaged or installed this Go made it the default. '
        : '. ') +
      `With local, go always runs itself (${local}) and never switches to a newer Go that a project's go.mod ` +
      `or go.work requires, as it does with the usual default auto.${projectText}${installedText} Setting ` +
      `GOTOOLCHAIN=auto in the Go env file lets go switch (it downloads the toolchain unless a goX.Y.Z ` +
      `command on PATH or the module cache has it); putting a new enough Go first on PATH avoids the switch. ` +
      `This affects ${contextLabels(site.contexts)}.`,
    evidence: {
      contextIds: contextIdsOf(site.contexts),
      values: [
        ...siteValues(site),
        ...(required && deciding
          ? [evidenceValue(`${deciding.kind} requires`, `go${required.version}`, null, shownPath(deciding.file, facts.home))]
          : []),
      ],
      locations: location ? [location] : [],
    },
    fixes,
  };
}

async function localFixes(facts: FindingFacts, site: SettingSite, newerGoroot: string | null): Promise<Fix[]> {
  const fixes: Fix[] = [];
  const contextIds = contextIdsOf(site.contexts);
  if (site.source.layer === 'environment') {
    const remove = await removeSiteFix(facts, site, {
      contextIds,
      description: `GOTOOLCHAIN comes from the Go env file or $GOROOT/go.env in ${contextLabels(site.contexts)}`,
    });
    if (remove) fixes.push(remove);
  } else {
    const envFile = site.contexts[0]!.layers.envFile;
    if (envFile.path !== null && (envFile.status === 'read' || envFile.status === 'missing')) {
      const setAuto = await setEnvFileValueFix(facts, {
        id: 'set-gotoolchain-auto',
        title: `Set GOTOOLCHAIN=auto in ${shownPath(envFile.path, facts.home)}`,
        file: envFile.path,
        key: 'GOTOOLCHAIN',
        value: 'auto',
        effect: { contextIds, description: `go may switch to the Go a project asks for in ${contextLabels(site.contexts)}` },
      });
      if (setAuto) fixes.push(setAuto);
    }
  }
  const profile = `${facts.home}/.profile`;
  const readProfile = site.contexts.every((context) =>
    context.context.startupFiles.some((file) => file.path === profile && file.status === 'read'),
  );
  if (newerGoroot !== null && readProfile) {
    const shell = startupFileSyntax(profile, facts.report.contexts);
    fixes.push({
      id: 'prefer-newer-go',
      title: `Put ${newerGoroot}/bin first on PATH in ~/.profile`,
      edits: [await managedBlockEdit(facts.files, profile, shell, [renderHomePathEntry(shell, `${newerGoroot}/bin`, 'prepend', facts.home)])],
      command: null,
      effect: {
        contextIds,
        description: `go runs ${newerGoroot}/bin/go in ${contextLabels(site.contexts)} after the next login`,
      },
    });
  }
  return fixes;
}

export const gotoolchainPinnedRule: Rule = {
  id: 'gotoolchain-pinned',
  severity: 'warning',
  title: 'GOTOOLCHAIN pins every go command to one Go version',
  reads: ['go-layers', 'provenance', 'toolchains'],
  async check(facts) {
    const sites = settingSites(
      facts,
      'GOTOOLCHAIN',
      (_value, _source, context) => context.resolution?.selection?.mode === 'pinned',
    );
    return Promise.all(sites.map((site) => pinnedDraft(facts, site)));
  },
};

export const gotoolchainInvalidRule: Rule = {
  id: 'gotoolchain-invalid',
  severity: 'error',
  title: 'GOTOOLCHAIN has a value go rejects',
  reads: ['go-layers', 'provenance'],
  check: (facts) =>
    invalidValueDrafts(facts, (finding) => finding.key === 'GOTOOLCHAIN' && finding.severity === 'error'),
};

export const gotoolchainLocalRule: Rule = {
  id: 'gotoolchain-local',
  severity: 'hint',
  title: 'GOTOOLCHAIN=local keeps go from switching to the version a project needs',
  reads: ['go-layers', 'project', 'toolchains', 'provenance'],
  async check(facts) {
    const sites = settingSites(
      facts,
      'GOTOOLCHAIN',
      (_value, _source, context) => context.resolution?.selection?.mode === 'local',
    );
    const drafts = await Promise.all(sites.map((site) => localDraft(facts, site)));
    return drafts.filter((draft): draft is FindingDraft => draft !== null);
  },
};
