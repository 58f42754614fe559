/**
 * The rule about paths that only some programs understand: a literal `~` or a relative entry in
 * PATH, GOPATH or GOBIN.
 */
import path from 'node:path';

import type { Fix } from '../../shared/findings.ts';
import type { Assignment } from '../../shared/provenance.ts';
import type { ScanContext } from '../../shared/scan-report.ts';
import { editFile, replaceLine } from './fix-edits.ts';
import type { FindingDraft, FindingFacts, Rule } from './rule.ts';
import {
  contextLabels,
  displayLocation,
  idsOf,
  isHomeFile,
  lineText,
  locationOf,
  probedContexts,
  winningAssignment,
} from './rules-shell-support.ts';

/**
 * Returns `line` with the `~` of `entry` written as `$HOME`. Inside single quotes, where `$HOME`
 * would stay literal too, the quoted part becomes double-quoted when nothing in it would expand
 * there, and otherwise gets the home folder written out. Null when the line does not contain it.
 */
export function expandTildeInLine(line: string, entry: string, home: string): string | null {
  if (!entry.startsWith('~/') && entry !== '~') return null;
  const index = line.indexOf(entry);
  if (index === -1) return null;
  let quote: string | null = null;
  let opened = -1;
  for (let position = 0; position < index; position++) {
    const character = line[position];
    if (quote === null && (character === '"' || character === "'")) {
      quote = character;
      opened = position;
    } else if (character === quote) quote = null;
  }
  if (quote !== "'") return `${line.slice(0, index)}$HOME${line.slice(index + 1)}`;
  const closed = line.indexOf("'", index);
  const quoted = closed === -1 ? null : line.slice(opened + 1, closed);
  if (quoted === null || /["\\$`!]/.test(quoted)) return `${line.slice(0, index)}${home}${line.slice(index + 1)}`;
  const inside = `${line.slice(opened + 1, index)}$HOME${line.slice(index + 1, closed)}`;
  return `${line.slice(0, opened)}"${inside}"${line.slice(closed + 1)}`;
}

interface UnexpandedEntry {
  name: string;
  entry: string;
  kind: 'tilde' | 'relative';
  assignment: Assignment | null;
  contexts: ScanContext[];
}

/** Finds `~` and relative entries in PATH (from provenance) and in GOPATH and GOBIN. */
function findUnexpandedEntries(facts: FindingFacts): UnexpandedEntry[] {
  const found = new Map<string, UnexpandedEntry>();
  const add = (context: ScanContext, name: string, entry: string, assignment: Assignment | null) => {
    const key = `${name}:${entry}`;
    const kind = entry.startsWith('~') ? 'tilde' : 'relative';
    const item = found.get(key) ?? { name, entry, kind, assignment, contexts: [] };
    item.contexts.push(context);
    item.assignment ??= assignment;
    found.set(key, item);
  };
  for (const context of probedContexts(facts)) {
    for (const entry of context.provenance?.path ?? []) {
      if (entry.problem !== 'tilde' && entry.problem !== 'relative') continue;
      add(context, 'PATH', entry.entry, entry.addedBy);
    }
    for (const name of ['GOPATH', 'GOBIN']) {
      for (const entry of (context.env[name] ?? '').split(':')) {
        if (entry !== '' && !path.isAbsolute(entry)) add(context, name, entry, winningAssignment(context, name));
      }
    }
  }
  return [...found.values()];
}

/** Says what goes wrong with such an entry, in words for the user. */
function consequenceOf(item: UnexpandedEntry): string {
  if (item.name !== 'PATH') {
    const message =
      item.kind === 'tilde'
        ? `${item.name} entry cannot start with shell metacharacter '~'`
        : `${item.name} entry is relative; must be absolute path`;
    return `go refuses to work with it: "${message}".`;
  }
  if (item.kind === 'relative') {
    return (
      'Programs look it up relative to whatever directory they run in, so commands are found ' +
      'in one folder and not in another.'
    );
  }
  return (
    'Only bash looks up commands in it. Every other program, including editors, make and ' +
    'exec.LookPath in Go programs, looks for a folder literally named "~" in its current ' +
    'directory and finds nothing.'
  );
}

/** Returns the fix that writes `$HOME` in place of the `~`, or null when the line cannot be edited. */
async function tildeFix(facts: FindingFacts, item: UnexpandedEntry): Promise<Fix | null> {
  const location = item.assignment?.location;
  if (item.kind !== 'tilde' || !location || location.line === null) return null;
  if (!isHomeFile(location.file, facts.home)) return null;
  const line = location.line;
  const text = await lineText(facts.files, location.file, line);
  const rewritten = text === null ? null : expandTildeInLine(text, item.entry, facts.home);
  if (rewritten === null) return null;
  return {
    id: 'use-home',
    title: `Write $HOME instead of ~ at ${displayLocation(location.file, line, facts.home)}`,
    edits: [await editFile(facts.files, location.file, (current) => replaceLine(current, line, rewritten))],
    command: null,
    effect: {
      contextIds: idsOf(item.contexts),
      description: `${item.name} contains ${path.join(facts.home, item.entry.slice(1))}, which every program understands.`,
    },
  };
}

const unexpandedPath: Rule = {
  id: 'unexpanded-path',
  severity: 'warning',
  title: 'A path has a literal ~ or is relative',
  reads: ['contexts', 'provenance'],
  async check(facts) {
    const drafts: FindingDraft[] = [];
    for (const item of findUnexpandedEntries(facts)) {
      const location = item.assignment?.location;
      const setAt =
        location && location.line !== null ? displayLocation(location.file, location.line, facts.home) : null;
      const tildeNote =
        item.kind === 'tilde'
          ? 'A shell replaces ~ with the home folder only outside quotes, so inside quotes it stays ' +
            'the character ~. '
          : '';
      const fix = await tildeFix(facts, item);
      drafts.push({
        key: `${item.name}:${item.entry}`,
        // go stops on such a GOPATH or GOBIN, while a PATH entry only fails to find commands.
        severity: item.name === 'PATH' ? 'warning' : 'error',
        title: `${item.name} contains ${item.kind === 'tilde' ? 'a literal ~' : 'a relative path'}: ${item.entry}`,
        explanation:
          `${item.name} in ${contextLabels(item.contexts)} contains "${item.entry}"` +
          `${setAt === null ? '' : ` (from ${setAt})`}. ${tildeNote}${consequenceOf(item)}`,
        evidence: {
          contextIds: idsOf(item.contexts),
          values: [{ name: item.name, value: item.entry, contextId: item.contexts[0]!.id, source: setAt }],
          locations: setAt === null ? [] : [await locationOf(facts.files, location!.file, location!.line)],
        },
        fixes: fix === null ? [] : [fix],
      });
    }
    return drafts;
  },
};

/** The rule about unexpanded paths. */
export const SHELL_UNEXPANDED_RULES: Rule[] = [unexpandedPath];
