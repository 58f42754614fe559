/**
 * Go env file lines go reads differently than they look. With Windows line endings go keeps the CR
 * in every value, and a byte order mark makes go skip the first line. go also skips lines with a
 * leading space, `export` or a lowercase key, and misreads spaces around `=`. Of a key set twice
 * the last line wins, and keys go does not know or never reads from this file change nothing.
 */
import type { Fix, FindingSeverity } from '../../shared/findings.ts';
import type { GoSettingFinding } from '../../shared/go-layers.ts';
import { knownEnvironmentKeys } from '../go/go-env-validate.ts';
import { parseGoRelease } from '../go/go-layers-version.ts';
import { editFile } from './fix-edits.ts';
import { redactText } from './redact.ts';
import { envFileLinesFix } from './rules-go-fixes.ts';
import {
  contextIdsOf,
  contextLabels,
  goContexts,
  locationOf,
  readRawEnvFile,
  severityOf,
  shownPath,
  worstSeverity,
  type GoContext,
  type RawEnvFile,
} from './rules-go-support.ts';
import type { FindingDraft, FindingFacts, Rule } from './rule.ts';
import { linesPhrase } from './rules-shell-support.ts';

const BYTE_ORDER_MARK = Buffer.from([0xef, 0xbb, 0xbf]);

/** Returns the Go env files the contexts read, each with the contexts that read it. */
function envFiles(facts: FindingFacts): Map<string, GoContext[]> {
  const files = new Map<string, GoContext[]>();
  for (const context of goContexts(facts)) {
    const { path, status } = context.layers.envFile;
    if (path === null || status !== 'read') continue;
    files.set(path, [...(files.get(path) ?? []), context]);
  }
  return files;
}

/** go-layers findings about lines of `file`, with the contexts that reported each line. */
function lineFindings(file: string, contexts: GoContext[]): Map<number, { finding: GoSettingFinding; context: GoContext }[]> {
  const lines = new Map<number, { finding: GoSettingFinding; context: GoContext }[]>();
  for (const context of contexts) {
    for (const finding of context.layers.findings) {
      if (finding.origin !== 'env-file' || finding.path !== file || finding.line === null) continue;
      lines.set(finding.line, [...(lines.get(finding.line) ?? []), { finding, context }]);
    }
  }
  return lines;
}

/** Reports whether a finding is only about an exported variable hiding the line (the shadow rule's subject). */
function isShadowFinding(finding: GoSettingFinding, context: GoContext): boolean {
  if (finding.goMessage?.includes('does not override conflicting OS environment variable')) return true;
  const shadowed = context.layers.shadowed.some(
    (setting) =>
      setting.reason === 'overridden-by-environment' &&
      setting.source.layer === 'env-file' &&
      setting.source.line === finding.line,
  );
  return shadowed && finding.severity === 'info' && finding.key !== null && finding.key.trim() === finding.key;
}

