/**
 * Rules about variables that exist in a shell but not where go looks: a variable assigned without
 * export, and a fish universal variable that only fish sessions load.
 */
import type { EvidenceValue, Fix } from '../../shared/findings.ts';
import type { Assignment } from '../../shared/provenance.ts';
import type { ScanContext } from '../../shared/scan-report.ts';
import type { ShellName } from '../files/managed-block.ts';
import { editFile, removeLines, replaceLine, startupFileSyntax } from './fix-edits.ts';
import type { FindingDraft, FindingFacts, Rule } from './rule.ts';
import {
  contextLabels,
  displayLocation,
  displayPath,
  idsOf,
  isHomeFile,
  isSimpleAssignment,
  lineText,
  locationOf,
  probedContexts,
  sessionFiles,
} from './rules-shell-support.ts';
import { isGoReadVariable, movedVariableProblem } from './rules-value-support.ts';

/** Rewrites a line that sets a variable without exporting it into one that exports it; null when unsure. */
function exportedLine(text: string, name: string, shell: ShellName): string | null {
  if (!isSimpleAssignment(text, name, shell)) return null;
  if (shell === 'fish') {
    const match = /^(\s*set\s+)((?:-[a-zA-Z]+\s+)*)(.*)$/.exec(text);
    if (!match) return null;
    const flags = match[2]!.trim();
    const merged = flags === '' ? '-gx' : flags.includes('x') ? flags : `${flags}x`;
    return `${match[1]}${merged} ${match[3]}`;
  }
  if (/^\s*export\s/.test(text)) return null;
  const indent = /^\s*/.exec(text)![0];
  return `${indent}export ${text.trimStart()}`;
}

/** Returns the Go env file of the contexts when it can be written: it exists or can be created. */
function writableEnvFile(facts: FindingFacts, contexts: ScanContext[]): string | null {
  const states = facts.contexts
    .filter((item) => contexts.includes(item.context))
    .map((item) => item.layers?.envFile);
  const usable = states.find((state) => state?.path && (state.status === 'read' || state.status === 'missing'));
  return usable?.path ?? null;
}

/**
 * Returns the fix that moves a Go setting from a startup file the desktop session never reads
 * into the Go env file (the file `go env -w` writes), which go reads in every context. Null when
 * the session reads the file anyway, the variable is not a Go setting, or the line does more
 * than set it.
 */
async function moveToEnvFileFix(
  facts: FindingFacts,
  name: string,
  assignment: Assignment,
  contexts: ScanContext[],
  simpleLine: boolean,
): Promise<Fix | null> {
  const { file, line } = assignment.location;
  const value = assignment.value;
  if (!simpleLine || line === null || value === null || /[\n\r]/.test(value)) return null;
  if (sessionFiles(facts).has(file)) return null;
  if (contexts.some((context) => context.go?.env?.[name] === undefined)) return null;
  const envFile = writableEnvFile(facts, contexts);
  if (envFile === null) return null;
  const opened = await facts.files.read(envFile);
  if (opened === null || opened.writeBlock !== null) return null;

  // The Go env file keeps the last line for a key, so earlier lines for it go and one new line ends it.
  const kept = opened.text
    .replace(/\n$/, '')
    .split('\n')
    .filter((text) => text !== '' && !text.startsWith(`${name}=`));
  const envFileText = [...kept, `${name}=${value}`].join('\n') + '\n';
  return {
    id: 'move-to-env-file',
    title:
      `Move ${name} from ${displayLocation(file, line, facts.home)} to the Go env file ` +
      displayPath(envFile, facts.home),
    edits: [
      await editFile(facts.files, file, (text) => removeLines(text, [line])),
      await editFile(facts.files, envFile, () => envFileText),
    ],
    command: null,
    effect: {
      contextIds: idsOf(contexts),
      description:
        `go uses ${name}=${value} in every context, including apps started from the desktop, ` +
        `as \`go env -w ${name}=…\` would set it.`,
    },
  };
}

/** Returns the fixes of a variable set without export: move it to the Go env file, or export it. */
async function notExportedFixes(
  facts: FindingFacts,
  name: string,
  assignment: Assignment,
  contexts: ScanContext[],
): Promise<Fix[]> {
  const { file, line } = assignment.location;
  if (line === null || !isHomeFile(file, facts.home)) return [];
  const shell = startupFileSyntax(file, facts.report.contexts);
  const text = await lineText(facts.files, file, line);
  const fixes: Fix[] = [];
  const simple = isSimpleAssignment(text, name, shell);
  const move = await moveToEnvFileFix(facts, name, assignment, contexts, simple);
  if (move !== null) fixes.push(move);
  const rewritten = text === null ? null : exportedLine(text, name, shell);
  if (rewritten !== null) {
    fixes.push({
      id: 'export',
      title: `Export ${name} at ${displayLocation(file, line, facts.home)}`,
      edits: [await editFile(facts.files, file, (current) => replaceLine(current, line, rewritten))],
      command: null,
      effect: {
        contextIds: idsOf(contexts),
        description: `go and other programs started in ${contextLabels(contexts)} see ${name}.`,
      },
    });
  }
  return fixes;
}

