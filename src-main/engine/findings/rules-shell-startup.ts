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
  isSimpleAssignment,
  linesPhrase,
  listWords,
  locationOf,
  pathEntries,
  probedContexts,
  profilePath,
  readsFile,
  sentence,
  sessionReader,
  skipsProfile,
  verbFor,
} from './rules-shell-support.ts';
import {
  isGoReadVariable,
  isGoRoot,
  leftOutEffect,
  leftOutSentences,
  movedPathEntryProblem,
  movedVariableProblem,
  referencedNames,
  referencePattern,
  type LeftOut,
} from './rules-value-support.ts';

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
          `${contextLabels(hidden)} ${verbFor(hidden, 'misses', 'miss')} what ~/.profile sets (${names}, ` +
          `${linesPhrase(assignments.map((assignment) => assignment.line))}), while ` +
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
              description: `${sentence(contextLabels(hidden))} ${verbFor(hidden, 'reads', 'read')} ~/.profile again.`,
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

/** A line below the guard that sets Go settings. */
interface BelowLine {
  /** `GOPATH`, `the PATH entry /x/bin`: the Go settings the line makes. */
  subjects: Set<string>;
  /** The reasons the line must stay where it is, one per setting another finding reports. */
  problems: LeftOut[];
  vias: Set<AssignmentVia>;
  /** Values of variables the line sets, for lines that use them. */
  values: Map<string, string>;
}

/**
 * Finds the lines that set Go settings in ~/.bashrc after `guardEnd`, leaving out values that
 * scripts get anyway from the session.
 */
function linesBelow(
  facts: FindingFacts,
  bashrc: string,
  guardEnd: number,
  readers: ScanContext[],
  script: ScanContext | undefined,
): Map<number, BelowLine> {
  const below = new Map<number, BelowLine>();
  const lineOf = (line: number) => {
    const entry = below.get(line) ?? { subjects: new Set(), problems: [], vias: new Set(), values: new Map() };
    below.set(line, entry);
    return entry;
  };
  const isBelow = (assignment: Assignment | null | undefined): assignment is Assignment => {
    const location = assignment?.location;
    return location?.file === bashrc && location.line !== null && location.line > guardEnd;
  };
  const addProblem = (entry: BelowLine, problem: LeftOut) => {
    if (!entry.problems.some((known) => known.subject === problem.subject)) entry.problems.push(problem);
  };
  for (const context of readers) {
    for (const [name, variable] of Object.entries(context.provenance?.variables ?? {})) {
      if (name === 'PATH' || !isGoReadVariable(name)) continue;
      for (const assignment of variable.chain) {
        if (!isBelow(assignment) || assignment.value === null) continue;
        if (script && script.env[name] === assignment.value) continue;
        const line = assignment.location.line!;
        const entry = lineOf(line);
        entry.subjects.add(name);
        entry.vias.add(assignment.via);
        entry.values.set(name, assignment.value);
        const problem = movedVariableProblem(facts, context.id, name, assignment.value);
        if (problem !== null) addProblem(entry, { subject: name, line, reason: problem });
      }
    }
    for (const pathEntry of context.provenance?.path ?? []) {
      if (!isBelow(pathEntry.addedBy)) continue;
      const line = pathEntry.addedBy.location.line!;
      const entry = lineOf(line);
      const subject = `the PATH entry ${pathEntry.entry}`;
      if (isGoEntry(context, pathEntry.entry) && !(script && pathEntries(script.env).includes(pathEntry.entry))) {
        entry.subjects.add(subject);
        entry.vias.add(pathEntry.addedBy.via);
      }
      // Every entry the line adds moves with it, so one another finding reports keeps the line in place.
      const problem = movedPathEntryProblem(pathEntry);
      if (problem !== null) addProblem(entry, { subject, line, reason: problem });
    }
  }
  for (const [line, entry] of below) if (entry.subjects.size === 0) below.delete(line);
  return below;
}

/** The lines a move above the guard takes, with the values written into them, and those it leaves. */
interface GuardMove {
  moved: Set<number>;
  /** Per moved line, variables replaced by their value because their own line stays below. */
  substitutions: Map<number, { name: string; value: string }[]>;
  leftOut: LeftOut[];
}

const ASSIGNMENT_OF = (name: string) => new RegExp(String.raw`^\s*(?:export\s+)?${name}=`);

/**
 * Works out which lines move above the guard. A moved line may use a variable set on a line below
 * the guard. When that line is a plain assignment nothing reports, it moves along. GOROOT never
 * moves, so its value is written into the moved line instead. Otherwise the line stays below too.
 */
