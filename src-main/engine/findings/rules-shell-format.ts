/**
 * Rules about the bytes of startup files and values: Windows line endings, byte order marks and
 * invisible characters, PATH entries that are duplicated or missing, and startup files so slow
 * that every terminal and editor launch waits for them.
 */
import { promises as fs } from 'node:fs';

import type { EvidenceLocation, EvidenceValue, Fix } from '../../shared/findings.ts';
import type { ScanContext } from '../../shared/scan-report.ts';
import { ShellValueError } from '../files/managed-block.ts';
import { editFile, renderHomeAssignment, replaceLine, startupFileSyntax } from './fix-edits.ts';
import type { FindingDraft, FindingFacts, Rule } from './rule.ts';
import {
  contextLabels,
  displayLocation,
  displayPath,
  idsOf,
  isHomeFile,
  isSimpleAssignment,
  lineText,
  linesPhrase,
  listedLabel,
  listWords,
  locationOf,
  probedContexts,
  quotedValue,
  winningAssignment,
} from './rules-shell-support.ts';
import {
  characterProblems,
  INVISIBLE,
  INVISIBLE_ALL,
  isGoReadVariable,
  referencedNames,
  type CharacterProblem,
} from './rules-value-support.ts';

/** At most this many lines with a Windows line ending are listed as evidence; the rest are counted. */
const MAX_LINE_ENDING_LOCATIONS = 3;
/** At most this many lines with a lone carriage return or invisible characters are listed as evidence. */
const MAX_CHARACTER_LOCATIONS = 10;

/** The lines of a file's raw bytes that end in `\r\n`, and those with a carriage return elsewhere. */
interface CarriageReturns {
  /** 1-based numbers of the lines with a Windows line ending. */
  lineEndings: number[];
  /** 1-based numbers of the lines with a carriage return that does not end the line. */
  inside: number[];
  /** The number of lines in the file. */
  lineCount: number;
}

/** Finds the carriage returns of a file in its raw bytes, which the editor's text no longer has. */
async function findCarriageReturns(file: string): Promise<CarriageReturns> {
  const none = { lineEndings: [], inside: [], lineCount: 0 };
  // A named pipe would block the read until something writes to it.
  const stat = await fs.stat(file).catch(() => null);
  if (!stat?.isFile()) return none;
  const bytes = await fs.readFile(file).catch(() => null);
  if (bytes === null) return none;
  const raw = bytes.toString('latin1');
  const lines = raw.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  const found: CarriageReturns = { lineEndings: [], inside: [], lineCount: lines.length };
  lines.forEach((line, index) => {
    if (line.endsWith('\r')) found.lineEndings.push(index + 1);
    if (line.replace(/\r+$/, '').includes('\r')) found.inside.push(index + 1);
  });
  return found;
}

/** Returns the home startup files some context read, once each, in the order first read. */
function readHomeFiles(facts: FindingFacts): { file: string; contexts: ScanContext[] }[] {
  const byFile = new Map<string, ScanContext[]>();
  for (const context of probedContexts(facts)) {
    for (const startup of context.startupFiles) {
      if (startup.status !== 'read' || !isHomeFile(startup.path, facts.home)) continue;
      byFile.set(startup.path, [...(byFile.get(startup.path) ?? []), context]);
    }
  }
  return [...byFile.entries()].map(([file, contexts]) => ({ file, contexts }));
}

