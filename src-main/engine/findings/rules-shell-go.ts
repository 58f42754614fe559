/**
 * Rules about the `go` command on PATH: missing in some contexts, different between contexts,
 * an older go found before a newer one, and the folder `go install` writes to missing from PATH.
 */
import path from 'node:path';

import type { EvidenceLocation, EvidenceValue, Fix, FixFileEdit } from '../../shared/findings.ts';
import type { ScanContext } from '../../shared/scan-report.ts';
import { renderPathAppend, renderPathPrepend, ShellValueError } from '../files/managed-block.ts';
import { managedBlockEdit, replaceLine, editFile, startupFileSyntax } from './fix-edits.ts';
import type { FindingDraft, FindingFacts, Rule } from './rule.ts';
import {
  compareGoVersions,
  contextLabels,
  displayLocation,
  displayPath,
  goDirectory,
  inheritsSession,
  installDirectory,
  isHomeFile,
  lineText,
  listWords,
  locationOf,
  pathEntries,
  pathEntryOf,
  prependInProfile,
  probedContexts,
  profilePath,
  programsIn,
  sessionFiles,
  sessionReader,
  whenProfileReaches,
} from './rules-shell-support.ts';

/** Reports whether a bash login context skipped ~/.profile because ~/.bash_profile or ~/.bash_login exists. */
export function skipsProfile(facts: FindingFacts, context: ScanContext): boolean {
  const profile = profilePath(facts);
  return context.mode === 'login' && context.startupFiles.some((file) => file.path === profile && file.status === 'skipped');
}

/** The first home startup file a context read, for lines that must reach only that context. */
function ownLoginFile(facts: FindingFacts, context: ScanContext): string | null {
  const read = context.startupFiles.find((file) => file.status === 'read' && isHomeFile(file.path, facts.home));
  return read?.path ?? null;
}

/** Evidence values naming the go each context runs. */
function goValues(contexts: ScanContext[]): EvidenceValue[] {
  return contexts.map((context) => ({
    name: 'go on PATH',
    value: context.go?.path ?? null,
    contextId: context.id,
    source: context.go?.version ?? null,
  }));
}

/** Locations of the lines that put a directory on PATH in the given contexts, once each. */
async function pathEntryLocations(facts: FindingFacts, contexts: ScanContext[], directory: (context: ScanContext) => string | null): Promise<EvidenceLocation[]> {
  const seen = new Set<string>();
  const locations: EvidenceLocation[] = [];
  for (const context of contexts) {
    const entry = directory(context);
    const addedBy = entry === null ? null : pathEntryOf(context, entry)?.addedBy;
    if (!addedBy || addedBy.location.line === null) continue;
    const key = `${addedBy.location.file}:${addedBy.location.line}`;
    if (seen.has(key)) continue;
    seen.add(key);
    locations.push(await locationOf(facts.files, addedBy.location.file, addedBy.location.line));
  }
  return locations;
}

/**
 * Reports whether every context that finds go got its directory from a home file that the desktop
 * session never reads; the rule about such files explains it better than a list of contexts.
 */
function goOnlyFromUnreadFiles(facts: FindingFacts, withGo: ScanContext[]): boolean {
  const session = sessionFiles(facts);
  return withGo.every((context) => {
    const directory = goDirectory(context);
    const addedBy = directory === null ? null : pathEntryOf(context, directory)?.addedBy;
    return !!addedBy && isHomeFile(addedBy.location.file, facts.home) && !session.has(addedBy.location.file);
  });
}

/** Builds the edits that put `directory` first on PATH for each context, in the file it reads. */
async function prependEdits(facts: FindingFacts, contexts: ScanContext[], directory: string): Promise<FixFileEdit[]> {
  const byFile = new Map<string, string>();
  for (const context of contexts) {
    // A bash login shell with its own ~/.bash_profile never reads ~/.profile.
    const file = skipsProfile(facts, context) ? ownLoginFile(facts, context) : null;
    byFile.set(file ?? profilePath(facts), file === null ? 'sh' : startupFileSyntax(file, facts.report.contexts));
  }
  const edits: FixFileEdit[] = [];
  for (const [file, shell] of byFile) {
    try {
      const line = renderPathPrepend(shell as Parameters<typeof renderPathPrepend>[0], directory);
      edits.push(await managedBlockEdit(facts.files, file, shell as Parameters<typeof managedBlockEdit>[2], [line]));
    } catch (error) {
      if (!(error instanceof ShellValueError)) throw error;
    }
  }
  return edits;
}