async function planGuardMove(texts: string[], guardEnd: number, below: Map<number, BelowLine>): Promise<GuardMove> {
  const moved = new Set<number>();
  const leftOut: LeftOut[] = [];
  for (const [line, entry] of below) {
    if (entry.problems.length === 0) moved.add(line);
    else leftOut.push(...entry.problems);
  }
  const substitutions = new Map<number, { name: string; value: string }[]>();
  let changed = true;
  while (changed) {
    changed = false;
    for (const line of [...moved].sort((left, right) => left - right)) {
      for (const name of referencedNames(texts[line - 1] ?? '')) {
        if (name === 'PATH' || name === 'HOME') continue;
        let source = -1;
        for (let index = line - 1; index > guardEnd; index--) {
          if (ASSIGNMENT_OF(name).test(texts[index - 1] ?? '')) {
            source = index;
            break;
          }
        }
        if (source === -1 || moved.has(source)) continue;
        const sourceEntry = below.get(source);
        const value = sourceEntry?.values.get(name);
        const onlyGoroot = sourceEntry?.problems.every((problem) => problem.subject === 'GOROOT') ?? false;
        if (name === 'GOROOT' && onlyGoroot && value !== undefined && (await isGoRoot(value))) {
          const list = substitutions.get(line) ?? [];
          if (!list.some((item) => item.name === name)) list.push({ name, value });
          substitutions.set(line, list);
          continue;
        }
        if (sourceEntry === undefined && isSimpleAssignment(texts[source - 1] ?? null, name, 'bash')) {
          moved.add(source);
          changed = true;
          continue;
        }
        moved.delete(line);
        substitutions.delete(line);
        const subjects = [...(below.get(line)?.subjects ?? [])];
        for (const subject of subjects) {
          leftOut.push({ subject, line, reason: `the line uses ${name} from line ${source}, which stays below` });
        }
        changed = true;
        break;
      }
    }
  }
  return { moved, substitutions, leftOut };
}

/** Returns the 1-based line a moved line goes before: the guard, or the comment lines right above it. */
function insertionLine(texts: string[], guardStart: number): number {
  let line = guardStart;
  while (line > 1 && /^\s*#/.test(texts[line - 2] ?? '')) line--;
  return line;
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
    const below = linesBelow(facts, bashrc, guard.end, readers, script);
    const texts = opened.text.split('\n');
    // A value another finding reports never moves above the guard, because that finding requests a fix or deletion.
    const plan = await planGuardMove(texts, guard.end, below);
    const lines = [...plan.moved].filter((line) => below.has(line)).sort((left, right) => left - right);
    if (lines.length === 0) return [];
    const vias = new Set(lines.flatMap((line) => [...below.get(line)!.vias]));
    // A version manager activated for interactive shells (an eval or prompt hook, as mise and
    // goenv document it) is meant to stay below the guard.
    const fromManager = !vias.has('line');

    const names = [...new Set(lines.flatMap((line) => [...below.get(line)!.subjects]))];
    const [verb, pronoun] = names.length === 1 ? ['is', 'it'] : ['are', 'them'];
    const guardWords =
      guard.start === guard.end ? `line ${guard.start} stops` : `lines ${guard.start}-${guard.end} stop`;
    const movedLines = [...plan.moved].sort((left, right) => left - right);
    const movedText = movedLines
      .map((line) => {
        let text = texts[line - 1]!;
        for (const { name, value } of plan.substitutions.get(line) ?? []) {
          text = text.replace(referencePattern(name), value);
        }
        return text;
      })
      .join('\n');
    const before = insertionLine(texts, guard.start);
    // The moved lines are all below the guard, so removing them leaves the insertion line where it is.
    const edit = await editFile(facts.files, bashrc, (text) =>
      insertAfterLine(removeLines(text, movedLines), before - 1, movedText),
    );
    const locations = await Promise.all(
      [guard.start, ...lines].map((line) => locationOf(facts.files, bashrc, line)),
    );
    const leftOut = plan.leftOut
      .filter((item, index) => plan.leftOut.findIndex((other) => other.subject === item.subject) === index)
      .sort((left, right) => left.line - right.line);
    const leftOutText = leftOut.length === 0 ? '' : ` ${leftOutSentences(leftOut)}`;
    const draft: FindingDraft = {
      key: '~/.bashrc',
      severity: fromManager ? 'hint' : undefined,
      title: `${sentence(listWords(names))} ${verb} set below the early return for non-interactive shells in ~/.bashrc`,
      explanation:
        `~/.bashrc ${guardWords} reading the file when the shell is not interactive, and ` +
        `${listWords(names)} ${verb} set after that (${linesPhrase(lines)}). Terminals get ${pronoun}, but ` +
        'commands run over ssh (ssh host go build), IDE tasks and CI steps that start bash ' +
        `without a terminal do not.${leftOutText}`,
      evidence: { contextIds: idsOf(readers), values: [], locations },
      fixes: [
        {
          id: 'move-above-guard',
          title: `Move ${movedLines.length === 1 ? 'the line' : 'the lines'} above the early return in ~/.bashrc`,
          edits: [edit],
          command: null,
          effect: {
            contextIds: idsOf(readers),
            description:
              'bash started without a terminal (ssh commands, IDE tasks) reads the lines before it stops.' +
              leftOutEffect(leftOut, 'place'),
          },
        },
      ],
    };
    return [draft];
  },
};

/** The rules about the order startup files are read in. */
export const SHELL_STARTUP_RULES: Rule[] = [bashProfileHidesProfile, belowInteractiveGuard];
