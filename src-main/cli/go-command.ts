/**
 * `go-env-lens go [--project DIR] [--json]`: per context, which `go` is on PATH, the GOROOT it
 * uses and why, and the toolchain that really runs after GOTOOLCHAIN switching, in DIR when given.
 * Nothing is run or downloaded to find out.
 */
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';

import { resolveProjectToolchains } from '../engine/go/resolve-contexts.ts';
import type { GoLayersReport } from '../shared/go-layers.ts';
import { describeSettingSource } from '../shared/go-setting-source.ts';
import type { ToolchainResolution } from '../shared/go-toolchain-resolution.ts';
import type { ScanContext } from '../shared/scan-report.ts';
import type { ScanCommandOptions } from './main.ts';
import { scanWithProgress } from './progress-line.ts';

export interface GoCommandOptions extends ScanCommandOptions {
  project: string | null;
  json: boolean;
}

/** Prints the toolchain truth of every context and returns the exit code. */
export async function runGoCommand(options: GoCommandOptions): Promise<number> {
  const project = options.project === null ? null : path.resolve(options.project);
  if (project !== null && !(existsSync(project) && statSync(project).isDirectory())) {
    process.stderr.write(`go-env-lens: --project ${JSON.stringify(options.project)} is not a directory\n`);
    return 2;
  }
  const report = await scanWithProgress(options);
  const view = await resolveProjectToolchains(report.contexts, project);
  const results = report.contexts.map((context, index) => ({ context, ...view.contexts[index]! }));
  if (options.json) {
    process.stdout.write(`${JSON.stringify(view, null, 2)}\n`);
  } else {
    process.stdout.write(formatGoReport(results, report.host.home, project));
  }
  return report.contexts.some((context) => context.ok) ? 0 : 2;
}

/** Formats the toolchain truth of each context as text. */
export function formatGoReport(
  results: {
    context: ScanContext;
    resolution: ToolchainResolution | null;
    layers: GoLayersReport | null;
    layersError: string | null;
  }[],
  home: string,
  project: string | null,
): string {
  // Paths appear inside sentences here, so every occurrence of the home directory is shortened,
  // and control characters (a CR from a CRLF Go env file) are shown as escapes.
  const short = (text: string) => visible(home && home !== '/' ? text.replaceAll(`${home}/`, '~/') : text);
  const lines: string[] = [project === null ? 'Go in each context (from /):' : `Go in each context, in ${short(project)}:`, ''];
  for (const { context, resolution, layers, layersError } of results) {
    lines.push(`${context.label} [${context.id}]`);
    if (!resolution) {
      lines.push(`  could not be probed: ${context.error?.message ?? 'unknown error'}`, '');
      continue;
    }
    const binary = resolution.binary;
    if (!binary) {
      lines.push('  no go on PATH', '');
      continue;
    }
    const real = binary.realPath !== binary.path ? ` -> ${short(binary.realPath)}` : '';
    lines.push(`  go on PATH: ${short(binary.path)}${real} (${binary.version ?? 'version unknown'})`);
    if (resolution.goroot) lines.push(`  GOROOT: ${short(resolution.goroot.explanation)}`);
    if (resolution.project?.deciding) {
      const deciding = resolution.project.deciding;
      const at = deciding.toolchainLine ?? deciding.goLine;
      lines.push(`  project file: ${short(deciding.file)}${at === null ? '' : `:${at}`}`);
    }
    if (resolution.selection) {
      const selection = resolution.selection;
      lines.push(`  runs: ${selection.chosen ?? 'nothing'} (${short(selection.reason)})`);
      if (selection.error) lines.push(`  error: ${short(selection.error)}`);
      if (selection.moduleError) lines.push(`  module commands fail: ${short(selection.moduleError)}`);
    }
    const threeWay = resolution.threeWay;
    lines.push(
      `  binary / go version / go env GOROOT: ${short(threeWay.binaryOnPath ?? '-')} / ` +
        `${threeWay.goVersion ?? '-'} / ${short(threeWay.goEnvGoroot ?? '-')}`,
    );
    for (const explanation of threeWay.explanations) lines.push(`    ${short(explanation)}`);
    for (const note of resolution.notes) lines.push(`  note: ${short(note)}`);
    if (layers) lines.push(...formatLayers(layers, context, short));
    if (layersError) lines.push(`  Go settings: ${short(layersError)}`);
    lines.push('');
  }
  return `${lines.join('\n')}\n`;
}

/** Lists the Go settings that do not come from Go's defaults, what they hide, and what is wrong. */
function formatLayers(layers: GoLayersReport, context: ScanContext, short: (text: string) => string): string[] {
  const lines: string[] = [];
  const set = layers.variables.filter((variable) => variable.source.layer !== 'default');
  if (set.length > 0) {
    lines.push('  Go settings not left at their defaults:');
    for (const variable of set) {
      const origin = variable.source.layer === 'environment' ? shellOrigin(context, variable.name) : null;
      const source = short(describeSettingSource(variable.source)) + (origin ? `, set by ${short(origin)}` : '');
      const stored = variable.storedValue === undefined ? '' : ` (set to ${JSON.stringify(short(variable.storedValue))})`;
      lines.push(`    ${variable.name}=${short(variable.value)}${stored}  (${source})`);
    }
  }
  for (const hidden of layers.shadowed) {
    lines.push(`  shadowed: ${hidden.name}=${short(hidden.value)} in ${short(describeSettingSource(hidden.source))}: ${short(hidden.explanation)}`);
  }
  for (const finding of layers.findings.filter((candidate) => candidate.severity !== 'info')) {
    const where = finding.path ? `${short(finding.path)}${finding.line === null ? '' : `:${finding.line}`}: ` : '';
    lines.push(`  ${finding.severity}: ${where}${short(finding.reason)}`);
  }
  if (layers.goEnv.outcome === 'fails') lines.push(`  go env fails: ${short(layers.goEnv.message)}`);
  return lines;
}

/** Finds the startup file line that gave a context's environment variable its value, as "FILE:LINE". */
function shellOrigin(context: ScanContext, name: string): string | null {
  const story = context.provenance?.variables[name];
  const winner = story && story.winner !== null ? story.chain[story.winner] : null;
  if (!winner || winner.location.file === '') return null;
  return `${winner.location.file}${winner.location.line === null ? '' : `:${winner.location.line}`}`;
}

/** Shows control characters as escapes (`\r`, `\x1b`), so a terminal does not act on them. */
function visible(text: string): string {
  return text.replace(/[\x00-\x08\x0b-\x1f\x7f]/g, (char) =>
    char === '\r' ? '\\r' : `\\x${char.charCodeAt(0).toString(16).padStart(2, '0')}`,
  );
}