const goMissing: Rule = {
  id: 'go-missing',
  severity: 'warning',
  title: 'go is found in some contexts but not in others',
  reads: ['contexts', 'provenance', 'startup-files'],
  async check(facts) {
    const probed = probedContexts(facts);
    const withGo = probed.filter((context) => context.go?.path);
    const without = probed.filter((context) => !context.go?.path);
    if (withGo.length === 0 || without.length === 0) return [];

    const reader = sessionReader(facts);
    const sessionHasGo = !!reader?.go?.path;
    if (!sessionHasGo && goOnlyFromUnreadFiles(facts, withGo)) return [];
    // Contexts that get go at the next login, and bash login shells that miss ~/.profile, have
    // rules of their own.
    const missing = without.filter(
      (context) => !(sessionHasGo && (inheritsSession(context) || skipsProfile(facts, context))),
    );
    if (missing.length === 0) return [];

    const source = reader?.go?.path ? reader : (withGo.find((context) => context.mode === 'login') ?? withGo[0]!);
    const directory = goDirectory(source)!;
    const edits = await prependEdits(facts, missing, directory);
    const fixes: Fix[] =
      edits.length === 0
        ? []
        : [
            {
              id: 'add-to-path',
              title: `Put ${directory} on PATH in ${listWords(edits.map((edit) => displayPath(edit.path, facts.home)))}`,
              edits,
              command: null,
              effect: {
                contextIds: missing.map((context) => context.id),
                description: `go (${source.go!.path}, ${source.go!.version ?? 'version unknown'}) is found in ${whenProfileReaches(facts, missing)}.`,
              },
            },
          ];
    const draft: FindingDraft = {
      key: 'go',
      title: `go is not found in ${contextLabels(missing)}`,
      explanation:
        `${contextLabels(withGo)} find go at ${listWords([...new Set(withGo.map((context) => context.go!.path!))])}, ` +
        `but ${contextLabels(missing)} do not: no directory on their PATH contains go. Programs started ` +
        'there, such as editors, build scripts and terminals, report "go: command not found". ' +
        `The directory ${directory} has to be on PATH in the startup file those contexts read.`,
      evidence: {
        contextIds: missing.map((context) => context.id),
        values: goValues([...withGo, ...missing]),
        locations: await pathEntryLocations(facts, withGo, goDirectory),
      },
      fixes,
    };
    return [draft];
  },
};

/**
 * Variables the session-outdated rule compares: values the desktop session would get from
 * ~/.profile at the next login.
 */
function sessionVariables(reader: ScanContext): string[] {
  return Object.keys(reader.provenance?.variables ?? {}).filter((name) => name !== 'PATH');
}

const sessionOutdated: Rule = {
  id: 'session-outdated',
  severity: 'hint',
  title: 'the desktop session started before the latest change to ~/.profile',
  reads: ['contexts', 'provenance', 'startup-files'],
  async check(facts) {
    const reader = sessionReader(facts);
    if (reader === null) return [];
    const session = sessionFiles(facts);
    const profileSets = (name: string) => {
      const variable = reader.provenance?.variables[name];
      const winner = variable && variable.winner !== null ? variable.chain[variable.winner] : null;
      return !!winner && session.has(winner.location.file);
    };
    const names = sessionVariables(reader).filter((name) => reader.env[name] !== undefined && profileSets(name));
    const directory = goDirectory(reader);
    const stale = probedContexts(facts).filter((context) => {
      if (context === reader || !inheritsSession(context)) return false;
      const missesGo = directory !== null && !context.go?.path;
      return missesGo || names.some((name) => context.env[name] === undefined);
    });
    if (stale.length === 0) return [];

    const values: EvidenceValue[] = [];
    if (directory !== null) values.push({ name: 'go on PATH', value: reader.go!.path, contextId: reader.id, source: displayPath(profilePath(facts), facts.home) });
    for (const name of names) values.push({ name, value: reader.env[name]!, contextId: reader.id, source: null });
    return [
      {
        key: 'session',
        title: 'Log out and back in so the desktop session gets the Go settings of ~/.profile',
        explanation:
          `A new login reads ~/.profile and gets ${listWords(values.map((value) => value.name))}, as ${reader.label} shows. ` +
          `${contextLabels(stale)} start from the desktop session that is running now, which began ` +
          'before ~/.profile had these lines, so they do not have them yet. Logging out and back in ' +
          'starts a session that does.',
        evidence: { contextIds: stale.map((context) => context.id), values, locations: [] },
        fixes: [],
      },
    ];
  },
};