const fileFormat: Rule = {
  id: 'file-format',
  severity: 'error',
  title: 'A startup file has Windows line endings, carriage returns, a byte order mark or invisible characters',
  reads: ['startup-files', 'file-system'],
  async check(facts) {
    const drafts: FindingDraft[] = [];
    for (const { file, contexts } of readHomeFiles(facts)) {
      const opened = await facts.files.read(file);
      if (!opened?.exists) continue;
      const lines = opened.text.split('\n');
      const carriageReturns = await findCarriageReturns(opened.realPath);
      const { lineEndings, inside } = carriageReturns;
      const invisible = lines.flatMap((line, index) => (INVISIBLE.test(line) ? [index + 1] : []));
      if (lineEndings.length === 0 && inside.length === 0 && !opened.format.bom && invisible.length === 0) continue;

      const problems: string[] = [];
      if (lineEndings.length > 0) {
        const [count, verb] = lineEndings.length === 1 ? ['1', 'ends'] : [String(lineEndings.length), 'end'];
        const ending = lineEndings.length === 1 ? 'a Windows line ending' : 'Windows line endings';
        problems.push(
          `${count} of its ${carriageReturns.lineCount} lines ${verb} with ${ending} ` +
            '(CR LF). The shell keeps the CR as part of each value, so a PATH entry such as ' +
            '"/usr/local/go/bin\\r" names a directory that does not exist, and GOPATH ends in an ' +
            'invisible character',
        );
      }
      if (inside.length > 0) {
        problems.push(
          `${linesPhrase(inside)} ${inside.length === 1 ? 'contains' : 'contain'} a carriage return (CR) ` +
            'inside the line, which the shell keeps in the value it sets there',
        );
      }
      if (opened.format.bom) {
        problems.push(
          'it starts with a byte order mark, which the shell reads as part of the first ' +
            'command, so that command fails',
        );
      }
      if (invisible.length > 0) {
        problems.push(
          'it contains invisible characters (zero-width or no-break spaces), which end up ' +
            'inside names and values',
        );
      }
      const shown = displayPath(file, facts.home);
      const evidenceLines = [
        ...lineEndings.slice(0, MAX_LINE_ENDING_LOCATIONS),
        ...[...new Set([...inside, ...invisible])].slice(0, MAX_CHARACTER_LOCATIONS),
      ];
      const listed = [...new Set(evidenceLines)].sort((a, b) => a - b);
      if (listed.length === 0) listed.push(1);
      const locations: EvidenceLocation[] = await Promise.all(
        listed.map((line) => locationOf(facts.files, file, line)),
      );
      const values: EvidenceValue[] = [];
      if (lineEndings.length > MAX_LINE_ENDING_LOCATIONS) {
        values.push({
          name: 'lines with Windows line endings',
          value: `${lineEndings.length} of ${carriageReturns.lineCount}, the first ${MAX_LINE_ENDING_LOCATIONS} listed`,
          contextId: null,
          source: shown,
        });
      }

      // A carriage return has no use in a startup file, so every one goes, not only those ending lines.
      const edit = await editFile(facts.files, file, (text) =>
        text.replace(/\r/g, '').replace(/\u00A0/g, ' ').replace(INVISIBLE_ALL, ''),
      );
      if (opened.format.lineEnding !== 'lf') edit.lineEnding = 'lf';
      if (opened.format.bom) edit.bom = false;
      const fix: Fix = {
        id: 'normalize',
        title: `Rewrite ${shown} with Unix line endings and without invisible characters`,
        edits: [edit],
        command: null,
        effect: { contextIds: idsOf(contexts), description: `The shells read every line of ${shown} as written.` },
      };
      const kinds: string[] = [];
      if (lineEndings.length === 1) kinds.push('a Windows line ending');
      if (lineEndings.length > 1) kinds.push('Windows line endings');
      if (inside.length === 1) kinds.push('a carriage return');
      if (inside.length > 1) kinds.push('carriage returns');
      if (opened.format.bom) kinds.push('a byte order mark');
      if (invisible.length > 0) kinds.push('invisible characters');
      drafts.push({
        key: shown,
        // Line endings, carriage returns and a byte order mark break commands, while invisible characters change values.
        severity: lineEndings.length > 0 || inside.length > 0 || opened.format.bom ? 'error' : 'warning',
        title: `${shown} has ${listWords(kinds)}`,
        explanation:
          `${shown} is read by ${contextLabels(contexts)}, but ${problems.join('. Also, ')}. This ` +
          'happens when a file is edited with a Windows editor or copied from a web page.',
        evidence: { contextIds: idsOf(contexts), values, locations },
        fixes: [fix],
      });
    }
    return drafts;
  },
};

