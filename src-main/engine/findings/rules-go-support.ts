/**
 * Shared pieces of the rules about Go's own settings. They find the contexts that run a go, the
 * source of each setting of a context (a Go env file line, `$GOROOT/go.env`, a startup file line
 * or the session), and build the evidence every finding carries. Every value shown is masked with redact.ts
 * here already, so a rule never hands an unmasked GOPROXY password to the engine.
 */
import { promises as fs } from 'node:fs';

import type { EvidenceLocation, EvidenceValue, FindingSeverity } from '../../shared/findings.ts';
import { parseGoEnvFile, type ParsedGoEnvFile } from '../../shared/go-env-file.ts';
import type {
  GoLayeredVariable,
  GoLayersReport,
  GoSettingFinding,
  GoSettingSource,
} from '../../shared/go-layers.ts';
import type { ToolchainResolution } from '../../shared/go-toolchain-resolution.ts';
import type { AssignmentVia, InheritedOrigin } from '../../shared/provenance.ts';
import type { ScanContext } from '../../shared/scan-report.ts';
import { displayPath } from '../files/write-block.ts';
import { redactText, redactValue } from './redact.ts';
import { contextLabels as shellContextLabels, quotedValue, sentence } from './rules-shell-support.ts';
import type { ContextFacts, FindingFacts } from './rule.ts';

/** A probed context that runs a go whose settings layers were worked out. */
export interface GoContext {
  context: ScanContext;
  layers: GoLayersReport;
  resolution: ToolchainResolution | null;
}

/** Returns the contexts that run a go with known settings layers, in scan order. */
export function goContexts(facts: FindingFacts): GoContext[] {
  return facts.contexts
    .filter((entry): entry is ContextFacts & { layers: GoLayersReport } => entry.context.ok && entry.layers !== null)
    .map((entry) => ({ context: entry.context, layers: entry.layers, resolution: entry.resolution }));
}

/** Returns a variable as `go env` reports it, including keys only `go env NAME` prints. */
export function layeredVariable(layers: GoLayersReport, name: string): GoLayeredVariable | undefined {
  return (
    layers.variables.find((variable) => variable.name === name) ??
    layers.namedOnlyVariables.find((variable) => variable.name === name)
  );
}

/** The origin of a context's OS environment variable. */
export type EnvironmentOrigin =
  | { kind: 'startup-line'; file: string; line: number; via: AssignmentVia; command: string }
  | { kind: 'inherited'; inherited: InheritedOrigin | null };

/** Returns the startup file line whose assignment a context's variable has, or how it was inherited. */
export function environmentOrigin(context: ScanContext, name: string): EnvironmentOrigin {
  const provenance = context.provenance?.variables[name];
  const winner = provenance?.winner ?? null;
  const assignment = winner === null ? undefined : provenance?.chain[winner];
  if (assignment?.location.line != null) {
    return {
      kind: 'startup-line',
      file: assignment.location.file,
      line: assignment.location.line,
      via: assignment.via,
      command: assignment.command,
    };
  }
  return { kind: 'inherited', inherited: provenance?.inherited ?? null };
}

/**
 * Returns the finding key of an exported variable: its startup file and name (`~/.zshrc:GOFLAGS`),
 * or `environment:GOFLAGS` when the session set it. No line number, so the key survives edits.
 */
export function environmentKey(origin: EnvironmentOrigin, name: string, home: string): string {
  return origin.kind === 'startup-line' ? `${displayPath(origin.file, home)}:${name}` : `environment:${name}`;
}

/** Names an environment origin for people: `~/.bashrc:2`, or the session environment. */
export function describeEnvironmentOrigin(origin: EnvironmentOrigin, home: string): string {
  if (origin.kind === 'startup-line') {
    const where = `${displayPath(origin.file, home)}:${origin.line}`;
    switch (origin.via) {
      case 'eval':
        return `${where} (inside an eval)`;
      case 'function':
        return `${where} (a function call)`;
      case 'fish-universal':
        return `${where} (a fish universal variable)`;
      case 'prompt-hook':
        return `${where} (a prompt hook)`;
      default:
        return where;
    }
  }
  if (origin.inherited === 'shell') return 'the shell itself';
  if (origin.inherited === 'prompt-hook') return 'a prompt hook';
  return 'the environment the session started with (not a startup file)';
}

