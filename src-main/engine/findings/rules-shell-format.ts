/**
 * Rules about the bytes of startup files and values: Windows line endings, byte order marks and
 * invisible characters, PATH entries that are duplicated or missing, and startup files so slow
 * that every terminal and editor launch waits for them.
 */
import { promises as fs } from 'node:fs';

import type { EvidenceLocation, Fix } from '../../shared/findings.ts';
import type { ScanContext } from '../../shared/scan-report.ts';
import { editFile } from './fix-edits.ts';
import type { FindingDraft, FindingFacts, Rule } from './rule.ts';
import {
  contextLabels,
  displayLocation,
  displayPath,
  idsOf,
  isHomeFile,
  listWords,
  locationOf,
  probedContexts,
  winningAssignment,
} from './rules-shell-support.ts';

/** At most this many lines are listed as evidence of one file's format problem. */
const MAX_FORMAT_LOCATIONS = 20;

/**
 * Characters that look like nothing or like a space but are not one to a shell: zero-width space,
 * joiners, word joiner, a byte order mark inside the text, and the no-break space.
 */
const INVISIBLE = /[\u200B-\u200D\u2060\uFEFF\u00A0]/;
const INVISIBLE_ALL = /[\u200B-\u200D\u2060\uFEFF]/g;

/** Returns the 1-based numbers of the lines that end in `\r\n` in a file's raw bytes. */
async function crlfLines(file: string): Promise<number[]> {
  // A named pipe would block the read until something writes to it.
  const stat = await fs.stat(file).catch(() => null);
  if (!stat?.isFile()) return [];
  const bytes = await fs.readFile(file).catch(() => null);
  if (bytes === null) return [];
  const raw = bytes.toString('latin1');
  const numbers: number[] = [];
  raw.split('\n').forEach((line, index) => {
    if (line.endsWith('\r')) numbers.push(index + 1);
  });
  return numbers;
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
  title: 'a startup file has Windows line endings, a byte order mark or invisible characters',
  reads: ['startup-files', 'file-system'],
  async check(facts) {
    const drafts: FindingDraft[] = [];
    for (const { file, contexts } of readHomeFiles(facts)) {
      const opened = await facts.files.read(file);
      if (!opened?.exists) continue;
      const lines = opened.text.split('\n');
      // A CRLF file's text has its CRs removed already, so they are found in the bytes.
      const carriageReturns =
        opened.format.lineEnding === 'lf'
          ? lines.flatMap((line, index) => (line.includes('\r') ? [index + 1] : []))
          : await crlfLines(opened.realPath);
      const invisible = lines.flatMap((line, index) => (INVISIBLE.test(line) ? [index + 1] : []));
      if (carriageReturns.length === 0 && !opened.format.bom && invisible.length === 0) continue;

      const problems: string[] = [];
      if (carriageReturns.length > 0) {
        const lineCount = lines.length - (opened.text.endsWith('\n') ? 1 : 0);
        problems.push(
          `${carriageReturns.length} of its ${lineCount} lines end with a Windows line ending ` +
            '(CR LF). The shell keeps the CR as part of each value, so a PATH entry such as ' +
            '"/usr/local/go/bin\\r" names a directory that does not exist, and GOPATH ends in an ' +
            'invisible character',
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
      const evidenceLines = [...new Set([...carriageReturns, ...invisible])].sort((a, b) => a - b);
      if (evidenceLines.length === 0) evidenceLines.push(1);
      const locations: EvidenceLocation[] = await Promise.all(
        evidenceLines.slice(0, MAX_FORMAT_LOCATIONS).map((line) => locationOf(facts.files, file, line)),
      );

      const edit = await editFile(facts.files, file, (text) =>
        text.replace(/\r+(?=\n|$)/g, '').replace(/\u00A0/g, ' ').replace(INVISIBLE_ALL, ''),
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
      const kinds = [
        ...(carriageReturns.length > 0 ? ['Windows line endings'] : []),
        ...(opened.format.bom ? ['a byte order mark'] : []),
        ...(invisible.length > 0 ? ['invisible characters'] : []),
      ];
      drafts.push({
        key: shown,
        // Line endings and a byte order mark break commands; invisible characters change values.
        severity: carriageReturns.length > 0 || opened.format.bom ? 'error' : 'warning',
        title: `${shown} has ${listWords(kinds)}`,
        explanation:
          `${shown} is read by ${contextLabels(contexts)}, but ${problems.join('. Also, ')}. This ` +
          'happens when a file is edited with a Windows editor or copied from a web page.',
        evidence: { contextIds: idsOf(contexts), values: [], locations },
        fixes: [fix],
      });
    }
    return drafts;
  },
};

/** Describes what is wrong with a value's characters, or returns null when nothing is. */
function characterProblem(value: string): string | null {
  if (value.includes('\r')) return 'ends in a carriage return (CR)';
  if (INVISIBLE.test(value)) return 'contains an invisible character';
  if (value !== value.trim()) return 'starts or ends with a space';
  return null;
}

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

async function hasFormatProblem(facts: FindingFacts, file: string): Promise<boolean> {
  const opened = await facts.files.read(file);
  if (opened === null) return false;
  const { lineEnding, bom } = opened.format;
  return lineEnding !== 'lf' || bom || opened.text.includes('\r') || INVISIBLE.test(opened.text);
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

const valueCharacters: Rule = {
  id: 'value-characters',
  severity: 'warning',
  title: 'a Go variable or PATH entry contains a carriage return, a stray space or an invisible character',
  reads: ['contexts', 'provenance'],
  async check(facts) {
    const found = new Map<string, SourcedValue & { problem: string; contexts: ScanContext[] }>();
    // A value from a file with Windows line endings or invisible characters is that file's
    // finding, with its fix. Every context's source counts, because a context probed without a
    // trace may not name the file.
    const explainedByFile = new Set<string>();
    for (const context of probedContexts(facts)) {
      for (const candidate of sourcedValues(context)) {
        const problem = characterProblem(candidate.value);
        if (problem === null) continue;
        const key = `${candidate.name}:${JSON.stringify(candidate.value)}`;
        if (candidate.file !== null && (await hasFormatProblem(facts, candidate.file))) explainedByFile.add(key);
        const item = found.get(key) ?? { ...candidate, problem, contexts: [] };
        item.contexts.push(context);
        found.set(key, item);
      }
    }
    const drafts: FindingDraft[] = [];
    for (const [key, item] of found) {
      if (explainedByFile.has(key)) continue;
      const where = sourceWords(facts, item, 'set');
      const quoted = JSON.stringify(item.value);
      const subject = item.name === 'PATH' ? `The PATH entry ${quoted}` : `${item.name}=${quoted}`;
      drafts.push({
        key: item.name === 'PATH' ? `PATH:${item.value.trim()}` : item.name,
        severity: item.problem.includes('carriage') ? 'error' : undefined,
        title: `${subject} ${item.problem}`,
        explanation:
          `In ${contextLabels(item.contexts)}, ${item.name === 'PATH' ? 'a PATH entry' : item.name} ` +
          `(${where}) ${item.problem}. Programs take the value character for character, so go ` +
          'and the shell see a value that differs from the one you read, and a directory named ' +
          'that way does not exist.',
        evidence: {
          contextIds: idsOf(item.contexts),
          values: [{ name: item.name, value: item.value, contextId: item.contexts[0]!.id, source: where }],
          locations: await sourceLocations(facts, item),
        },
        fixes: [],
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
            ? `${shown} is on PATH more than once`
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
          values: [{ name: 'PATH entry', value: item.value, contextId: item.contexts[0]!.id, source: where }],
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
  title: 'a shell takes seconds to start',
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
        title: `${context.label} took ${seconds} s to start`,
        explanation:
          `Starting ${context.label} and reading its startup files took about ${seconds} seconds in this scan ` +
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