/** A value of one variable or PATH entry, and the line that set it. */
interface SourcedValue {
  name: string;
  value: string;
  file: string | null;
  line: number | null;
}

/** Returns the Go variables and PATH entries of a context with the line that set each. */
function sourcedValues(context: ScanContext): SourcedValue[] {
  const values: SourcedValue[] = [];
  for (const name of Object.keys(context.provenance?.variables ?? {})) {
    const value = context.env[name];
    if (name === 'PATH' || value === undefined) continue;
    const location = winningAssignment(context, name)?.location;
    values.push({ name, value, file: location?.file ?? null, line: location?.line ?? null });
  }
  for (const entry of context.provenance?.path ?? []) {
    const location = entry.addedBy?.location;
    values.push({ name: 'PATH', value: entry.entry, file: location?.file ?? null, line: location?.line ?? null });
  }
  return values;
}

/** Returns the kinds of character problems that a file's format finding explains and its fix removes. */
async function formatExplains(facts: FindingFacts, file: string): Promise<Set<CharacterProblem['kind']>> {
  const explained = new Set<CharacterProblem['kind']>();
  const opened = await facts.files.read(file);
  if (opened === null || !opened.exists) return explained;
  const { lineEnding } = opened.format;
  if (lineEnding !== 'lf' || opened.text.includes('\r')) explained.add('carriage-return');
  if (INVISIBLE.test(opened.text)) explained.add('invisible');
  return explained;
}

/** Returns where a value was set, for evidence: `~/.profile:2`, or null when it was inherited. */
function sourceOf(facts: FindingFacts, value: SourcedValue): string | null {
  return value.file === null ? null : displayLocation(value.file, value.line, facts.home);
}

/** Returns where a value was set, in words. */
function sourceWords(facts: FindingFacts, value: SourcedValue, verb: string): string {
  if (value.file === null) return 'inherited from the session';
  return `${verb} at ${displayLocation(value.file, value.line, facts.home)}`;
}

async function sourceLocations(facts: FindingFacts, value: SourcedValue): Promise<EvidenceLocation[]> {
  if (value.file === null || value.line === null) return [];
  return [await locationOf(facts.files, value.file, value.line)];
}

/** Returns a value without carriage returns, invisible characters and surrounding spaces. */
function cleanedValue(value: string): string {
  return value.replace(/\r/g, '').replace(/\u00A0/g, ' ').replace(INVISIBLE_ALL, '').trim();
}

/**
 * Returns the fix that writes the variable's line again with the cleaned value, or null when the
 * line is not a plain assignment in a home file or builds its value from other variables.
 */
async function cleanValueFix(facts: FindingFacts, item: SourcedValue, contexts: ScanContext[]): Promise<Fix | null> {
  if (item.name === 'PATH' || item.file === null || item.line === null || !isHomeFile(item.file, facts.home)) {
    return null;
  }
  const { file, line } = item;
  const shell = startupFileSyntax(file, facts.report.contexts);
  const text = await lineText(facts.files, file, line);
  if (text === null || !isSimpleAssignment(text, item.name, shell)) return null;
  if (referencedNames(text).some((name) => name !== 'HOME')) return null;
  const cleaned = cleanedValue(item.value);
  let rendered: string;
  try {
    rendered = `${/^\s*/.exec(text)![0]}${renderHomeAssignment(shell, item.name, cleaned, facts.home)}`;
  } catch (error) {
    if (error instanceof ShellValueError) return null;
    throw error;
  }
  return {
    id: 'clean-value',
    title: `Write ${item.name} without the stray characters at ${displayLocation(file, line, facts.home)}`,
    edits: [await editFile(facts.files, file, (current) => replaceLine(current, line, rendered))],
    command: null,
    effect: {
      contextIds: idsOf(contexts),
      description: `${item.name} is ${quotedValue(cleaned)} in ${contextLabels(contexts)}.`,
    },
  };
}

