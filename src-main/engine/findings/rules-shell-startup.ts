/**
 * Rules about the order startup files are read in: a ~/.bash_profile that keeps bash login shells
 * from reading ~/.profile, and Go settings below the line of ~/.bashrc that returns early when
 * the shell is not interactive.
 */
import path from 'node:path';

import type { EvidenceLocation } from '../../shared/findings.ts';
import type { Assignment, AssignmentVia } from '../../shared/provenance.ts';
import type { ScanContext } from '../../shared/scan-report.ts';
import { editFile, insertAfterLine, managedBlockEdit, removeLines, startupFileSyntax } from './fix-edits.ts';
import type { FindingDraft, FindingFacts, Rule } from './rule.ts';
import {
  contextLabels,
  displayPath,
  firstHomeFile,
  idsOf,
  isGoEntry,
  listWords,
  locationOf,
  pathEntries,
  probedContexts,
  profilePath,
  readsFile,
  sessionReader,
  skipsProfile,
} from './rules-shell-support.ts';

/** The line that makes a bash login file read ~/.profile, as the bash manual suggests. */
const SOURCE_PROFILE = '[ -f "$HOME/.profile" ] && . "$HOME/.profile"';

/** Returns the lines of ~/.profile that set variables, from a context that read it, or from the file. */
async function profileAssignments(facts: FindingFacts): Promise<{ line: number; names: string[] }[]> {
  const profile = profilePath(facts);
  const byLine = new Map<number, Set<string>>();
  const reader = sessionReader(facts);
  if (reader?.provenance) {
    for (const [name, variable] of Object.entries(reader.provenance.variables)) {
      for (const { location } of variable.chain) {
        if (location.file !== profile || location.line === null) continue;
        byLine.set(location.line, (byLine.get(location.line) ?? new Set()).add(name));
      }
    }
  } else {
    // No context read ~/.profile, so its assignments are read from the text.
    const opened = await facts.files.read(profile);
    opened?.text.split('\n').forEach((text, index) => {
      const match = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)=/.exec(text);
      if (match) byLine.set(index + 1, new Set([match[1]!]));
    });
  }
  return [...byLine.entries()]
    .sort(([left], [right]) => left - right)
    .map(([line, names]) => ({ line, names: [...names] }));
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
    const instead = firstHomeFile(facts, hidden[0]!);
    if (instead === null) return [];
    const assignments = await profileAssignments(facts);
    if (assignments.length === 0) return [];

    const shown = displayPath(instead, facts.home);
    const names = listWords([...new Set(assignments.flatMap((assignment) => assignment.names))]);
    const lines = listWords(assignments.map((assignment) => String(assignment.line)));
    const locations: EvidenceLocation[] = [{ file: instead, line: null, text: null }];
    for (const { line } of assignments) locations.push(await locationOf(facts.files, profile, line));
    const shell = startupFileSyntax(instead, facts.report.contexts);
    const edit = await managedBlockEdit(facts.files, instead, shell, [SOURCE_PROFILE]);
    return [
      {
        key: shown,
        title: `${shown} exists, so bash login shells skip ~/.profile and its ${names}`,
        explanation:
          'A bash login shell reads only the first of ~/.bash_profile, ~/.bash_login and ' +
          `~/.profile that exists. ${shown} exists and does not read ~/.profile, so ` +
          `${contextLabels(hidden)} miss what ~/.profile sets (${names}, lines ${lines}), while ` +
          'other shells and the desktop session still get it. Installers often create ' +
          '~/.bash_profile without knowing about ~/.profile.',
        evidence: { contextIds: idsOf(hidden), values: [], locations },
        fixes: [
          {
            id: 'source-profile',
            title: `Make ${shown} read ~/.profile`,
            edits: [edit],
            command: null,
            effect: {
              contextIds: idsOf(hidden),
              description: `${contextLabels(hidden)} read ~/.profile again.`,
            },
          },
        ],
      },
    ];
  },
};

/** Lines that end ~/.bashrc early for non-interactive shells, written on one line. */
const ONE_LINE_GUARDS = [
  /^\s*\[\[?\s*"?\$-"?\s*!=\s*\*i\*\s*\]\]?\s*&&\s*return\b/,
  /^\s*\[\[?\s*"?\$-"?\s*==?\s*\*i\*\s*\]\]?\s*\|\|\s*return\b/,
  /^\s*\[\[?\s*-z\s*"?\$PS1"?\s*\]\]?\s*&&\s*return\b/,
  /^\s*if\s+\[\[?\s*"?\$-"?\s*!=\s*\*i\*\s*\]\]?\s*;\s*then\s+return\b.*\bfi\b/,
  /^\s*case\s+"?\$-"?\s+in\b.*\breturn\b.*\besac\b/,
];

