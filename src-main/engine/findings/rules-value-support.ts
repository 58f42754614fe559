/**
 * Judgements of single values that several rules share: the characters a shell keeps in a value
 * that the user cannot see, the variables go reads, and which settings a fix may move or copy. A
 * fix that moves lines must never carry a value another rule reports, or it would spread the
 * problem to more files and contexts.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';

import type { PathEntryProvenance } from '../../shared/provenance.ts';
import { knownEnvironmentKeys } from '../go/go-env-validate.ts';
import type { FindingFacts } from './rule.ts';
import { listWords, sentence } from './rules-shell-support.ts';

/**
 * Characters that look like nothing or like a space but are not one to a shell: zero-width space,
 * joiners, word joiner, a byte order mark inside the text, and the no-break space.
 */
export const INVISIBLE = /[\u200B-\u200D\u2060\uFEFF\u00A0]/;
/** The invisible characters a fix deletes; the no-break space is replaced by a space instead. */
export const INVISIBLE_ALL = /[\u200B-\u200D\u2060\uFEFF]/g;

/** One problem with the characters of a value. */
export interface CharacterProblem {
  kind: 'carriage-return' | 'invisible' | 'space';
  /** The problem in words, completing "GOPATH …". */
  words: string;
}

/** Lists what is wrong with a value's characters: a carriage return, an invisible character, a stray space. */
export function characterProblems(value: string): CharacterProblem[] {
  const problems: CharacterProblem[] = [];
  if (value.includes('\r')) {
    const words = value.endsWith('\r') ? 'ends in a carriage return (CR)' : 'contains a carriage return (CR)';
    problems.push({ kind: 'carriage-return', words });
  }
  if (INVISIBLE.test(value)) problems.push({ kind: 'invisible', words: 'contains an invisible character' });
  const visible = value.replace(/\r/g, '');
  if (visible !== visible.trim()) {
    const words =
      visible.trimStart() !== visible && visible.trimEnd() !== visible
        ? 'starts and ends with a space'
        : visible.trimStart() !== visible
          ? 'starts with a space'
          : 'ends with a space';
    problems.push({ kind: 'space', words });
  }
  return problems;
}

/**
 * Variables go itself reads besides the keys of `go env`: the run-time settings of every Go
 * program, and the folders go finds its files in.
 */
const OTHER_GO_READ_VARIABLES = [
  'GODEBUG',
  'GOGC',
  'GOMAXPROCS',
  'GOMEMLIMIT',
  'GOTRACEBACK',
  'GOTELEMETRY',
  'GOTELEMETRYDIR',
  'HOME',
  'XDG_CONFIG_HOME',
  'XDG_CACHE_HOME',
];

const GO_READ_VARIABLES = new Set([...knownEnvironmentKeys(null), ...OTHER_GO_READ_VARIABLES, 'PATH']);

/**
 * Reports whether go reads a variable: PATH, the keys `go env` lists (GOFLAGS, GOTOOLCHAIN, CC, …)
 * and the few others above. A shell variable that only builds other values is not among them.
 */
export function isGoReadVariable(name: string): boolean {
  return GO_READ_VARIABLES.has(name);
}

/** Go variables whose value is a list of directories, each of which must be absolute. */
const DIRECTORY_VARIABLES = new Set(['GOPATH', 'GOBIN', 'GOCACHE', 'GOMODCACHE', 'GOTMPDIR', 'GOENV']);

/**
 * Returns why the rules about Go's settings report a value for every project, or null. The checks
 * follow those rules: GOFLAGS with -mod=vendor or -mod=mod, GOPROXY=off, GOSUMDB=off, and a
 * GOTOOLCHAIN that pins one exact version.
 */