/**
 * A place one Go setting of one or more contexts comes from: a line of the Go env file or of
 * `$GOROOT/go.env`, an exported variable with its startup file line (or the session), or the
 * built-in default.
 */
export interface SettingSite {
  name: string;
  /** The effective value, unmasked: rules compare it, evidence masks it. */
  value: string;
  source: GoSettingSource;
  /** The origin of an `environment` value; null for the other layers. */
  origin: EnvironmentOrigin | null;
  contexts: GoContext[];
  /**
   * Stable finding key: the file and variable (`~/.config/go/env:GOPROXY`, `~/.zshrc:GOFLAGS`), or
   * `environment:GOFLAGS` and `default:GOFLAGS`. It names no line, so it stays the same when lines
   * are added or removed above the setting.
   */
  key: string;
  /** The same place in words, for evidence and explanations. */
  where: string;
}

/** Returns the key and description of a setting's source in one context. */
function siteOf(
  name: string,
  source: GoSettingSource,
  context: ScanContext,
  home: string,
): { key: string; where: string; origin: EnvironmentOrigin | null } {
  switch (source.layer) {
    case 'env-file': {
      const where = `${displayPath(source.path, home)}:${source.line}`;
      return { key: `${displayPath(source.path, home)}:${name}`, where, origin: null };
    }
    case 'goroot-go.env':
      return {
        key: `${displayPath(source.path, home)}:${name}`,
        where: `${displayPath(source.path, home)}:${source.line} ($GOROOT/go.env, part of the Go installation)`,
        origin: null,
      };
    case 'environment': {
      const origin = environmentOrigin(context, name);
      const where = describeEnvironmentOrigin(origin, home);
      return { key: environmentKey(origin, name, home), where, origin };
    }
    default:
      return { key: `default:${name}`, where: 'the built-in default', origin: null };
  }
}

/**
 * Groups the contexts whose effective value of `name` passes `select` by the place the value
 * comes from, so one finding covers every context a single line affects.
 */
export function settingSites(
  facts: FindingFacts,
  name: string,
  select: (value: string, source: GoSettingSource, context: GoContext) => boolean,
): SettingSite[] {
  const sites = new Map<string, SettingSite>();
  for (const context of goContexts(facts)) {
    const variable = layeredVariable(context.layers, name);
    if (variable === undefined || !select(variable.value, variable.source, context)) continue;
    const site = siteOf(name, variable.source, context.context, facts.home);
    const groupKey = `${site.key}\u0000${variable.value}`;
    const existing = sites.get(groupKey);
    if (existing) {
      existing.contexts.push(context);
      continue;
    }
    sites.set(groupKey, {
      name,
      value: variable.value,
      source: variable.source,
      origin: site.origin,
      contexts: [context],
      key: site.key,
      where: site.where,
    });
  }
  return [...sites.values()];
}

/** A layer finding of go-layers together with every context that reported it. */
export interface JudgedSetting {
  finding: GoSettingFinding;
  contexts: GoContext[];
  /** Groups findings of one place: the file line for file findings, `NAME in the environment` otherwise. */
  key: string;
}

/**
 * Collects the go-layers findings that pass `select`, merged across contexts by file, line, key
 * and reason. Each group keeps its finding of the highest severity.
 */
export function judgedSettings(facts: FindingFacts, select: (finding: GoSettingFinding) => boolean): JudgedSetting[] {
  const groups = new Map<string, JudgedSetting>();
  for (const context of goContexts(facts)) {
    for (const finding of context.layers.findings) {
      if (!select(finding)) continue;
      const key =
        finding.path !== null && finding.line !== null
          ? `${displayPath(finding.path, facts.home)}:${finding.line}`
          : `${finding.key ?? 'setting'} in the environment`;
      const groupKey = `${finding.origin}\u0000${key}\u0000${finding.key}\u0000${finding.reason}`;
      const existing = groups.get(groupKey);
      if (existing) {
        existing.contexts.push(context);
        if (SEVERITY_RANK[severityOf(finding.severity)] < SEVERITY_RANK[severityOf(existing.finding.severity)]) {
          existing.finding = finding;
        }
        continue;
      }
      groups.set(groupKey, { finding, contexts: [context], key });
    }
  }
  return [...groups.values()];
}

/** Lower is more severe. */
export const SEVERITY_RANK: Record<FindingSeverity, number> = { error: 0, warning: 1, hint: 2 };