const notExported: Rule = {
  id: 'not-exported',
  severity: 'warning',
  title: 'A variable go reads is set but not exported',
  reads: ['contexts', 'provenance', 'startup-files'],
  async check(facts) {
    const byName = new Map<string, { assignment: Assignment; contexts: ScanContext[] }>();
    for (const context of probedContexts(facts)) {
      for (const [name, variable] of Object.entries(context.provenance?.variables ?? {})) {
        const last = variable.chain[variable.chain.length - 1];
        // A plain shell variable that only builds other values is meant to stay in the shell.
        if (!variable.notExported || !last || last.value === null || !isGoReadVariable(name)) continue;
        // Exporting or moving a value another finding reports (GO111MODULE=off, GOPATH=~/go) would
        // spread it, so such a variable is better left unexported.
        if (movedVariableProblem(facts, context.id, name, last.value) !== null) continue;
        const item = byName.get(name) ?? { assignment: last, contexts: [] };
        item.contexts.push(context);
        byName.set(name, item);
      }
    }
    const drafts: FindingDraft[] = [];
    for (const [name, { assignment, contexts }] of byName) {
      const { file, line } = assignment.location;
      const where = displayLocation(file, line, facts.home);
      const goValue = contexts.map((context) => context.go?.env?.[name]).find((value) => value !== undefined);
      const values: EvidenceValue[] = [{ name, value: assignment.value, contextId: contexts[0]!.id, source: where }];
      if (goValue !== undefined) {
        values.push({ name: `go env ${name}`, value: goValue, contextId: contexts[0]!.id, source: null });
      }
      const instead = goValue === undefined ? '.' : `, so go uses ${goValue === '' ? 'an empty value' : goValue} instead.`;
      drafts.push({
        key: name,
        title: `${name} is set at ${where} but not exported, so go never sees it`,
        explanation:
          `${where} sets ${name} without export. That makes a variable of the shell only: ` +
          `\`echo $${name}\` shows it, but programs started from ${contextLabels(contexts)}, go ` +
          `included, do not receive it${instead}`,
        evidence: {
          contextIds: idsOf(contexts),
          values,
          locations: line === null ? [] : [await locationOf(facts.files, file, line)],
        },
        fixes: await notExportedFixes(facts, name, assignment, contexts),
      });
    }
    return drafts;
  },
};

/** Returns the fixes of a fish universal variable: delete its line, or erase it from fish. */
async function universalFixes(
  facts: FindingFacts,
  name: string,
  assignment: Assignment,
  contexts: ScanContext[],
): Promise<Fix[]> {
  const { file, line } = assignment.location;
  const fixes: Fix[] = [];
  const text = await lineText(facts.files, file, line);
  const setsName = text !== null && new RegExp(String.raw`^SET(?:UVAR|_EXPORT)?\s.*\b${name}:`).test(text);
  if (line !== null && isHomeFile(file, facts.home) && setsName) {
    fixes.push({
      id: 'remove-universal',
      title: `Delete the ${name} line from ${displayPath(file, facts.home)}`,
      edits: [await editFile(facts.files, file, (current) => removeLines(current, [line]))],
      command: null,
      effect: {
        contextIds: idsOf(contexts),
        description:
          `New fish sessions no longer set ${name}. Close open fish sessions first, because ` +
          'a running fish can write its universal variables back.',
      },
    });
  }
  fixes.push({
    id: 'erase-universal',
    title: `Erase the universal variable in fish: set -Ue ${name}`,
    edits: [],
    command: `set -Ue ${name}`,
    effect: {
      contextIds: idsOf(contexts),
      description: `Every fish session, open or new, stops setting ${name}.`,
    },
  });
  return fixes;
}

const fishUniversal: Rule = {
  id: 'fish-universal',
  severity: 'warning',
  title: 'A fish universal variable sets a Go variable',
  reads: ['contexts', 'provenance', 'startup-files'],
  async check(facts) {
    const desktop = probedContexts(facts).find((context) => context.mode === 'desktop');
    const byName = new Map<string, { assignment: Assignment; value: string; contexts: ScanContext[] }>();
    for (const context of probedContexts(facts)) {
      for (const [name, variable] of Object.entries(context.provenance?.variables ?? {})) {
        const winner = variable.winner === null ? null : variable.chain[variable.winner];
        const value = context.env[name];
        if (name === 'PATH' || winner?.via !== 'fish-universal' || value === undefined) continue;
        const item = byName.get(name) ?? { assignment: winner, value, contexts: [] };
        item.contexts.push(context);
        byName.set(name, item);
      }
    }
    const drafts: FindingDraft[] = [];
    for (const [name, { assignment, value, contexts }] of byName) {
      const { file, line } = assignment.location;
      const where = displayLocation(file, line, facts.home);
      // A universal value that the desktop has too does no harm beyond being hidden.
      const differs = desktop === undefined || desktop.env[name] !== value;
      const values: EvidenceValue[] = [{ name, value, contextId: contexts[0]!.id, source: where }];
      if (desktop) values.push({ name, value: desktop.env[name] ?? null, contextId: desktop.id, source: null });
      const consequence = differs ? `, so go behaves differently in fish (${contextLabels(contexts)})` : '';
      drafts.push({
        key: name,
        severity: differs ? undefined : 'hint',
        title: `${name}=${value} is a fish universal variable that no startup file sets`,
        explanation:
          `${name} is stored as a fish universal variable at ${where}, put there once by ` +
          '`set -U` or `set -Ux`. Every fish session loads it, whatever config.fish says, so it ' +
          'comes back after its line in config.fish is deleted. Other shells and desktop apps ' +
          `never see it${consequence}.`,
        evidence: {
          contextIds: idsOf(contexts),
          values,
          locations: line === null ? [] : [await locationOf(facts.files, file, line)],
        },
        fixes: await universalFixes(facts, name, assignment, contexts),
      });
    }
    return drafts;
  },
};

/** The rules about variables the shell has but go does not see everywhere. */
export const SHELL_EXPORT_RULES: Rule[] = [notExported, fishUniversal];
