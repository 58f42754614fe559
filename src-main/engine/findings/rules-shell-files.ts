/**
 * Rules about where and how startup files set things: Go settings only in files desktop apps
 * never read, a ~/.bash_profile that hides ~/.profile, exports below the early return for
 * non-interactive shells, variables set without export, and fish universal variables.
 */
import path from 'node:path';

import type { EvidenceLocation, EvidenceValue, Fix } from '../../shared/findings.ts';
import type { Assignment } from '../../shared/provenance.ts';
import type { ScanContext } from '../../shared/scan-report.ts';
import { renderAssignment, renderPathAppend, renderPathPrepend, ShellValueError } from '../files/managed-block.ts';
import { editFile, insertAfterLine, managedBlockEdit, removeLines, replaceLine, startupFileSyntax } from './fix-edits.ts';
import type { FindingDraft, FindingFacts, Rule } from './rule.ts';
import { skipsProfile } from './rules-shell-go.ts';
import {
  contextLabels,
  displayLocation,
  displayPath,
  goDirectory,
  installDirectory,
  isHomeFile,
  isSimpleAssignment,
  lineText,
  listWords,
  locationOf,
  pathEntries,
  probedContexts,
  profilePath,
  sessionFiles,
  sessionReader,
  whenProfileReaches,
} from './rules-shell-support.ts';

/** Reports whether a PATH entry matters to Go in a context: it holds go or the programs go install writes. */
function isGoEntry(context: ScanContext, entry: string): boolean {
  if (entry === goDirectory(context) || entry === installDirectory(context)) return true;
  return (context.go?.candidates ?? []).some((candidate) => path.dirname(candidate.path) === entry);
}

/** One setting made only in a file that desktop sessions never read. */
interface UnreadSetting {
  line: number;
  via: Assignment['via'];
  /** A variable, or null for a PATH entry. */
  name: string | null;
  value: string;
  /** For PATH entries: whether the line put it before or after the inherited entries. */
  position: 'prepend' | 'append';
}

/** Finds, per home file, the Go settings that desktop-launched programs do not get. */
function findUnreadSettings(facts: FindingFacts): Map<string, { settings: UnreadSetting[]; contexts: Set<ScanContext> }> {
  const session = sessionFiles(facts);
  const reader = sessionReader(facts);
  const desktop = probedContexts(facts).find((context) => context.mode === 'desktop');
  const reachesSession = (name: string | null, value: string) => {
    for (const context of [desktop, reader]) {
      if (!context) continue;
      if (name === null ? pathEntries(context.env).includes(value) : context.env[name] === value) return true;
    }
    return false;
  };
  const byFile = new Map<string, { settings: UnreadSetting[]; contexts: Set<ScanContext> }>();
  const record = (file: string, context: ScanContext, setting: UnreadSetting) => {
    const item = byFile.get(file) ?? { settings: [], contexts: new Set<ScanContext>() };
    item.contexts.add(context);
    if (!item.settings.some((known) => known.name === setting.name && known.value === setting.value)) item.settings.push(setting);
    byFile.set(file, item);
  };
  const unread = (assignment: Assignment | null | undefined): assignment is Assignment =>
    !!assignment &&
    assignment.location.line !== null &&
    assignment.via !== 'fish-universal' &&
    isHomeFile(assignment.location.file, facts.home) &&
    !session.has(assignment.location.file);

  for (const context of probedContexts(facts)) {
    const provenance = context.provenance;
    if (!provenance || context.mode === 'desktop' || context.mode === 'script') continue;
    for (const [name, variable] of Object.entries(provenance.variables)) {
      const winner = variable.winner === null ? null : variable.chain[variable.winner];
      const value = context.env[name];
      if (name === 'PATH' || !unread(winner) || !value || reachesSession(name, value)) continue;
      record(winner.location.file, context, { line: winner.location.line!, via: winner.via, name, value, position: 'prepend' });
    }
    const firstInherited = provenance.path.findIndex((entry) => entry.addedBy === null);
    for (const entry of provenance.path) {
      if (!unread(entry.addedBy) || !isGoEntry(context, entry.entry) || reachesSession(null, entry.entry)) continue;
      const position = firstInherited === -1 || entry.index < firstInherited ? 'prepend' : 'append';
      record(entry.addedBy.location.file, context, { line: entry.addedBy.location.line!, via: entry.addedBy.via, name: null, value: entry.entry, position });
    }
  }
  return byFile;
}

