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
  const bytes = await fs.readFile(file).catch(() => null);
  if (bytes === null) return [];
  const raw = bytes.toString('latin1');
  const numbers: number[] = [];
  raw.split('\n').forEach((line, index) => {
    if (line.endsWith('\r')) numbers.push(index + 1);
  });
  return numbers;
}

/** The home startup files some context read, once each, in the order first read. */
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
      const carriageReturns = opened.format.lineEnding === 'lf'
        ? lines.flatMap((line, index) => (line.includes('\r') ? [index + 1] : []))
        : await crlfLines(opened.realPath);
      const invisible = lines.flatMap((line, index) => (INVISIBLE.test(line) ? [index + 1] : []));
      if (carriageReturns.length === 0 && !opened.format.bom && invisible.length === 0) continue;

      const problems: string[] = [];
      if (carriageReturns.length > 0) {
        problems.push(
          `${carriageReturns.length} of its ${lines.length - (opened.text.endsWith('\n') ? 1 : 0)} lines end with a Windows line ending (CR LF). ` +
            'The shell keeps the CR as part of each value, so a PATH entry such as "/usr/local/go/bin\\r" names a directory ' +
            'that does not exist and GOPATH ends in an invisible character',
        );
      }
      if (opened.format.bom) {
        problems.push('it starts with a byte order mark, which the shell reads as part of the first command, so that command fails');
      }
      if (invisible.length > 0) {
        problems.push('it contains invisible characters (zero-width or no-break spaces), which end up inside names and values');
      }
      const shown = displayPath(file, facts.home);
      const evidenceLines = [...new Set([...carriageReturns, ...invisible])].sort((left, right) => left - right);
      const locations: EvidenceLocation[] = await Promise.all(
        evidenceLines.slice(0, MAX_FORMAT_LOCATIONS).map((line) => locationOf(facts.files, file, line)),
      );
      if (opened.format.bom && evidenceLines.length === 0) locations.push(await locationOf(facts.files, file, 1));

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
        effect: {
          contextIds: contexts.map((context) => context.id),
          description: `The shells read every line of ${shown} as written.`,
        },
      };
      drafts.push({
        key: shown,
        severity: carriageReturns.length > 0 || opened.format.bom ? 'error' : 'warning',
        title: `${shown} has ${listWords([
          ...(carriageReturns.length > 0 ? ['Windows line endings'] : []),
          ...(opened.format.bom ? ['a byte order mark'] : []),
          ...(invisible.length > 0 ? ['invisible characters'] : []),
        ])}`,
        explanation: `${shown} is read by ${contextLabels(contexts)}, but ${problems.join('; ')}. This happens when a file is edited with a Windows editor or copied from a web page.`,
        evidence: { contextIds: contexts.map((context) => context.id), values: [], locations },
        fixes: [fix],
      });
    }
    return drafts;
  },
};

/** What is wrong with a value's characters, in words, or null. */
function characterProblem(value: string): string | null {
  if (value.includes('\r')) return 'ends in a carriage return (CR)';
  if (INVISIBLE.test(value)) return 'contains an invisible character';
  if (value !== value.trim()) return 'starts or ends with a space';
  return null;
}