/** Maps a go-layers severity to a finding severity. */
export function severityOf(severity: GoSettingFinding['severity']): FindingSeverity {
  return severity === 'info' ? 'hint' : severity;
}

/** Returns the most severe of the given severities. */
export function worstSeverity(severities: FindingSeverity[]): FindingSeverity {
  return severities.reduce<FindingSeverity>(
    (worst, next) => (SEVERITY_RANK[next] < SEVERITY_RANK[worst] ? next : worst),
    'hint',
  );
}

/** Returns the context ids of `contexts`, each once, in order. */
export function contextIdsOf(contexts: { context: ScanContext }[]): string[] {
  return [...new Set(contexts.map((entry) => entry.context.id))];
}

/** Lists context labels for an explanation: `bash (login terminal) and zsh (terminal tab, non-login)`. */
export function contextLabels(contexts: { context: ScanContext }[]): string {
  return shellContextLabels(contexts.map((entry) => entry.context));
}

/** Returns a value for titles and explanations, with secrets masked; quoted when it has spaces or quotes. */
export function shownValue(name: string, value: string): string {
  const masked = redactValue(name, value);
  return /^[\w.,:/@*+=~-]+$/.test(masked) ? masked : quotedValue(masked);
}

export { sentence };

/** Returns the evidence value of a setting in one context, masked. */
export function evidenceValue(
  name: string,
  value: string | null,
  contextId: string | null,
  source: string | null,
): EvidenceValue {
  return {
    name,
    value: value === null ? null : redactValue(name, value),
    contextId,
    source: source === null ? null : redactText(source),
  };
}

/** Returns the evidence values of a site: one per context, each with the site as its source. */
export function siteValues(site: SettingSite): EvidenceValue[] {
  return site.contexts.map((context) => evidenceValue(site.name, site.value, context.context.id, site.where));
}

/** Returns a file location for evidence, with the line's text (masked) when the file can be read. */
export async function locationOf(facts: FindingFacts, file: string, line: number | null): Promise<EvidenceLocation> {
  if (line === null) return { file, line: null, text: null };
  const opened = await facts.files.read(file);
  const text = opened?.exists ? (opened.text.split('\n')[line - 1] ?? null) : null;
  return { file, line, text: text === null ? null : redactText(text) };
}

/** Returns the location of a site's line, or null for the session and the default. */
export async function siteLocation(facts: FindingFacts, site: SettingSite): Promise<EvidenceLocation | null> {
  if (site.source.layer === 'env-file' || site.source.layer === 'goroot-go.env') {
    return locationOf(facts, site.source.path, site.source.line);
  }
  if (site.origin?.kind === 'startup-line') return locationOf(facts, site.origin.file, site.origin.line);
  return null;
}

/** A Go env file's raw content, parsed the way cmd/go parses it (carriage returns kept). */
export interface RawEnvFile {
  bytes: Buffer;
  parsed: ParsedGoEnvFile;
}

const rawEnvFiles = new WeakMap<FindingFacts, Map<string, Promise<RawEnvFile | null>>>();

/**
 * Reads a Go env file's bytes once per diagnosis. The editor's view normalises line endings and
 * drops a byte order mark, so rules that need the bytes go reads get them here.
 */
export function readRawEnvFile(facts: FindingFacts, file: string): Promise<RawEnvFile | null> {
  let cache = rawEnvFiles.get(facts);
  if (cache === undefined) {
    cache = new Map();
    rawEnvFiles.set(facts, cache);
  }
  let pending = cache.get(file);
  if (pending === undefined) {
    // A named pipe would block the read until something writes to it, so only files are read.
    pending = fs
      .stat(file)
      .then((stat) => (stat.isFile() ? fs.readFile(file) : null))
      .then((bytes) => (bytes === null ? null : { bytes, parsed: parseGoEnvFile(bytes.toString('utf8')) }))
      .catch(() => null);
    cache.set(file, pending);
  }
  return pending;
}

/** Reports whether a line of a Go env file ends with a carriage return that go keeps in the value. */
export async function lineHasCarriageReturn(facts: FindingFacts, file: string, line: number): Promise<boolean> {
  const raw = await readRawEnvFile(facts, file);
  const entry = raw?.parsed.entries.find((candidate) => candidate.line === line);
  return entry?.value.endsWith('\r') ?? false;
}

/** Names the Go env file for people: `~/.config/go/env`. */
export function shownPath(file: string, home: string): string {
  return displayPath(file, home);
}
