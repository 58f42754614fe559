/**
 * Rules about the order and content of PATH for Go: an older go found before a newer one, and
 * the directory `go install` writes to missing from PATH.
 */
import path from 'node:path';

import type { Fix } from '../../shared/findings.ts';
import type { ScanContext } from '../../shared/scan-report.ts';
import type { Assignment } from '../../shared/provenance.ts';
import { ShellValueError } from '../files/managed-block.ts';
import { editFile, managedBlockEdit, renderHomePathEntry, replaceLine, startupFileSyntax } from './fix-edits.ts';
import type { FindingDraft, FindingFacts, Rule } from './rule.ts';
import {
  compareGoVersions,
  contextLabels,
  displayLocation,
  displayPath,
  goWithVersion,
  idsOf,
  inheritsSession,
  installDirectory,
  isHomeFile,
  lineText,
  listWords,
  locationOf,
  pathEntries,
  pathEntryLocations,
  pathEntryOf,
  prependInProfile,
  probedContexts,
  profilePath,
  programsIn,
  sentence,
  sessionReader,
  uniqueLocations,
  verbFor,
  whenProfileReaches,
  winningAssignment,
} from './rules-shell-support.ts';

/** `PATH=…` with one kind of quotes (or none) around the whole value, and an optional comment. */
const POSIX_PATH_LINE = /^(\s*(?:export\s+)?PATH=)(["']?)([^"'\s]*)\2(\s*(?:#.*)?)$/;
/** `set -gx PATH $PATH /dir` in fish. */
const FISH_APPEND = /^(\s*set\s+(?:-[a-zA-Z]+\s+)*PATH\s+)\$PATH\s+(\S+)(\s*(?:#.*)?)$/;
/** `fish_add_path -a /dir` (or `--append`) in fish. */
const FISH_ADD_PATH_APPEND = /^(\s*fish_add_path\s+(?:-[a-zA-Z]+\s+)*)(?:-a|--append)(\s+.*)$/;

/** Returns a part of a PATH value with `~`, `$HOME` and the variables of `environment` expanded. */
function expandPart(part: string, environment: Record<string, string>, home: string): string {
  const tilde = part === '~' || part.startsWith('~/') ? home + part.slice(1) : part;
  return tilde.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (whole, braced, plain) => {
    const name = (braced ?? plain) as string;
    if (name === 'HOME') return home;
    return environment[name] ?? whole;
  });
}

/**
 * Rewrites a line that puts `directory` on PATH so the directory comes first and every other part
 * keeps its place: `PATH=$PATH:/usr/local/go/bin:$HOME/go/bin` becomes
 * `PATH=/usr/local/go/bin:$PATH:$HOME/go/bin`. The directory is moved, not added, so PATH never
 * lists it twice. Returns null for lines of another shape, or when the directory is first already.
 */
export function moveEntryFirst(
  text: string,
  directory: string,
  environment: Record<string, string> = {},
  home = '',
): string | null {
  const posix = POSIX_PATH_LINE.exec(text);
  if (posix) {
    const parts = posix[3]!.split(':');
    const index = parts.findIndex((part) => part === directory || expandPart(part, environment, home) === directory);
    if (index <= 0) return null;
    const [moved] = parts.splice(index, 1);
    const quote = posix[2]!;
    return `${posix[1]}${quote}${[moved, ...parts].join(':')}${quote}${posix[4]}`;
  }
  const fish = FISH_APPEND.exec(text);
  if (fish && expandPart(fish[2]!, environment, home) === directory) return `${fish[1]}${fish[2]} $PATH${fish[3]}`;
  const addPath = FISH_ADD_PATH_APPEND.exec(text);
  // --move puts the directory first even when PATH has it already.
  if (addPath && text.includes(directory)) return `${addPath[1]}--move${addPath[2]}`;
  return null;
}

/** Returns the index in the PATH chain of a context of the assignment that made `assignment`, or -1. */
function chainIndex(context: ScanContext, assignment: Assignment | null | undefined): number {
  if (!assignment) return -1;
  return (context.provenance?.variables.PATH?.chain ?? []).findIndex(
    (candidate) =>
      candidate.location.file === assignment.location.file &&
      candidate.location.line === assignment.location.line &&
      candidate.command === assignment.command,
  );
}

/** An older go found first, in the contexts where it shadows the same newer go. */
interface Shadowing {
  newer: string;
  newerVersion: string;
  first: string;
  firstVersion: string;
  contexts: ScanContext[];
}

function findShadowings(facts: FindingFacts): Shadowing[] {
  const byNewer = new Map<string, Shadowing>();
  for (const context of probedContexts(facts)) {
    const [first, ...later] = context.go?.candidates ?? [];
    if (!first?.version) continue;
    const newer = later
      .filter((candidate) => candidate.realPath !== first.realPath)
      .filter((candidate) => compareGoVersions(candidate.version, first.version) > 0)
      .sort((left, right) => compareGoVersions(right.version, left.version))[0];
    if (!newer?.version) continue;
    const shadowing = byNewer.get(newer.path) ?? {
      newer: newer.path,
      newerVersion: newer.version,
      first: first.path,
      firstVersion: first.version,
      contexts: [],
    };
    shadowing.contexts.push(context);
    byNewer.set(newer.path, shadowing);
  }
  return [...byNewer.values()];
}

/**
 * Returns the fix that makes the newer go win: the line that added its directory rewritten to put
 * it first, or else a line in the managed block of that file or of ~/.profile.
 */
async function shadowFix(
  facts: FindingFacts,
  contexts: ScanContext[],
  directory: string,
  olderDirectory: string,
): Promise<Fix | null> {
  const context = contexts.find((candidate) => pathEntryOf(candidate, directory)?.addedBy?.location.line != null);
  const addedBy = context ? pathEntryOf(context, directory)?.addedBy : null;
  const effect = {
    contextIds: idsOf(contexts),
    description: `${sentence(contextLabels(contexts))} ${verbFor(contexts, 'runs', 'run')} ${directory}/go.`,
  };
  // NOTE: where the newer go's directory comes from the session or a system file, the line added
  // to ~/.profile leaves a second copy of it further down PATH, which only the first copy uses.
  if (!context || !addedBy || !isHomeFile(addedBy.location.file, facts.home)) {
    const edit = await prependInProfile(facts, directory);
    if (edit === null) return null;
    const title = `Put ${directory} first on PATH in ~/.profile`;
    return { id: 'prepend-in-profile', title, edits: [edit], command: null, effect };
  }

  const file = addedBy.location.file;
  const line = addedBy.location.line!;
  const text = await lineText(facts.files, file, line);
  // Moving the directory to the front of its own line only helps when the older go's directory
  // is already on PATH there (inherited, from an earlier line, or from the same line).
  const older = pathEntryOf(context, olderDirectory)?.addedBy;
  const olderIsLater = older != null && chainIndex(context, older) > chainIndex(context, addedBy);
  const rewritten = text === null || olderIsLater ? null : moveEntryFirst(text, directory, context.env, facts.home);
  if (rewritten !== null) {
    return {
      id: 'prepend-instead',
      title: `Put ${directory} first on PATH at ${displayLocation(file, line, facts.home)}`,
      edits: [await editFile(facts.files, file, (current) => replaceLine(current, line, rewritten))],
      command: null,
      effect,
    };
  }
  const shell = startupFileSyntax(file, facts.report.contexts);
  try {
    const blockLine = renderHomePathEntry(shell, directory, 'prepend', facts.home);
    return {
      id: 'prepend-in-block',
      title: `Put ${directory} first on PATH at the end of ${displayPath(file, facts.home)}`,
      edits: [await managedBlockEdit(facts.files, file, shell, [blockLine])],
      command: null,
      effect,
    };
  } catch (error) {
    if (!(error instanceof ShellValueError)) throw error;
    return null;
  }
}

const goShadowed: Rule = {
  id: 'go-shadowed',
  severity: 'warning',
  title: 'An older go comes before a newer one on PATH',
  reads: ['contexts', 'provenance', 'startup-files'],
  async check(facts) {
    const drafts: FindingDraft[] = [];
    for (const shadowing of findShadowings(facts)) {
      const { newer, newerVersion, first, firstVersion, contexts } = shadowing;
      const newerDirectory = path.dirname(newer);
      const locations = uniqueLocations([
        ...(await pathEntryLocations(facts, contexts, () => path.dirname(first))),
        ...(await pathEntryLocations(facts, contexts, () => newerDirectory)),
      ]);
      const fix = await shadowFix(facts, contexts, newerDirectory, path.dirname(first));
      drafts.push({
        key: newer,
        title: `${first} (${firstVersion}) runs instead of the newer ${newer} (${newerVersion})`,
        explanation:
          `Two Go installations are on PATH in ${contextLabels(contexts)}. A shell runs the ` +
          `first go it finds, so \`go\` is ${first} (${firstVersion}), and ${newer} ` +
          `(${newerVersion}), whose directory comes later on PATH, never runs. This is typical ` +
          'after installing a new Go with a line that appends its directory to PATH, behind an ' +
          'older Go.',
        evidence: {
          contextIds: idsOf(contexts),
          values: [
            { name: 'go on PATH', value: goWithVersion(first, firstVersion), contextId: null, source: null },
            { name: 'shadowed go', value: goWithVersion(newer, newerVersion), contextId: null, source: null },
          ],
          locations,
        },
        fixes: fix === null ? [] : [fix],
      });
    }
    return drafts;
  },
};

/** Reports whether PATH has the directory only in a `~/…` spelling, which unexpanded-path explains. */
function hasTildeSpelling(facts: FindingFacts, context: ScanContext, directory: string): boolean {
  return pathEntries(context.env).some(
    (entry) => entry.startsWith('~') && path.join(facts.home, entry.slice(1)) === directory,
  );
}

/** Groups the contexts whose install directory is not on PATH by that directory. */
function contextsMissingInstallDirectory(facts: FindingFacts): Map<string, ScanContext[]> {
  const reader = sessionReader(facts);
  const byDirectory = new Map<string, ScanContext[]>();
  for (const context of probedContexts(facts)) {
    const directory = installDirectory(context);
    if (directory === null || pathEntries(context.env).includes(directory)) continue;
    if (hasTildeSpelling(facts, context, directory)) continue;
    // The next login gives these contexts the PATH of ~/.profile, as the session-outdated hint explains.
    const sessionGetsIt = reader !== null && pathEntries(reader.env).includes(directory);
    if (sessionGetsIt && inheritsSession(context)) continue;
    byDirectory.set(directory, [...(byDirectory.get(directory) ?? []), context]);
  }
  return byDirectory;
}

const installDirectoryNotOnPath: Rule = {
  id: 'install-dir-not-on-path',
  severity: 'warning',
  title: 'Programs installed with go install are not found',
  reads: ['contexts', 'provenance', 'file-system'],
  async check(facts) {
    const drafts: FindingDraft[] = [];
    for (const [directory, contexts] of contextsMissingInstallDirectory(facts)) {
      const programs = await programsIn(directory);
      // An empty or missing folder is what a fresh install has: nothing is missing yet.
      if (programs.length === 0) continue;
      const env = contexts[0]!.go!.env!;
      const setting = env.GOBIN ? 'GOBIN' : 'GOPATH';
      const assignment = contexts
        .map((context) => winningAssignment(context, setting))
        .find((candidate) => candidate?.location.line != null);
      const source = assignment
        ? displayLocation(assignment.location.file, assignment.location.line, facts.home)
        : 'default';
      const named = `${listWords(programs.slice(0, 3))}${programs.length > 3 ? ', …' : ''}`;
      const fix = await addInstallDirectoryFix(facts, directory, contexts, programs);
      drafts.push({
        key: displayPath(directory, facts.home),
        title: `Programs installed with go install (${named}) are not found`,
        explanation:
          `go install puts programs in ${directory} ` +
          `(${setting === 'GOBIN' ? 'GOBIN' : 'GOPATH/bin, because GOBIN is not set'}), which ` +
          `contains ${programs.length} program${programs.length === 1 ? '' : 's'}. That directory ` +
          `is not on PATH in ${contextLabels(contexts)}, so typing a program's name there gives ` +
          '"command not found", and editors cannot find tools such as gopls or dlv.',
        evidence: {
          contextIds: idsOf(contexts),
          values: [{ name: setting, value: env[setting] || null, contextId: contexts[0]!.id, source }],
          locations: assignment
            ? [await locationOf(facts.files, assignment.location.file, assignment.location.line)]
            : [],
        },
        fixes: fix === null ? [] : [fix],
      });
    }
    return drafts;
  },
};

async function addInstallDirectoryFix(
  facts: FindingFacts,
  directory: string,
  contexts: ScanContext[],
  programs: string[],
): Promise<Fix | null> {
  let line: string;
  try {
    line = renderHomePathEntry('sh', directory, 'append', facts.home);
  } catch (error) {
    if (error instanceof ShellValueError) return null;
    throw error;
  }
  const named = `${listWords(programs.slice(0, 5))}${programs.length > 5 ? ' and others' : ''}`;
  return {
    id: 'add-to-path',
    title: `Add ${displayPath(directory, facts.home)} to PATH in ~/.profile`,
    edits: [await managedBlockEdit(facts.files, profilePath(facts), 'sh', [line])],
    command: null,
    effect: {
      contextIds: idsOf(contexts),
      description: `${sentence(named)} can be run by name: ${whenProfileReaches(facts, contexts)}.`,
    },
  };
}

/** The rules about PATH order and the go install directory. */
export const SHELL_PATH_RULES: Rule[] = [goShadowed, installDirectoryNotOnPath];