/** Returns the number of single-character edits between two strings. */
function editDistance(left: string, right: string): number {
  const previous = Array.from({ length: right.length + 1 }, (_, index) => index);
  for (let i = 1; i <= left.length; i++) {
    let diagonal = previous[0]!;
    previous[0] = i;
    for (let j = 1; j <= right.length; j++) {
      const above = previous[j]!;
      previous[j] = Math.min(previous[j]! + 1, previous[j - 1]! + 1, diagonal + (left[i - 1] === right[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return previous[right.length]!;
}

/** Returns the known key a misspelt one most likely means (`GO_PROXY`, `GOPRIVTE`), or null. */
function intendedKey(key: string, known: Set<string>): string | null {
  const squeezed = key.toUpperCase().replaceAll('_', '');
  for (const candidate of known) {
    if (candidate.replaceAll('_', '') === squeezed) return candidate;
  }
  if (key.length < 5) return null;
  const close = [...known].filter((candidate) => editDistance(key.toUpperCase(), candidate) <= 2);
  return close.length === 1 ? close[0]! : null;
}

/** Rewrites a line go skips or misreads into the setting it looks like, or null when it cannot. */
function correctedLine(text: string, known: Set<string>): string | null {
  const match = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/.exec(text.replace(/^\uFEFF/, ''));
  if (!match) return null;
  const key = match[1]!.toUpperCase();
  const fixedKey = known.has(key) ? key : intendedKey(key, known);
  return fixedKey === null ? null : `${fixedKey}=${match[2]}`;
}

interface LineProblem {
  severity: FindingSeverity;
  /** A few words on the line's effect, for the title: `go skips this line`. */
  summary: string;
  reason: string;
  /** The line's replacement, or null to delete it. */
  replacement: string | null;
}

/** Returns a line of the raw file as the editor shows it: no byte order mark, no CR. */
function rawLine(raw: RawEnvFile, line: number): string {
  const text = raw.bytes.toString('utf8').split('\n')[line - 1] ?? '';
  return text.replace(/^\uFEFF/, '').replace(/\r$/, '');
}

function judgeLine(
  raw: RawEnvFile,
  line: number,
  findings: { finding: GoSettingFinding; context: GoContext }[],
  known: Set<string>,
): LineProblem | null {
  const relevant = findings.filter(
    ({ finding, context }) => finding.impact === 'ignored' && !isShadowFinding(finding, context),
  );
  if (relevant.length === 0) return null;

  const entry = raw.parsed.entries.find((candidate) => candidate.line === line);
  const text = rawLine(raw, line);
  const reasons = [...new Set(relevant.map(({ finding }) => finding.reason))].join('; ');
  const severity = worstSeverity(relevant.map(({ finding }) => severityOf(finding.severity)));

  if (entry === undefined) {
    // A skipped line: go reads none of it.
    return { severity, summary: 'go skips this line', reason: reasons, replacement: correctedLine(text, known) };
  }
  const later = raw.parsed.effective.get(entry.key)!;
  if (later !== entry) {
    return {
      severity: 'hint',
      summary: `line ${later.line} sets ${entry.key} again, so go ignores this line`,
      reason: reasons,
      replacement: null,
    };
  }
  if (entry.key.trim() !== entry.key) {
    return {
      severity,
      summary: `go reads the key as ${JSON.stringify(entry.key)}, so ${entry.key.trim()} is not set`,
      reason: reasons,
      replacement: correctedLine(text, known),
    };
  }
  if (!known.has(entry.key)) {
    const intended = intendedKey(entry.key, known);
    const setElsewhere = intended !== null && raw.parsed.effective.has(intended);
    if (intended !== null && !setElsewhere) {
      return {
        severity: 'warning',
        summary: `${entry.key} is not a Go setting; ${intended} was probably meant`,
        reason: `${reasons}. It looks like a misspelling of ${intended}, which therefore is not set`,
        replacement: `${intended}=${entry.value.replace(/\r$/, '')}`,
      };
    }
    if (intended !== null) {
      // Renaming the line would only add a second, overridden or overriding, line for the key.
      const line = raw.parsed.effective.get(intended)!.line;
      return {
        severity,
        summary: `${entry.key} is not a Go setting`,
        reason: `${reasons}. It looks like a misspelling of ${intended}, which line ${line} sets`,
        replacement: null,
      };
    }
  }
  return {
    severity,
    summary: known.has(entry.key) ? `go does not use ${entry.key} from this file` : `${entry.key} is not a Go setting`,
    reason: reasons,
    replacement: null,
  };
}

/** Returns the key a Go env file line is about, as written: `GOPROXY`, `goproxy`, or null for other text. */
function lineKey(raw: RawEnvFile, line: number): string | null {
  const entry = raw.parsed.entries.find((candidate) => candidate.line === line);
  if (entry !== undefined) return entry.key.trim() || null;
  return /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=/.exec(rawLine(raw, line))?.[1] ?? null;
}

/** A line go skips or misreads, with what it is about and the readers of the file. */
interface JudgedLine {
  line: number;
  problem: LineProblem;
  readers: GoContext[];
}

async function lineDrafts(facts: FindingFacts, file: string, contexts: GoContext[], raw: RawEnvFile): Promise<FindingDraft[]> {
  const known = knownEnvironmentKeys(parseGoRelease(contexts[0]!.layers.goVersion));
  const hasByteOrderMark = raw.bytes.subarray(0, BYTE_ORDER_MARK.length).equals(BYTE_ORDER_MARK);
  const shown = shownPath(file, facts.home);
  // Findings are keyed by the setting a line is about, not its number, so ids survive edits above
  // it. Lines about the same key (a key set three times) make one finding.
  const byKey = new Map<string, JudgedLine[]>();
  for (const [line, findings] of lineFindings(file, contexts)) {
    // The byte order mark finding covers the first line of such a file.
    if (line === 1 && hasByteOrderMark) continue;
    const problem = judgeLine(raw, line, findings, known);
    if (problem === null) continue;
    const key = `${shown}:${lineKey(raw, line) ?? 'other-lines'}`;
    const readers = [...new Set(findings.map(({ context }) => context))];
    byKey.set(key, [...(byKey.get(key) ?? []), { line, problem, readers }]);
  }
  const drafts: FindingDraft[] = [];
  for (const [key, judged] of byKey) {
    judged.sort((left, right) => left.line - right.line);
    const lines = judged.map((item) => item.line);
    const readers = [...new Set(judged.flatMap((item) => item.readers))];
    const replaced = judged.filter((item) => item.problem.replacement !== null);
    const single = judged.length === 1 ? judged[0]! : null;
    const title =
      single === null
        ? `Change ${linesPhrase(lines)} of ${shown}`
        : single.problem.replacement === null
          ? `Delete line ${single.line} from ${shown}`
          : `Change line ${single.line} of ${shown} to ${redactText(single.problem.replacement)}`;
    const fix = await envFileLinesFix(facts, {
      id: replaced.length === 0 ? 'remove-env-file-line' : 'replace-env-file-line',
      title,
      file,
      // The editor's view drops a byte order mark, which go reads as part of the first line.
      changes: judged.map((item) => ({
        line: item.line,
        expect: (text: string) => text === rawLine(raw, item.line),
        replacement: item.problem.replacement,
      })),
      effect: {
        contextIds: contextIdsOf(readers),
        description:
          replaced.length === 0
            ? `nothing changes for go, which ignores the ${lines.length === 1 ? 'line' : 'lines'} already; the file says what go does`
            : `go reads ${[...new Set(replaced.map((item) => item.problem.replacement!.split('=')[0]))].join(', ')} ` +
              `from this file in ${contextLabels(readers)}`,
      },
    });
    const where = `${shown}:${lines.join(',')}`;
    const summaries = [...new Set(judged.map((item) => item.problem.summary))];
    drafts.push({
      key,
      severity: worstSeverity(judged.map((item) => item.problem.severity)),
      title: `${where}: ${summaries.join('; ')}`,
      explanation:
        `The Go env file is not a shell script: go reads only lines that start with an upper-case letter, takes ` +
        `everything before the first "=" as the key and everything after it as the value, with no quoting or ` +
        `trimming. ${judged.map((item) => `Line ${item.line}: ${item.problem.reason}.`).join(' ')} ` +
        `This affects ${contextLabels(readers)}.`,
      evidence: {
        contextIds: contextIdsOf(readers),
        values: [],
        locations: await Promise.all(lines.map((line) => locationOf(facts, file, line))),
      },
      fixes: fix ? [fix] : [],
    });
  }
  return drafts;
}

async function formatFix(
  facts: FindingFacts,
  file: string,
  spec: { id: string; title: string; lineEnding?: 'lf'; bom?: false; contexts: GoContext[]; description: string },
): Promise<Fix[]> {
  const opened = await facts.files.read(file);
  if (!opened?.exists || opened.writeBlock !== null) return [];
  const edit = await editFile(facts.files, file, (text) => text);
  if (spec.lineEnding) edit.lineEnding = spec.lineEnding;
  if (spec.bom === false) edit.bom = false;
  return [
    {
      id: spec.id,
      title: spec.title,
      edits: [edit],
      command: null,
      effect: { contextIds: contextIdsOf(spec.contexts), description: spec.description },
    },
  ];
}

async function crlfDraft(
  facts: FindingFacts,
  file: string,
  contexts: GoContext[],
  raw: RawEnvFile,
): Promise<FindingDraft | null> {
  const carriageLines = raw.parsed.entries.filter((entry) => entry.value.endsWith('\r'));
  if (carriageLines.length === 0) return null;
  const findings = lineFindings(file, contexts);
  const caused = carriageLines.flatMap((entry) => (findings.get(entry.line) ?? []).map(({ finding }) => finding));
  const broken = caused.filter((finding) => finding.severity !== 'info' && finding.impact !== 'ignored');
  const severity = worstSeverity(broken.map((finding) => severityOf(finding.severity)));
  const shown = shownPath(file, facts.home);
  const keys = [...new Set(carriageLines.map((entry) => entry.key))];
  const goMessages = [...new Set(broken.map((finding) => finding.goMessage).filter((message): message is string => !!message))];
  return {
    key: `${shown}:line-endings`,
    severity,
    title: `${shown} has Windows (CRLF) line endings, so go reads a carriage return at the end of its values`,
    explanation:
      `go splits the Go env file on "\\n" only, so with Windows line endings every value keeps a trailing ` +
      `carriage return ("\\r"), which terminals do not show: ${keys.join(', ')}. ` +
      (broken.length > 0
        ? `${[...new Set(broken.map((finding) => finding.reason))].join('; ')}.` +
          (goMessages.length > 0 ? ` Go prints: ${goMessages.join(' / ')}.` : '')
        : 'Today the values it affects are split on white space, so nothing breaks yet; a new line would.') +
      ` Converting the file to Unix (LF) line endings fixes every line at once. This affects ${contextLabels(contexts)}.`,
    evidence: {
      contextIds: contextIdsOf(contexts),
      values: [],
      locations: await Promise.all(carriageLines.map((entry) => locationOf(facts, file, entry.line))),
    },
    fixes: await formatFix(facts, file, {
      id: 'convert-to-lf',
      title: `Convert ${shown} to Unix (LF) line endings`,
      lineEnding: 'lf',
      contexts,
      description: `${keys.join(', ')} lose the trailing carriage return in ${contextLabels(contexts)}`,
    }),
  };
}

async function bomDraft(
  facts: FindingFacts,
  file: string,
  contexts: GoContext[],
  raw: RawEnvFile,
): Promise<FindingDraft | null> {
  if (!raw.bytes.subarray(0, BYTE_ORDER_MARK.length).equals(BYTE_ORDER_MARK)) return null;
  const shown = shownPath(file, facts.home);
  const first = raw.bytes.subarray(BYTE_ORDER_MARK.length).toString('utf8').split('\n')[0]!.replace(/\r$/, '');
  const key = /^([A-Z][^=]*)=/.exec(first)?.[1] ?? null;
  return {
    key: `${shown}:byte-order-mark`,
    severity: key === null ? 'hint' : 'warning',
    title:
      key === null
        ? `${shown} starts with a byte order mark`
        : `go ignores ${key} on line 1 of ${shown} because the file starts with a byte order mark`,
    explanation:
      `${shown} starts with the bytes EF BB BF, a UTF-8 byte order mark that some Windows editors add. go reads a ` +
      `line only when its first byte is A-Z, so it skips the first line` +
      (key === null ? '.' : `, and ${key} is not set from it, with no error.`) +
      ` Saving the file without the mark fixes it. This affects ${contextLabels(contexts)}.`,
    evidence: {
      contextIds: contextIdsOf(contexts),
      values: [],
      locations: [await locationOf(facts, file, 1)],
    },
    fixes: await formatFix(facts, file, {
      id: 'remove-byte-order-mark',
      title: `Remove the byte order mark from ${shown}`,
      bom: false,
      contexts,
      description: key === null ? 'nothing changes for go' : `go reads ${key} from line 1 in ${contextLabels(contexts)}`,
    }),
  };
}

export const goEnvFileFormatRule: Rule = {
  id: 'go-env-file-format',
  severity: 'warning',
  title: 'The go command reads lines of the Go env file differently than they look',
  reads: ['go-layers', 'file-system'],
  async check(facts) {
    const drafts: FindingDraft[] = [];
    for (const [file, contexts] of envFiles(facts)) {
      const raw = await readRawEnvFile(facts, file);
      if (raw === null) continue;
      const crlf = await crlfDraft(facts, file, contexts, raw);
      if (crlf) drafts.push(crlf);
      const bom = await bomDraft(facts, file, contexts, raw);
      if (bom) drafts.push(bom);
      drafts.push(...(await lineDrafts(facts, file, contexts, raw)));
    }
    return drafts;
  },
};