/** Renders the settings as ~/.profile lines: variables first, then PATH in the original order. */
function profileLines(settings: UnreadSetting[]): string[] {
  const lines: string[] = [];
  for (const setting of settings) {
    if (setting.name !== null) lines.push(renderAssignment('sh', setting.name, setting.value));
  }
  const prepended = settings.filter((setting) => setting.name === null && setting.position === 'prepend');
  // Each prepend puts its directory first, so the last one written ends up first.
  for (const setting of [...prepended].reverse()) lines.push(renderPathPrepend('sh', setting.value));
  for (const setting of settings.filter((item) => item.name === null && item.position === 'append')) {
    lines.push(renderPathAppend('sh', setting.value));
  }
  return lines;
}

const rcOnly: Rule = {
  id: 'rc-only',
  severity: 'warning',
  title: 'Go settings only in a file that desktop-launched programs never read',
  reads: ['contexts', 'provenance', 'startup-files'],
  async check(facts) {
    const drafts: FindingDraft[] = [];
    const desktopAndScripts = probedContexts(facts).filter((context) => context.mode === 'desktop' || context.mode === 'script');
    for (const [file, { settings, contexts }] of findUnreadSettings(facts)) {
      settings.sort((left, right) => left.line - right.line);
      const shown = displayPath(file, facts.home);
      const lines = [...new Set(settings.map((setting) => setting.line))];
      const names = settings.map((setting) => (setting.name === null ? `the PATH entry ${setting.value}` : setting.name));
      const lineWords = lines.length === 1 ? `line ${lines[0]}` : `lines ${listWords(lines.map(String))}`;
      // Lines written by a version manager's init script are what its documentation asks for.
      const fromManager = settings.every((setting) => setting.via !== 'line');
      const fixes = await moveFixes(facts, file, settings, desktopAndScripts);
      drafts.push({
        key: shown,
        severity: fromManager ? 'hint' : undefined,
        title: `${listWords(names)} ${names.length === 1 ? 'is' : 'are'} set only in ${shown}`,
        explanation:
          `${listWords(names)} ${names.length === 1 ? 'is' : 'are'} set only in ${shown} (${lineWords}). ` +
          `${contextLabels([...contexts])} get ${names.length === 1 ? 'it' : 'them'}, but desktop apps such as VS Code or ` +
          `GoLand started from the menu never read ${shown}, and neither do scripts, cron jobs or login shells of other shells, so ` +
          `they do not see ${names.length === 1 ? 'it' : 'them'}. The desktop session reads ~/.profile when you log in, so ` +
          'settings every program should see belong there.',
        evidence: {
          contextIds: [...new Set([...[...contexts].map((context) => context.id), ...desktopAndScripts.map((context) => context.id)])],
          values: settings.map((setting) => ({
            name: setting.name ?? 'PATH entry',
            value: setting.value,
            contextId: null,
            source: displayLocation(file, setting.line, facts.home),
          })),
          locations: await Promise.all(lines.map((line) => locationOf(facts.files, file, line))),
        },
        fixes,
      });
    }
    return drafts;
  },
};

