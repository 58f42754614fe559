/**
 * The rule about Go settings made only in a startup file that the desktop session never reads,
 * such as ~/.bashrc or ~/.zshrc: terminals get them, apps started from the desktop do not.
 */
import type { Fix } from '../../shared/findings.ts';
import type { Assignment } from '../../shared/provenance.ts';
import type { ScanContext } from '../../shared/scan-report.ts';
import { ShellValueError } from '../files/managed-block.ts';
import {
  editFile,
  isStartupFileName,
  managedBlockEdit,
  removeLines,
  renderHomeAssignment,
  renderHomePathEntry,
  startupFileSyntax,
} from './fix-edits.ts';
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
  linesPhrase,
  listWords,
  locationOf,
  pathEntries,
  pathPosition,
  probedContexts,
  profilePath,
  sentence,
  sessionFiles,
  sessionReader,
  verbFor,
  whenProfileReaches,
} from './rules-shell-support.ts';
import {
  isGoReadVariable,
  leftOutEffect,
  leftOutSentences,
  movedPathEntryProblem,
  movedVariableProblem,
  type LeftOut,
} from './rules-value-support.ts';

/** One setting made only in a file that desktop sessions never read. */
interface UnreadSetting {
  line: number;
  via: Assignment['via'];
  /** A variable, or null for a PATH entry. */
  name: string | null;
  value: string;
  /** For a PATH entry: whether the line put it before or after the entries PATH already had. */
  position: 'prepend' | 'append';
  /** The reason a fix must not move the setting (another finding reports it), or null. */
  problem: string | null;
}

interface UnreadFile {
  settings: UnreadSetting[];
  contexts: Set<ScanContext>;
  /** Everything each line sets (`NAME`, or `PATH entry /dir`), so a line is only deleted when all of it moves. */
  lineItems: Map<number, Set<string>>;
}

function itemOf(setting: Pick<UnreadSetting, 'name' | 'value'>): string {
  return setting.name ?? `PATH entry ${setting.value}`;
}

/** Records what every line of the home's unread files sets in a context, Go setting or not. */
function recordLineItems(facts: FindingFacts, context: ScanContext, byFile: Map<string, UnreadFile>): void {
  const provenance = context.provenance!;
  const add = (file: string, line: number | null, item: string) => {
    const entry = byFile.get(file);
    if (!entry || line === null) return;
    entry.lineItems.set(line, (entry.lineItems.get(line) ?? new Set()).add(item));
  };
  for (const [name, variable] of Object.entries(provenance.variables)) {
    if (name === 'PATH') continue;
    for (const assignment of variable.chain) add(assignment.location.file, assignment.location.line, name);
  }
  for (const entry of provenance.path) {
    if (entry.addedBy) add(entry.addedBy.location.file, entry.addedBy.location.line, `PATH entry ${entry.entry}`);
  }
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
    const item: UnreadFile = byFile.get(file) ?? { settings: [], contexts: new Set(), lineItems: new Map() };
    item.contexts.add(context);
    const known = item.settings.some((other) => other.name === setting.name && other.value === setting.value);
    if (!known) item.settings.push(setting);
    byFile.set(file, item);
  };

  const readers: ScanContext[] = [];
  for (const context of probedContexts(facts)) {
    const provenance = context.provenance;
    if (!provenance || context.mode === 'desktop' || context.mode === 'script') continue;
    readers.push(context);
    for (const [name, variable] of Object.entries(provenance.variables)) {
      const winner = variable.winner === null ? null : variable.chain[variable.winner];
      const value = context.env[name];
      if (name === 'PATH' || !isGoReadVariable(name)) continue;
      if (!unread(winner) || !value || reachesSession(name, value)) continue;
      const { file, line } = winner.location;
      const problem = movedVariableProblem(facts, context.id, name, value);
      record(file, context, { line: line!, via: winner.via, name, value, position: 'prepend', problem });
    }
    for (const entry of provenance.path) {
      const addedBy = entry.addedBy;
      if (!unread(addedBy) || !isGoEntry(context, entry.entry)) continue;
      if (reachesSession(null, entry.entry)) continue;
      // Where the session runs another go, the go-differs rule compares the two.
      if (containsGo(context, entry.entry) && sessionHasGo) continue;
      const { file, line } = addedBy.location;
      record(file, context, {
        line: line!,
        via: addedBy.via,
        name: null,
        value: entry.entry,
        position: pathPosition(context, entry),
        problem: movedPathEntryProblem(entry),
      });
    }
  }
  for (const context of readers) recordLineItems(facts, context, byFile);
  return byFile;
}