const goDiffers: Rule = {
  id: 'go-differs',
  severity: 'warning',
  title: 'contexts run different go binaries or versions',
  reads: ['contexts', 'provenance'],
  async check(facts) {
    const withGo = probedContexts(facts).filter((context) => context.go?.path);
    const realPaths = new Set(withGo.map((context) => context.go!.candidates[0]?.realPath ?? context.go!.path!));
    if (realPaths.size < 2) return [];
    const versions = [...new Set(withGo.map((context) => context.go!.version ?? 'unknown'))];
    const newest = withGo.reduce((best, context) => (compareGoVersions(context.go!.version, best.go!.version) > 0 ? context : best));
    const older = withGo.filter((context) => compareGoVersions(context.go!.version, newest.go!.version) < 0);
    const severity = versions.length > 1 ? 'warning' : 'hint';

    const described = withGo.map((context) => `${context.label}: ${context.go!.path} (${context.go!.version ?? 'version unknown'})`);
    const newestDirectory = goDirectory(newest)!;
    const edits = older.length === 0 ? [] : await olderContextEdits(facts, older, newestDirectory);
    return [
      {
        key: 'go',
        severity,
        title:
          versions.length > 1
            ? `Different contexts run different Go versions (${listWords(versions)})`
            : 'Different contexts run different copies of the same Go version',
        explanation:
          `Each context runs the first go on its PATH: ${described.join('; ')}. ` +
          (versions.length > 1
            ? 'A build in the terminal and the same build started by an editor or a script then use different ' +
              'compilers and standard libraries, so they can behave differently.'
            : 'They are the same version, so builds behave alike, but an upgrade of one copy will not reach the others.'),
        evidence: {
          contextIds: withGo.map((context) => context.id),
          values: goValues(withGo),
          locations: await pathEntryLocations(facts, withGo, goDirectory),
        },
        fixes:
          edits.length === 0
            ? []
            : [
                {
                  id: 'prefer-newest',
                  title: `Put ${newestDirectory} first on PATH where an older go wins`,
                  edits,
                  command: null,
                  effect: {
                    contextIds: older.map((context) => context.id),
                    description: `${contextLabels(older)} run ${newest.go!.path} (${newest.go!.version}) instead.`,
                  },
                },
              ],
      },
    ];
  },
};

/** Edits that put `directory` first on PATH in each file that added an older go's directory. */
async function olderContextEdits(facts: FindingFacts, older: ScanContext[], directory: string): Promise<FixFileEdit[]> {
  const files = new Set<string>();
  for (const context of older) {
    const own = goDirectory(context);
    const addedBy = own === null ? null : pathEntryOf(context, own)?.addedBy;
    files.add(addedBy && isHomeFile(addedBy.location.file, facts.home) ? addedBy.location.file : profilePath(facts));
  }
  const edits: FixFileEdit[] = [];
  for (const file of files) {
    const shell = startupFileSyntax(file, facts.report.contexts);
    try {
      edits.push(await managedBlockEdit(facts.files, file, shell, [renderPathPrepend(shell, directory)]));
    } catch (error) {
      if (!(error instanceof ShellValueError)) throw error;
    }
  }
  return edits;
}