const valueCharacters: Rule = {
  id: 'value-characters',
  severity: 'warning',
  title: 'A Go variable or PATH entry contains a carriage return, a stray space or an invisible character',
  reads: ['contexts', 'provenance'],
  async check(facts) {
    type Found = SourcedValue & { problems: CharacterProblem[]; contexts: ScanContext[] };
    const found = new Map<string, Found>();
    // A carriage return or invisible character from a file that has them is that file's finding,
    // whose fix removes them. Any other problem of the value is reported here. Every context's
    // source counts, because a context probed without a trace may not name the file.
    const explained = new Map<string, Set<CharacterProblem['kind']>>();
    for (const context of probedContexts(facts)) {
      for (const candidate of sourcedValues(context)) {
        if (candidate.name !== 'PATH' && !isGoReadVariable(candidate.name)) continue;
        const problems = characterProblems(candidate.value);
        if (problems.length === 0) continue;
        const key = `${candidate.name}:${JSON.stringify(candidate.value)}`;
        if (candidate.file !== null) {
          const kinds = explained.get(key) ?? new Set();
          for (const kind of await formatExplains(facts, candidate.file)) kinds.add(kind);
          explained.set(key, kinds);
        }
        const item: Found = found.get(key) ?? { ...candidate, problems, contexts: [] };
        if (item.file === null && candidate.file !== null) Object.assign(item, { file: candidate.file, line: candidate.line });
        item.contexts.push(context);
        found.set(key, item);
      }
    }
    const drafts: FindingDraft[] = [];
    for (const [key, entry] of found) {
      const kinds = explained.get(key) ?? new Set();
      const problems = entry.problems.filter((problem) => !kinds.has(problem.kind));
      if (problems.length === 0) continue;
      const item = { ...entry, problems };
      const where = sourceWords(facts, item, 'set');
      const quoted = quotedValue(item.value);
      const subject = item.name === 'PATH' ? `The PATH entry ${quoted}` : `${item.name}=${quoted}`;
      const problem = listWords(item.problems.map((entry) => entry.words));
      const fix = await cleanValueFix(facts, item, item.contexts);
      drafts.push({
        key: item.name === 'PATH' ? `PATH:${item.value.trim()}` : item.name,
        severity: item.problems.some((entry) => entry.kind === 'carriage-return') ? 'error' : undefined,
        title: `${subject} ${problem}`,
        explanation:
          `In ${contextLabels(item.contexts)}, ${item.name === 'PATH' ? 'a PATH entry' : item.name} ` +
          `(${where}) ${problem}. Programs take the value character for character, so go ` +
          'and the shell see a value that differs from the one you read, and a directory named ' +
          'that way does not exist.',
        evidence: {
          contextIds: idsOf(item.contexts),
          values: [{ name: item.name, value: item.value, contextId: item.contexts[0]!.id, source: sourceOf(facts, item) }],
          locations: await sourceLocations(facts, item),
        },
        fixes: fix === null ? [] : [fix],
      });
    }
    return drafts;
  },
};