/** Renders the settings as ~/.profile lines: variables first, then PATH in the original order. */
function profileLines(facts: FindingFacts, settings: UnreadSetting[]): string[] {
  const lines: string[] = [];
  for (const setting of settings) {
    if (setting.name !== null) lines.push(renderHomeAssignment('sh', setting.name, setting.value, facts.home));
  }
  const entries = settings.filter((setting) => setting.name === null);
  const prepended = entries.filter((setting) => setting.position === 'prepend');
  // Each prepend puts its directory first, so the last one written ends up first.
  for (const setting of [...prepended].reverse()) {
    lines.push(renderHomePathEntry('sh', setting.value, 'prepend', facts.home));
  }
  for (const setting of entries.filter((item) => item.position === 'append')) {
    lines.push(renderHomePathEntry('sh', setting.value, 'append', facts.home));
  }
  return lines;
}

/**
 * Reports whether deleting the lines loses nothing: each only sets what the fix moves, and is a
 * plain assignment with no second command on it.
 */
async function linesAreRemovable(
  facts: FindingFacts,
  file: string,
  unreadFile: UnreadFile,
  moved: UnreadSetting[],
  lineNumbers: number[],
): Promise<boolean> {
  const shell = startupFileSyntax(file, facts.report.contexts);
  const movedItems = new Set(moved.map(itemOf));
  for (const line of lineNumbers) {
    const items = unreadFile.lineItems.get(line) ?? new Set<string>();
    if ([...items].some((item) => !movedItems.has(item))) return false;
    const text = await lineText(facts.files, file, line);
    const names = moved.filter((setting) => setting.line === line).map((setting) => setting.name ?? 'PATH');
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
  unreadFile: UnreadFile,
  moved: UnreadSetting[],
  leftOut: LeftOut[],
  reached: ScanContext[],
): Promise<Fix[]> {
  let lines: string[];
  try {
    lines = profileLines(facts, moved);
  } catch (error) {
    if (error instanceof ShellValueError) return [];
    throw error;
  }
  const shown = displayPath(file, facts.home);
  const add = await managedBlockEdit(facts.files, profilePath(facts), 'sh', lines);
  const effect = {
    contextIds: idsOf(reached),
    description: `Programs get the settings: ${whenProfileReaches(facts, reached)}.${leftOutEffect(leftOut, shown)}`,
  };
  const lineNumbers = [...new Set(moved.map((setting) => setting.line))];
  const fixes: Fix[] = [];
  // A script a startup file sources (a version manager's) belongs to its tool and is not edited.
  if (isStartupFileName(file) && (await linesAreRemovable(facts, file, unreadFile, moved, lineNumbers))) {
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
    for (const [file, unreadFile] of findUnreadSettings(facts)) {
      const { settings, contexts } = unreadFile;
      settings.sort((left, right) => left.line - right.line);
      // A value another finding reports is never spread to ~/.profile, because that finding requests a fix or deletion.
      const moved = settings.filter((setting) => setting.problem === null);
      if (moved.length === 0) continue;
      const leftOut: LeftOut[] = settings
        .filter((setting) => setting.problem !== null)
        .map((setting) => ({
          subject: setting.name ?? `the PATH entry ${setting.value}`,
          line: setting.line,
          reason: setting.problem!,
        }));
      const shown = displayPath(file, facts.home);
      const lines = [...new Set(moved.map((setting) => setting.line))];
      const names = listWords(moved.map((setting) => setting.name ?? `the PATH entry ${setting.value}`));
      const [verb, pronoun] = moved.length === 1 ? ['is', 'it'] : ['are', 'them'];
      // Lines run by a version manager's init code (an eval, a prompt hook, a script the startup
      // file sources) follow that manager's documentation, which is a choice, not a mistake.
      const fromManager = !isStartupFileName(file) || moved.every((setting) => setting.via !== 'line');
      const leftOutText = leftOut.length === 0 ? '' : ` ${leftOutSentences(leftOut)}`;
      drafts.push({
        key: shown,
        severity: fromManager ? 'hint' : undefined,
        title: `${sentence(names)} ${verb} set only in ${shown}`,
        explanation:
          `${sentence(names)} ${verb} set only in ${shown} (${linesPhrase(lines)}). ` +
          `${sentence(contextLabels([...contexts]))} ${verbFor([...contexts], 'gets', 'get')} ${pronoun}, but desktop apps such as VS Code or ` +
          `GoLand started from the menu never read ${shown}, and neither do scripts, cron jobs or other ` +
          `shells, so they do not see ${pronoun}. The desktop session reads ~/.profile when you log in, so ` +
          `settings every program should see belong there.${leftOutText}`,
        evidence: {
          contextIds: [...new Set([...idsOf([...contexts]), ...idsOf(unseen)])],
          values: moved.map((setting) => ({
            name: setting.name ?? 'PATH entry',
            value: setting.value,
            contextId: null,
            source: displayLocation(file, setting.line, facts.home),
          })),
          locations: await Promise.all(lines.map((line) => locationOf(facts.files, file, line))),
        },
        fixes: await moveFixes(facts, file, unreadFile, moved, leftOut, unseen),
      });
    }
    return drafts;
  },
};

/** The rule about Go settings that only terminals get. */
export const SHELL_RC_ONLY_RULES: Rule[] = [rcOnly];