/** Finds the early return for non-interactive shells: its first and last line (1-based), or null. */
export function findInteractiveGuard(text: string): { start: number; end: number } | null {
  const lines = text.split('\n');
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index]!;
    if (ONE_LINE_GUARDS.some((pattern) => pattern.test(line))) return { start: index + 1, end: index + 1 };
    if (!/^\s*case\s+"?\$-"?\s+in\s*$/.test(line)) continue;
    const end = lines.findIndex((later, laterIndex) => laterIndex > index && /^\s*esac\b/.test(later));
    if (end === -1) continue;
    const body = lines.slice(index + 1, end).join('\n');
    if (/\*i\*/.test(body) && /\breturn\b/.test(body)) return { start: index + 1, end: end + 1 };
  }
  return null;
}

/**
 * Finds the Go settings that ~/.bashrc makes after `guardEnd`, keyed by line, leaving out values
 * that scripts get anyway from the session.
 */
function settingsBelow(
  bashrc: string,
  guardEnd: number,
  readers: ScanContext[],
  script: ScanContext | undefined,
): { below: Map<number, string[]>; vias: Set<AssignmentVia> } {
  const below = new Map<number, string[]>();
  const vias = new Set<AssignmentVia>();
  const add = (assignment: Assignment, name: string) => {
    const line = assignment.location.line!;
    below.set(line, [...new Set([...(below.get(line) ?? []), name])]);
    vias.add(assignment.via);
  };
  const isBelow = (assignment: Assignment | null | undefined): assignment is Assignment => {
    const location = assignment?.location;
    return location?.file === bashrc && location.line !== null && location.line > guardEnd;
  };
  for (const context of readers) {
    for (const [name, variable] of Object.entries(context.provenance?.variables ?? {})) {
      if (name === 'PATH') continue;
      for (const assignment of variable.chain) {
        if (!isBelow(assignment)) continue;
        if (script && assignment.value !== null && script.env[name] === assignment.value) continue;
        add(assignment, name);
      }
    }
    for (const entry of context.provenance?.path ?? []) {
      if (!isBelow(entry.addedBy) || !isGoEntry(context, entry.entry)) continue;
      if (script && pathEntries(script.env).includes(entry.entry)) continue;
      add(entry.addedBy, `the PATH entry ${entry.entry}`);
    }
  }
  return { below, vias };
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
    const probed = probedContexts(facts);
    const readers = probed.filter((context) => readsFile(context, bashrc));
    const script = probed.find((context) => context.mode === 'script');
    const { below, vias } = settingsBelow(bashrc, guard.end, readers, script);
    if (below.size === 0) return [];
    // A version manager activated for interactive shells (an eval or prompt hook, as mise and
    // goenv document it) is meant to stay below the guard.
    const fromManager = !vias.has('line');

    const lines = [...below.keys()].sort((left, right) => left - right);
    const names = [...new Set(lines.flatMap((line) => below.get(line)!))];
    const [verb, pronoun] = names.length === 1 ? ['is', 'it'] : ['are', 'them'];
    const guardWords = guard.start === guard.end ? `line ${guard.start}` : `lines ${guard.start}-${guard.end}`;
    const lineWords = lines.length === 1 ? `line ${lines[0]}` : `lines ${listWords(lines.map(String))}`;
    const texts = opened.text.split('\n');
    const moved = lines.map((line) => texts[line - 1]!).join('\n');
    // The moved lines are all below the guard, so removing them leaves the guard's line number as it is.
    const edit = await editFile(facts.files, bashrc, (text) =>
      insertAfterLine(removeLines(text, lines), guard.start - 1, moved),
    );
    const locations = await Promise.all(
      [guard.start, ...lines].map((line) => locationOf(facts.files, bashrc, line)),
    );
    const draft: FindingDraft = {
      key: '~/.bashrc',
      severity: fromManager ? 'hint' : undefined,
      title: `${listWords(names)} ${verb} set below the early return for non-interactive shells in ~/.bashrc`,
      explanation:
        `~/.bashrc ${guardWords} stops reading the file when the shell is not interactive, and ` +
        `${listWords(names)} ${verb} set after that (${lineWords}). Terminals get ${pronoun}, but ` +
        'commands run over ssh (ssh host go build), IDE tasks and CI steps that start bash ' +
        'without a terminal do not.',
      evidence: { contextIds: idsOf(readers), values: [], locations },
      fixes: [
        {
          id: 'move-above-guard',
          title: `Move ${lines.length === 1 ? 'the line' : 'the lines'} above the early return in ~/.bashrc`,
          edits: [edit],
          command: null,
          effect: {
            contextIds: idsOf(readers),
            description: 'bash started without a terminal (ssh commands, IDE tasks) reads the lines before it stops.',
          },
        },
      ],
    };
    return [draft];
  },
};

/** The rules about the order startup files are read in. */
export const SHELL_STARTUP_RULES: Rule[] = [bashProfileHidesProfile, belowInteractiveGuard];