const pathEntries: Rule = {
  id: 'path-entries',
  severity: 'hint',
  title: 'PATH lists a directory twice or a directory that does not exist',
  reads: ['contexts', 'provenance'],
  async check(facts) {
    type Problem = SourcedValue & { kind: 'duplicate' | 'missing'; contexts: ScanContext[] };
    const found = new Map<string, Problem>();
    for (const context of probedContexts(facts)) {
      for (const entry of context.provenance?.path ?? []) {
        let kind: Problem['kind'];
        if (entry.duplicateOf !== null) kind = 'duplicate';
        else if (entry.problem === 'missing' || entry.problem === 'not-directory') kind = 'missing';
        else continue;
        const location = entry.addedBy?.location;
        const key = `${kind}:${entry.entry}`;
        const item = found.get(key) ?? {
          name: 'PATH entry',
          value: entry.entry,
          file: location?.file ?? null,
          line: location?.line ?? null,
          kind,
          contexts: [],
        };
        item.contexts.push(context);
        found.set(key, item);
      }
    }
    const drafts: FindingDraft[] = [];
    for (const item of found.values()) {
      const where = sourceWords(facts, item, 'added');
      const shown = JSON.stringify(item.value).slice(1, -1);
      const labels = contextLabels(item.contexts);
      drafts.push({
        key: `${item.kind}:${displayPath(item.value, facts.home)}`,
        title:
          item.kind === 'duplicate'
            ? `PATH lists ${shown} more than once`
            : `PATH lists ${shown}, which does not exist`,
        explanation:
          item.kind === 'duplicate'
            ? `In ${labels}, ${shown} appears more than once on PATH (the copy ${where}). Only the ` +
              'first copy counts, so the others are harmless, but they make PATH harder to read ' +
              'and usually mean a startup file runs twice.'
            : `In ${labels}, PATH lists ${shown} (${where}), which is not a directory. Nothing is ` +
              'found there, which is harmless unless a program you expect lives there.',
        evidence: {
          contextIds: idsOf(item.contexts),
          values: [
            { name: 'PATH entry', value: item.value, contextId: item.contexts[0]!.id, source: sourceOf(facts, item) },
          ],
          locations: await sourceLocations(facts, item),
        },
        fixes: [],
      });
    }
    return drafts;
  },
};

/**
 * Time a context may take to start before a hint, in milliseconds. A traced probe runs slower
 * than a plain shell and scans run many shells at once, so only long waits count.
 */
const SLOW_STARTUP_HINT_MS = 4_000;
/** Time after which a slow start is a warning, in milliseconds: every terminal tab waits this long. */
const SLOW_STARTUP_WARNING_MS = 10_000;

const slowStartup: Rule = {
  id: 'slow-startup',
  severity: 'hint',
  title: 'A shell takes seconds to start',
  reads: ['contexts', 'startup-files'],
  async check(facts) {
    const drafts: FindingDraft[] = [];
    for (const context of probedContexts(facts)) {
      if (context.shell === null || context.mode === 'script') continue;
      // The context's time includes its go env run, which is not startup.
      const startupMs = context.durationMs - (context.go?.durationMs ?? 0);
      if (startupMs < SLOW_STARTUP_HINT_MS) continue;
      const seconds = (startupMs / 1000).toFixed(1);
      const files = context.startupFiles.filter(
        (file) => file.status === 'read' && isHomeFile(file.path, facts.home),
      );
      const where =
        files.length > 0
          ? `Look for slow commands in ${listWords(files.map((file) => displayPath(file.path, facts.home)))}, ` +
            'such as version managers initialised on every start or network calls.'
          : 'The time is spent in system startup files, not in your own.';
      drafts.push({
        key: context.id,
        severity: startupMs >= SLOW_STARTUP_WARNING_MS ? 'warning' : undefined,
        title: `Starting ${listedLabel(context.label)} took ${seconds} s`,
        explanation:
          `Starting ${listedLabel(context.label)} and reading its startup files took about ${seconds} seconds in this scan ` +
          '(measured with tracing on, which adds some time). Every new terminal tab waits that long, and editors ' +
          'that read the login shell environment at launch wait too, or give up and start without it. ' +
          where,
        evidence: {
          contextIds: [context.id],
          values: [{ name: 'startup time', value: `${seconds} s`, contextId: context.id, source: null }],
          locations: files.map((file) => ({ file: file.path, line: null, text: null })),
        },
        fixes: [],
      });
    }
    return drafts;
  },
};

/** The rules about file bytes, PATH entries and startup time. */
export const SHELL_FORMAT_RULES: Rule[] = [fileFormat, valueCharacters, pathEntries, slowStartup];
