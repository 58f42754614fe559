/**
 * The rule about Go settings made only in a startup file that the desktop session never reads,
 * such as ~/.bashrc or ~/.zshrc: terminals get them, apps started from the desktop do not.
 */
import type { Fix } from '../../shared/findings.ts';
import type { Assignment } from '../../shared/provenance.ts';
import type { ScanContext } from '../../shared/scan-report.ts';
import {
  renderAssignment,
  renderPathAppend,
  renderPathPrepend,
  ShellValueError,
} from '../files/managed-block.ts';
import { editFile, isStartupFileName, managedBlockEdit, removeLines, startupFileSyntax } from './fix-edits.ts';
import type { FindingDraft, FindingFacts, Rule } from './rule.ts';
import {
  containsGo,
  contextLabels,
  displayLocation,
  displayPath,
  idsOf,
  isGoEntry,
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

/** One setting made only in a file that desktop sessions never read. */
interface UnreadSetting {
  line: number;
  via: Assignment['via'];
  /** A variable, or null for a PATH entry. */
  name: string | null;
  value: string;
  /** For a PATH entry: whether the line put it before or after the inherited entries. */
  position: 'prepend' | 'append';
}

interface UnreadFile {
  settings: UnreadSetting[];
  contexts: Set<ScanContext>;
}

/** Finds, per home file, the Go settings that desktop-launched programs do not get. */
function findUnreadSettings(facts: FindingFacts): Map<string, UnreadFile> {
  const session = sessionFiles(facts);
  const reader = sessionReader(facts);
  const desktop = probedContexts(facts).find((context) => context.mode === 'desktop');
  const sessionHasGo = !!(desktop?.go?.path || reader?.go?.path);
  const reachesSession = (name: string | null, value: string) =>
    [desktop, reader].some((context) => {
      if (!context) return false;
      return name === null ? pathEntries(context.env).includes(value) : context.env[name] === value;
    });
  const unread = (assignment: Assignment | null | undefined): assignment is Assignment =>
    !!assignment &&
    assignment.location.line !== null &&
    assignment.via !== 'fish-universal' &&
    isHomeFile(assignment.location.file, facts.home) &&
    !session.has(assignment.location.file);

  const byFile = new Map<string, UnreadFile>();
  const record = (file: string, context: ScanContext, setting: UnreadSetting) => {
    const item = byFile.get(file) ?? { settings: [], contexts: new Set<ScanContext>() };
    item.contexts.add(context);
    const known = item.settings.some((other) => other.name === setting.name && other.value === setting.value);
    if (!known) item.settings.push(setting);
    byFile.set(file, item);
  };

  for (const context of probedContexts(facts)) {
    const provenance = context.provenance;
    if (!provenance || context.mode === 'desktop' || context.mode === 'script') continue;
    for (const [name, variable] of Object.entries(provenance.variables)) {
      const winner = variable.winner === null ? null : variable.chain[variable.winner];
      const value = context.env[name];
      if (name === 'PATH' || !unread(winner) || !value || reachesSession(name, value)) continue;
      const { file, line } = winner.location;
      record(file, context, { line: line!, via: winner.via, name, value, position: 'prepend' });
    }
    const firstInherited = provenance.path.findIndex((entry) => entry.addedBy === null);
    for (const entry of provenance.path) {
      const addedBy = entry.addedBy;
      if (!unread(addedBy) || !isGoEntry(context, entry.entry)) continue;
      if (reachesSession(null, entry.entry)) continue;
      // Where the session runs another go, the go-differs rule compares the two.
      if (containsGo(context, entry.entry) && sessionHasGo) continue;
      const position = firstInherited === -1 || entry.index < firstInherited ? 'prepend' : 'append';
      const { file, line } = addedBy.location;
      record(file, context, { line: line!, via: addedBy.via, name: null, value: entry.entry, position });
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
  const entries = settings.filter((setting) => setting.name === null);
  const prepended = entries.filter((setting) => setting.position === 'prepend');
  // Each prepend puts its directory first, so the last one written ends up first.
  for (const setting of [...prepended].reverse()) lines.push(renderPathPrepend('sh', setting.value));
  for (const setting of entries.filter((item) => item.position === 'append')) {
    lines.push(renderPathAppend('sh', setting.value));
  }
  return lines;
}

/** Reports whether every line only sets what the finding moves, so deleting it loses nothing else. */
async function linesAreRemovable(
  facts: FindingFacts,
  file: string,
  settings: UnreadSetting[],
  lineNumbers: number[],
): Promise<boolean> {
  const shell = startupFileSyntax(file, facts.report.contexts);
  for (const line of lineNumbers) {
    const text = await lineText(facts.files, file, line);
    const names = settings.filter((setting) => setting.line === line).map((setting) => setting.name ?? 'PATH');
    for (const name of names) {
      const fishPath = shell === 'fish' && name === 'PATH' && /^\s*fish_add_path\b/.test(text ?? '');
      if (!fishPath && !isSimpleAssignment(text, name, shell)) return false;
    }
  }
  return true;
}

/** Returns the fixes of rc-only: move the lines to ~/.profile, or copy them there. */
async function moveFixes(
  facts: FindingFacts,
  file: string,
  settings: UnreadSetting[],
  reached: ScanContext[],
): Promise<Fix[]> {
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
    contextIds: idsOf(reached),
    description: `Programs get the settings: ${whenProfileReaches(facts, reached)}.`,
  };
  const lineNumbers = [...new Set(settings.map((setting) => setting.line))];
  const fixes: Fix[] = [];
  // A script a startup file sources (a version manager's) belongs to its tool and is not edited.
  if (isStartupFileName(file) && (await linesAreRemovable(facts, file, settings, lineNumbers))) {
    const remove = await editFile(facts.files, file, (text) => removeLines(text, lineNumbers));
    fixes.push({
      id: 'move-to-profile',
      title: `Move the Go lines from ${shown} to ~/.profile`,
      edits: [add, remove],
      command: null,
      effect,
    });
  }
  fixes.push({
    id: 'copy-to-profile',
    title: `Add the Go settings of ${shown} to ~/.profile`,
    edits: [add],
    command: null,
    effect,
  });
  return fixes;
}

const rcOnly: Rule = {
  id: 'rc-only',
  severity: 'warning',
  title: 'Go settings only in a file that desktop-launched programs never read',
  reads: ['contexts', 'provenance', 'startup-files'],
  async check(facts) {
    const drafts: FindingDraft[] = [];
    const unseen = probedContexts(facts).filter(
      (context) => context.mode === 'desktop' || context.mode === 'script',
    );
    for (const [file, { settings, contexts }] of findUnreadSettings(facts)) {
      settings.sort((left, right) => left.line - right.line);
      const shown = displayPath(file, facts.home);
      const lines = [...new Set(settings.map((setting) => setting.line))];
      const names = listWords(
        settings.map((setting) => setting.name ?? `the PATH entry ${setting.value}`),
      );
      const [verb, pronoun] = settings.length === 1 ? ['is', 'it'] : ['are', 'them'];
      const lineWords = lines.length === 1 ? `line ${lines[0]}` : `lines ${listWords(lines.map(String))}`;
      // Lines run by a version manager's init code (an eval, a prompt hook, a script the startup
      // file sources) follow that manager's documentation, which is a choice, not a mistake.
      const fromManager = !isStartupFileName(file) || settings.every((setting) => setting.via !== 'line');
      drafts.push({
        key: shown,
        severity: fromManager ? 'hint' : undefined,
        title: `${names} ${verb} set only in ${shown}`,
        explanation:
          `${names} ${verb} set only in ${shown} (${lineWords}). ${contextLabels([...contexts])} ` +
          `get ${pronoun}, but desktop apps such as VS Code or GoLand started from the menu never ` +
          `read ${shown}, and neither do scripts, cron jobs or other shells, so they do not see ` +
          `${pronoun}. The desktop session reads ~/.profile when you log in, so settings every ` +
          'program should see belong there.',
        evidence: {
          contextIds: [...new Set([...idsOf([...contexts]), ...idsOf(unseen)])],
          values: settings.map((setting) => ({
            name: setting.name ?? 'PATH entry',
            value: setting.value,
            contextId: null,
            source: displayLocation(file, setting.line, facts.home),
          })),
          locations: await Promise.all(lines.map((line) => locationOf(facts.files, file, line))),
        },
        fixes: await moveFixes(facts, file, settings, unseen),
      });
    }
    return drafts;
  },
};

/** The rule about Go settings that only terminals get. */
export const SHELL_RC_ONLY_RULES: Rule[] = [rcOnly];