/** `PATH="$PATH:/dir"` and its unquoted and braced forms, which append a directory. */
const POSIX_APPEND = /^(\s*(?:export\s+)?PATH=)(["']?)\$(?:PATH|\{PATH\}):([^"':$]+)\2(\s*(?:#.*)?)$/;
/** `set -gx PATH $PATH /dir` in fish. */
const FISH_APPEND = /^(\s*set\s+(?:-[a-zA-Z]+\s+)*PATH\s+)\$PATH\s+(\S+)(\s*(?:#.*)?)$/;

/** Rewrites a line that appends a directory to PATH so it prepends it; null for other lines. */
export function appendToPrepend(text: string): string | null {
  const posix = POSIX_APPEND.exec(text);
  if (posix) {
    const quote = posix[2] || '"';
    return `${posix[1]}${quote}${posix[3]}:$PATH${quote}${posix[4]}`;
  }
  const fish = FISH_APPEND.exec(text);
  if (fish) return `${fish[1]}${fish[2]} $PATH${fish[3]}`;
  return null;
}

const goShadowed: Rule = {
  id: 'go-shadowed',
  severity: 'warning',
  title: 'an older go comes before a newer one on PATH',
  reads: ['contexts', 'provenance', 'startup-files'],
  async check(facts) {
    const byNewer = new Map<string, { contexts: ScanContext[]; first: string; firstVersion: string; newerVersion: string }>();
    for (const context of probedContexts(facts)) {
      const [first, ...later] = context.go?.candidates ?? [];
      if (!first?.version) continue;
      const newer = later
        .filter((candidate) => candidate.realPath !== first.realPath && compareGoVersions(candidate.version, first.version) > 0)
        .sort((left, right) => compareGoVersions(right.version, left.version))[0];
      if (!newer) continue;
      const entry = byNewer.get(newer.path) ?? { contexts: [], first: first.path, firstVersion: first.version, newerVersion: newer.version! };
      entry.contexts.push(context);
      byNewer.set(newer.path, entry);
    }
    const drafts: FindingDraft[] = [];
    for (const [newer, shadow] of byNewer) {
      const newerDirectory = path.dirname(newer);
      const locations = [
        ...(await pathEntryLocations(facts, shadow.contexts, () => path.dirname(shadow.first))),
        ...(await pathEntryLocations(facts, shadow.contexts, () => newerDirectory)),
      ];
      const fix = await shadowFix(facts, shadow.contexts, newerDirectory);
      drafts.push({
        key: newer,
        title: `${shadow.first} (${shadow.firstVersion}) runs instead of the newer ${newer} (${shadow.newerVersion})`,
        explanation:
          `Two Go installations are on PATH in ${contextLabels(shadow.contexts)}. A shell runs the first go ` +
          `it finds, so \`go\` is ${shadow.first} (${shadow.firstVersion}), and ${newer} ` +
          `(${shadow.newerVersion}), whose directory comes later on PATH, never runs. This is typical ` +
          'after installing a new Go with a line that appends its directory to PATH, behind an older Go.',
        evidence: {
          contextIds: shadow.contexts.map((context) => context.id),
          values: [
            { name: 'go on PATH', value: shadow.first, contextId: null, source: shadow.firstVersion },
            { name: 'shadowed go', value: newer, contextId: null, source: shadow.newerVersion },
          ],
          locations,
        },
        fixes: fix === null ? [] : [fix],
      });
    }
    return drafts;
  },
};

/** The fix that makes the newer go win: the appending line turned into a prepending one, or a block line. */
async function shadowFix(facts: FindingFacts, contexts: ScanContext[], directory: string): Promise<Fix | null> {
  const addedBy = contexts.map((context) => pathEntryOf(context, directory)?.addedBy).find((assignment) => assignment?.location.line != null);
  const effect = { contextIds: contexts.map((context) => context.id), description: `${contextLabels(contexts)} run ${directory}/go.` };
  if (addedBy && isHomeFile(addedBy.location.file, facts.home)) {
    const { file, line } = addedBy.location;
    const text = await lineText(facts.files, file, line);
    const rewritten = text === null ? null : appendToPrepend(text);
    if (rewritten !== null) {
      return {
        id: 'prepend-instead',
        title: `Put ${directory} first on PATH at ${displayLocation(file, line, facts.home)}`,
        edits: [await editFile(facts.files, file, (current) => replaceLine(current, line!, rewritten))],
        command: null,
        effect,
      };
    }
    const shell = startupFileSyntax(file, facts.report.contexts);
    try {
      return {
        id: 'prepend-in-block',
        title: `Put ${directory} first on PATH at the end of ${displayPath(file, facts.home)}`,
        edits: [await managedBlockEdit(facts.files, file, shell, [renderPathPrepend(shell, directory)])],
        command: null,
        effect,
      };
    } catch (error) {
      if (!(error instanceof ShellValueError)) throw error;
      return null;
    }
  }
  const edit = await prependInProfile(facts, directory);
  return edit === null ? null : { id: 'prepend-in-profile', title: `Put ${directory} first on PATH in ~/.profile`, edits: [edit], command: null, effect };
}

const installDirectoryNotOnPath: Rule = {
  id: 'install-dir-not-on-path',
  severity: 'warning',
  title: 'programs installed with go install are not found',
  reads: ['contexts', 'provenance', 'file-system'],
  async check(facts) {
    const reader = sessionReader(facts);
    const byDirectory = new Map<string, ScanContext[]>();
    for (const context of probedContexts(facts)) {
      const directory = installDirectory(context);
      if (directory === null || pathEntries(context.env).includes(directory)) continue;
      // A `~/…` spelling of the directory is on PATH: the unexpanded-path rule explains that.
      if (pathEntries(context.env).some((entry) => entry.startsWith('~') && path.join(facts.home, entry.slice(1)) === directory)) continue;
      // The next login gives these contexts the PATH of ~/.profile, as the session-outdated hint says.
      if (reader !== null && inheritsSession(context) && pathEntries(reader.env).includes(directory)) continue;
      byDirectory.set(directory, [...(byDirectory.get(directory) ?? []), context]);
    }
    const drafts: FindingDraft[] = [];
    for (const [directory, contexts] of byDirectory) {
      const programs = await programsIn(directory);
      // An empty or missing folder is what a fresh install has; nothing is missing yet.
      if (programs.length === 0) continue;
      const gobin = contexts[0]!.go!.env!.GOBIN;
      const setting = gobin ? 'GOBIN' : 'GOPATH';
      const setAt = contexts.map((context) => ({ context, assignment: pathlessWinner(context, setting) })).find((item) => item.assignment);
      let fix: Fix | null = null;
      try {
        const edit = await managedBlockEdit(facts.files, profilePath(facts), 'sh', [renderPathAppend('sh', directory)]);
        fix = {
          id: 'add-to-path',
          title: `Add ${displayPath(directory, facts.home)} to PATH in ~/.profile`,
          edits: [edit],
          command: null,
          effect: {
            contextIds: contexts.map((context) => context.id),
            description: `${listWords(programs.slice(0, 5))}${programs.length > 5 ? ' and others' : ''} can be run by name in ${whenProfileReaches(facts, contexts)}.`,
          },
        };
      } catch (error) {
        if (!(error instanceof ShellValueError)) throw error;
      }
      drafts.push({
        key: displayPath(directory, facts.home),
        title: `Programs installed with go install (${listWords(programs.slice(0, 3))}${programs.length > 3 ? ', …' : ''}) are not found`,
        explanation:
          `go install puts programs in ${directory} (${gobin ? 'GOBIN' : `${setting}/bin, because GOBIN is not set`}), ` +
          `which holds ${programs.length} program${programs.length === 1 ? '' : 's'}. That directory is not on PATH in ` +
          `${contextLabels(contexts)}, so typing a program's name there gives "command not found", and editors ` +
          'cannot find tools such as gopls or dlv.',
        evidence: {
          contextIds: contexts.map((context) => context.id),
          values: [{ name: setting, value: contexts[0]!.go!.env![setting] || null, contextId: contexts[0]!.id, source: setAt?.assignment ? displayLocation(setAt.assignment.location.file, setAt.assignment.location.line, facts.home) : 'default' }],
          locations: setAt?.assignment && setAt.assignment.location.line !== null ? [await locationOf(facts.files, setAt.assignment.location.file, setAt.assignment.location.line)] : [],
        },
        fixes: fix === null ? [] : [fix],
      });
    }
    return drafts;
  },
};

function pathlessWinner(context: ScanContext, name: string) {
  const variable = context.provenance?.variables[name];
  return variable && variable.winner !== null ? variable.chain[variable.winner] ?? null : null;
}

/** The rules about go on PATH. */
export const SHELL_GO_RULES: Rule[] = [goMissing, sessionOutdated, goDiffers, goShadowed, installDirectoryNotOnPath];