const valueCharacters: Rule = {
  id: 'value-characters',
  severity: 'warning',
  title: 'a Go variable or PATH entry contains a carriage return, a stray space or an invisible character',
  reads: ['contexts', 'provenance'],
  async check(facts) {
    const found = new Map<string, { name: string; value: string; problem: string; contexts: ScanContext[]; file: string | null; line: number | null }>();
    // A value that comes from a file with Windows line endings or invisible characters is that
    // file's finding, with its fix. Every context's source is checked, because a context probed
    // without a trace may not name the file.
    const explainedByFile = new Set<string>();
    for (const context of probedContexts(facts)) {
      const candidates: { name: string; value: string; file: string | null; line: number | null }[] = [];
      for (const name of Object.keys(context.provenance?.variables ?? {})) {
        const value = context.env[name];
        if (name === 'PATH' || value === undefined) continue;
        const winner = winningAssignment(context, name);
        candidates.push({ name, value, file: winner?.location.file ?? null, line: winner?.location.line ?? null });
      }
      for (const entry of context.provenance?.path ?? []) {
        candidates.push({ name: 'PATH', value: entry.entry, file: entry.addedBy?.location.file ?? null, line: entry.addedBy?.location.line ?? null });
      }
      for (const candidate of candidates) {
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
      const where = item.file === null ? 'inherited from the session' : `set at ${displayLocation(item.file, item.line, facts.home)}`;
      drafts.push({
        key: item.name === 'PATH' ? `PATH:${item.value.trim()}` : item.name,
        severity: item.problem.includes('carriage') ? 'error' : undefined,
        title: `${item.name === 'PATH' ? `The PATH entry ${JSON.stringify(item.value)}` : `${item.name}=${JSON.stringify(item.value)}`} ${item.problem}`,
        explanation:
          `In ${contextLabels(item.contexts)}, ${item.name === 'PATH' ? 'a PATH entry' : item.name} (${where}) ${item.problem}. ` +
          'Programs take the value character for character, so the directory it names is not the one that exists.',
        evidence: {
          contextIds: item.contexts.map((context) => context.id),
          values: [{ name: item.name, value: item.value, contextId: item.contexts[0]!.id, source: where }],
          locations: item.file !== null && item.line !== null ? [await locationOf(facts.files, item.file, item.line)] : [],
        },
        fixes: [],
      });
    }
    return drafts;
  },
};

async function hasFormatProblem(facts: FindingFacts, file: string): Promise<boolean> {
  const opened = await facts.files.read(file);
  if (opened === null) return false;
  return opened.format.lineEnding !== 'lf' || opened.format.bom || opened.text.includes('\r') || INVISIBLE.test(opened.text);
}

const pathEntries: Rule = {
  id: 'path-entries',
  severity: 'hint',
  title: 'PATH lists a directory twice or a directory that does not exist',
  reads: ['contexts', 'provenance'],
  async check(facts) {
    const found = new Map<string, { entry: string; kind: 'duplicate' | 'missing'; contexts: ScanContext[]; file: string | null; line: number | null }>();
    for (const context of probedContexts(facts)) {
      for (const entry of context.provenance?.path ?? []) {
        const kind = entry.duplicateOf !== null ? 'duplicate' : entry.problem === 'missing' || entry.problem === 'not-directory' ? 'missing' : null;
        if (kind === null) continue;
        const key = `${kind}:${entry.entry}`;
        const item = found.get(key) ?? { entry: entry.entry, kind, contexts: [], file: entry.addedBy?.location.file ?? null, line: entry.addedBy?.location.line ?? null };
        item.contexts.push(context);
        found.set(key, item);
      }
    }
    const drafts: FindingDraft[] = [];
    for (const item of found.values()) {
      const where = item.file === null ? 'inherited from the session' : `added at ${displayLocation(item.file, item.line, facts.home)}`;
      drafts.push({
        key: `${item.kind}:${displayPath(item.entry, facts.home)}`,
        title:
          item.kind === 'duplicate'
            ? `${item.entry} is on PATH more than once`
            : `PATH lists ${item.entry}, which does not exist`,
        explanation:
          item.kind === 'duplicate'
            ? `In ${contextLabels(item.contexts)}, ${item.entry} appears more than once on PATH (the later copy ${where}). ` +
              'Only the first copy counts, so the others are harmless, but they make PATH harder to read and usually mean a startup file runs twice.'
            : `In ${contextLabels(item.contexts)}, PATH lists ${item.entry} (${where}), which is not a directory. ` +
              'Nothing is found there; it is harmless unless a program you expect lives there.',
        evidence: {
          contextIds: item.contexts.map((context) => context.id),
          values: [{ name: 'PATH entry', value: item.entry, contextId: item.contexts[0]!.id, source: where }],
          locations: item.file !== null && item.line !== null ? [await locationOf(facts.files, item.file, item.line)] : [],
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
      const startupMs = context.durationMs - (context.go?.durationMs ?? 0);
      if (startupMs < SLOW_STARTUP_HINT_MS) continue;
      const seconds = (startupMs / 1000).toFixed(1);
      const files = context.startupFiles.filter((file) => file.status === 'read' && isHomeFile(file.path, facts.home));
      drafts.push({
        key: context.id,
        severity: startupMs >= SLOW_STARTUP_WARNING_MS ? 'warning' : undefined,
        title: `${context.label} took ${seconds} s to start`,
        explanation:
          `Starting ${context.label} and reading its startup files took about ${seconds} seconds in this scan ` +
          '(measured with tracing on, which adds some time). Every new terminal tab waits that long, and editors ' +
          'that read the login shell environment at launch wait too, or give up and start without it. ' +
          (files.length > 0
            ? `Look for slow commands in ${listWords(files.map((file) => displayPath(file.path, facts.home)))}, such as version managers initialised on every start or network calls.`
            : 'The time is spent in system startup files, not in your own.'),
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