/** The fixes of rc-only: move the lines to ~/.profile, or copy them there. */
async function moveFixes(facts: FindingFacts, file: string, settings: UnreadSetting[], reached: ScanContext[]): Promise<Fix[]> {
  let lines: string[];
  try {
    lines = profileLines(settings);
  } catch (error) {
    if (error instanceof ShellValueError) return [];
    throw error;
  }
  const shown = displayPath(file, facts.home);
  const add = await managedBlockEdit(facts.files, profilePath(facts), 'sh', lines);
  const effect = {
    contextIds: reached.map((context) => context.id),
    description: `Programs get the settings in ${whenProfileReaches(facts, reached)}.`,
  };
  const shell = startupFileSyntax(file, facts.report.contexts);
  const lineNumbers = [...new Set(settings.map((setting) => setting.line))];
  const texts = await Promise.all(lineNumbers.map((line) => lineText(facts.files, file, line)));
  const removable = lineNumbers.every((line, index) => {
    const text = texts[index] ?? null;
    const names = settings.filter((setting) => setting.line === line).map((setting) => setting.name ?? 'PATH');
    return names.every((name) => isSimpleAssignment(text, name, shell) || (shell === 'fish' && name === 'PATH' && /^\s*fish_add_path\b/.test(text ?? '')));
  });
  const fixes: Fix[] = [];
  if (removable) {
    fixes.push({
      id: 'move-to-profile',
      title: `Move the Go lines from ${shown} to ~/.profile`,
      edits: [add, await editFile(facts.files, file, (text) => removeLines(text, lineNumbers))],
      command: null,
      effect,
    });
  }
  fixes.push({ id: 'copy-to-profile', title: `Add the Go settings of ${shown} to ~/.profile`, edits: [add], command: null, effect });
  return fixes;
}

const bashProfileHidesProfile: Rule = {
  id: 'bash-profile-hides-profile',
  severity: 'warning',
  title: '~/.bash_profile keeps bash login shells from reading ~/.profile',
  reads: ['contexts', 'provenance', 'startup-files'],
  async check(facts) {
    const profile = profilePath(facts);
    const hidden = probedContexts(facts).filter((context) => skipsProfile(facts, context));
    if (hidden.length === 0) return [];
    const instead = hidden[0]!.startupFiles.find((file) => file.status === 'read' && isHomeFile(file.path, facts.home))?.path;
    if (!instead) return [];
    const lines = await profileAssignments(facts);
    if (lines.length === 0) return [];

    const shownInstead = displayPath(instead, facts.home);
    const locations: EvidenceLocation[] = [
      { file: instead, line: null, text: null },
      ...(await Promise.all(lines.map((line) => locationOf(facts.files, profile, line.line)))),
    ];
    const shell = startupFileSyntax(instead, facts.report.contexts);
    const edit = await managedBlockEdit(facts.files, instead, shell, ['[ -f "$HOME/.profile" ] && . "$HOME/.profile"']);
    const names = [...new Set(lines.flatMap((line) => line.names))];
    return [
      {
        key: shownInstead,
        title: `${shownInstead} exists, so bash login shells skip ~/.profile and its ${listWords(names)}`,
        explanation:
          `A bash login shell reads only the first of ~/.bash_profile, ~/.bash_login and ~/.profile that exists. ` +
          `${shownInstead} exists and does not read ~/.profile, so ${contextLabels(hidden)} miss what ~/.profile sets ` +
          `(${listWords(names)}, lines ${listWords(lines.map((line) => String(line.line)))}), while other shells and the ` +
          'desktop session still get it. Installers often create ~/.bash_profile without knowing about ~/.profile.',
        evidence: {
          contextIds: hidden.map((context) => context.id),
          values: [],
          locations,
        },
        fixes: [
          {
            id: 'source-profile',
            title: `Make ${shownInstead} read ~/.profile`,
            edits: [edit],
            command: null,
            effect: { contextIds: hidden.map((context) => context.id), description: `${contextLabels(hidden)} read ~/.profile again.` },
          },
        ],
      },
    ];
  },
};

/** The lines of ~/.profile that set variables, from a context that read it, or read from the file. */
async function profileAssignments(facts: FindingFacts): Promise<{ line: number; names: string[] }[]> {
  const profile = profilePath(facts);
  const byLine = new Map<number, Set<string>>();
  const reader = sessionReader(facts);
  if (reader?.provenance) {
    for (const [name, variable] of Object.entries(reader.provenance.variables)) {
      for (const assignment of variable.chain) {
        if (assignment.location.file !== profile || assignment.location.line === null) continue;
        byLine.set(assignment.location.line, (byLine.get(assignment.location.line) ?? new Set()).add(name));
      }
    }
  } else {
    const opened = await facts.files.read(profile);
    opened?.text.split('\n').forEach((text, index) => {
      const match = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)=/.exec(text);
      if (match) byLine.set(index + 1, new Set([match[1]!]));
    });
  }
  return [...byLine.entries()].sort(([left], [right]) => left - right).map(([line, names]) => ({ line, names: [...names] }));
}