function reportedSettingProblem(name: string, value: string): string | null {
  const trimmed = value.trim();
  if (name === 'GOFLAGS' && trimmed.split(/\s+/).some((flag) => /^--?mod=(?:vendor|mod)$/.test(flag))) {
    return 'its -mod flag would apply to every project';
  }
  if (name === 'GOPROXY' && /^off(?:[,|]|$)/.test(trimmed)) return 'it turns module downloads off';
  if (name === 'GOSUMDB' && trimmed === 'off') return 'it turns checksum verification off';
  if (name === 'GOTOOLCHAIN' && /^go\d+(?:\.\d+)*(?:(?:rc|beta)\d+)?$/.test(trimmed)) {
    return 'it pins every go command to one Go version';
  }
  return null;
}

/**
 * Returns why a variable must not be moved or copied by a fix, or null when it may be: GOROOT
 * (go finds its own installation), GO111MODULE=off, a path go rejects, invisible characters, or
 * a value go's settings layers judge wrong in the context.
 */
export function movedVariableProblem(facts: FindingFacts, contextId: string, name: string, value: string): string | null {
  if (name === 'GOROOT') return 'go finds its own installation without it';
  if (name === 'GO111MODULE' && value.trim() === 'off') return 'it turns module mode off and should be deleted';
  if (DIRECTORY_VARIABLES.has(name) && value.split(':').some((entry) => entry !== '' && !path.isAbsolute(entry))) {
    return 'its value has a literal ~ or a relative path, which go rejects';
  }
  const characters = characterProblems(value)[0];
  if (characters) return `its value ${characters.words}`;
  const settingProblem = reportedSettingProblem(name, value);
  if (settingProblem !== null) return settingProblem;
  const layers = facts.contexts.find((item) => item.context.id === contextId)?.layers;
  const judged = layers?.findings.some(
    (finding) =>
      finding.origin === 'environment' &&
      finding.key === name &&
      finding.severity !== 'info' &&
      finding.impact !== 'ignored',
  );
  return judged ? 'go rejects or misreads its value' : null;
}

/** Returns why a PATH entry must not be moved or copied by a fix, or null when it may be. */
export function movedPathEntryProblem(entry: PathEntryProvenance): string | null {
  if (entry.problem === 'tilde' || entry.problem === 'relative') {
    return 'it has a literal ~ or is a relative path, which most programs cannot use';
  }
  const characters = characterProblems(entry.entry)[0];
  return characters ? `it ${characters.words}` : null;
}

/** A setting a fix leaves where it is, with the reason. */
export interface LeftOut {
  /** `GOROOT`, or `the PATH entry /x/bin`. */
  subject: string;
  line: number;
  reason: string;
}

/** Says which settings a move leaves out and why, one sentence each; empty when none. */
export function leftOutSentences(leftOut: LeftOut[]): string {
  return leftOut
    .map((item) => `${sentence(item.subject)} (line ${item.line}) stays where it is, because ${item.reason}.`)
    .join(' ');
}

/** Names the settings a move leaves out, for a fix's effect: `GOROOT and GO111MODULE stay in ~/.bashrc.` */
export function leftOutEffect(leftOut: LeftOut[], file: string): string {
  if (leftOut.length === 0) return '';
  const subjects = [...new Set(leftOut.map((item) => item.subject))];
  const verb = subjects.length === 1 ? 'stays' : 'stay';
  return ` ${sentence(listWords(subjects))} ${verb} in ${file}, as the finding explains.`;
}

/** Reports whether a directory is a Go root: it has `pkg/tool`, the check cmd/go makes. */
export async function isGoRoot(directory: string): Promise<boolean> {
  const stat = await fs.stat(path.join(directory, 'pkg', 'tool')).catch(() => null);
  return stat?.isDirectory() ?? false;
}

/** Matches `$NAME` and `${NAME}` in a line of shell code. */
export function referencePattern(name: string): RegExp {
  return new RegExp(String.raw`\$\{${name}\}|\$${name}(?![A-Za-z0-9_])`, 'g');
}

/** Returns the names of the variables a line of shell code uses as `$NAME` or `${NAME}`. */
export function referencedNames(text: string): string[] {
  return [...new Set([...text.matchAll(/\$\{?([A-Za-z_][A-Za-z0-9_]*)/g)].map((match) => match[1]!))];
}