/** Guards that end ~/.bashrc early for non-interactive shells, written on one line. */
const ONE_LINE_GUARDS = [
  /^\s*\[\[?\s*"?\$-"?\s*!=\s*\*i\*\s*\]\]?\s*&&\s*return\b/,
  /^\s*\[\[?\s*"?\$-"?\s*==?\s*\*i\*\s*\]\]?\s*\|\|\s*return\b/,
  /^\s*\[\[?\s*-z\s*"?\$PS1"?\s*\]\]?\s*&&\s*return\b/,
  /^\s*if\s+\[\[?\s*"?\$-"?\s*!=\s*\*i\*\s*\]\]?\s*;\s*then\s+return\b.*\bfi\b/,
  /^\s*case\s+"?\$-"?\s+in\b.*\breturn\b.*\besac\b/,
];

/** Finds the early return for non-interactive shells: its first and last line, 1-based, or null. */
export function findInteractiveGuard(text: string): { start: number; end: number } | null {
  const lines = text.split('\n');
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index]!;
    if (ONE_LINE_GUARDS.some((pattern) => pattern.test(line))) return { start: index + 1, end: index + 1 };
    if (/^\s*case\s+"?\$-"?\s+in\s*$/.test(line)) {
      const end = lines.findIndex((later, laterIndex) => laterIndex > index && /^\s*esac\b/.test(later));
      if (end === -1) continue;
      const body = lines.slice(index + 1, end).join('\n');
      if (/\*i\*/.test(body) && /\breturn\b/.test(body)) return { start: index + 1, end: end + 1 };
    }
  }
  return null;
}

const belowInteractiveGuard: Rule = {
  id: 'below-interactive-guard',
  severity: 'warning',
  title: 'Go settings below the early return for non-interactive shells',
  reads: ['contexts', 'provenance', 'startup-files'],
  async check(facts) {
    const bashrc = path.join(facts.home, '.bashrc');
    const opened = await facts.files.read(bashrc);
    if (!opened?.exists) return [];
    const guard = findInteractiveGuard(opened.text);
    if (guard === null) return [];
    const script = probedContexts(facts).find((context) => context.mode === 'script');
    const readers = probedContexts(facts).filter((context) => context.startupFiles.some((file) => file.path === bashrc && file.status === 'read'));

    const below = new Map<number, string[]>();
    for (const context of readers) {
      for (const [name, variable] of Object.entries(context.provenance?.variables ?? {})) {
        if (name === 'PATH') continue;
        for (const assignment of variable.chain) {
          const line = assignment.location.line;
          if (assignment.location.file !== bashrc || line === null || line <= guard.end) continue;
          if (script && assignment.value !== null && script.env[name] === assignment.value) continue;
          below.set(line, [...new Set([...(below.get(line) ?? []), name])]);
        }
      }
      for (const entry of context.provenance?.path ?? []) {
        const line = entry.addedBy?.location.line ?? null;
        if (entry.addedBy?.location.file !== bashrc || line === null || line <= guard.end) continue;
        if (!isGoEntry(context, entry.entry) || (script && pathEntries(script.env).includes(entry.entry))) continue;
        below.set(line, [...new Set([...(below.get(line) ?? []), `the PATH entry ${entry.entry}`])]);
      }
    }
    if (below.size === 0) return [];

    const lines = [...below.keys()].sort((left, right) => left - right);
    const names = [...new Set(lines.flatMap((line) => below.get(line)!))];
    const texts = opened.text.split('\n');
    const moved = lines.map((line) => texts[line - 1]!);
    const edit = await editFile(facts.files, bashrc, (text) => insertAfterLine(removeLines(text, lines), guard.start - 1, moved.join('\n')));
    return [
      {
        key: '~/.bashrc',
        title: `${listWords(names)} ${names.length === 1 ? 'is' : 'are'} set below the early return for non-interactive shells in ~/.bashrc`,
        explanation:
          `~/.bashrc ${guard.start === guard.end ? `line ${guard.start}` : `lines ${guard.start}-${guard.end}`} stops reading the file ` +
          `when the shell is not interactive, and ${listWords(names)} ${names.length === 1 ? 'is' : 'are'} set after that ` +
          `(${lines.length === 1 ? `line ${lines[0]}` : `lines ${listWords(lines.map(String))}`}). Terminals get ${names.length === 1 ? 'it' : 'them'}, but ` +
          'commands run over ssh (ssh host go build), IDE tasks and CI steps that start bash without a terminal do not.',
        evidence: {
          contextIds: readers.map((context) => context.id),
          values: [],
          locations: await Promise.all([guard.start, ...lines].map((line) => locationOf(facts.files, bashrc, line))),
        },
        fixes: [
          {
            id: 'move-above-guard',
            title: `Move ${lines.length === 1 ? 'the line' : 'the lines'} above the early return in ~/.bashrc`,
            edits: [edit],
            command: null,
            effect: {
              contextIds: readers.map((context) => context.id),
              description: 'bash started without a terminal (ssh commands, IDE tasks) reads the lines before it stops.',
            },
          },
        ],
      },
    ];
  },
};

/** Rewrites a line that sets a variable without exporting it into one that exports it; null when unsure. */
function exportedLine(text: string, name: string, shell: ReturnType<typeof startupFileSyntax>): string | null {
  if (!isSimpleAssignment(text, name, shell)) return null;
  if (shell === 'fish') {
    const match = /^(\s*set\s+)((?:-[a-zA-Z]+\s+)*)(.*)$/.exec(text);
    if (!match) return null;
    const flags = match[2]!.trim();
    const merged = flags === '' ? '-gx' : flags.includes('x') ? flags : `${flags}x`;
    return `${match[1]}${merged} ${match[3]}`;
  }
  const indent = /^\s*/.exec(text)![0];
  return /^\s*export\s/.test(text) ? null : `${indent}export ${text.trimStart()}`;
}

/**
 * Builds the fix that moves a Go setting from a startup file that the desktop session never
 * reads into the Go env file (the file `go env -w` writes), which go reads in every context.
 * Null when the file is read by the session anyway, the variable is not a Go setting, or the
 * line does more than set it.
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
  if (sessionFiles(facts).has(file) || contexts.some((context) => context.go?.env?.[name] === undefined)) return null;
  const envFile = facts.contexts
    .filter((item) => contexts.includes(item.context))
    .map((item) => item.layers?.envFile)
    .find((state) => state?.path && (state.status === 'read' || state.status === 'missing'))?.path;
  if (!envFile) return null;
  const opened = await facts.files.read(envFile);
  if (opened === null || opened.writeBlock !== null) return null;
  const kept = opened.text.split('\n').filter((text) => !text.startsWith(`${name}=`));
  const nextEnvFile = [...kept.filter((text, index) => text !== '' || index < kept.length - 1), `${name}=${value}`].join('\n') + '\n';
  return {
    id: 'move-to-env-file',
    title: `Move ${name} from ${displayLocation(file, line, facts.home)} to the Go env file ${displayPath(envFile, facts.home)}`,
    edits: [
      await editFile(facts.files, file, (text) => removeLines(text, [line])),
      await editFile(facts.files, envFile, () => nextEnvFile),
    ],
    command: null,
    effect: {
      contextIds: contexts.map((context) => context.id),
      description: `go uses ${name}=${value} in every context, including apps started from the desktop, as \`go env -w ${name}=…\` would set it.`,
    },
  };
}

const notExported: Rule = {
  id: 'not-exported',
  severity: 'warning',
  title: 'a variable is set but not exported',
  reads: ['contexts', 'provenance', 'startup-files'],
  async check(facts) {
    const byName = new Map<string, { assignment: Assignment; contexts: ScanContext[] }>();
    for (const context of probedContexts(facts)) {
      for (const [name, variable] of Object.entries(context.provenance?.variables ?? {})) {
        const last = variable.chain[variable.chain.length - 1];
        if (!variable.notExported || !last || last.value === null) continue;
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
      const fixes: Fix[] = [];
      if (line !== null && isHomeFile(file, facts.home)) {
        const shell = startupFileSyntax(file, facts.report.contexts);
        const text = await lineText(facts.files, file, line);
        const move = await moveToEnvFileFix(facts, name, assignment, contexts, isSimpleAssignment(text, name, shell));
        if (move !== null) fixes.push(move);
        const rewritten = text === null ? null : exportedLine(text, name, shell);
        if (rewritten !== null) {
          fixes.push({
            id: 'export',
            title: `Export ${name} at ${where}`,
            edits: [await editFile(facts.files, file, (current) => replaceLine(current, line, rewritten))],
            command: null,
            effect: { contextIds: contexts.map((context) => context.id), description: `go and other programs started in ${contextLabels(contexts)} see ${name}.` },
          });
        }
      }
      drafts.push({
        key: name,
        title: `${name} is set at ${where} but not exported, so go never sees it`,
        explanation:
          `${where} sets ${name} without export. That makes a variable of the shell only: \`echo $${name}\` shows it, but ` +
          `programs started from ${contextLabels(contexts)}, go included, do not receive it` +
          (goValue !== undefined ? `, so go uses ${goValue === '' ? 'an empty value' : goValue} instead.` : '.'),
        evidence: {
          contextIds: contexts.map((context) => context.id),
          values: [
            { name, value: assignment.value, contextId: contexts[0]!.id, source: where },
            ...(goValue !== undefined ? [{ name: `go env ${name}`, value: goValue, contextId: contexts[0]!.id, source: null }] : []),
          ],
          locations: line === null ? [] : [await locationOf(facts.files, file, line)],
        },
        fixes,
      });
    }
    return drafts;
  },
};

const fishUniversal: Rule = {
  id: 'fish-universal',
  severity: 'warning',
  title: 'a fish universal variable sets a Go variable',
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
      const shown = displayPath(file, facts.home);
      const differs = desktop === undefined || desktop.env[name] !== value;
      const fixes: Fix[] = [];
      const text = await lineText(facts.files, file, line);
      if (line !== null && isHomeFile(file, facts.home) && text !== null && new RegExp(String.raw`^SET(?:UVAR|_EXPORT)?\s.*\b${name}:`).test(text)) {
        fixes.push({
          id: 'remove-universal',
          title: `Delete the ${name} line from ${shown}`,
          edits: [await editFile(facts.files, file, (current) => removeLines(current, [line]))],
          command: null,
          effect: {
            contextIds: contexts.map((context) => context.id),
            description: `New fish sessions no longer set ${name}. Close open fish sessions first, because fish writes its universal variables back.`,
          },
        });
      }
      fixes.push({
        id: 'erase-universal',
        title: `Erase the universal variable in fish: set -Ue ${name}`,
        edits: [],
        command: `set -Ue ${name}`,
        effect: { contextIds: contexts.map((context) => context.id), description: `Every fish session, open or new, stops setting ${name}.` },
      });
      const values: EvidenceValue[] = [{ name, value, contextId: contexts[0]!.id, source: displayLocation(file, line, facts.home) }];
      if (desktop) values.push({ name, value: desktop.env[name] ?? null, contextId: desktop.id, source: null });
      drafts.push({
        key: name,
        severity: differs ? undefined : 'hint',
        title: `${name}=${value} is a fish universal variable that no startup file sets`,
        explanation:
          `${name} is stored as a fish universal variable in ${shown}${line === null ? '' : ` (line ${line})`}, put there once by ` +
          `\`set -U\` or \`set -Ux\`. Every fish session loads it, whatever config.fish says, so it comes back after the ` +
          `line in config.fish is deleted. Other shells and desktop apps never see it${differs ? `, so go behaves differently in fish (${contextLabels(contexts)})` : ''}.`,
        evidence: {
          contextIds: contexts.map((context) => context.id),
          values,
          locations: line === null ? [] : [await locationOf(facts.files, file, line)],
        },
        fixes,
      });
    }
    return drafts;
  },
};

/** The rules about where and how startup files set things. */
export const SHELL_FILE_RULES: Rule[] = [rcOnly, bashProfileHidesProfile, belowInteractiveGuard, notExported, fishUniversal];
